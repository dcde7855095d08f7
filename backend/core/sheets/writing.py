"""Writing a workbook: text cells that are never formulas, and ``FormSheet``, the one way a form
is laid out so that every export looks like the official paper form.

Text escaping (``put``, ``write``, ``append``, ``workbook_bytes``): a ``str`` is always a text
cell. openpyxl turns a string starting with ``=`` into a live formula and ``#N/A`` into an error
value; user text such as ``=HYPERLINK(...)`` or ``=cmd|...`` must never be evaluated by a
spreadsheet, and a target written as ``=72890元`` must read back as that text. The cell's type
is set to an inline string, so the text is stored exactly (no prefix to strip on import) and an
export imports back to the same text. Characters XML cannot carry (control characters) are
dropped.

``FormSheet`` (declarative enough that a form says what it is, not how it is drawn): a title
merged over the form's width, label/value blocks with merged values, a header row that is bold,
filled, frozen and repeated as the print title on every page, thin borders over the whole form,
column widths, number formats for money, rates and scores, A4 portrait or landscape fitted to
one page wide with the title and page numbers in the header and footer. ``protect()`` protects
the sheet (no password: it guards against slips, not people) with every cell locked except those
written as inputs (``entry=True``) and the columns left open for rows added below the form:
computed cells (a score, a rate, a total, a locked target) cannot be typed over by accident.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

# --------------------------------------------------------------------------------- text cells


def clean_text(value: str) -> str:
    """``value`` without the characters an XLSX cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _as_text(cell: Any) -> None:
    if isinstance(cell.value, str) and cell.data_type in ("f", "e"):
        cell.data_type = "s"


def put(cell: Any, value: Any) -> Any:
    """Write ``value`` into ``cell``; a ``str`` is stored as text, never as a formula."""
    cell.value = clean_text(value) if isinstance(value, str) else value
    _as_text(cell)
    return cell


def write(sheet: Worksheet, row: int, column: int, value: Any) -> Any:
    """``sheet.cell(row, column, value)`` with ``put``'s guarantee."""
    return put(sheet.cell(row=row, column=column), value)


def append(sheet: Worksheet, values: Iterable[Any]) -> None:
    """``sheet.append(values)`` with ``put``'s guarantee for every cell."""
    row = [clean_text(v) if isinstance(v, str) else v for v in values]
    sheet.append(row)
    # The row just appended, by number: ``sheet.max_row`` walks every cell of the sheet.
    number = sheet._current_row
    for column in range(1, len(row) + 1):
        _as_text(sheet.cell(row=number, column=column))


def workbook_bytes(book: Workbook) -> bytes:
    """Save ``book``. Every string cell of every sheet is made text first: the last guard of
    every export, whatever wrote the cell."""
    from io import BytesIO

    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                _as_text(cell)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def number(value: Decimal) -> int | Decimal:
    """A number for a cell, without the model's trailing zeros (95.0000 → 95)."""
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def list_validation(options: Iterable[str], cells: str) -> DataValidation:
    """A drop-down of ``options`` over the range ``cells`` (blank allowed)."""
    rule = DataValidation(type="list", formula1=f'"{",".join(options)}"', allow_blank=True)
    rule.add(cells)
    return rule


# --------------------------------------------------------------------------------- styles

# Number formats. A rate is a percentage written as a number (95.5 under "执行率（%）"): a "%"
# format would make the import read 95.5 as 9550 %.
MONEY = "#,##0.00"
RATE = "0.00"
SCORE = "0.00"
COUNT = "0"
DECIMAL = "#,##0.00"
ONE_PLACE = "0.0"
TEXT = "@"  # a code stays text ("001") when edited in a spreadsheet

FONT_NAME = "宋体"
TITLE_FONT = Font(name=FONT_NAME, bold=True, size=16)
BOLD = Font(name=FONT_NAME, bold=True, size=11)
BODY = Font(name=FONT_NAME, size=11)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
COMPUTED_FILL = PatternFill("solid", fgColor="EDEDED")  # a computed cell, protected
LOCKED_FILL = PatternFill("solid", fgColor="D9D9D9")  # a value the province locked
MANDATORY_FILL = PatternFill("solid", fgColor="FFF2CC")  # a mandatory indicator's code
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
NUMBER = Alignment(horizontal="right", vertical="center")
OPEN = Protection(locked=False)
SHUT = Protection(locked=True)

LINE_HEIGHT = 14.5  # points per line of 11 pt text
PORTRAIT = "portrait"
LANDSCAPE = "landscape"


class FormSheet:
    """One sheet of a form, ``width`` columns wide, laid out from the top down.

    Every cell written through it is boxed; ``entry=True`` leaves it open when the sheet is
    protected. ``finish`` sets the widths, print setup and print titles; ``protect`` locks the
    rest. The sheet's layout (where the header is, which range is the form) is kept so that a
    test can check the print setup of any form the same way."""

    def __init__(
        self,
        sheet: Worksheet,
        *,
        title: str,
        widths: Sequence[float],
        orientation: str = PORTRAIT,
    ) -> None:
        self.sheet = sheet
        self.sheet.title = title
        self.widths = tuple(widths)
        self.width = len(self.widths)
        self.last_letter = get_column_letter(self.width)
        self.orientation = orientation
        self.header_row: int | None = None
        self.last_row = 0
        self.open_columns: tuple[int, ...] = ()
        self._lines: dict[int, int] = {}  # row → the lines its longest text wraps to
        self._styles: dict[tuple[Any, ...], Any] = {}  # a style's parts → its StyleArray

    # ---------------------------------------------------------------------- building blocks

    def cell(
        self,
        row: int,
        column: int,
        value: Any,
        *,
        entry: bool = False,
        number_format: str | None = None,
        fill: PatternFill | None = None,
        bold: bool = False,
        alignment: Alignment | None = None,
        border: bool = True,
        span: int = 1,
    ) -> Any:
        """Write one cell (text never a formula), boxed; ``entry``: open when protected;
        ``span``: the columns it is merged over (for the row's height)."""
        cell = write(self.sheet, row, column, value)
        if isinstance(value, str) and value:
            width = sum(self.widths[column - 1 : column - 1 + span]) or 10
            lines = _lines(value, width)
            self._lines[row] = max(self._lines.get(row, 1), lines)
        if alignment is None:
            numeric = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
            alignment = NUMBER if numeric else LEFT
        # A form has a handful of distinct styles over thousands of cells: each is built once
        # and copied (openpyxl otherwise hashes every style part on every assignment).
        # Keyed by identity (hashing a style part walks all its fields); the cache keeps the
        # parts alive, so an id is never reused for another one while the form is written.
        key = (bold, id(alignment), number_format, id(fill), border, entry)
        cached = self._styles.get(key)
        if cached is None:
            cell.font = BOLD if bold else BODY
            cell.alignment = alignment
            if number_format:
                cell.number_format = number_format
            if fill is not None:
                cell.fill = fill
            if border:
                cell.border = BOX
            cell.protection = OPEN if entry else SHUT
            self._styles[key] = (copy(cell._style), alignment, fill)
        else:
            cell._style = copy(cached[0])
        self.last_row = max(self.last_row, row)
        return cell

    def title(self, text: str, *, row: int = 1, height: float = 32) -> int:
        """The form's title, merged over its width, centred."""
        self.sheet.merge_cells(f"A{row}:{self.last_letter}{row}")
        cell = self.cell(row, 1, text, alignment=CENTER, border=False, span=self.width)
        cell.font = TITLE_FONT
        self.sheet.row_dimensions[row].height = height
        return row

    def label(self, row: int, column: int, text: str) -> Any:
        """A label cell: bold, grey, centred."""
        return self.cell(row, column, text, bold=True, fill=LABEL_FILL, alignment=CENTER)

    def merged(
        self,
        row: int,
        first: int,
        last: int,
        value: Any,
        *,
        entry: bool = False,
        number_format: str | None = None,
        alignment: Alignment | None = None,
        fill: PatternFill | None = None,
        bold: bool = False,
    ) -> Any:
        """``value`` in a cell merged over columns ``first``..``last`` of ``row``, every cell
        of the range boxed (a merged range draws the borders of its cells)."""
        if last > first:
            self.sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        cell = self.cell(
            row,
            first,
            value,
            entry=entry,
            number_format=number_format,
            alignment=alignment or WRAP,
            fill=fill,
            bold=bold,
            span=last - first + 1,
        )
        for column in range(first + 1, last + 1):
            other = self.sheet.cell(row=row, column=column)
            other.border = BOX
            other.protection = OPEN if entry else SHUT
        return cell

    def header(self, row: int, headers: Sequence[str], *, height: float | None = None) -> int:
        """The table's header row: bold, filled, centred; frozen below and printed on every
        page (``finish``)."""
        for column, text in enumerate(headers, start=1):
            self.cell(row, column, text, bold=True, fill=HEADER_FILL, alignment=CENTER)
        if height is not None:
            self.sheet.row_dimensions[row].height = height
        self.header_row = row
        return row

    def row(
        self,
        row: int,
        values: Sequence[Any],
        *,
        entry: bool | Iterable[int] = False,
        formats: Mapping[int, str] | None = None,
        fills: Mapping[int, PatternFill] | None = None,
        bold: bool = False,
    ) -> int:
        """A row of values from column A. ``entry``: every cell open, or the columns (1-based)
        that are; ``formats`` / ``fills``: by column."""
        open_columns = set(range(1, len(values) + 1)) if entry is True else set(entry or ())
        for column, value in enumerate(values, start=1):
            self.cell(
                row,
                column,
                value,
                entry=column in open_columns,
                number_format=(formats or {}).get(column),
                fill=(fills or {}).get(column),
                bold=bold,
                alignment=WRAP if isinstance(value, str) and len(value) > 20 else None,
            )
        return row

    def validation(self, options: Iterable[str], column: int, first: int, last: int) -> None:
        letter = get_column_letter(column)
        self.sheet.add_data_validation(list_validation(options, f"{letter}{first}:{letter}{last}"))

    # ---------------------------------------------------------------------- the whole form

    def finish(self, *, print_title: str, freeze_column: int = 1) -> None:
        """Widths, frozen header, print titles, print area and A4 page setup fitted to one page
        wide, the title and page numbers in the header and footer."""
        sheet = self.sheet
        for column, width in enumerate(self.widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        # Spreadsheets do not grow a row for wrapped text on opening: each row is as high as
        # its longest text needs (never lower than a height set on purpose).
        for row, lines in self._lines.items():
            if lines > 1:
                dimension = sheet.row_dimensions[row]
                dimension.height = max(dimension.height or 0, LINE_HEIGHT * lines + 4)
        if self.header_row is not None:
            sheet.freeze_panes = sheet.cell(row=self.header_row + 1, column=freeze_column)
            sheet.print_title_rows = f"{self.header_row}:{self.header_row}"
        sheet.print_area = f"A1:{self.last_letter}{max(self.last_row, 1)}"
        setup = sheet.page_setup
        setup.paperSize = sheet.PAPERSIZE_A4
        setup.orientation = self.orientation
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.print_options.horizontalCentered = True
        sheet.page_margins = PageMargins(
            left=0.5, right=0.5, top=0.8, bottom=0.8, header=0.3, footer=0.3
        )
        # "&" starts a code in a header or footer: a title's own ampersands are doubled.
        sheet.oddHeader.center.text = clean_text(print_title).replace("&", "&&")
        sheet.oddFooter.center.text = "第 &P 页，共 &N 页"

    def protect(self, *, open_columns: Iterable[int] = ()) -> None:
        """Protect the sheet: every cell written without ``entry`` is locked (labels, headers,
        computed cells, locked targets); ``open_columns`` stay open below the form, where rows
        are added. Resizing, sorting-free formatting of rows and columns and inserting or
        deleting rows stay allowed; no password."""
        sheet = self.sheet
        self.open_columns = tuple(open_columns)
        for column in self.open_columns:
            sheet.column_dimensions[get_column_letter(column)].protection = OPEN
        protection = sheet.protection
        protection.sheet = True
        protection.formatColumns = False
        protection.formatRows = False
        protection.insertRows = False
        protection.deleteRows = False
        protection.autoFilter = False
        protection.selectLockedCells = False
        protection.selectUnlockedCells = False


def _lines(text: str, width: float) -> int:
    """The lines ``text`` wraps to in a column ``width`` characters wide (a CJK character is
    two: column widths count Latin digits)."""
    room = max(width - 1, 1)
    if len(text) * 2 <= room and "\n" not in text:
        return 1  # fits even if every character is wide
    total = 0
    for paragraph in text.split("\n"):
        shown = sum(2 if ord(ch) > 0x2E80 else 1 for ch in paragraph)
        total += max(1, -(-shown // int(room)))
    return total


def info_sheet(
    book: Workbook, title: str, rows: Sequence[tuple[str, Any]], *, heading: str
) -> FormSheet:
    """A two-column description sheet (label | value), protected: it is read by people, not
    imported."""
    form = FormSheet(book.create_sheet(title), title=title, widths=(18, 60))
    form.title(heading)
    form.header(2, ("项目", "内容"))
    for offset, (label, value) in enumerate(rows, start=3):
        form.label(offset, 1, label)
        form.cell(offset, 2, value, alignment=WRAP)
    form.finish(print_title=heading)
    form.protect()
    return form

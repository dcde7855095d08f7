"""Reading an uploaded workbook (``open_workbook`` then ``read_sheet``) is bounded before openpyxl
sees a byte of it and while it streams:

- the file must be a ZIP whose members add up to at most ``JIXIAO_XLSX_MAX_UNPACKED_MB``
  decompressed and number at most ``MAX_MEMBERS`` (a zip bomb is refused from its central
  directory; Python's zipfile never inflates a member past its declared size);
- the workbook is opened read-only (openpyxl streams each sheet's XML instead of building every
  cell of the grid) and with cached values instead of formulas;
- a sheet is read row by row from the XML, keeping only the first ``max_columns`` columns of the
  first ``max_rows`` rows. A cell with a value below that (``XFD1048576``) is ``TOO_MANY_ROWS``
  as soon as the stream reaches it; missing rows are never padded, so a far-away cell costs one
  parsed element, not a million empty rows;
- ``capped`` keeps the first ``JIXIAO_XLSX_MAX_PROBLEMS`` problems of an import and replaces the
  rest with one ``TOO_MANY_PROBLEMS`` saying how many more there were.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import openpyxl
from django.conf import settings
from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._reader import WorkSheetParser

from backend.core import cleaning
from backend.core.errors import BaseErrorCode, CoreErrorCode, DomainError, Problem
from backend.core.numbers import VALUE

# A workbook saved by Excel or LibreOffice has 10–40 members; ours have fewer.
MAX_MEMBERS = 500


def max_rows() -> int:
    return int(settings.JIXIAO_XLSX_MAX_ROWS)


def max_unpacked_bytes() -> int:
    return int(settings.JIXIAO_XLSX_MAX_UNPACKED_MB) * 1024 * 1024


def max_problems() -> int:
    return int(settings.JIXIAO_XLSX_MAX_PROBLEMS)


# --------------------------------------------------------------------------------- reading


def _invalid(field: str, what: str) -> DomainError:
    return DomainError.single(
        CoreErrorCode.INVALID_FILE, f"无法读取文件：请上传 Excel（.xlsx）格式的{what}。", field
    )


def check_archive(content: bytes, *, field: str, what: str = "表格") -> None:
    """Refuse what is not a ZIP, or unpacks to too much, before anything is decompressed."""
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _invalid(field, what) from exc
    if len(members) > MAX_MEMBERS:
        raise DomainError.single(
            CoreErrorCode.FILE_TOO_LARGE,
            f"文件包含 {len(members)} 个部件，超过上限 {MAX_MEMBERS}，不是正常的 Excel 表格。",
            field,
        )
    unpacked = sum(member.file_size for member in members)
    limit = max_unpacked_bytes()
    if unpacked > limit:
        raise DomainError.single(
            CoreErrorCode.FILE_TOO_LARGE,
            f"文件解压后为 {unpacked / 1024 / 1024:.1f} MB，超过上限 "
            f"{limit // 1024 // 1024} MB。请删除多余的工作表或内容后再上传。",
            field,
        )


def open_workbook(content: bytes, *, field: str, what: str = "表格") -> Workbook:
    """The workbook in ``content``, read-only with cached values, after ``check_archive``.
    ``INVALID_FILE`` (naming ``what`` the user should upload) when it is not an XLSX workbook."""
    check_archive(content, field=field, what=what)
    try:
        return openpyxl.load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise _invalid(field, what) from exc


def require_sheet(
    book: Workbook, name: str, *, field: str, code: BaseErrorCode = CoreErrorCode.INVALID_FILE
) -> Any:
    if name not in book.sheetnames:
        raise DomainError.single(code, f"文件中没有“{name}”工作表。", field)
    return book[name]


@dataclass(frozen=True)
class Cell:
    """A cell as read: its value (``None`` when empty), number format and position."""

    value: Any
    row: int
    column: int
    number_format: str = "General"

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"


class Grid:
    """The bounded contents of one sheet: ``max_columns`` columns of the rows that have any."""

    def __init__(
        self,
        title: str,
        rows: dict[int, tuple[Cell, ...]],
        max_columns: int,
        errors: dict[str, str] | None = None,
    ) -> None:
        self.title = title
        self._rows = rows
        self.max_columns = max_columns
        # Cells holding a spreadsheet error ("#NAME?"): coordinate → the error. Text such as
        # "=72890元" typed into Excel becomes a formula that fails; its "value" is the error.
        self.errors = errors or {}

    def error_problems(self, field: Callable[[str], str]) -> list[Problem]:
        """One problem per error cell, named by ``field(coordinate)``."""
        return [
            Problem(
                CoreErrorCode.FORMULA_ERROR,
                f"单元格为公式错误（{error}）：以“=”开头的文字请设为文本格式或在前面加英文"
                "单引号（'）后重新填写。",
                field(coordinate),
            )
            for coordinate, error in self.errors.items()
        ]

    def row(self, number: int) -> tuple[Cell, ...]:
        found = self._rows.get(number)
        if found is not None:
            return found
        return tuple(Cell(None, number, c) for c in range(1, self.max_columns + 1))

    def cell(self, number: int, column: int) -> Cell:
        return self.row(number)[column - 1]

    def value(self, number: int, column: int) -> Any:
        return self.cell(number, column).value

    def at(self, ref: str) -> Cell:
        """The cell at ``ref`` ("D4")."""
        letter, number = coordinate_from_string(ref)
        return self.cell(number, column_index_from_string(letter))

    def rows(self, min_row: int = 1, max_row: int | None = None) -> Iterator[tuple[Cell, ...]]:
        """The rows present in the file from ``min_row`` on, in order (absent rows skipped)."""
        for number in sorted(self._rows):
            if number < min_row:
                continue
            if max_row is not None and number > max_row:
                break
            yield self._rows[number]

    @property
    def last_row(self) -> int:
        return max(self._rows, default=0)


def read_sheet(sheet: Any, *, max_columns: int, field: str, row_limit: int | None = None) -> Grid:
    """Stream ``sheet`` (of a workbook from ``open_workbook``) into a ``Grid`` of its first
    ``max_columns`` columns. A value below row ``row_limit`` (default ``JIXIAO_XLSX_MAX_ROWS``)
    is ``TOO_MANY_ROWS``; formatting-only rows down there are skipped without being kept."""
    try:
        return _read(sheet, max_columns=max_columns, field=field, row_limit=row_limit)
    except DomainError:
        raise
    except Exception as exc:  # broken XML, a bad coordinate, a shared string out of range
        raise _invalid(field, "表格") from exc


def _read(sheet: Any, *, max_columns: int, field: str, row_limit: int | None) -> Grid:
    limit = row_limit if row_limit is not None else max_rows()
    book = sheet.parent
    rows: dict[int, tuple[Cell, ...]] = {}
    errors: dict[str, str] = {}
    formats: dict[Any, str] = {}  # style id -> number format
    # openpyxl's own read-only iterator pads every missing row up to the sheet's declared
    # dimension (a million for "A1:XFD1048576"); its parser yields only the rows present.
    with sheet._get_source() as source:
        parser = _BoundedParser(
            source,
            sheet._shared_strings,
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        parser.max_column, parser.row_limit = max_columns, limit
        for number, parsed in parser.parse():
            present = [raw for raw in parsed if raw is not None]
            if number > limit:
                filled = [raw for raw in present if raw["value"] not in (None, "")]
                if filled:
                    where = f"{get_column_letter(filled[0]['column'])}{number}"
                    raise DomainError.single(
                        CoreErrorCode.TOO_MANY_ROWS,
                        f"“{sheet.title}”工作表第 {number} 行（{where}）有内容，"
                        f"超过上限 {limit} 行。请删除多余的行后再上传。",
                        field,
                    )
                continue
            if not present:
                continue
            cells = [Cell(None, number, c) for c in range(1, max_columns + 1)]
            for raw in present:
                column = raw["column"]
                if column <= max_columns:
                    style = raw.get("style_id", 0)
                    if style not in formats:
                        formats[style] = _number_format(sheet, raw)
                    cells[column - 1] = Cell(raw["value"], number, column, formats[style])
                    if raw.get("data_type") == "e":
                        errors[cells[column - 1].coordinate] = str(raw["value"])
                        cells[column - 1] = Cell(None, number, column, formats[style])
            rows[number] = tuple(cells)
    return Grid(sheet.title, rows, max_columns, errors)


class _BoundedParser(WorkSheetParser):
    """openpyxl's sheet parser, leaving the cells right of ``max_column`` unparsed (a row of
    16,384 cells costs a string split per cell, not an object each). Below ``row_limit`` every
    cell is parsed, so that a value there is seen."""

    max_column: int
    row_limit: int

    def parse_cell(self, element: Any) -> dict[str, Any] | None:
        coordinate = element.get("r")
        if coordinate and self.row_counter <= self.row_limit:
            column = column_index_from_string(coordinate.rstrip("0123456789"))
            if column > self.max_column:
                self.col_counter = column
                return None
        return super().parse_cell(element)


def _number_format(sheet: Any, raw: dict[str, Any]) -> str:
    try:
        return str(ReadOnlyCell(sheet, **raw).number_format or "General")
    except (IndexError, KeyError, TypeError, ValueError, AttributeError):
        return "General"


# --------------------------------------------------------------------------------- typed cells


def text(value: Any) -> str:
    """A cell as text: empty for ``None``, a whole float without its ``.0`` (a code typed as a
    number, ``1001`` read back as ``1001.0``), stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def quantity(
    cell: Cell | Any,
    field: str,
    label: str,
    *,
    unit: str | None = None,
    size: Any = VALUE,
) -> tuple[cleaning.Quantity | None, Problem | None]:
    """A number cell read as people write it (``１３０件``, ``≥95%``, ``7.29万元``), through the
    one cleaner (``cleaning.human_quantity``), with the cell's own number format (a ``0%``
    cell holding 0.95 is 95%)."""
    return cleaning.human_quantity(
        getattr(cell, "value", None),
        field,
        label,
        unit=unit,
        number_format=getattr(cell, "number_format", "") or "",
        size=size,
    )


def capped(problems: Sequence[Problem], *, field: str | None = None) -> list[Problem]:
    """The first ``JIXIAO_XLSX_MAX_PROBLEMS`` problems, and one more counting the rest."""
    limit = max_problems()
    if len(problems) <= limit:
        return list(problems)
    rest = len(problems) - limit
    return [
        *problems[:limit],
        Problem(
            CoreErrorCode.TOO_MANY_PROBLEMS,
            f"另有 {rest} 处错误未列出（只列出前 {limit} 处），请先修正以上错误后重新导入。",
            field,
        ),
    ]


def fail(problems: Sequence[Problem], *, field: str | None = None) -> DomainError:
    """The ``DomainError`` of an import's problems, capped."""
    return DomainError(*capped(problems, field=field))


# --------------------------------------------------------------------------------- dry runs


@dataclass(frozen=True)
class Change:
    """One thing an import would change, with the cell it comes from: the same shape for
    every import's dry run (docs/imports.md). ``kind``: ``goal``/``evaluation`` (a field of
    the form itself), ``added``/``changed``/``removed`` (an indicator or its field),
    ``result`` (a figure the import makes the engine compute: a score, the total)."""

    kind: str
    row: int | None  # the sheet row (None: nothing in the sheet, e.g. a removed indicator)
    cell: str  # "绩效目标申报表!G14"; "" when no cell says it
    code: str  # the indicator's code ("" for a field of the form)
    name: str  # the indicator's name
    field: str  # what changes, as the form labels it
    before: str
    after: str


def digest(changes: Sequence[Change]) -> str:
    """A name for exactly this list of changes: an apply given it refuses (``STALE``) when the
    import would now change something else."""
    rows = [[c.kind, c.cell, c.code, c.field, c.before, c.after] for c in changes]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()

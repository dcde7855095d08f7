"""A benchmark table as an XLSX workbook (openpyxl). Pure: a ``BenchmarkTable`` in, bytes out.

Sheet 基准对比: a title and the table's terms, then one row per unit in rank order (排名, 单位,
所属市院, 数值, 百分位; units without a value last, with empty cells), then the distribution
block (样本数, 最小值, 下四分位数, 中位数, 上四分位数, 最大值, 平均值). Numbers are written as
numbers (``Decimal``) with number formats, never as text. Printed on A4 portrait, one page
wide, the header row repeated on every page (``print_setup``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from backend.benchmarking.selectors import BenchmarkTable, UnitValue
from backend.core import sheets

SHEET = "基准对比"
HEADER = ("排名", "单位", "所属市院", "数值", "百分位")
VALUE_FORMAT = "#,##0.00"
PERCENTILE_FORMAT = "0.0"
COUNT_FORMAT = "0"
# Fixed document dates: the same table gives the same workbook.
EPOCH = datetime.datetime(2000, 1, 1)

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_FILL = PatternFill("solid", fgColor="EEF2F7")
_THIN = Side(style="thin", color="9CA3AF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def period(table: BenchmarkTable) -> str:
    return f"{table.fiscal_year} 年" + (f" 1–{table.month} 月" if table.month else "")


def value_header(table: BenchmarkTable) -> str:
    return f"数值（{table.unit_of_measure}）" if table.unit_of_measure else "数值"


def ordered_rows(table: BenchmarkTable) -> list[UnitValue]:
    """Rank order; units without a rank (no value) last, by code."""
    return sorted(
        table.rows, key=lambda r: (r.rank is None, r.rank if r.rank is not None else 0, r.code)
    )


def print_setup(sheet: Worksheet, header_row: int, last_row: int, *, title: str) -> None:
    """A4 portrait, every column on one page wide, the header row repeated on each page, the
    title and page numbers in the header and footer."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.8, bottom=0.8)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_area = f"A1:E{last_row}"
    # "&" starts a code in a header or footer: a label's own ampersands are doubled.
    sheet.oddHeader.center.text = sheets.clean_text(title).replace("&", "&&")
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def benchmark_xlsx(table: BenchmarkTable) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheets.put(sheet["A1"], f"{table.label} 基准对比")
    sheet["A1"].font = _TITLE
    terms = [
        ("指标", table.label),
        ("指标代码", table.metric),
        ("期间", period(table)),
        ("计量单位", table.unit_of_measure or "—"),
        ("排名方向", "数值越高排名越前" if table.higher_is_better else "数值越低排名越前"),
    ]
    row = 2
    for label, value in terms:
        sheets.write(sheet, row, 1, label).font = _BOLD
        sheets.write(sheet, row, 2, value)
        row += 1

    row += 1
    header_row = row
    for column, title in enumerate(HEADER, start=1):
        cell = sheet.cell(row=row, column=column, value=title)
        if column == 4:
            cell.value = value_header(table)
        cell.font, cell.fill, cell.border = _BOLD, _FILL, _BOX
        cell.alignment = Alignment(horizontal="center")
    for unit in ordered_rows(table):
        row += 1
        cells = [
            (unit.rank, COUNT_FORMAT),
            (unit.name, None),
            (unit.city_name, None),
            (unit.value, VALUE_FORMAT),
            (unit.percentile, PERCENTILE_FORMAT),
        ]
        for column, (value, number_format) in enumerate(cells, start=1):
            cell = sheets.write(sheet, row, column, value)
            cell.border = _BOX
            if number_format:
                cell.number_format = number_format
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    if table.rows:
        sheet.auto_filter.ref = f"A{header_row}:E{row}"

    row += 2
    sheet.cell(row=row, column=1, value="分布").font = _BOLD
    d = table.distribution
    stats: list[tuple[str, int | Decimal | None, str]] = [
        ("样本数", d.count, COUNT_FORMAT),
        ("最小值", d.min, VALUE_FORMAT),
        ("下四分位数", d.q1, VALUE_FORMAT),
        ("中位数", d.median, VALUE_FORMAT),
        ("上四分位数", d.q3, VALUE_FORMAT),
        ("最大值", d.max, VALUE_FORMAT),
        ("平均值", d.mean, VALUE_FORMAT),
    ]
    for label, value, number_format in stats:
        row += 1
        label_cell = sheet.cell(row=row, column=1, value=label)
        label_cell.font, label_cell.fill, label_cell.border = _BOLD, _FILL, _BOX
        cell = sheet.cell(row=row, column=2, value=value)
        cell.number_format, cell.border = number_format, _BOX

    for column, width in enumerate((12, 34, 22, 16, 10), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    print_setup(sheet, header_row, row, title=f"{table.label} 基准对比 {period(table)}")
    workbook.properties.creator = "绩效 · 预算绩效管理平台"
    workbook.properties.title = f"{table.label} 基准对比 {period(table)}"
    workbook.properties.created = workbook.properties.modified = EPOCH
    return sheets.workbook_bytes(workbook)

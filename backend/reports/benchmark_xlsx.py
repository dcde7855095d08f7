"""A benchmark table as an XLSX workbook (openpyxl). Pure: a ``BenchmarkTable`` in, bytes out.

Sheet 基准对比: a title and the table's terms, then one row per unit in rank order (排名, 单位,
所属市院, 数值, 百分位; units without a value last, with empty cells), then the distribution
block (样本数, 最小值, 下四分位数, 中位数, 上四分位数, 最大值, 平均值). Numbers are written as
numbers (``Decimal``) with number formats, never as text. Printed on A4 portrait, one page
wide, the header row repeated on every page (``sheets.FormSheet``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from openpyxl import Workbook

from backend.benchmarking.selectors import BenchmarkTable, UnitValue
from backend.core import sheets

SHEET = "基准对比"
HEADER = ("排名", "单位", "所属市院", "数值", "百分位")
VALUE_FORMAT = "#,##0.00"
PERCENTILE_FORMAT = "0.0"
COUNT_FORMAT = "0"
# Fixed document dates: the same table gives the same workbook.
EPOCH = datetime.datetime(2000, 1, 1)


def period(table: BenchmarkTable) -> str:
    return f"{table.fiscal_year} 年" + (f" 1–{table.month} 月" if table.month else "")


def value_header(table: BenchmarkTable) -> str:
    return f"数值（{table.unit_of_measure}）" if table.unit_of_measure else "数值"


def ordered_rows(table: BenchmarkTable) -> list[UnitValue]:
    """Rank order; units without a rank (no value) last, by code."""
    return sorted(
        table.rows, key=lambda r: (r.rank is None, r.rank if r.rank is not None else 0, r.code)
    )


def benchmark_xlsx(table: BenchmarkTable) -> bytes:
    workbook = Workbook()
    form = sheets.FormSheet(workbook.active, title=SHEET, widths=(12, 34, 22, 16, 10))
    form.title(f"{table.label} 基准对比")
    terms = [
        ("指标", table.label),
        ("指标代码", table.metric),
        ("期间", period(table)),
        ("计量单位", table.unit_of_measure or "—"),
        ("排名方向", "数值越高排名越前" if table.higher_is_better else "数值越低排名越前"),
    ]
    row = 2
    for label, value in terms:
        form.label(row, 1, label)
        form.merged(row, 2, len(HEADER), value)
        row += 1

    row += 1
    header_row = form.header(row, (*HEADER[:3], value_header(table), HEADER[4]))
    formats = {1: COUNT_FORMAT, 4: VALUE_FORMAT, 5: PERCENTILE_FORMAT}
    for unit in ordered_rows(table):
        row += 1
        form.row(
            row,
            [unit.rank, unit.name, unit.city_name, unit.value, unit.percentile],
            formats=formats,
        )
    if table.rows:
        form.sheet.auto_filter.ref = f"A{header_row}:E{row}"

    row += 2
    form.merged(row, 1, 2, "分布", bold=True, fill=sheets.writing.HEADER_FILL)
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
    for label, figure, number_format in stats:
        row += 1
        form.label(row, 1, label)
        form.cell(row, 2, figure, number_format=number_format)

    # Printed on A4 portrait, one page wide, the header row on every page; every cell is
    # computed, so the whole sheet is protected.
    form.finish(print_title=f"{table.label} 基准对比 {period(table)}")
    form.protect()
    workbook.properties.creator = "绩效 · 预算绩效管理平台"
    workbook.properties.title = f"{table.label} 基准对比 {period(table)}"
    workbook.properties.created = workbook.properties.modified = EPOCH
    return sheets.workbook_bytes(workbook)

"""What the official-form layout costs (``backend.core.sheets.FormSheet``, docs/sheets.md).

``python -m bench sheets [--units N]``: the national benchmark table (N units, 3,600 by
default) written as the styled, protected, print-ready 基准对比 form (``benchmark_xlsx``) and
as the same cells appended without any style (``sheets.append``), best of three each. The
figure is the ratio: what the borders, fonts, number formats, protection and print setup cost
over writing the bare cells. No database."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from backend.benchmarking.selectors import BenchmarkTable, Distribution, UnitValue
from backend.core import sheets
from backend.reports.benchmark_xlsx import benchmark_xlsx, ordered_rows

TARGET_RATIO = 2.0  # the form may cost at most twice the bare cells


def _table(units: int) -> BenchmarkTable:
    rows = tuple(
        UnitValue(
            unit_id=i + 1,
            code=f"unit-{i}",
            name=f"第{i}号人民检察院",
            level="county",
            city_code=f"city-{i // 40}",
            city_name=f"第{i // 40}号市人民检察院",
            value=Decimal(50 + i % 50) + Decimal("0.25"),
            rank=i + 1,
            percentile=Decimal("50.0"),
        )
        for i in range(units)
    )
    return BenchmarkTable(
        metric="self_score",
        label="自评得分",
        unit_of_measure="分",
        fiscal_year=2026,
        month=None,
        higher_is_better=True,
        rows=rows,
        distribution=Distribution(
            count=units,
            min=Decimal(50),
            q1=Decimal(62),
            median=Decimal(75),
            q3=Decimal(87),
            max=Decimal(99),
            mean=Decimal(75),
        ),
    )


def _bare(table: BenchmarkTable) -> bytes:
    book = Workbook()
    sheet = book.active
    for unit in ordered_rows(table):
        sheets.append(sheet, [unit.rank, unit.name, unit.city_name, unit.value, unit.percentile])
    return sheets.workbook_bytes(book)


def _best(write: Callable[[BenchmarkTable], bytes], table: BenchmarkTable) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(3):
        start = time.perf_counter()
        size = len(write(table))
        times.append(time.perf_counter() - start)
    return min(times), size


def run(argv: list[str]) -> dict[str, Any]:
    units = int(argv[argv.index("--units") + 1]) if "--units" in argv else 3600
    table = _table(units)
    form_seconds, form_bytes = _best(benchmark_xlsx, table)
    bare_seconds, bare_bytes = _best(_bare, table)
    ratio = form_seconds / bare_seconds
    return {
        "units": units,
        "form_seconds": round(form_seconds, 3),
        "bare_seconds": round(bare_seconds, 3),
        "form_kib": form_bytes // 1024,
        "bare_kib": bare_bytes // 1024,
        "ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO,
    }


def table(result: dict[str, Any]) -> str:
    verdict = "PASS" if result["met"] else "MISS"
    return "\n".join(
        [
            f"基准对比 XLSX of {result['units']} units, best of 3",
            f"{'measure':<40} {'value':>10}",
            f"{'official form (styled, protected) (s)':<40} {result['form_seconds']:>10.3f}"
            f"  ({result['form_kib']} KiB)",
            f"{'bare cells, no style (s)':<40} {result['bare_seconds']:>10.3f}"
            f"  ({result['bare_kib']} KiB)",
            f"{'form / bare':<40} {result['ratio']:>10.2f}"
            f"  target ≤ {result['target_ratio']:.1f}: {verdict}",
        ]
    )

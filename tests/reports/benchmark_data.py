"""A small benchmark table (seven units of two cities, one without a value, a tie) for the
export tests."""

from __future__ import annotations

from decimal import Decimal

from backend.benchmarking.selectors import BenchmarkTable, Distribution, UnitValue

D = Decimal
# code, name, city code, city name, value, rank, percentile
UNITS = [
    ("xinhua", "新化县人民检察院", "loudi", "娄底市人民检察院", "95.10", 1, "100.0"),
    ("lengshuijiang", "冷水江市人民检察院", "loudi", "娄底市人民检察院", "92.50", 2, "83.3"),
    (
        "changsha-tianxin",
        "长沙市天心区人民检察院",
        "changsha",
        "长沙市人民检察院",
        "92.50",
        2,
        "83.3",
    ),
    ("lianyuan", "涟源市人民检察院", "loudi", "娄底市人民检察院", "88.00", 4, "50.0"),
    (
        "changsha-furong",
        "长沙市芙蓉区人民检察院",
        "changsha",
        "长沙市人民检察院",
        "80.00",
        5,
        "33.3",
    ),
    ("shuangfeng", "双峰县人民检察院", "loudi", "娄底市人民检察院", "70.25", 6, "16.7"),
    ("loudi-louxing", "娄底市娄星区人民检察院", "loudi", "娄底市人民检察院", None, None, None),
]


def table(
    units: list[tuple[str, str, str, str, str | None, int | None, str | None]] = UNITS,
    *,
    ids: dict[str, int] | None = None,
) -> BenchmarkTable:
    ids = ids or {}
    rows = tuple(
        UnitValue(
            unit_id=ids.get(code, i + 1),
            code=code,
            name=name,
            level="county",
            city_code=city_code,
            city_name=city_name,
            value=None if value is None else D(value),
            rank=rank,
            percentile=None if percentile is None else D(percentile),
        )
        for i, (code, name, city_code, city_name, value, rank, percentile) in enumerate(units)
    )
    return BenchmarkTable(
        metric="self_score",
        label="自评得分",
        unit_of_measure="分",
        higher_is_better=True,
        fiscal_year=2026,
        month=None,
        rows=rows,
        distribution=Distribution(
            count=6,
            min=D("70.25"),
            q1=D("82.00"),
            median=D("90.25"),
            q3=D("92.50"),
            max=D("95.10"),
            mean=D("86.39"),
        ),
    )

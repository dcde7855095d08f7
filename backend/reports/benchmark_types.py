"""The benchmark table the exports render. Stand-in copies of the dataclasses that
``backend.benchmarking.selectors`` defines (issue 7): same names, same fields, same order, so
that pointing the imports at the real ones is a one-line change."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Distribution:
    count: int
    min: Decimal | None
    q1: Decimal | None
    median: Decimal | None
    q3: Decimal | None
    max: Decimal | None
    mean: Decimal | None


@dataclass(frozen=True)
class UnitValue:
    unit_id: int
    code: str
    name: str
    level: str
    city_code: str
    city_name: str
    value: Decimal | None
    rank: int | None
    percentile: Decimal | None


@dataclass(frozen=True)
class BenchmarkTable:
    metric: str
    label: str
    unit_of_measure: str
    higher_is_better: bool
    fiscal_year: int
    month: int | None
    rows: tuple[UnitValue, ...]
    distribution: Distribution

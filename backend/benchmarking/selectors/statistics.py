"""The arithmetic of benchmarks (docs/benchmarking.md): ranks, percentiles, quantiles and
distributions, and the value types the ranking returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


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
    city_code: str  # the unit's city ("" for the province / a city itself: its own code)
    city_name: str
    value: Decimal | None
    rank: int | None  # 1 = best; ties share a rank (competition ranking 1,2,2,4)
    percentile: Decimal | None  # 0..100, two places; define and document it


@dataclass(frozen=True)
class BenchmarkTable:
    metric: str
    label: str
    unit_of_measure: str
    higher_is_better: bool
    fiscal_year: int
    month: int | None
    rows: Sequence[UnitValue]  # ordered by rank, units without a value last
    distribution: Distribution


CENT = Decimal("0.01")
EMPTY = Distribution(0, None, None, None, None, None, None)


def ranks(values: Sequence[Decimal], higher_is_better: bool) -> list[tuple[int, Decimal]]:
    """(rank, percentile) of each of ``values``, in their order (pure).

    rank: competition ranking — 1 + the number of values strictly better (ties share the rank:
    1, 2, 2, 4). percentile: the share of the OTHER values that are not better than this one,
    in % with two places (half-up) = 100 × (n − rank) ÷ (n − 1); a lone value is 100. So the
    best is 100, a unique worst 0, and tied values share the percentile."""
    n = len(values)
    ordered = sorted(values, reverse=higher_is_better)
    first_at: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, start=1):
        if value not in first_at:
            first_at[value] = position
    by_rank = {rank: percentile_of(rank, n) for rank in set(first_at.values())}
    return [(first_at[value], by_rank[first_at[value]]) for value in values]


def percentile_of(rank: int, n: int) -> Decimal:
    """100 × (n − rank) ÷ (n − 1), two places half-up; a lone value is 100."""
    if n == 1:
        return Decimal(100)
    return (Decimal(100) * (n - rank) / (n - 1)).quantize(CENT, rounding=ROUND_HALF_UP)


def quantile(ordered: Sequence[Decimal], p: Decimal) -> Decimal:
    """Linear interpolation between closest ranks (PostgreSQL ``percentile_cont``, R type 7,
    Excel QUARTILE.INC) on ascending ``ordered``: h = (n − 1)·p, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] −
    x[⌊h⌋])."""
    low = _low_index(len(ordered), p)
    return interpolate(
        len(ordered), p, ordered[low], ordered[low + 1] if low + 1 < len(ordered) else None
    )


def _low_index(n: int, p: Decimal) -> int:
    return int((n - 1) * p)


def interpolate(n: int, p: Decimal, at_low: Decimal, above: Decimal | None) -> Decimal:
    """The quantile ``p`` of n ascending values from x[⌊h⌋] (``at_low``) and x[⌊h⌋+1]
    (``above``; None past the end), h = (n − 1)·p."""
    h = (n - 1) * p
    fraction = h - int(h)
    if fraction == 0 or above is None:
        return at_low
    return at_low + fraction * (above - at_low)


def distribution(values: Sequence[Decimal], places: int = 2) -> Distribution:
    """count, min, quartiles (``quantile``), median, max and mean of ``values`` (pure); the
    interpolated figures and the mean rounded half-up to ``max(places, 2)`` places."""
    if not values:
        return EMPTY
    ordered = sorted(values)
    return summarise(
        len(ordered),
        ordered[0],
        ordered[-1],
        sum(ordered, Decimal(0)),
        [quantile(ordered, p) for p in QUARTILES],
        places,
    )


QUARTILES = (Decimal("0.25"), Decimal("0.5"), Decimal("0.75"))


def summarise(
    n: int,
    low: Decimal,
    high: Decimal,
    total: Decimal,
    quartiles: Sequence[Decimal],
    places: int,
) -> Distribution:
    """The distribution of n values from their min, max, sum and (unrounded) quartiles: the
    quartiles and the mean rounded half-up to ``max(places, 2)`` places."""
    exponent = Decimal(1).scaleb(-max(places, 2))

    def q(value: Decimal) -> Decimal:
        return value.quantize(exponent, rounding=ROUND_HALF_UP)

    q1, median, q3 = quartiles
    return Distribution(
        count=n,
        min=low,
        q1=q(q1),
        median=q(median),
        q3=q(q3),
        max=high,
        mean=q(total / n),
    )

"""Trends: a metric's distribution over the years (or months), for a scope or one unit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import (
    QuerySet,
)

from backend.accounts.models import User
from backend.benchmarking import metrics
from backend.benchmarking.errors import BenchmarkErrorCode
from backend.benchmarking.metrics import Metric
from backend.benchmarking.selectors.positions import province_units
from backend.benchmarking.selectors.ranking import (
    quartile_points,
    scoped_units,
    summary_of,
)
from backend.benchmarking.selectors.scope import metric_for
from backend.core import cleaning
from backend.core.errors import DomainError
from tenants.models import Procuratorate


@dataclass(frozen=True)
class TrendPoint:
    fiscal_year: int
    month: int | None  # None: the year-end figure
    value: Decimal | None  # the unit's value, when a unit was asked
    count: int  # units of the group with a value
    median: Decimal | None  # of the group
    mean: Decimal | None


@dataclass(frozen=True)
class Trend:
    metric: str
    label: str
    unit_of_measure: str
    higher_is_better: bool
    by: str  # "month" or "year"
    points: tuple[TrendPoint, ...]


MAX_TREND_YEARS = 10


def trend_periods(
    spec: Metric, fiscal_year: int, by: str, years: int | None
) -> list[tuple[int, int | None]]:
    if by == "month":
        if not spec.monthly:
            raise DomainError.single(BenchmarkErrorCode.NOT_MONTHLY, "该指标没有月度数据。", "by")
        return [(fiscal_year, m) for m in range(1, 13)]
    if by != "year":
        raise DomainError.single(
            BenchmarkErrorCode.INVALID_PERIOD, "按月（month）或按年（year）。", "by"
        )
    count, problem = cleaning.integer(
        5 if years is None else years,  # null: the default
        "years",
        "年数",
        minimum=1,
        maximum=MAX_TREND_YEARS,
        code=BenchmarkErrorCode.INVALID_YEARS,
    )
    if problem is not None or count is None:
        raise DomainError.single(
            BenchmarkErrorCode.INVALID_YEARS, f"年数应在 1–{MAX_TREND_YEARS} 之间。", "years"
        )
    return [(y, None) for y in range(fiscal_year - count + 1, fiscal_year + 1)]


# Every period's group figures in ONE statement, computed in PostgreSQL: the metric's query of
# each period (tagged ``k``, as ``metrics.read_values`` joins them) against every unit of the
# group (a count metric's unit without rows counts 0), then per period the count, min, max, sum
# and the points of each quartile (x[⌊h⌋], x[⌊h⌋+1], as the ranking statement), the asked unit's
# value and the greatest of each description column — one row per period with a value, never a
# row per unit.
_TREND_SQL = """
WITH parts AS ({parts}),
ids(id) AS ({ids}),
vals AS ({vals}),
o AS (
    SELECT k, unit_id, v, row_number() OVER (PARTITION BY k ORDER BY v) - 1 AS i,
        count(*) OVER (PARTITION BY k) AS n
    FROM vals WHERE v IS NOT NULL
),
meta AS (
    SELECT k, count(*) AS rows, max(m0 COLLATE "C") AS m0, max(m1 COLLATE "C") AS m1,
        max(m2 COLLATE "C") AS m2
    FROM parts GROUP BY k
)
SELECT o.k, max(n), min(v), max(v), sum(v), {points},
    max(v) FILTER (WHERE unit_id = %s), max(meta.rows), max(meta.m0), max(meta.m1),
    max(meta.m2)
FROM o LEFT JOIN meta ON meta.k = o.k
GROUP BY o.k
"""


def _trend(
    spec: Metric,
    units_qs: QuerySet[Procuratorate],
    unit_id: int | None,
    periods: list[tuple[int, int | None]],
    by: str,
    indicator_code: str | None,
) -> Trend:
    """Every period's figures in one statement (``_TREND_SQL``, at most 12 periods): the
    group's median and mean, and the unit's value when ``unit_id`` is given. Periods where
    nobody has a value are left out."""
    reads = [spec.query(units_qs, year, month, indicator_code) for year, month in periods]
    parts, params = metrics.tagged(reads)
    ids_sql, ids_params = units_qs.order_by().values_list("pk").query.sql_with_params()
    points = quartile_points()
    sql = _TREND_SQL.format(
        parts=parts,
        ids=ids_sql,
        # a count metric: every unit of the group each period, 0 without rows; else the rows
        vals=(
            "SELECT keys.k, ids.id AS unit_id, coalesce(p.v, 0) AS v "
            f"FROM (SELECT generate_series(0, {len(reads) - 1}) AS k) keys CROSS JOIN ids "
            "LEFT JOIN parts p ON p.k = keys.k AND p.unit_id = ids.id"
            if spec.count
            else "SELECT k, unit_id, v FROM parts"
        ),
        points=", ".join(points),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *ids_params, unit_id])
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    points_out = []
    label, uom, higher = spec.label, spec.unit_of_measure, spec.higher_is_better
    for k, ((year, month), read) in enumerate(zip(periods, reads, strict=True)):
        if k not in found:
            continue
        n, low, high, total, *rest = found[k]
        picked, (own, rows, name, unit_of_measure, direction) = rest[:6], rest[6:]
        if read.describe is not None and rows:
            described = read.describe(name, unit_of_measure, direction)
            label = described.label or label
            uom = uom if described.unit_of_measure is None else described.unit_of_measure
            higher = higher if described.higher_is_better is None else described.higher_is_better
        stats = summary_of(n, low, high, total, picked, spec.places)
        points_out.append(
            TrendPoint(
                fiscal_year=year,
                month=month,
                value=own if unit_id is not None else None,
                count=stats.count,
                median=stats.median,
                mean=stats.mean,
            )
        )
    return Trend(spec.key, label, uom, higher, by, tuple(points_out))


def trend(
    caller: User | AnonymousUser,
    metric: str,
    fiscal_year: int,
    *,
    by: str = "month",
    years: int = 5,
    unit: str | None = None,
    level: str | None = None,
    city: str | None = None,
    peer_group: str | None = None,
    indicator_code: str | None = None,
) -> Trend:
    """The metric over the months of ``fiscal_year`` (``by="month"``, monthly metrics) or over
    the ``years`` years up to it (year-end figures): per period the median and mean of the
    group (the caller's scope, filtered as in ``benchmark``; a peer group as resolved for
    ``fiscal_year``) and, when ``unit`` (a code in that group) is given, that unit's value.
    Queries: the scope (one or two) and one statement for every period (``_TREND_SQL``)."""
    spec = metric_for(metric, None, indicator_code)
    periods = trend_periods(spec, fiscal_year, by, years)
    units_qs = scoped_units(caller, fiscal_year, level, city, peer_group)
    unit_id = None
    if unit:
        unit_id = units_qs.filter(code=unit).values_list("pk", flat=True).first()
        if unit_id is None:
            raise DomainError.single(
                BenchmarkErrorCode.UNKNOWN_UNIT, "所选范围内没有该单位。", "unit"
            )
    return _trend(spec, units_qs, unit_id, periods, by, indicator_code)


def unit_trend(
    unit: Procuratorate,
    metric: str,
    fiscal_year: int,
    *,
    by: str = "month",
    years: int = 5,
    indicator_code: str | None = None,
) -> Trend:
    """The unit's own trend beside the median and mean of every unit of its province at its
    level (no other unit named)."""
    spec = metric_for(metric, None, indicator_code)
    periods = trend_periods(spec, fiscal_year, by, years)
    units_qs = province_units(unit).filter(level=unit.level)
    return _trend(spec, units_qs, unit.pk, periods, by, indicator_code)

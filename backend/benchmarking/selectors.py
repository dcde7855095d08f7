"""Reads of the public fact tables: the facts themselves, execution facts across the units in a
user's reach, and (issue 7) benchmarks — ``benchmark``, ``unit_position``, ``trend``,
``unit_trend`` and ``weaknesses`` (the sections at the end)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, overload

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
)

from backend.accounts import policy
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.benchmarking import metrics, peers
from backend.benchmarking.errors import BenchmarkErrorCode
from backend.benchmarking.metrics import Metric
from backend.benchmarking.models import ExecutionFact, IndicatorFact, PeerGroup, ProjectFact
from backend.core import cleaning
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.oversight.selectors import reach_condition, under_city
from tenants.models import PATH_SEPARATOR, Procuratorate, UnitLevel


def project_facts(
    *,
    unit: Procuratorate | None = None,
    fiscal_year: int | None = None,
    kind: str | None = None,
) -> QuerySet[ProjectFact]:
    qs = ProjectFact.objects.select_related("unit")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.order_by("unit__path", "fiscal_year", "project_code")


def indicator_facts(
    *,
    unit: Procuratorate | None = None,
    fiscal_year: int | None = None,
    template_code: str | None = None,
    indicator_code: str | None = None,
) -> QuerySet[IndicatorFact]:
    qs = IndicatorFact.objects.select_related("unit")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if template_code is not None:
        qs = qs.filter(template_code=template_code)
    if indicator_code is not None:
        qs = qs.filter(indicator_code=indicator_code)
    return qs.order_by("unit__path", "fiscal_year", "project_id", "template_code", "indicator_code")


def facts_of(unit: Procuratorate) -> dict[str, list[dict[str, object]]]:
    """Every fact row of ``unit`` as plain values without ids, in a stable order: what the
    incremental writes and a rebuild are compared on."""
    projects = ProjectFact.objects.filter(unit=unit).order_by("project_id")
    indicators = IndicatorFact.objects.filter(unit=unit).order_by(
        "project_id", "template_code", "indicator_code"
    )
    return {
        "projects": [{k: v for k, v in row.items() if k != "id"} for row in projects.values()],
        "indicators": [{k: v for k, v in row.items() if k != "id"} for row in indicators.values()],
    }


# ================================================================================================
# Execution facts (issue 5)
# ================================================================================================


def execution_facts_under(
    user: User | AnonymousUser,
    *,
    fiscal_year: int | None = None,
    city: str | None = None,
    month: int | None = None,
    unit: Procuratorate | None = None,
) -> QuerySet[ExecutionFact]:
    """The execution facts of every unit a console reader reads (``reach_condition``: the
    province all its units, a city reviewer the city and its counties), filtered by
    year, city (a city's code: that city and the units below it), month and unit. Two queries
    to evaluate; the units' schemas are never opened."""
    reach = reach_condition(user)
    if reach is None:
        return ExecutionFact.objects.none()
    qs = ExecutionFact.objects.filter(reach).select_related("unit")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if city:
        qs = qs.filter(under_city(city))
    if month is not None:
        qs = qs.filter(month=month)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.order_by("unit__path", "fiscal_year", "month")


def execution_facts_of(unit: Procuratorate) -> list[dict[str, object]]:
    """The unit's execution facts as plain values without ids or timestamps, in a stable
    order: what the incremental writes and a rebuild are compared on."""
    rows = ExecutionFact.objects.filter(unit=unit).order_by("fiscal_year", "month")
    return [
        {k: v for k, v in row.items() if k not in ("id", "updated_at")} for row in rows.values()
    ]


# ================================================================================================
# Benchmarks (issue 7): every unit under the caller ranked on one metric, with the distribution.
# Read from the public fact tables only, in a fixed number of queries whatever the number of
# units (docs/benchmarking.md defines rank, percentile and quartiles).
# ================================================================================================


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
    return _interpolate(
        len(ordered), p, ordered[low], ordered[low + 1] if low + 1 < len(ordered) else None
    )


def _low_index(n: int, p: Decimal) -> int:
    return int((n - 1) * p)


def _interpolate(n: int, p: Decimal, at_low: Decimal, above: Decimal | None) -> Decimal:
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
    return _summary(
        len(ordered),
        ordered[0],
        ordered[-1],
        sum(ordered, Decimal(0)),
        [quantile(ordered, p) for p in QUARTILES],
        places,
    )


QUARTILES = (Decimal("0.25"), Decimal("0.5"), Decimal("0.75"))


def _summary(
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


class OutOfReach(Exception):
    """The caller holds no role that benchmarks units (province admin, city reviewer)."""


def _city_code(path: str, level: str) -> str:
    parts = path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)
    if level == UnitLevel.PROVINCE or len(parts) < 2:
        return ""
    if len(parts) == 2 and level != UnitLevel.CITY:
        return ""  # directly under the province
    return parts[1]


def _root_path(path: str) -> str:
    return PATH_SEPARATOR + path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)[0] + PATH_SEPARATOR


@dataclass(frozen=True)
class Scope:
    condition: Q  # on Procuratorate
    provinces: tuple[str, ...]  # root paths of the caller's provinces


def benchmark_scope(user: User | AnonymousUser) -> Scope:
    """The units a caller benchmarks (one query): below each membership granting
    ``Op.BENCHMARK_VIEW`` (a province_admin at a province: every unit under it; a city_reviewer
    at a city: the units under that city) — never the reviewing unit itself, never sideways.
    Raises ``OutOfReach`` for any other caller."""
    condition = Q()
    roots: set[str] = set()
    for unit in policy.console_access(user).units_for(Op.BENCHMARK_VIEW):
        condition |= Q(path__startswith=unit.path) & ~Q(pk=unit.pk)
        roots.add(_root_path(unit.path))
    if not roots:
        raise OutOfReach()
    return Scope(condition, tuple(sorted(roots)))


def _metric(metric: str, month: int | None, indicator_code: str | None) -> Metric:
    spec = metrics.get(metric)
    problems = []
    if spec is None:
        problems.append(Problem(BenchmarkErrorCode.UNKNOWN_METRIC, "没有该对标指标。", "metric"))
    elif spec.needs_indicator and not indicator_code:
        problems.append(
            Problem(BenchmarkErrorCode.INDICATOR_REQUIRED, "请指定指标编码。", "indicatorCode")
        )
    if month is not None and not 1 <= month <= 12:
        problems.append(Problem(CoreErrorCode.INVALID_MONTH, "月份应在 1–12 之间。", "month"))
    if problems:
        raise DomainError(*problems)
    assert spec is not None
    return spec


def _peer_group(provinces: Sequence[str], code: str) -> PeerGroup:
    group = (
        PeerGroup.objects.filter(code=code, province__path__in=list(provinces))
        .select_related("province", "city")
        .first()
    )
    if group is None:
        raise DomainError.single(CoreErrorCode.UNKNOWN_PEER_GROUP, "对标组不存在。", "peerGroup")
    return group


def _city_names(codes: set[str]) -> dict[str, str]:
    codes.discard("")
    if not codes:
        return {}
    return dict(Procuratorate.objects.filter(code__in=codes).values_list("code", "name"))


_UNIT_FIELDS = ("id", "code", "name", "level", "path")


def rank_table(
    spec: Metric,
    values: metrics.MetricValues,
    units: Sequence[dict[str, Any]],
    fiscal_year: int,
    month: int | None,
    city_names: dict[str, str],
) -> BenchmarkTable:
    """The table of ``units`` (dicts of ``_UNIT_FIELDS`` plus ``city``, the unit's city code)
    ranked on ``values`` (pure; one pass and one sort)."""
    higher = spec.higher_is_better if values.higher_is_better is None else values.higher_is_better
    default = Decimal(0) if spec.count else None
    got = values.values
    valued: list[tuple[dict[str, Any], Decimal]] = []
    missing: list[dict[str, Any]] = []
    for unit in units:
        value = got.get(unit["id"], default)
        if value is None:
            missing.append(unit)
        else:
            valued.append((unit, value))
    positions = ranks([v for _u, v in valued], higher)
    # Indexes into ``valued`` by (rank, code): ties ordered by code.
    ranked = sorted(
        (rank, unit["code"], i)
        for i, ((unit, _v), (rank, _p)) in enumerate(zip(valued, positions, strict=True))
    )

    def row(unit: dict[str, Any], value: Decimal | None, rank, percentile) -> UnitValue:
        city = unit["city"]
        return UnitValue(
            unit_id=unit["id"],
            code=unit["code"],
            name=unit["name"],
            level=unit["level"],
            city_code=city,
            city_name=city_names.get(city, ""),
            value=value,
            rank=rank,
            percentile=percentile,
        )

    rows = [
        row(valued[i][0], valued[i][1], positions[i][0], positions[i][1]) for _r, _c, i in ranked
    ]
    rows += [row(u, None, None, None) for u in sorted(missing, key=lambda u: u["path"])]
    return BenchmarkTable(
        metric=spec.key,
        label=values.label or spec.label,
        unit_of_measure=spec.unit_of_measure
        if values.unit_of_measure is None
        else values.unit_of_measure,
        higher_is_better=higher,
        fiscal_year=fiscal_year,
        month=month if spec.monthly else None,
        rows=tuple(rows),
        distribution=distribution([v for _u, v in valued], spec.places),
    )


def _unit_rows(units: QuerySet[Procuratorate], *extra: str) -> list[dict[str, Any]]:
    """The units as dicts of ``_UNIT_FIELDS`` (+ ``extra``) with their city code (one query)."""
    names = (*_UNIT_FIELDS, *extra)
    rows = []
    for values in units.order_by("path").values_list(*names):
        row = dict(zip(names, values, strict=True))
        row["city"] = _city_code(row["path"], row["level"])
        rows.append(row)
    return rows


def _scoped_units(
    user: User | AnonymousUser,
    fiscal_year: int,
    level: str | None,
    city: str | None,
    peer_group: str | None,
) -> QuerySet[Procuratorate]:
    scope = benchmark_scope(user)
    units = Procuratorate.objects.filter(scope.condition)
    if level:
        units = units.filter(level=level.lower())
    if city:
        units = units.filter(under_city(city, field="path"))
    if peer_group:
        units = units.filter(
            peers.member_condition(_peer_group(scope.provinces, peer_group), fiscal_year)
        )
    return units


def benchmark(
    caller: User | AnonymousUser,
    metric: str,
    fiscal_year: int,
    month: int | None = None,
    level: str | None = None,
    city: str | None = None,
    peer_group: str | None = None,
    indicator_code: str | None = None,
    first_rows: int | None = None,
) -> BenchmarkTable:
    """Every unit in the caller's benchmark scope (``benchmark_scope``), filtered by level, city
    (a city's code: the city and the units under it) and peer group (of the caller's province,
    resolved for ``fiscal_year``), ranked on ``metric``. Two queries (three with a peer group),
    whatever the number of units: memberships, [peer group], the ranking statement (ranks,
    distribution and rows). ``first_rows``: how many of the ranked rows that statement brings
    (None: all of them); the rows are a sequence that fetches any other part when it is read
    (one more statement), so a page of a connection costs no more than its own rows.
    Raises ``OutOfReach`` (no benchmarking role) or ``DomainError`` (bad arguments)."""
    spec = _metric(metric, month, indicator_code)
    units_qs = _scoped_units(caller, fiscal_year, level, city, peer_group)
    return ranked_table(spec, units_qs, fiscal_year, month, indicator_code, first_rows)


# The ranking statement: one round trip ranks every unit of the scope in PostgreSQL, returns the
# distribution and one page of the ranked rows. Rank: ``rank()`` (competition ranking) over the
# valued units, NULLs (no value) last; order: rank, ties by code, units without a value by path
# (codepoint order, COLLATE "C", as Python sorts). The distribution's count, min, max, sum and,
# per quartile, x[⌊h⌋] and x[⌊h⌋+1] (h = (n − 1)·p, ⌊h⌋ in integer arithmetic) come from one
# aggregate over the values in ascending order; the interpolation and rounding are then done in
# Decimal by the same code as ``distribution`` (PostgreSQL's percentile_cont works in double
# precision, which could miss a half-up tie). Only the page's rows leave the server (their city
# is looked up for them only), and the distribution's columns are filled on the page's first
# row only — or on the one row of an empty page.
_RANKING_SQL = """
WITH scope AS ({scope}),
vals AS ({values}),
dir AS (SELECT {sign} AS sign),  -- -1: higher is better, 1: lower is
t AS (
    SELECT s.id, s.code, s.name, s.level, s.path, {value} AS value
    FROM scope s LEFT JOIN vals ON vals.unit_id = s.id
),
r AS (
    SELECT t.id, t.code, t.name, t.level, t.path, t.value,
        CASE WHEN t.value IS NOT NULL THEN rank() OVER (ORDER BY t.value * dir.sign NULLS LAST)
        END AS rank,
        row_number() OVER (
            ORDER BY t.value * dir.sign NULLS LAST,
                CASE WHEN t.value IS NULL THEN t.path END COLLATE "C", t.code COLLATE "C"
        ) AS pos
    FROM t CROSS JOIN dir
),
page AS (
    SELECT r.*,
        CASE
            WHEN r.level = 'province' OR parts < 2 THEN ''
            WHEN parts = 2 AND r.level <> 'city' THEN ''
            ELSE split_part(btrim(r.path, '/'), '/', 2)
        END AS city_code
    FROM (SELECT * FROM r ORDER BY pos OFFSET %s LIMIT %s) r CROSS JOIN LATERAL (
        SELECT coalesce(array_length(string_to_array(btrim(r.path, '/'), '/'), 1), 0) AS parts
    ) p
),
o AS (
    SELECT value, row_number() OVER (ORDER BY value) - 1 AS i, count(*) OVER () AS n
    FROM t WHERE value IS NOT NULL
),
d AS (
    SELECT (SELECT count(*) FROM t) AS units,
        count(*) AS n, min(value) AS lo, max(value) AS hi, sum(value) AS total,
        {quartile_points}
        {meta}
    FROM o
)
SELECT page.id, page.code, page.name, page.level, page.city_code, coalesce(c.name, ''),
    page.value, page.rank, page.pos,
    {first_row_distribution}, dir.sign
FROM d CROSS JOIN dir
LEFT JOIN page ON true
LEFT JOIN {units_table} c ON page.city_code <> '' AND c.code = page.city_code
ORDER BY page.pos
"""
_ROW_COLUMNS = 9  # id, code, name, level, city code, city name, value, rank, position
_DISTRIBUTION_COLUMNS = (
    "units",
    "n",
    "lo",
    "hi",
    "total",
    *(f"q{i}_{end}" for i in range(len(QUARTILES)) for end in ("low", "above")),
)
_META_COLUMNS = ("meta_name", "meta_uom", "meta_direction")


def quartile_points(count: str = "n", index: str = "i", value: str = "v") -> list[str]:
    """The aggregates that pick, per quartile p, x[⌊h⌋] and x[⌊h⌋+1] (h = (n − 1)·p) out of
    rows numbered ``index`` from 0 in ascending ``value`` among ``count`` (integer arithmetic,
    as the ranking statement): ``_interpolate`` and ``_summary`` finish them in Decimal."""
    points = []
    for p in QUARTILES:
        a, b = Fraction(p).as_integer_ratio()
        low = f"({a} * ({count} - 1) / {b})"
        points.append(f"max({value}) FILTER (WHERE {index} = {low})")
        points.append(f"max({value}) FILTER (WHERE {index} = {low} + 1)")
    return points


def summary_of(
    n: int, low: Decimal, high: Decimal, total: Decimal, picked: Sequence[Decimal], places: int
) -> Distribution:
    """The distribution of n values from their min, max, sum and ``quartile_points``' picks
    (x[⌊h⌋], x[⌊h⌋+1] for each quartile, in order)."""
    quartiles = [
        _interpolate(n, p, picked[2 * i], picked[2 * i + 1]) for i, p in enumerate(QUARTILES)
    ]
    return _summary(n, low, high, total, quartiles, places)


def _ranking_sql(
    spec: Metric, query: metrics.MetricQuery, units_qs: QuerySet[Procuratorate]
) -> tuple[str, list[Any]]:
    """The statement and its parameters but the page's: append [offset, limit] (None: all)."""
    scope_sql, scope_params = units_qs.order_by().values_list(*_UNIT_FIELDS).query.sql_with_params()
    columns = ["unit_id", "v", *(_META_COLUMNS if query.describe else ())]
    values_sql, values_params = query.rows.values_list(*columns).query.sql_with_params()
    points = []
    for i, p in enumerate(QUARTILES):
        # ⌊(n − 1)·p⌋ = (n − 1)·a div b for p = a/b and n ≥ 1 (integers: no numeric per row).
        a, b = Fraction(p).as_integer_ratio()
        low = f"({a} * (n - 1) / {b})"
        points.append(f"max(value) FILTER (WHERE i = {low}) AS q{i}_low")
        points.append(f"max(value) FILTER (WHERE i = {low} + 1) AS q{i}_above")
    meta = ""
    if query.describe:
        # Over every row of the values (also units whose value is NULL), as Metric.values.
        meta = ", " + ", ".join(
            f'(SELECT max({c} COLLATE "C") FROM vals) AS {c}' for c in _META_COLUMNS
        )
    if query.directed:
        # An indicator's own direction (as Metric.values reads it): "lte" ranks lower first.
        sign = (
            "(SELECT CASE WHEN coalesce(max(meta_direction COLLATE \"C\"), '') = 'lte' "
            "THEN 1 ELSE -1 END FROM vals)"
        )
    else:
        sign = "-1" if spec.higher_is_better else "1"
    shown = _DISTRIBUTION_COLUMNS + (_META_COLUMNS if query.describe else ())
    sql = _RANKING_SQL.format(
        scope=scope_sql,
        values=values_sql,
        value="coalesce(vals.v, 0)" if spec.count else "vals.v",
        sign=sign,
        quartile_points=",\n        ".join(points),
        meta=meta,
        first_row_distribution=",\n    ".join(
            f"CASE WHEN page.pos IS NULL OR page.pos = %s THEN d.{c} END" for c in shown
        ),
        units_table=connection.ops.quote_name(Procuratorate._meta.db_table),
    )
    return sql, [*scope_params, *values_params]


Fetch = Callable[[int, int | None], list[tuple[Any, ...]]]


def unit_value(raw: Sequence[Any], n: int) -> UnitValue:
    """A ranked row from (id, code, name, level, city code, city name, value, rank) among
    ``n`` valued units."""
    unit_id, code, name, level, city_code, city_name, value, rank = raw
    return UnitValue(
        unit_id=unit_id,
        code=code,
        name=name,
        level=level,
        city_code=city_code,
        city_name=city_name,
        value=value,
        rank=rank,
        percentile=None if rank is None else percentile_of(rank, n),
    )


class RankedRows(Sequence[UnitValue]):
    """The rows of a ranked table, fetched a window at a time and made into ``UnitValue`` only
    when read: a GraphQL page reads one slice (at most 200 rows, usually the ones fetched with
    the distribution), an export iterates all of them (one more statement if they were not all
    fetched)."""

    __slots__ = ("_fetch", "_head", "_n", "_total", "statement")

    def __init__(
        self,
        total: int,
        n: int,
        head: list[tuple[Any, ...]],
        fetch: Fetch,
        statement: tuple[str, list[Any], int] = ("", [], 0),
    ) -> None:
        self._total = total  # units in the table
        self._n = n  # units with a value (for the percentile)
        self._head = head  # rows 0 .. len(head) − 1 as fetched
        self._fetch = fetch  # (offset, limit or None) → raw rows
        # The ranking statement of every row with its parameters, and how many distribution
        # columns each row has: for a caller that reads the rows in SQL (the console's page).
        self.statement = statement

    def _row(self, raw: tuple[Any, ...]) -> UnitValue:
        return unit_value(raw[:8], self._n)

    def _raw(self, start: int, stop: int) -> list[tuple[Any, ...]]:
        if stop <= start:
            return []
        if stop <= len(self._head):
            return self._head[start:stop]
        return self._fetch(start, stop - start)

    def _all(self) -> list[tuple[Any, ...]]:
        if len(self._head) < self._total:
            self._head = self._fetch(0, None)
        return self._head

    def __len__(self) -> int:
        return self._total

    @overload
    def __getitem__(self, index: int) -> UnitValue: ...

    @overload
    def __getitem__(self, index: slice) -> list[UnitValue]: ...

    def __getitem__(self, index: int | slice) -> UnitValue | list[UnitValue]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._total)
            if step != 1:
                return [self._row(raw) for raw in self._all()[index]]
            return [self._row(raw) for raw in self._raw(start, stop)]
        if index < 0:
            index += self._total
        if not 0 <= index < self._total:
            raise IndexError(index)
        return self._row(self._raw(index, index + 1)[0])

    def __iter__(self) -> Iterator[UnitValue]:
        return (self._row(raw) for raw in self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"RankedRows({self._total} rows)"


# Runs the ranking statement of every row (its SQL, positional parameters and number of
# distribution columns) inside a statement of the caller's and returns the rows the ranking's
# first fetch would have brought (the console's 对标 page reads its page in the same trip).
First = Callable[[str, list[Any], int], list[tuple[Any, ...]]]


def ranked_table(
    spec: Metric,
    units_qs: QuerySet[Procuratorate],
    fiscal_year: int,
    month: int | None,
    indicator_code: str | None,
    rows: int | None = None,
    first: First | None = None,
) -> BenchmarkTable:
    """``units_qs`` ranked on ``spec`` by ONE statement (``_RANKING_SQL``): the same table as
    ``rank_table`` over ``spec.values`` (a test compares them), computed in PostgreSQL. The
    statement brings the first ``rows`` rows (None: all); others are fetched when read.
    ``first``: runs the statement instead (see ``First``)."""
    query = spec.query(units_qs, fiscal_year, month, indicator_code)
    sql, params = _ranking_sql(spec, query, units_qs)
    shown = len(_DISTRIBUTION_COLUMNS) + (len(_META_COLUMNS) if query.describe else 0)

    def fetch(offset: int, limit: int | None) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, offset, limit, *[offset + 1] * shown])
            return cursor.fetchall()

    every_row = [*params, 0, None, *[1] * shown]
    fetched = first(sql, every_row, shown) if first is not None else fetch(0, rows)
    top = fetched[0]
    higher = top[-1] < 0
    summary = dict(zip(_DISTRIBUTION_COLUMNS + _META_COLUMNS, top[_ROW_COLUMNS:-1], strict=False))
    head = fetched if top[0] is not None else []
    n = summary["n"]
    if n:
        quartiles = [
            _interpolate(n, p, summary[f"q{i}_low"], summary[f"q{i}_above"])
            for i, p in enumerate(QUARTILES)
        ]
        dist = _summary(n, summary["lo"], summary["hi"], summary["total"], quartiles, spec.places)
    else:
        dist = EMPTY
    label, uom = spec.label, spec.unit_of_measure
    if query.describe is not None and summary.get("meta_name") is not None:
        described = query.describe(
            summary["meta_name"], summary["meta_uom"], summary["meta_direction"]
        )
        label = described.label or label
        uom = uom if described.unit_of_measure is None else described.unit_of_measure

    def fetch_rows(offset: int, limit: int | None) -> list[tuple[Any, ...]]:
        return [raw for raw in fetch(offset, limit) if raw[0] is not None]

    return BenchmarkTable(
        metric=spec.key,
        label=label,
        unit_of_measure=uom,
        higher_is_better=higher,
        fiscal_year=fiscal_year,
        month=month if spec.monthly else None,
        rows=RankedRows(summary["units"], n, head, fetch_rows, (sql, every_row, shown)),
        distribution=dist,
    )


# --- a unit's own view ------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where a unit stands within one comparison group. Never names another unit."""

    scope: str  # "level" (every unit of its province at its level) or "peer_group"
    code: str  # the level, or the peer group's code
    name: str
    rank: int | None
    percentile: Decimal | None
    distribution: Distribution


@dataclass(frozen=True)
class UnitPosition:
    metric: str
    label: str
    unit_of_measure: str
    higher_is_better: bool
    fiscal_year: int
    month: int | None
    value: Decimal | None
    positions: tuple[Position, ...]


def _province_units(unit: Procuratorate) -> QuerySet[Procuratorate]:
    root = _root_path(unit.path)
    return Procuratorate.objects.filter(path__startswith=root).exclude(path=root)


def unit_position(
    unit: Procuratorate,
    metric: str,
    fiscal_year: int,
    month: int | None = None,
    indicator_code: str | None = None,
) -> UnitPosition:
    """The unit's value, and its rank, percentile and the distribution among every unit of its
    province at its level and among each peer group of its province it belongs to (for
    ``fiscal_year``). Only figures leave this function, never another unit's identity. Two
    queries: the province's groups, then the figures (``_POSITIONS_SQL``)."""
    return unit_positions(unit, [(metric, fiscal_year, month, indicator_code)])[0]


PositionRequest = tuple[str, int, int | None, str | None]  # metric, year, month, indicator


# Where one unit stands in each of its comparison groups, for several metric queries at once,
# computed in PostgreSQL: every unit of the province with its group memberships (the level,
# each peer group: ``memberships``), kept only in the groups the unit belongs to, against each
# query's values (tagged ``k``; a count metric's unit without rows counts 0); per (query,
# group) the count, min, max, sum, the quartiles' points (as the ranking statement) and how many
# values are above and below the unit's own — one row per query and group, never one per unit.
_POSITIONS_SQL = """
WITH parts AS ({parts}),
units({unit_columns}) AS ({units}),
grouped AS (
    SELECT u.id, gm.grp
    FROM units u CROSS JOIN LATERAL (VALUES {memberships}) gm(grp, member)
    WHERE gm.member
),
mine AS (SELECT grp FROM grouped WHERE id = %(unit)s),
meta AS (
    SELECT k, count(*) AS rows, max(m0 COLLATE "C") AS m0, max(m1 COLLATE "C") AS m1,
        max(m2 COLLATE "C") AS m2, max(v) FILTER (WHERE unit_id = %(unit)s) AS own
    FROM parts GROUP BY k
),
keys AS (
    SELECT keys.k,
        CASE WHEN keys.k = ANY(%(counts)s::int[]) THEN coalesce(meta.own, 0) ELSE meta.own
        END AS own
    FROM (SELECT generate_series(0, %(last)s) AS k) keys LEFT JOIN meta ON meta.k = keys.k
),
vals AS (
    SELECT keys.k, g.grp, keys.own,
        CASE WHEN keys.k = ANY(%(counts)s::int[]) THEN coalesce(p.v, 0) ELSE p.v END AS v
    FROM keys CROSS JOIN (SELECT * FROM grouped WHERE grp IN (SELECT grp FROM mine)) g
    LEFT JOIN parts p ON p.k = keys.k AND p.unit_id = g.id
),
o AS (
    SELECT k, grp, own, v, row_number() OVER (PARTITION BY k, grp ORDER BY v) - 1 AS i,
        count(*) OVER (PARTITION BY k, grp) AS n
    FROM vals WHERE v IS NOT NULL
)
SELECT 'group', k, grp, max(n), min(v), max(v), sum(v), {points},
    count(*) FILTER (WHERE v > own), count(*) FILTER (WHERE v < own),
    NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::numeric
FROM o GROUP BY k, grp
UNION ALL
SELECT 'meta', k, NULL, NULL, NULL, NULL, NULL, {no_points}, NULL, NULL,
    meta.rows, meta.m0, meta.m1, meta.m2, keys.own
FROM keys LEFT JOIN meta USING (k)
UNION ALL
SELECT 'mine', NULL, grp, NULL, NULL, NULL, NULL, {no_points}, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL
FROM mine
"""


def unit_positions(unit: Procuratorate, requests: Sequence[PositionRequest]) -> list[UnitPosition]:
    """``unit_position`` for several (metric, fiscal year, month, indicator code) at once, in
    that order: the province's groups are read once, then for each fiscal year asked every
    request's figures in one statement (``_POSITIONS_SQL``)."""
    specs = [_metric(metric, month, code) for metric, _year, month, code in requests]
    root = _root_path(unit.path)
    groups = list(
        PeerGroup.objects.filter(province__path=root).select_related("city").order_by("code")
    )
    units_qs = _province_units(unit)
    results: dict[int, UnitPosition] = {}
    for fiscal_year in dict.fromkeys(year for _metric_key, year, _m, _c in requests):
        asked = [
            (index, spec, month, code)
            for index, (spec, (_key, year, month, code)) in enumerate(
                zip(specs, requests, strict=True)
            )
            if year == fiscal_year
        ]
        found = _positions_in_sql(unit, units_qs, groups, fiscal_year, asked)
        results.update(found)
    return [results[index] for index in range(len(requests))]


def _positions_in_sql(
    unit: Procuratorate,
    units_qs: QuerySet[Procuratorate],
    groups: Sequence[PeerGroup],
    fiscal_year: int,
    asked: Sequence[tuple[int, Metric, int | None, str | None]],
) -> dict[int, UnitPosition]:
    """The positions of ``unit`` for the ``asked`` (index, metric, month, indicator code) of
    one fiscal year, by ``_POSITIONS_SQL``."""
    reads = [spec.query(units_qs, fiscal_year, month, code) for _i, spec, month, code in asked]
    parts, params = metrics.tagged(reads)
    flags = {
        f"g{g.pk}": ExpressionWrapper(
            peers.member_condition(g, fiscal_year), output_field=BooleanField()
        )
        for g in groups
    }
    units_sql, units_params = (
        units_qs.annotate(**flags).order_by().values_list("id", "level", *flags)
    ).query.sql_with_params()
    memberships = ["('level', u.level = %s)", *(f"('{name}', u.{name})" for name in flags)]
    points = quartile_points()
    no_points = ["NULL::numeric"] * len(points)
    statement = _POSITIONS_SQL.format(
        parts=parts,
        units="{units}",
        unit_columns=", ".join(["id", "level", *flags]),
        memberships=", ".join(memberships),
        points=", ".join(points),
        no_points=", ".join(no_points),
    )
    # Positional parameters of the embedded queries become named ones.
    named: dict[str, Any] = {
        "unit": unit.pk,
        "counts": [k for k, (_i, spec, _m, _c) in enumerate(asked) if spec.count],
        "last": len(asked) - 1,
    }
    pieces = iter(range(len(params) + len(units_params) + 1))

    def rename(sql: str, values: Sequence[Any]) -> str:
        chunks = sql.replace("%%", "\x00").split("%s")
        assert len(chunks) == len(values) + 1, "one placeholder per parameter"
        out = chunks[0]
        for value, chunk in zip(values, chunks[1:], strict=True):
            key = f"p{next(pieces)}"
            named[key] = value
            out += f"%({key})s{chunk}"
        return out.replace("\x00", "%%")

    head, tail = statement.split("{units}")
    statement = rename(head, params) + rename(units_sql, units_params) + rename(tail, [unit.level])
    with connection.cursor() as cursor:
        cursor.execute(statement, named)
        fetched = cursor.fetchall()
    mine = {row[2] for row in fetched if row[0] == "mine"}
    meta = {row[1]: row[15:] for row in fetched if row[0] == "meta"}
    figures = {(row[1], row[2]): row[3:15] for row in fetched if row[0] == "group"}
    level_label = UnitLevel(unit.level).label if unit.level in UnitLevel.values else unit.level
    named_groups = [("level", "level", unit.level, f"全省{level_label}")] + [
        (f"g{g.pk}", "peer_group", g.code, g.name) for g in groups
    ]
    found: dict[int, UnitPosition] = {}
    for k, (index, spec, month, _code) in enumerate(asked):
        rows, name, uom, direction, own = meta[k]
        read = reads[k]
        label, unit_of_measure = spec.label, spec.unit_of_measure
        higher = spec.higher_is_better
        if read.describe is not None and rows:
            described = read.describe(name, uom, direction)
            label = described.label or label
            if described.unit_of_measure is not None:
                unit_of_measure = described.unit_of_measure
            if described.higher_is_better is not None:
                higher = described.higher_is_better
        positions = []
        for key, scope, code, group_name in named_groups:
            if key not in mine:
                continue
            got = figures.get((k, key))
            rank = percentile = None
            dist = EMPTY
            if got is not None:
                n, low, high, total, *rest = got
                picked, (above, below) = rest[:6], rest[6:]
                dist = summary_of(n, low, high, total, picked, spec.places)
                if own is not None:
                    rank = 1 + (above if higher else below)
                    percentile = percentile_of(rank, n)
            positions.append(Position(scope, code, group_name, rank, percentile, dist))
        found[index] = UnitPosition(
            metric=spec.key,
            label=label,
            unit_of_measure=unit_of_measure,
            higher_is_better=higher,
            fiscal_year=fiscal_year,
            month=month if spec.monthly else None,
            value=own if mine else None,
            positions=tuple(positions),
        )
    return found


def _position(
    unit: Procuratorate,
    spec: Metric,
    groups: Sequence[PeerGroup],
    units: Sequence[dict[str, Any]],
    values: metrics.MetricValues,
    fiscal_year: int,
    month: int | None,
) -> UnitPosition:
    """The unit's position among ``units`` (pure)."""
    own = next((u for u in units if u["id"] == unit.pk), None)
    higher = spec.higher_is_better if values.higher_is_better is None else values.higher_is_better
    default = Decimal(0) if spec.count else None
    got = values.values

    def position(scope: str, code: str, name: str, members: list[dict[str, Any]]) -> Position:
        # What ``rank_table`` gives for this unit, without building the other units' rows:
        # rank = 1 + the number of values strictly better (``ranks``).
        valued = [v for v in (got.get(u["id"], default) for u in members) if v is not None]
        mine = got.get(unit.pk, default) if any(u["id"] == unit.pk for u in members) else None
        rank = percentile = None
        if mine is not None:
            rank = 1 + sum(1 for v in valued if (v > mine if higher else v < mine))
            percentile = percentile_of(rank, len(valued))
        return Position(
            scope=scope,
            code=code,
            name=name,
            rank=rank,
            percentile=percentile,
            distribution=distribution(valued, spec.places),
        )

    positions = []
    if own is not None:
        level_label = UnitLevel(unit.level).label
        positions.append(
            position(
                "level",
                unit.level,
                f"全省{level_label}",
                [u for u in units if u["level"] == unit.level],
            )
        )
        for g in groups:
            if own.get(f"g{g.pk}"):
                positions.append(
                    position("peer_group", g.code, g.name, [u for u in units if u[f"g{g.pk}"]])
                )
    table = rank_table(spec, values, [own] if own else [], fiscal_year, month, {})
    return UnitPosition(
        metric=spec.key,
        label=table.label,
        unit_of_measure=table.unit_of_measure,
        higher_is_better=table.higher_is_better,
        fiscal_year=fiscal_year,
        month=table.month,
        value=table.rows[0].value if table.rows else None,
        positions=tuple(positions),
    )


# --- trends -------------------------------------------------------------------------------------


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


def _periods(
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
    spec = _metric(metric, None, indicator_code)
    periods = _periods(spec, fiscal_year, by, years)
    units_qs = _scoped_units(caller, fiscal_year, level, city, peer_group)
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
    spec = _metric(metric, None, indicator_code)
    periods = _periods(spec, fiscal_year, by, years)
    units_qs = _province_units(unit).filter(level=unit.level)
    return _trend(spec, units_qs, unit.pk, periods, by, indicator_code)


# --- aggregated weaknesses ----------------------------------------------------------------------


@dataclass(frozen=True)
class MissedIndicator:
    indicator_code: str
    name: str
    assessed: int  # indicator facts with a verdict (met true/false)
    missed: int  # of which not met
    units: int  # distinct units that missed it
    miss_rate: Decimal  # missed ÷ assessed, %


@dataclass(frozen=True)
class CauseCount:
    cause: str
    label: str
    count: int


@dataclass(frozen=True)
class CityGrades:
    city_code: str  # "" for units directly under the province
    city_name: str
    excellent: int  # projects graded 优
    good: int
    fair: int
    poor: int


@dataclass(frozen=True)
class SelfKeyGap:
    unit_id: int
    code: str
    name: str
    city_code: str
    city_name: str
    project_code: str
    project_name: str
    self_score: Decimal
    key_score: Decimal
    gap: Decimal


@dataclass(frozen=True)
class Weaknesses:
    fiscal_year: int
    overrate_points: Decimal
    missed_indicators: tuple[MissedIndicator, ...]
    deviation_causes: tuple[CauseCount, ...]
    grades_by_city: tuple[CityGrades, ...]
    self_key_gaps: tuple[SelfKeyGap, ...]


DEFAULT_OVERRATE_POINTS = Decimal(10)
TOP_INDICATORS = 20


def weaknesses(
    caller: User | AnonymousUser, fiscal_year: int, city: str | None = None
) -> Weaknesses:
    """The common weaknesses of the units in the caller's benchmark scope (optionally one city):
    the standard indicators most often missed (IndicatorFact.met false; the top 20 by misses),
    the deviation causes most often given, the self-evaluation grades of projects by city, and
    the projects whose self score exceeds the key-evaluation score by more than the province's
    ``overrate_points``. Seven queries, whatever the number of units."""
    from backend.monitoring.models import DeviationCause
    from backend.oversight.models import ProvincePolicy

    scope = benchmark_scope(caller)
    units = Procuratorate.objects.filter(scope.condition)
    if city:
        units = units.filter(under_city(city, field="path"))
    ids = units.order_by().values("pk")
    policy = ProvincePolicy.objects.filter(province__path__in=scope.provinces).first()
    overrate = policy.overrate_points if policy else DEFAULT_OVERRATE_POINTS

    facts = IndicatorFact.objects.filter(fiscal_year=fiscal_year, unit_id__in=ids)
    missed_rows = (
        facts.filter(met__isnull=False)
        .order_by()
        .values("indicator_code")
        .annotate(
            name=Max("name"),
            assessed=Count("id"),
            missed=Count("id", filter=Q(met=False)),
            units=Count("unit_id", filter=Q(met=False), distinct=True),
        )
        .filter(missed__gt=0)
        .order_by("-missed", "indicator_code")[:TOP_INDICATORS]
    )
    missed = tuple(
        MissedIndicator(
            indicator_code=r["indicator_code"],
            name=r["name"],
            assessed=r["assessed"],
            missed=r["missed"],
            units=r["units"],
            miss_rate=(Decimal(100) * r["missed"] / r["assessed"]).quantize(
                CENT, rounding=ROUND_HALF_UP
            ),
        )
        for r in missed_rows
    )
    labels = dict(DeviationCause.choices)
    causes = tuple(
        CauseCount(
            cause=r["deviation_cause"],
            label=labels.get(r["deviation_cause"], r["deviation_cause"]),
            count=r["n"],
        )
        for r in facts.exclude(deviation_cause="")
        .order_by()
        .values("deviation_cause")
        .annotate(n=Count("id"))
        .order_by("-n", "deviation_cause")
    )

    grade_rows = (
        ProjectFact.objects.filter(fiscal_year=fiscal_year, unit_id__in=ids)
        .exclude(self_grade="")
        .order_by()
        .values("unit__path", "unit__level", "self_grade")
        .annotate(n=Count("id"))
    )
    tally: dict[str, dict[str, int]] = {}
    for r in grade_rows:
        code = _city_code(r["unit__path"], r["unit__level"])
        tally.setdefault(code, {}).setdefault(r["self_grade"], 0)
        tally[code][r["self_grade"]] += r["n"]

    gap_expr = ExpressionWrapper(
        F("self_score") - F("key_score"), output_field=DecimalField(max_digits=6, decimal_places=2)
    )
    gap_rows = list(
        ProjectFact.objects.filter(
            fiscal_year=fiscal_year,
            unit_id__in=ids,
            self_score__isnull=False,
            key_score__isnull=False,
        )
        .annotate(gap=gap_expr)
        .filter(gap__gt=overrate)
        .order_by("-gap", "unit__path", "project_code")
        .values(
            "unit_id",
            "unit__code",
            "unit__name",
            "unit__path",
            "unit__level",
            "project_code",
            "project_name",
            "self_score",
            "key_score",
            "gap",
        )
    )
    names = _city_names(
        set(tally) | {_city_code(r["unit__path"], r["unit__level"]) for r in gap_rows}
    )
    grades = tuple(
        CityGrades(
            city_code=code,
            city_name=names.get(code, ""),
            excellent=counts.get("优", 0),
            good=counts.get("良", 0),
            fair=counts.get("中", 0),
            poor=counts.get("差", 0),
        )
        for code, counts in sorted(tally.items())
    )
    gaps = tuple(
        SelfKeyGap(
            unit_id=r["unit_id"],
            code=r["unit__code"],
            name=r["unit__name"],
            city_code=_city_code(r["unit__path"], r["unit__level"]),
            city_name=names.get(_city_code(r["unit__path"], r["unit__level"]), ""),
            project_code=r["project_code"],
            project_name=r["project_name"],
            self_score=r["self_score"],
            key_score=r["key_score"],
            gap=r["gap"],
        )
        for r in gap_rows
    )
    return Weaknesses(fiscal_year, overrate, missed, causes, grades, gaps)

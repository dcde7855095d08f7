"""Benchmarks (issue 7): every unit under the caller ranked on one metric, with the
distribution, read from the public fact tables in a fixed number of queries whatever the number
of units — in Python (``rank_table``) and in one SQL statement (``ranked_table``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, overload

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import (
    QuerySet,
)

from backend.accounts.models import User
from backend.benchmarking import metrics, peers
from backend.benchmarking.metrics import Metric
from backend.benchmarking.selectors.scope import (
    benchmark_scope,
    city_code_of,
    metric_for,
    peer_group_of,
)
from backend.benchmarking.selectors.statistics import (
    EMPTY,
    QUARTILES,
    BenchmarkTable,
    Distribution,
    UnitValue,
    distribution,
    interpolate,
    percentile_of,
    ranks,
    summarise,
)
from backend.oversight.selectors import under_city
from tenants.models import Procuratorate

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

    def row(
        unit: dict[str, Any], value: Decimal | None, rank: int | None, percentile: Decimal | None
    ) -> UnitValue:
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


def unit_rows(units: QuerySet[Procuratorate], *extra: str) -> list[dict[str, Any]]:
    """The units as dicts of ``_UNIT_FIELDS`` (+ ``extra``) with their city code (one query)."""
    names = (*_UNIT_FIELDS, *extra)
    rows = []
    for values in units.order_by("path").values_list(*names):
        row = dict(zip(names, values, strict=True))
        row["city"] = city_code_of(row["path"], row["level"])
        rows.append(row)
    return rows


def scoped_units(
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
            peers.member_condition(peer_group_of(scope.provinces, peer_group), fiscal_year)
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
    spec = metric_for(metric, month, indicator_code)
    units_qs = scoped_units(caller, fiscal_year, level, city, peer_group)
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


def _quartile_indexes(count: str) -> list[str]:
    """⌊h⌋ = ⌊(n − 1)·p⌋ per quartile p, as SQL over the count ``count`` (integers: (n − 1)·a
    div b for p = a/b and n ≥ 1, no numeric per row)."""
    indexes = []
    for p in QUARTILES:
        a, b = Fraction(p).as_integer_ratio()
        indexes.append(f"({a} * ({count} - 1) / {b})")
    return indexes


def quartile_points(count: str = "n", index: str = "i", value: str = "v") -> list[str]:
    """The aggregates that pick, per quartile p, x[⌊h⌋] and x[⌊h⌋+1] (h = (n − 1)·p) out of
    rows numbered ``index`` from 0 in ascending ``value`` among ``count`` (integer arithmetic,
    as the ranking statement): ``interpolate`` and ``summarise`` finish them in Decimal."""
    points = []
    for low in _quartile_indexes(count):
        points.append(f"max({value}) FILTER (WHERE {index} = {low})")
        points.append(f"max({value}) FILTER (WHERE {index} = {low} + 1)")
    return points


def sorted_quartile_points(array: str, count: str) -> list[str]:
    """``quartile_points``' picks out of ``array``, the ``count`` values already sorted
    ascending (e.g. ``array_agg(v ORDER BY v)``; SQL arrays count from 1, and an element past
    the end is NULL, as a missing row is there)."""
    points = []
    for low in _quartile_indexes(count):
        points.append(f"{array}[{low} + 1]")
        points.append(f"{array}[{low} + 2]")
    return points


def summary_of(
    n: int, low: Decimal, high: Decimal, total: Decimal, picked: Sequence[Decimal], places: int
) -> Distribution:
    """The distribution of n values from their min, max, sum and ``quartile_points``' picks
    (x[⌊h⌋], x[⌊h⌋+1] for each quartile, in order)."""
    quartiles = [
        interpolate(n, p, picked[2 * i], picked[2 * i + 1]) for i, p in enumerate(QUARTILES)
    ]
    return summarise(n, low, high, total, quartiles, places)


def ranking_sql(
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
    sql, params = ranking_sql(spec, query, units_qs)
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
            interpolate(n, p, summary[f"q{i}_low"], summary[f"q{i}_above"])
            for i, p in enumerate(QUARTILES)
        ]
        dist = summarise(n, summary["lo"], summary["hi"], summary["total"], quartiles, spec.places)
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

"""A unit's own view: its rank, percentile and peer-group median on each metric."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    QuerySet,
)

from backend.benchmarking import metrics, peers
from backend.benchmarking.metrics import Metric
from backend.benchmarking.models import PeerGroup
from backend.benchmarking.selectors.ranking import rank_table, sorted_quartile_points, summary_of
from backend.benchmarking.selectors.scope import metric_for, root_path
from backend.benchmarking.selectors.statistics import (
    EMPTY,
    Distribution,
    distribution,
    percentile_of,
)
from tenants.models import Procuratorate, UnitLevel


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


def province_units(unit: Procuratorate) -> QuerySet[Procuratorate]:
    return _units_under(root_path(unit.path))


def _units_under(root: str) -> QuerySet[Procuratorate]:
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
# each peer group: ``memberships``), kept only in the groups the unit belongs to (``members``),
# against each query's values (tagged ``k``; a count metric's member without rows counts 0,
# added by an anti-join rather than a join of every member to every value); per (query, group)
# in ONE aggregate pass the count, min, max, sum, the values sorted (``x``, whose elements the
# quartiles' points pick, as the ranking statement's) and how many values are above and below
# the unit's own — one row per query and group, never one per unit, and no window over them
# (rank = 1 + the count strictly better, as ``ranks``).
_POSITIONS_SQL = """
WITH parts AS MATERIALIZED ({parts}),
units({unit_columns}) AS ({units}),
grouped AS (
    SELECT u.id, gm.grp
    FROM units u CROSS JOIN LATERAL (VALUES {memberships}) gm(grp, member)
    WHERE gm.member
),
mine AS (SELECT grp FROM grouped WHERE id = %(unit)s),
members AS (SELECT id, grp FROM grouped WHERE grp IN (SELECT grp FROM mine)),
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
    SELECT p.k, m.grp,
        CASE WHEN p.k = ANY(%(counts)s::int[]) THEN coalesce(p.v, 0) ELSE p.v END AS v
    FROM parts p JOIN members m ON m.id = p.unit_id
    UNION ALL
    SELECT c.k, m.grp, 0 FROM unnest(%(counts)s::int[]) c(k) CROSS JOIN members m
    WHERE NOT EXISTS (
        SELECT FROM parts p
        WHERE p.k = ANY(%(counts)s::int[]) AND p.k = c.k AND p.unit_id = m.id
    )
),
figures AS (
    SELECT vals.k, vals.grp, count(*) AS n, min(v) AS lo, max(v) AS hi, sum(v) AS total,
        array_agg(v ORDER BY v) AS x,
        count(*) FILTER (WHERE v > keys.own) AS above,
        count(*) FILTER (WHERE v < keys.own) AS below
    FROM vals JOIN keys ON keys.k = vals.k
    WHERE v IS NOT NULL
    GROUP BY vals.k, vals.grp
)
SELECT 'group', k, grp, n, lo, hi, total, {points}, above, below,
    NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::numeric
FROM figures
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
    specs = [metric_for(metric, month, code) for metric, _year, month, code in requests]
    root = root_path(unit.path)
    groups = list(
        PeerGroup.objects.filter(province__path=root).select_related("city").order_by("code")
    )
    units_qs = province_units(unit)
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


Describe = Callable[[str | None, str | None, str | None], metrics.MetricValues]


@functools.lru_cache(maxsize=256)
def _tagged_reads(
    root: str, fiscal_year: int, asked: tuple[tuple[Metric, int | None, str | None], ...]
) -> tuple[str, tuple[Any, ...], tuple[Describe | None, ...]]:
    """The ``asked`` (metric, month, indicator code) metric queries over the units under
    ``root`` as ``metrics.tagged`` joins them — the SQL, its parameters — and each query's
    ``describe``. Text built from the arguments alone, never a figure read, so nothing here can
    go stale when facts change; kept because building and compiling eleven querysets is ~20 ms
    of Python on every page."""
    units_qs = _units_under(root)
    reads = [spec.query(units_qs, fiscal_year, month, code) for spec, month, code in asked]
    parts, params = metrics.tagged(reads)
    return parts, tuple(params), tuple(read.describe for read in reads)


def _positions_in_sql(
    unit: Procuratorate,
    units_qs: QuerySet[Procuratorate],
    groups: Sequence[PeerGroup],
    fiscal_year: int,
    asked: Sequence[tuple[int, Metric, int | None, str | None]],
) -> dict[int, UnitPosition]:
    """The positions of ``unit`` for the ``asked`` (index, metric, month, indicator code) of
    one fiscal year, by ``_POSITIONS_SQL``."""
    parts, params, describes = _tagged_reads(
        root_path(unit.path),
        fiscal_year,
        tuple((spec, month, code) for _i, spec, month, code in asked),
    )
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
    points = sorted_quartile_points("x", "n")
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
        describe = describes[k]
        label, unit_of_measure = spec.label, spec.unit_of_measure
        higher = spec.higher_is_better
        if describe is not None and rows:
            described = describe(name, uom, direction)
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

"""对标 in the console: league tables that name every unit of the reader's benchmark scope, read
from the public fact tables through ``backend.benchmarking.selectors`` (the ranking statement,
the same rank, percentile and quartiles as the API's ``benchmark``).

What the console adds, without a second copy of a rule:

- **size-adjusted metrics** (``adjusted``): a metric that is a total (budget, counts of alerts
  and rectifications) divided by the unit's procurators (每名员额检察官) or cases (每件案件) of
  the year (``UnitStatistics``), built as one more ``Metric`` over the base metric's own query;
  a unit without the figure has no value;
- **sorting and searching** of the ranked rows (the rank is always over the whole group);
- **percentile bands** (``band``) and per-city distributions for the charts.

Queries: the reader's memberships, [the peer group], the ranking statement — whatever the
number of units (the rows are all fetched by that one statement; sorting is done in Python).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from backend.accounts.models import User
from backend.benchmarking import metrics, selectors
from backend.benchmarking.errors import BenchmarkErrorCode
from backend.benchmarking.metrics import VALUE, Metric, MetricQuery
from backend.benchmarking.models import PeerGroup, UnitStatistics
from backend.benchmarking.selectors import BenchmarkTable, Distribution, UnitValue
from backend.core.errors import CoreErrorCode, DomainError
from tenants.models import Procuratorate, UnitLevel

# The metrics the console offers, in menu order.
MENU = (
    "execution_rate",
    "forecast_rate",
    "budget",
    "open_alerts",
    "self_score",
    "self_grade",
    "department_score",
    "key_score",
    "self_key_gap",
    "rectifications_open",
    "rectifications_overdue",
    "spending_per_procurator",
    "cases_per_procurator",
    "indicator_achievement",
    "indicator_actual",
    "indicator_target",
)
# Size adjustments: per procurator (员额检察官) or per case, for the metrics that are totals.
PER = {"procurator": ("procurators", "每名员额检察官", "人"), "case": ("cases", "每件案件", "件")}
ADJUSTABLE: dict[str, tuple[str, ...]] = {
    "budget": ("procurator", "case"),
    "open_alerts": ("procurator",),
    "rectifications_open": ("procurator",),
    "rectifications_overdue": ("procurator",),
}


def adjusted(spec: Metric, per: str) -> Metric:
    """``spec`` divided by the unit's procurators or cases of the year (2 places). Units
    without the figure (or with 0) have no value."""
    column, label, uom = PER[per]

    def read(
        units: QuerySet[Procuratorate], fiscal_year: int, month: int | None, code: str | None
    ) -> MetricQuery:
        base = spec.reader(units, fiscal_year, month, code).rows
        total = Subquery(base.filter(unit_id=OuterRef("unit_id")).values("raw")[:1])
        numerator = Coalesce(total, Value(Decimal(0)), output_field=VALUE) if spec.count else total
        rows = (
            UnitStatistics.objects.filter(
                fiscal_year=fiscal_year,
                unit_id__in=units.order_by().values("pk"),
                **{f"{column}__gt": 0},
            )
            .annotate(total=numerator)
            .order_by()
            .values("unit_id")
            .annotate(raw=F("total") * metrics.EXACT / F(column))
        )
        return MetricQuery(rows)

    return Metric(
        key=f"{spec.key}__per_{per}",
        label=f"{spec.label}（{label}）",
        unit_of_measure=f"{spec.unit_of_measure}/{uom}",
        higher_is_better=spec.higher_is_better,
        reader=read,
        monthly=spec.monthly,
        places=2,
    )


@dataclass(frozen=True)
class Query:
    """What the league table shows: the metric and the group."""

    metric: str = "execution_rate"
    year: int = 2026
    month: int | None = None
    per: str = ""  # "", "procurator", "case"
    peer_group: str = ""
    city: str = ""
    level: str = ""
    indicator: str = ""


def metric_of(query: Query) -> Metric:
    spec = metrics.get(query.metric)
    if spec is None:
        raise DomainError.single(BenchmarkErrorCode.UNKNOWN_METRIC, "没有该对标指标。", "metric")
    if query.per:
        if query.per not in ADJUSTABLE.get(spec.key, ()):
            raise DomainError.single(
                CoreErrorCode.NOT_ADJUSTABLE, "该指标不能按人均或件均比较。", "per"
            )
        return adjusted(spec, query.per)
    return spec


def league(
    user: User | AnonymousUser,
    query: Query,
    rows: int | None = None,
    first: selectors.First | None = None,
) -> BenchmarkTable:
    """Every unit of the reader's scope (filtered by level, city and peer group) ranked on the
    metric; the ranking statement brings the first ``rows`` rows (None: all of them), the others
    are fetched when read. Raises ``DomainError`` on bad input, ``selectors.OutOfReach``
    without a benchmarking role."""
    spec = metric_of(query)
    if spec.needs_indicator and not query.indicator:
        raise DomainError.single(
            BenchmarkErrorCode.INDICATOR_REQUIRED, "请填写指标编码。", "indicator"
        )
    if query.month is not None and not 1 <= query.month <= 12:
        raise DomainError.single(CoreErrorCode.INVALID_MONTH, "月份应在 1–12 之间。", "month")
    units = selectors.scoped_units(
        user, query.year, query.level or None, query.city or None, query.peer_group or None
    )
    return selectors.ranked_table(
        spec, units, query.year, query.month, query.indicator or None, rows=rows, first=first
    )


# --- bands, sorting -----------------------------------------------------------------------------

BANDS = (
    ("top10", "前 10%", Decimal(90)),
    ("top25", "前 25%", Decimal(75)),
    ("upper", "中上", Decimal(50)),
    ("lower", "中下", Decimal(25)),
    ("bottom25", "后 25%", Decimal(10)),
    ("bottom10", "后 10%", Decimal(0)),
)
BAND_LABELS = {key: label for key, label, _floor in BANDS}


def band(percentile: Decimal | None) -> str:
    """The percentile band of a unit ("" without a value): 前 10% is percentile ≥ 90, …,
    后 10% below 10."""
    if percentile is None:
        return ""
    for key, _label, floor in BANDS:
        if percentile >= floor:
            return key
    return BANDS[-1][0]


SORTS = {
    "rank": "排名",
    "-rank": "排名（倒序）",
    "name": "单位名称",
    "city": "所属市院",
}


def arrange(
    rows: Sequence[UnitValue], *, sort: str = "rank", search: str = "", band_key: str = ""
) -> list[UnitValue]:
    """The rows filtered by a name or code fragment and a band, in the order asked; units
    without a value stay last whatever the order."""
    chosen = [
        r
        for r in rows
        if (not search or search in r.name or search.lower() in r.code.lower())
        and (not band_key or band(r.percentile) == band_key)
    ]
    valued = [r for r in chosen if r.rank is not None]
    missing = [r for r in chosen if r.rank is None]
    if sort == "-rank":
        valued.reverse()
    elif sort == "name":
        valued.sort(key=lambda r: r.name)
        missing.sort(key=lambda r: r.name)
    elif sort == "city":
        valued.sort(key=lambda r: (r.city_name, r.rank or 0))
        missing.sort(key=lambda r: (r.city_name, r.name))
    return valued + missing


@dataclass(frozen=True)
class CityDistribution:
    code: str
    name: str
    distribution: Distribution


def by_city(
    table: BenchmarkTable, rows: Sequence[UnitValue] | None = None
) -> list[CityDistribution]:
    """The distribution of the valued units of each city (units directly under the province
    as “省直属”), by median, best first (pure; ``rows``: the table's rows already read)."""
    groups: dict[str, tuple[str, list[Decimal]]] = {}
    for row in table.rows if rows is None else rows:
        if row.value is None:
            continue
        name = row.city_name or "省直属"
        groups.setdefault(row.city_code, (name, []))[1].append(row.value)
    places = 4 if table.metric.startswith("indicator_") else 2
    result = [
        CityDistribution(code, name, selectors.distribution(values, places))
        for code, (name, values) in groups.items()
    ]
    result.sort(key=lambda c: (c.distribution.median or 0) * (-1 if table.higher_is_better else 1))
    return result


# --- choices ------------------------------------------------------------------------------------


def cities(user: User | AnonymousUser) -> list[tuple[str, str]]:
    """(code, name) of the cities in the reader's benchmark scope (one query)."""
    scope = selectors.benchmark_scope(user)
    rows = Procuratorate.objects.filter(scope.condition, level=UnitLevel.CITY).order_by("path")
    return list(rows.values_list("code", "name"))


def peer_groups(user: User | AnonymousUser) -> list[tuple[str, str]]:
    """(code, name) of the peer groups of the reader's provinces (one query)."""
    scope = selectors.benchmark_scope(user)
    rows = PeerGroup.objects.filter(province__path__in=list(scope.provinces)).order_by("code")
    return list(rows.values_list("code", "name"))


def unit_in_scope(user: User | AnonymousUser, code: str) -> Procuratorate | None:
    """The unit ``code`` when the reader benchmarks it (None: 404)."""
    scope = selectors.benchmark_scope(user)
    return Procuratorate.objects.filter(scope.condition, code=code).first()


# --- one page of the league, in SQL -------------------------------------------------------------

# One page of the league table, the bottom N, the band counts and each city's distribution,
# read by ONE statement over the ranking statement (``selectors.ranking_sql``, every row): the
# rows never leave the database, only the page's 25, the N bottom ones, six band counts and a
# row per city. The percentile and band are the same as ``selectors.percentile_of`` and
# ``band`` (PostgreSQL's round() of a numeric rounds a half away from zero, i.e. half-up here);
# the orders are those of ``arrange`` (codepoint order: COLLATE "C"); a page number out of range
# gives the last page, as ``Paginator.get_page``.
_PAGE_SQL = """
WITH r0 AS (SELECT * FROM ({ranking}) q0({columns})),
q AS (SELECT * FROM r0 WHERE id IS NOT NULL),
x AS (SELECT q.*, count(rank) OVER () AS n FROM q),
b AS (
    SELECT x.*, CASE
            WHEN rank IS NULL THEN ''
            {bands}
        END AS band
    FROM (
        SELECT x.*, CASE
                WHEN rank IS NULL THEN NULL WHEN n = 1 THEN 100::numeric
                ELSE round(100::numeric * (n - rank) / (n - 1), 2)
            END AS pct
        FROM x
    ) x
),
f AS (
    SELECT b.*, row_number() OVER (ORDER BY {order}) AS spos, count(*) OVER () AS matched
    FROM b WHERE {where}
),
num AS (
    SELECT CASE WHEN %(page)s < 1 OR %(page)s > pages THEN pages ELSE %(page)s END AS number
    FROM (
        SELECT greatest(1, ceil((SELECT count(*) FROM f) / %(per)s::numeric))::int AS pages
    ) p
),
c AS (
    SELECT city_code, city_name, value, pos,
        row_number() OVER (PARTITION BY city_code ORDER BY value) - 1 AS i,
        count(*) OVER (PARTITION BY city_code) AS cn
    FROM b WHERE rank IS NOT NULL
)
-- first: its columns give the ranking's columns their types (NULLs elsewhere)
SELECT 'head', pos, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, {no_points}, r0.*
FROM r0 WHERE {head}
UNION ALL
SELECT 'page', f.spos, f.id, f.code, f.name, f.level, f.city_code, f.city_name, f.value,
    f.rank, f.matched, num.number,
    NULL::numeric, NULL::numeric, NULL::numeric, {no_points}, {no_raw}
FROM f CROSS JOIN num
WHERE f.spos > (num.number - 1) * %(per)s AND f.spos <= num.number * %(per)s
UNION ALL
SELECT 'bottom', b.pos, b.id, b.code, b.name, b.level, b.city_code, b.city_name, b.value,
    b.rank, NULL, NULL, NULL, NULL, NULL, {no_points}, {no_raw}
FROM b WHERE b.rank IS NOT NULL AND b.pos > b.n - %(top)s
UNION ALL
SELECT 'band', count(*), NULL, band, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, {no_points}, {no_raw}
FROM b WHERE band <> '' GROUP BY band
UNION ALL
SELECT 'meta', (SELECT count(*) FROM f), NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, (SELECT number FROM num), NULL, NULL, NULL, {no_points}, {no_raw}
UNION ALL
SELECT 'city', min(pos), NULL, NULL, NULL, NULL, city_code, max(city_name COLLATE "C"), NULL,
    NULL, count(*), NULL, min(value), max(value), sum(value), {points}, {no_raw}
FROM c GROUP BY city_code
ORDER BY 1, 2
"""
_RANKING_COLUMNS = ("id", "code", "name", "level", "city_code", "city_name", "value", "rank")
_ORDERS = {
    "rank": "pos",
    "-rank": "rank IS NULL, CASE WHEN rank IS NOT NULL THEN pos END DESC, pos",
    "name": 'rank IS NULL, name COLLATE "C", pos',
    "city": (
        'rank IS NULL, city_name COLLATE "C", rank, '
        'CASE WHEN rank IS NULL THEN name END COLLATE "C", pos'
    ),
}


@dataclass(frozen=True)
class LeaguePage:
    """What the 对标 page shows of a table: its rows in the order and filter asked (``count``
    of them; ``rows``: the page's, ``number``: the page), the bottom N, the band counts and
    each city's distribution (``by_city``'s order)."""

    count: int
    number: int
    rows: list[UnitValue]
    bottom: list[UnitValue]
    bands: dict[str, int]
    cities: list[CityDistribution]


def _page_number(raw: object) -> int:
    try:
        return int(str(raw))
    except ValueError:
        return 1  # as Paginator.get_page: not a number → the first page


@dataclass(frozen=True)
class Cut:
    """What of the table the page shows: order, filters, page, bottom N."""

    sort: str = "rank"
    search: str = ""
    band_key: str = ""
    page: object = 1
    per_page: int = 25
    bottom: int = 10


def _page_statement(
    ranking: str, params: Sequence[Any], shown: int, cut: Cut, head: int
) -> tuple[str, dict[str, Any]]:
    """``_PAGE_SQL`` over the ranking statement of every row (``ranking``, its positional
    ``params``; ``shown`` distribution columns), with the ranking's own first ``head`` rows
    (the ones ``ranked_table`` would fetch) as ``head`` rows."""
    columns = [*_RANKING_COLUMNS, "pos", *(f"d{i}" for i in range(shown)), "sign"]
    bands = "\n            ".join(
        f"WHEN pct >= {floor} THEN '{key}'" for key, _label, floor in BANDS[:-1]
    )
    points = selectors.quartile_points(count="cn", value="value")
    where = ["true"]
    named: dict[str, Any] = {
        "page": _page_number(cut.page),
        "per": cut.per_page,
        "top": cut.bottom,
        "head": head,
    }
    if cut.search:
        where.append("(strpos(name, %(search)s) > 0 OR strpos(lower(code), %(lower)s) > 0)")
        named.update(search=cut.search, lower=cut.search.lower())
    if cut.band_key:
        where.append("band = %(band)s")
        named["band"] = cut.band_key
    sql = _PAGE_SQL.format(
        ranking="{ranking}",
        columns=", ".join(columns),
        bands=f"{bands}\n            ELSE '{BANDS[-1][0]}'",
        order=_ORDERS.get(cut.sort, "pos"),
        where=" AND ".join(where),
        no_points=", ".join(["NULL::numeric"] * len(points)),
        points=", ".join(points),
        no_raw=", ".join(["NULL"] * len(columns)),
        # the rows ranked_table fetches first: positions 1..head, or the one row of an empty
        # table (no unit: the distribution alone)
        head="pos <= %(head)s OR id IS NULL",
    )
    # The ranking statement's positional parameters become named ones.
    pieces = ranking.split("%s")
    assert len(pieces) == len(params) + 1, "one placeholder per parameter"
    named_ranking = pieces[0]
    for index, (value, piece) in enumerate(zip(params, pieces[1:], strict=True)):
        named[f"r{index}"] = value
        named_ranking += f"%(r{index})s{piece}"
    return sql.replace("{ranking}", named_ranking), named


def _fetch(sql: str, named: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, named)
        return cursor.fetchall()


def league_page(
    table: BenchmarkTable,
    *,
    sort: str = "rank",
    search: str = "",
    band_key: str = "",
    page: object = 1,
    per_page: int = 25,
    bottom: int = 10,
) -> LeaguePage:
    """The page of ``table`` (``league``'s, whose ranking statement this re-reads) as
    ``arrange`` would cut it from every row, with the bottom ``bottom`` and the figures of the
    charts, in one statement whatever the number of units."""
    rows = table.rows
    assert isinstance(rows, selectors.RankedRows), "a table of the ranking statement"
    ranking, params, shown = rows.statement
    cut = Cut(sort, search, band_key, page, per_page, bottom)
    sql, named = _page_statement(ranking, params, shown, cut, head=0)
    return _read_page(table, _fetch(sql, named))


def league_with_page(
    user: User | AnonymousUser,
    query: Query,
    *,
    sort: str = "rank",
    search: str = "",
    band_key: str = "",
    page: object = 1,
    per_page: int = 25,
    bottom: int = 10,
    top: int = 10,
) -> tuple[BenchmarkTable, LeaguePage]:
    """``league`` (its first ``top`` rows) and ``league_page`` in ONE statement: the ranking
    runs once, and ``_PAGE_SQL`` hands ``ranked_table`` the rows it would have fetched."""
    fetched: list[tuple[Any, ...]] = []
    cut = Cut(sort, search, band_key, page, per_page, bottom)

    def first(ranking: str, params: list[Any], shown: int) -> list[tuple[Any, ...]]:
        sql, named = _page_statement(ranking, params, shown, cut, head=top)
        fetched.extend(_fetch(sql, named))
        return [raw[_RAW_START:] for raw in fetched if raw[0] == "head"]

    table = league(user, query, first=first)
    return table, _read_page(table, fetched)


_RAW_START = 21  # the ranking's own columns of a ``head`` row start here


def _read_page(table: BenchmarkTable, fetched: list[tuple[Any, ...]]) -> LeaguePage:
    """The page, bottom N, bands and cities out of ``_PAGE_SQL``'s rows."""
    n = table.distribution.count

    def unit_value(raw: tuple[Any, ...]) -> UnitValue:
        return selectors.unit_value(raw[2:10], n)

    count, number = 0, 1
    page_rows: list[UnitValue] = []
    bottom_rows: list[UnitValue] = []
    band_counts: dict[str, int] = {}
    cities: list[CityDistribution] = []
    places = 4 if table.metric.startswith("indicator_") else 2
    for raw in fetched:
        kind = raw[0]
        if kind == "head":
            continue
        if kind == "page":
            page_rows.append(unit_value(raw))
        elif kind == "bottom":
            bottom_rows.append(unit_value(raw))
        elif kind == "band":
            band_counts[raw[3]] = raw[1]
        elif kind == "meta":
            count, number = raw[1], raw[11]
        elif kind == "city":  # count, min, max, sum, then x[⌊h⌋], x[⌊h⌋+1] per quartile
            city_code, city_name, cn = raw[6], raw[7], raw[10]
            low, high, total = raw[12], raw[13], raw[14]
            cities.append(
                CityDistribution(
                    city_code,
                    city_name or "省直属",
                    selectors.summary_of(cn, low, high, total, raw[15:21], places),
                )
            )
    # Best median first; ties in the order the cities first appear in the ranking (fetched
    # by their best position), as ``by_city``.
    sign = -1 if table.higher_is_better else 1
    cities.sort(key=lambda c: (c.distribution.median or 0) * sign)
    return LeaguePage(count, number, page_rows, bottom_rows, band_counts, cities)

"""The benchmark metrics: what can be compared across units, each read from the public fact
tables only (never a unit's schema) in ONE query for every unit of a scope, whatever its size.

A metric declares its label (Chinese), unit of measure, whether a higher value is better (the
ranking direction), whether it takes a month (in-year figures) and how many decimal places its
values keep. ``Metric.values(units, fiscal_year, month, indicator_code)`` returns the value of
every unit of ``units`` (a lazy queryset of units, used as a sub-query) that has one.

Conventions (docs/benchmarking.md):

- Rates and scores are percentages / points with 2 places, rounded half-up.
- Counts (open alerts, rectifications) are 0 for a unit of the scope with no rows: for a count,
  "none" is a value. Every other metric leaves a unit without facts without a value (ranked
  last, outside the distribution).
- Several projects of a unit with the same standard indicator: the unit's target, actual and
  achievement are the plain means over those projects (each project counts once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Round

from backend.benchmarking.models import (
    BudgetFact,
    ExecutionFact,
    IndicatorFact,
    ProjectFact,
    UnitStatistics,
    UnitYearFact,
)
from tenants.models import Procuratorate

HUNDRED = Decimal(100)
# Grades as ordinal points, so that a grade can be ranked (优 best).
GRADE_POINTS: dict[str, int] = {"优": 4, "良": 3, "中": 2, "差": 1}


@dataclass(frozen=True)
class MetricValues:
    """Per unit id, the unit's value; and, for indicator metrics, what the facts say about the
    indicator (its name, unit of measure, whether higher is better)."""

    values: dict[int, Decimal]
    label: str | None = None
    unit_of_measure: str | None = None
    higher_is_better: bool | None = None


@dataclass(frozen=True)
class MetricQuery:
    """ONE query (lazy) with a row per unit of the scope that has facts: ``unit_id`` and ``v``,
    the value rounded half-up in SQL to the metric's places (NULL: no value); for an indicator
    metric also ``meta_name``, ``meta_uom`` and ``meta_direction``, which ``describe`` reads
    into a label, unit of measure and direction. Used as it is (``Metric.values``) or as a
    sub-query of the ranking statement (``selectors.benchmark``)."""

    rows: QuerySet
    describe: Callable[[str | None, str | None, str | None], MetricValues] | None = None
    directed: bool = False  # the ranking direction is the indicator's (``meta_direction``)


Reader = Callable[["QuerySet[Procuratorate]", int, int | None, str | None], MetricQuery]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit_of_measure: str
    higher_is_better: bool
    reader: Reader = field(repr=False)
    monthly: bool = False  # takes a month (in-year); without one: year-end / latest figure
    needs_indicator: bool = False
    places: int = 2
    count: bool = False  # a unit of the scope with no rows has the value 0
    description: str = ""

    def query(
        self,
        units: QuerySet[Procuratorate],
        fiscal_year: int,
        month: int | None = None,
        indicator_code: str | None = None,
    ) -> MetricQuery:
        """The metric's query over ``units``, its value ``v`` rounded half-up to the metric's
        places (PostgreSQL ``round(numeric, places)`` rounds halves away from zero, as
        ``ROUND_HALF_UP`` does)."""
        read = self.reader(units, fiscal_year, month if self.monthly else None, indicator_code)
        rounded = Round(F("raw"), self.places, output_field=VALUE)
        return MetricQuery(read.rows.annotate(v=rounded), read.describe, read.directed)

    def values(
        self,
        units: QuerySet[Procuratorate],
        fiscal_year: int,
        month: int | None = None,
        indicator_code: str | None = None,
    ) -> MetricValues:
        """One query: every unit's value (units without one left out)."""
        return read_values([self.query(units, fiscal_year, month, indicator_code)])[0]


META = ("meta_name", "meta_uom", "meta_direction")


def read_values(reads: Sequence[MetricQuery]) -> list[MetricValues]:
    """The values of several metric queries (metrics, years, months) in ONE statement: each
    query as a sub-query tagged with its position, joined by ``UNION ALL`` — one round trip
    instead of one per query, whatever the number of units. In the order of ``reads``."""
    if not reads:
        return []
    sql, params = tagged(reads)
    rows_of: list[list[tuple[Any, ...]]] = [[] for _ in reads]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for k, *row in cursor.fetchall():
            rows_of[k].append(tuple(row))
    return [_metric_values(read, rows) for read, rows in zip(reads, rows_of, strict=True)]


def tagged(reads: Sequence[MetricQuery]) -> tuple[str, list[Any]]:
    """The queries as one ``UNION ALL`` with the columns ``k`` (the query's position),
    ``unit_id``, ``v`` and the description columns ``m0``–``m2`` (text, NULL for a metric
    without them), and its parameters: what ``read_values`` fetches and the statements that
    summarise values in PostgreSQL (``selectors``) read from."""
    parts: list[str] = []
    params: list[Any] = []
    for index, read in enumerate(reads):
        columns = ("unit_id", "v", *META) if read.describe else ("unit_id", "v")
        sql, part_params = read.rows.values_list(*columns).query.sql_with_params()
        meta = (
            ", ".join(f't."{name}"::text' for name in META)
            if read.describe
            else "NULL::text, NULL::text, NULL::text"
        )
        parts.append(f'SELECT {index}, t."unit_id", t."v", {meta} FROM ({sql}) t')
        params.extend(part_params)
    union = " UNION ALL ".join(parts)
    return f"SELECT * FROM ({union}) x(k, unit_id, v, m0, m1, m2)", params


def _metric_values(read: MetricQuery, rows: list[tuple[Any, ...]]) -> MetricValues:
    values = {uid: v for uid, v, *_meta in rows if v is not None}
    if read.describe is None or not rows:
        return MetricValues(values)
    # The greatest of each (as the ranking statement takes it): the same for every unit of a
    # standard indicator.
    name, uom, direction = (max(r[i] for r in rows) for i in (2, 3, 4))
    described = read.describe(name, uom, direction)
    return MetricValues(
        values,
        label=described.label,
        unit_of_measure=described.unit_of_measure,
        higher_is_better=described.higher_is_better,
    )


# Values are numeric; divisions carry 20 decimal places before rounding (PostgreSQL would
# otherwise keep as few as 16 significant digits), so that rounding half-up sees the exact tie.
VALUE = DecimalField(max_digits=40, decimal_places=20)
EXACT = Value(Decimal("1.00000000000000000000"), output_field=VALUE)
EXACT_HUNDRED = Value(Decimal("100.00000000000000000000"), output_field=VALUE)


def quantize(value: Decimal | int, places: int) -> Decimal:
    exponent = Decimal(1).scaleb(-places)
    return Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)


def _ids(units: QuerySet[Procuratorate]) -> QuerySet[Procuratorate, dict[str, Any]]:
    return units.order_by().values("pk")


def _ratio(numerator: Any, denominator: Any) -> ExpressionWrapper:
    return ExpressionWrapper(numerator * EXACT / denominator, output_field=VALUE)


def _q(rows: QuerySet) -> MetricQuery:
    return MetricQuery(rows)


# --- readers (each annotates ``raw``: the unrounded value) ----------------------------------


def _budget(
    units: QuerySet[Procuratorate], fiscal_year: int, month: int | None, indicator_code: str | None
) -> MetricQuery:
    """Σ full-year budget of every project of the year (``BudgetFact``), approved goal or not."""
    return _q(
        BudgetFact.objects.filter(fiscal_year=fiscal_year, unit_id__in=_ids(units))
        .order_by()
        .values("unit_id")
        .annotate(raw=Sum("full_budget"))
    )


def _execution_rate(
    units: QuerySet[Procuratorate], fiscal_year: int, month: int | None, indicator_code: str | None
) -> MetricQuery:
    """At a month: the unit's ExecutionFact of that month (spent ÷ budget of the projects with a
    submitted entry). Year-end: Σ executed ÷ Σ full-year budget of its evaluated projects."""
    if month is not None:
        return _q(
            ExecutionFact.objects.filter(
                fiscal_year=fiscal_year, month=month, unit_id__in=_ids(units)
            )
            .order_by()
            .values("unit_id")
            .annotate(raw=F("execution_rate"))
        )
    return _q(
        ProjectFact.objects.filter(
            fiscal_year=fiscal_year, unit_id__in=_ids(units), executed__isnull=False
        )
        .order_by()
        .values("unit_id")
        .annotate(spent=Sum("executed"), budget=Sum("full_budget"))
        .filter(budget__gt=0)
        .annotate(raw=_ratio(F("spent") * EXACT_HUNDRED, F("budget")))
    )


def _forecast_rate(
    units: QuerySet[Procuratorate], fiscal_year: int, month: int | None, indicator_code: str | None
) -> MetricQuery:
    """The budget-weighted forecast of the month asked, or else of each unit's latest month."""
    qs = ExecutionFact.objects.filter(
        fiscal_year=fiscal_year, unit_id__in=_ids(units), forecast_rate__isnull=False
    )
    if month is not None:
        return _q(
            qs.filter(month=month).order_by().values("unit_id").annotate(raw=F("forecast_rate"))
        )
    # Each unit's latest month: one backward probe of ``execution_fact_unique`` (unit, year,
    # month) per unit of the scope, rather than sorting every row of the year (DISTINCT ON):
    # at 3,600 units ~14 ms instead of ~31 ms on the shared machine.
    latest = (
        ExecutionFact.objects.filter(
            unit_id=OuterRef("pk"), fiscal_year=fiscal_year, forecast_rate__isnull=False
        )
        .order_by("-month")
        .values("forecast_rate")[:1]
    )
    return _q(
        Procuratorate.objects.filter(Exists(latest), pk__in=_ids(units))
        .order_by()
        .values(unit_id=F("pk"))
        .annotate(raw=Subquery(latest))
    )


def _open_alerts(
    units: QuerySet[Procuratorate], fiscal_year: int, month: int | None, indicator_code: str | None
) -> MetricQuery:
    """Alerts of the year still open (status ``open``), of rounds up to ``month`` if given."""
    from backend.oversight.models import AlertRecord

    qs = AlertRecord.objects.filter(fiscal_year=fiscal_year, status="open", unit_id__in=_ids(units))
    if month is not None:
        qs = qs.filter(month__lte=month)
    return _q(qs.order_by().values("unit_id").annotate(raw=Count("id")))


def _unit_year(column: str) -> Reader:
    def read(
        units: QuerySet[Procuratorate],
        fiscal_year: int,
        month: int | None,
        indicator_code: str | None,
    ) -> MetricQuery:
        return _q(
            UnitYearFact.objects.filter(fiscal_year=fiscal_year, unit_id__in=_ids(units))
            .order_by()
            .values("unit_id")
            .annotate(raw=F(column))
        )

    return read


def _self_grade(
    units: QuerySet[Procuratorate], fiscal_year: int, month: int | None, indicator_code: str | None
) -> MetricQuery:
    points = Case(
        *(When(project_grade=grade, then=Value(p)) for grade, p in GRADE_POINTS.items()),
        default=None,
        output_field=IntegerField(),
    )
    return _q(
        UnitYearFact.objects.filter(fiscal_year=fiscal_year, unit_id__in=_ids(units))
        .order_by()
        .values("unit_id")
        .annotate(raw=points)
    )


def _key_score(
    units: QuerySet[Procuratorate], fiscal_year: int, month: int | None, indicator_code: str | None
) -> MetricQuery:
    return _q(
        ProjectFact.objects.filter(
            fiscal_year=fiscal_year, unit_id__in=_ids(units), key_score__isnull=False
        )
        .order_by()
        .values("unit_id")
        .annotate(raw=Avg("key_score"))
    )


def _self_key_gap(
    units: QuerySet[Procuratorate], fiscal_year: int, month: int | None, indicator_code: str | None
) -> MetricQuery:
    """Mean of (self score − key score) over the unit's projects that have both."""
    gap = ExpressionWrapper(
        F("self_score") - F("key_score"), output_field=DecimalField(max_digits=6, decimal_places=2)
    )
    return _q(
        ProjectFact.objects.filter(
            fiscal_year=fiscal_year,
            unit_id__in=_ids(units),
            key_score__isnull=False,
            self_score__isnull=False,
        )
        .order_by()
        .values("unit_id")
        .annotate(raw=Avg(gap))
    )


def _self_findings(
    units: QuerySet[Procuratorate], fiscal_year: int, month: int | None, indicator_code: str | None
) -> MetricQuery:
    """Σ consistency findings of the unit's finalised self-evaluations of the year (0 for a
    project not finalised)."""
    return _q(
        ProjectFact.objects.filter(fiscal_year=fiscal_year, unit_id__in=_ids(units))
        .order_by()
        .values("unit_id")
        .annotate(raw=Sum("evaluation_findings"))
    )


def _rectifications(*, overdue: bool) -> Reader:
    def read(
        units: QuerySet[Procuratorate],
        fiscal_year: int,
        month: int | None,
        indicator_code: str | None,
    ) -> MetricQuery:
        from backend.feedback.models import RectificationRequest

        qs = RectificationRequest.objects.filter(
            Q(status="open") | Q(status="responded"),
            fiscal_year=fiscal_year,
            unit_id__in=_ids(units),
        )
        if overdue:
            qs = qs.filter(overdue=True)
        return _q(qs.order_by().values("unit_id").annotate(raw=Count("id")))

    return read


def _spending_per_procurator(
    units: QuerySet[Procuratorate], fiscal_year: int, month: int | None, indicator_code: str | None
) -> MetricQuery:
    """Spending ÷ procurators (元/人): at a month the ExecutionFact's spending to date, at
    year-end Σ executed of the evaluated projects."""
    spent: QuerySet[Any, Any]  # of ExecutionFact or of ProjectFact
    if month is not None:
        # One row per unit and month (unique): no ordering, which would join the registry
        # (Meta.ordering is by the unit's path) once per unit.
        spent = (
            ExecutionFact.objects.filter(
                unit_id=OuterRef("unit_id"), fiscal_year=fiscal_year, month=month
            )
            .order_by()
            .values("spent")[:1]
        )
    else:
        spent = (
            ProjectFact.objects.filter(
                unit_id=OuterRef("unit_id"), fiscal_year=fiscal_year, executed__isnull=False
            )
            .order_by()
            .values("unit_id")
            .annotate(s=Sum("executed"))
            .values("s")[:1]
        )
    return _q(
        UnitStatistics.objects.filter(
            fiscal_year=fiscal_year, unit_id__in=_ids(units), procurators__gt=0
        )
        .annotate(spent=Subquery(spent, output_field=DecimalField(max_digits=16, decimal_places=2)))
        .order_by()
        .values("unit_id")
        .annotate(raw=_ratio(F("spent"), F("procurators")))
    )


def _cases_per_procurator(
    units: QuerySet[Procuratorate], fiscal_year: int, month: int | None, indicator_code: str | None
) -> MetricQuery:
    return _q(
        UnitStatistics.objects.filter(
            fiscal_year=fiscal_year,
            unit_id__in=_ids(units),
            procurators__gt=0,
            cases__isnull=False,
        )
        .order_by()
        .values("unit_id")
        .annotate(raw=_ratio(F("cases"), F("procurators")))
    )


_INDICATOR_LABELS = {
    "target_value": "指标目标值",
    "actual_value": "指标实际值",
    "achievement": "指标完成率",
}


def _indicator(column: str) -> Reader:
    def describe(name: str | None, uom: str | None, direction: str | None) -> MetricValues:
        label = f"{_INDICATOR_LABELS[column]}：{name}"
        if column == "achievement":
            return MetricValues({}, label=label, unit_of_measure="%", higher_is_better=True)
        # A ≤ target: less is better (costs, durations, complaint rates).
        return MetricValues(
            {}, label=label, unit_of_measure=uom, higher_is_better=direction != "lte"
        )

    def read(
        units: QuerySet[Procuratorate],
        fiscal_year: int,
        month: int | None,
        indicator_code: str | None,
    ) -> MetricQuery:
        rows = (
            IndicatorFact.objects.filter(
                fiscal_year=fiscal_year,
                indicator_code=indicator_code,
                unit_id__in=_ids(units),
            )
            .order_by()
            .values("unit_id")
            .annotate(
                raw=Avg(column),
                meta_name=Max("name"),
                meta_uom=Max("unit_of_measure"),
                meta_direction=Max("direction"),
            )
        )
        return MetricQuery(rows, describe, directed=column != "achievement")

    return read


METRICS: dict[str, Metric] = {
    m.key: m
    for m in [
        Metric(
            "budget",
            "预算规模",
            "元",
            True,
            _budget,
            description="Σ 本年度全部项目的全年预算数（不论绩效目标是否已批复）",
        ),
        Metric(
            "execution_rate",
            "预算执行率",
            "%",
            True,
            _execution_rate,
            monthly=True,
            description="月度：截至该月累计支出 ÷ 全年预算；年度：Σ 执行数 ÷ Σ 全年预算",
        ),
        Metric(
            "forecast_rate",
            "预计全年执行率",
            "%",
            True,
            _forecast_rate,
            monthly=True,
            description="各项目预计全年执行率按预算加权",
        ),
        Metric(
            "open_alerts",
            "未解除预警数",
            "条",
            False,
            _open_alerts,
            monthly=True,
            places=0,
            count=True,
        ),
        Metric("self_score", "自评得分", "分", True, _unit_year("project_score")),
        Metric(
            "self_grade",
            "自评等级",
            "级（优=4 良=3 中=2 差=1）",
            True,
            _self_grade,
            places=0,
        ),
        Metric("department_score", "部门整体自评得分", "分", True, _unit_year("department_score")),
        Metric("key_score", "重点评价得分", "分", True, _key_score),
        Metric(
            "self_key_gap",
            "自评与重点评价分差",
            "分",
            False,
            _self_key_gap,
            description="自评得分 − 重点评价得分（项目平均）；越小越可信",
        ),
        Metric(
            "self_findings",
            "自评一致性问题数",
            "项",
            False,
            _self_findings,
            places=0,
            count=True,
            description="已定稿自评表中前后不一致之处（总分与各项之和不符、未完成目标却得满分等）"
            "的合计；越少越可信",
        ),
        Metric(
            "rectifications_open",
            "未完成整改数",
            "项",
            False,
            _rectifications(overdue=False),
            places=0,
            count=True,
        ),
        Metric(
            "rectifications_overdue",
            "逾期整改数",
            "项",
            False,
            _rectifications(overdue=True),
            places=0,
            count=True,
        ),
        Metric(
            "spending_per_procurator",
            "人均支出（每名员额检察官）",
            "元/人",
            False,
            _spending_per_procurator,
            monthly=True,
        ),
        Metric(
            "cases_per_procurator",
            "人均办案数（每名员额检察官）",
            "件/人",
            True,
            _cases_per_procurator,
        ),
        Metric(
            "indicator_target",
            "指标目标值",
            "",
            True,
            _indicator("target_value"),
            needs_indicator=True,
            places=4,
        ),
        Metric(
            "indicator_actual",
            "指标实际值",
            "",
            True,
            _indicator("actual_value"),
            needs_indicator=True,
            places=4,
        ),
        Metric(
            "indicator_achievement",
            "指标完成率",
            "%",
            True,
            _indicator("achievement"),
            needs_indicator=True,
        ),
    ]
}


def get(key: str) -> Metric | None:
    return METRICS.get(key)

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

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from backend.benchmarking.models import (
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


Reader = Callable[["QuerySet[Procuratorate]", int, int | None, str | None], MetricValues]


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

    def values(
        self,
        units: QuerySet[Procuratorate],
        fiscal_year: int,
        month: int | None = None,
        indicator_code: str | None = None,
    ) -> MetricValues:
        """One query. Values are rounded half-up to the metric's places."""
        read = self.reader(units, fiscal_year, month if self.monthly else None, indicator_code)
        return MetricValues(
            values={
                unit_id: quantize(value, self.places)
                for unit_id, value in read.values.items()
                if value is not None
            },
            label=read.label,
            unit_of_measure=read.unit_of_measure,
            higher_is_better=read.higher_is_better,
        )


def quantize(value: Decimal | int, places: int) -> Decimal:
    exponent = Decimal(1).scaleb(-places)
    return Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)


def _ids(units: QuerySet[Procuratorate]) -> QuerySet[Procuratorate]:
    return units.order_by().values("pk")


def _pairs(rows: QuerySet) -> dict[int, Decimal]:
    return {unit_id: value for unit_id, value in rows if value is not None}


# --- readers --------------------------------------------------------------------------------


def _budget(units, fiscal_year, month, indicator_code) -> MetricValues:
    rows = (
        ProjectFact.objects.filter(fiscal_year=fiscal_year, unit_id__in=_ids(units))
        .order_by()
        .values("unit_id")
        .annotate(v=Sum("full_budget"))
        .values_list("unit_id", "v")
    )
    return MetricValues(_pairs(rows))


def _execution_rate(units, fiscal_year, month, indicator_code) -> MetricValues:
    """At a month: the unit's ExecutionFact of that month (spent ÷ budget of the projects with a
    submitted entry). Year-end: Σ executed ÷ Σ full-year budget of its evaluated projects."""
    if month is not None:
        rows = (
            ExecutionFact.objects.filter(
                fiscal_year=fiscal_year, month=month, unit_id__in=_ids(units)
            )
            .order_by()
            .values_list("unit_id", "execution_rate")
        )
        return MetricValues(_pairs(rows))
    rows = (
        ProjectFact.objects.filter(
            fiscal_year=fiscal_year, unit_id__in=_ids(units), executed__isnull=False
        )
        .order_by()
        .values("unit_id")
        .annotate(spent=Sum("executed"), budget=Sum("full_budget"))
        .values_list("unit_id", "spent", "budget")
    )
    return MetricValues(
        {uid: spent * HUNDRED / budget for uid, spent, budget in rows if budget and budget > 0}
    )


def _forecast_rate(units, fiscal_year, month, indicator_code) -> MetricValues:
    """The budget-weighted forecast of the month asked, or else of each unit's latest month."""
    qs = ExecutionFact.objects.filter(
        fiscal_year=fiscal_year, unit_id__in=_ids(units), forecast_rate__isnull=False
    )
    if month is not None:
        rows = qs.filter(month=month).order_by().values_list("unit_id", "forecast_rate")
        return MetricValues(_pairs(rows))
    rows = (
        qs.order_by("unit_id", "-month").distinct("unit_id").values_list("unit_id", "forecast_rate")
    )
    return MetricValues(_pairs(rows))


def _open_alerts(units, fiscal_year, month, indicator_code) -> MetricValues:
    """Alerts of the year still open (status ``open``), of rounds up to ``month`` if given."""
    from backend.oversight.models import AlertRecord

    qs = AlertRecord.objects.filter(fiscal_year=fiscal_year, status="open", unit_id__in=_ids(units))
    if month is not None:
        qs = qs.filter(month__lte=month)
    rows = qs.order_by().values("unit_id").annotate(v=Count("id")).values_list("unit_id", "v")
    return MetricValues({uid: Decimal(v) for uid, v in rows})


def _unit_year(column: str) -> Reader:
    def read(units, fiscal_year, month, indicator_code) -> MetricValues:
        rows = (
            UnitYearFact.objects.filter(fiscal_year=fiscal_year, unit_id__in=_ids(units))
            .order_by()
            .values_list("unit_id", column)
        )
        return MetricValues(_pairs(rows))

    return read


def _self_grade(units, fiscal_year, month, indicator_code) -> MetricValues:
    rows = (
        UnitYearFact.objects.filter(fiscal_year=fiscal_year, unit_id__in=_ids(units))
        .order_by()
        .values_list("unit_id", "project_grade")
    )
    return MetricValues({uid: Decimal(GRADE_POINTS[g]) for uid, g in rows if g in GRADE_POINTS})


def _key_score(units, fiscal_year, month, indicator_code) -> MetricValues:
    rows = (
        ProjectFact.objects.filter(
            fiscal_year=fiscal_year, unit_id__in=_ids(units), key_score__isnull=False
        )
        .order_by()
        .values("unit_id")
        .annotate(v=Avg("key_score"))
        .values_list("unit_id", "v")
    )
    return MetricValues(_pairs(rows))


def _self_key_gap(units, fiscal_year, month, indicator_code) -> MetricValues:
    """Mean of (self score − key score) over the unit's projects that have both."""
    gap = ExpressionWrapper(
        F("self_score") - F("key_score"), output_field=DecimalField(max_digits=6, decimal_places=2)
    )
    rows = (
        ProjectFact.objects.filter(
            fiscal_year=fiscal_year,
            unit_id__in=_ids(units),
            key_score__isnull=False,
            self_score__isnull=False,
        )
        .order_by()
        .values("unit_id")
        .annotate(v=Avg(gap))
        .values_list("unit_id", "v")
    )
    return MetricValues(_pairs(rows))


def _rectifications(*, overdue: bool) -> Reader:
    def read(units, fiscal_year, month, indicator_code) -> MetricValues:
        from backend.feedback.models import RectificationRequest

        qs = RectificationRequest.objects.filter(
            Q(status="open") | Q(status="responded"),
            fiscal_year=fiscal_year,
            unit_id__in=_ids(units),
        )
        if overdue:
            qs = qs.filter(overdue=True)
        rows = qs.order_by().values("unit_id").annotate(v=Count("id")).values_list("unit_id", "v")
        return MetricValues({uid: Decimal(v) for uid, v in rows})

    return read


def _spending_per_procurator(units, fiscal_year, month, indicator_code) -> MetricValues:
    """Spending ÷ procurators (元/人): at a month the ExecutionFact's spending to date, at
    year-end Σ executed of the evaluated projects."""
    if month is not None:
        spent = ExecutionFact.objects.filter(
            unit_id=OuterRef("unit_id"), fiscal_year=fiscal_year, month=month
        ).values("spent")[:1]
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
    rows = (
        UnitStatistics.objects.filter(
            fiscal_year=fiscal_year, unit_id__in=_ids(units), procurators__gt=0
        )
        .annotate(spent=Subquery(spent, output_field=DecimalField(max_digits=16, decimal_places=2)))
        .order_by()
        .values_list("unit_id", "spent", "procurators")
    )
    return MetricValues({uid: Decimal(s) / Decimal(p) for uid, s, p in rows if s is not None and p})


def _cases_per_procurator(units, fiscal_year, month, indicator_code) -> MetricValues:
    rows = (
        UnitStatistics.objects.filter(
            fiscal_year=fiscal_year,
            unit_id__in=_ids(units),
            procurators__gt=0,
            cases__isnull=False,
        )
        .order_by()
        .values_list("unit_id", "cases", "procurators")
    )
    return MetricValues({uid: Decimal(c) / Decimal(p) for uid, c, p in rows})


_INDICATOR_LABELS = {
    "target_value": "指标目标值",
    "actual_value": "指标实际值",
    "achievement": "指标完成率",
}


def _indicator(column: str) -> Reader:
    def read(units, fiscal_year, month, indicator_code) -> MetricValues:
        rows = (
            IndicatorFact.objects.filter(
                fiscal_year=fiscal_year,
                indicator_code=indicator_code,
                unit_id__in=_ids(units),
            )
            .order_by()
            .values("unit_id")
            .annotate(
                v=Avg(column),
                name=Max("name"),
                uom=Max("unit_of_measure"),
                direction=Max("direction"),
            )
            .values_list("unit_id", "v", "name", "uom", "direction")
        )
        rows = list(rows)
        values = {uid: v for uid, v, _n, _u, _d in rows if v is not None}
        if not rows:
            return MetricValues(values)
        _uid, _v, name, uom, direction = rows[0]
        label = f"{_INDICATOR_LABELS[column]}：{name}"
        if column == "achievement":
            return MetricValues(values, label=label, unit_of_measure="%", higher_is_better=True)
        # A ≤ target: less is better (costs, durations, complaint rates).
        return MetricValues(
            values, label=label, unit_of_measure=uom, higher_is_better=direction != "lte"
        )

    return read


METRICS: dict[str, Metric] = {
    m.key: m
    for m in [
        Metric("budget", "预算规模", "元", True, _budget, description="Σ 项目全年预算数"),
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

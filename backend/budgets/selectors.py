"""Reads of a unit's budget projects, in the CURRENT schema (the unit's). Querysets are lazy:
evaluate them inside the unit's schema."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils import timezone

from backend.budgets.models import BudgetAdjustment, Expenditure, Project
from backend.core import cleaning
from backend.goals.models import PerformanceGoal
from backend.goals.selectors import indicators_prefetch
from backend.monitoring.rules import execution_rate

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def _spent_subquery() -> Subquery:
    """The sum of a project's expenditures, as a correlated subquery (no join, so it combines
    with any filter without multiplying rows)."""
    return Subquery(
        Expenditure.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=_MONEY,
    )


NO_GOAL = "none"  # the goal-status filter's value for projects without any goal


def projects(
    *,
    fiscal_year: int | None = None,
    category: str | None = None,
    kind: str | None = None,
    goal_status: str | None = None,
    department: str | None = None,
    funding_source: str | None = None,
    search: str | None = None,
) -> QuerySet[Project]:
    """The unit's projects, filtered, each annotated with ``spent`` (the sum of its
    expenditures, 0 when none) and with its goals and their indicators (in order) prefetched:
    three queries whatever the number of projects. ``goal_status`` keeps projects having a
    goal in that status (``NO_GOAL``: projects without any goal); ``search`` looks for the
    text in the code or the name.

    The ``goals`` lookup is taken: add another ``Prefetch("goals", ...)`` and Django refuses
    it ("lookup was already seen with a different queryset"); further lookups below it
    (``"goals__reviews"``) are fine."""
    goals = PerformanceGoal.objects.prefetch_related(indicators_prefetch())
    qs = Project.objects.annotate(
        spent=Coalesce(_spent_subquery(), Value(ZERO), output_field=_MONEY)
    ).prefetch_related(Prefetch("goals", queryset=goals))
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if category:
        qs = qs.filter(category=category)
    if kind:
        qs = qs.filter(kind=kind)
    if goal_status == NO_GOAL:
        qs = qs.filter(~Exists(PerformanceGoal.objects.filter(project=OuterRef("pk"))))
    elif goal_status:
        qs = qs.filter(
            Exists(PerformanceGoal.objects.filter(project=OuterRef("pk"), status=goal_status))
        )
    if department:
        qs = qs.filter(department=department)
    if funding_source:
        qs = qs.filter(funding_source=funding_source)
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return qs


def spent_to(project: Project, date: datetime.date | None) -> Decimal:
    """Money spent on ``project`` up to and including ``date`` (``None``: all of it; one
    query)."""
    rows = Expenditure.objects.filter(project=project)
    if date is not None:
        rows = rows.filter(date__lte=date)
    total = rows.aggregate(total=Sum("amount"))["total"]
    return total if total is not None else ZERO


def monthly_spending(project: Project) -> dict[int, Decimal]:
    """Money spent in each month 1–12 of the project's fiscal year (dated payments and monthly
    totals alike), 0 for a month without any; one query. Spending dated outside the fiscal
    year is not counted."""
    months = dict.fromkeys(range(1, 13), ZERO)
    rows = (
        Expenditure.objects.filter(project=project, date__year=project.fiscal_year)
        .annotate(month=ExtractMonth("date"))
        .order_by()
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    )
    for month, total in rows:
        months[int(month)] = total
    return months


def adjustments(project: Project) -> QuerySet[BudgetAdjustment]:
    """The project's budget adjustments, oldest first, with who made them."""
    return BudgetAdjustment.objects.filter(project=project).select_related("created_by")


def expenditures(project: Project) -> QuerySet[Expenditure]:
    """The project's expenditures (dated payments and monthly totals), oldest first."""
    return Expenditure.objects.filter(project=project)


# --- the pages' reads ---------------------------------------------------------------------------


def project_list(**filters: Any) -> QuerySet[Project]:
    """The projects list (``projects``' filters): each with ``spent`` and the id and status of
    its goal of its own fiscal year (``goal_id``, ``goal_status``; None when it has none),
    without the prefetches, by year (latest first) and code: one query for a page."""
    own_goal = PerformanceGoal.objects.filter(
        project=OuterRef("pk"), fiscal_year=OuterRef("fiscal_year")
    ).order_by("pk")
    return (
        projects(**filters)
        .prefetch_related(None)
        .annotate(
            goal_id=Subquery(own_goal.values("pk")[:1]),
            goal_status=Subquery(own_goal.values("status")[:1]),
        )
        .order_by("-fiscal_year", "code", "pk")
    )


@dataclass(frozen=True)
class Totals:
    """Sums over a set of projects (yuan) and the execution rate of the sums (%)."""

    count: int
    initial_budget: Decimal
    full_budget: Decimal
    spent: Decimal

    @property
    def execution_rate(self) -> Decimal:
        return execution_rate(self.spent, self.full_budget)


def project_totals(qs: QuerySet[Project]) -> Totals:
    """The totals of ``qs`` (a ``projects``/``project_list`` queryset): two queries."""
    sums = qs.order_by().aggregate(
        count=Count("pk"), initial=Sum("initial_budget"), full=Sum("full_budget")
    )
    spent = Expenditure.objects.filter(project__in=qs.order_by().values("pk")).aggregate(
        total=Sum("amount")
    )["total"]
    return Totals(
        count=sums["count"],
        initial_budget=sums["initial"] or ZERO,
        full_budget=sums["full"] or ZERO,
        spent=spent or ZERO,
    )


@dataclass(frozen=True)
class FilterChoices:
    years: list[int]
    departments: list[str]


def filter_choices() -> FilterChoices:
    """The years and departments the unit's projects have (two queries)."""
    years = Project.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True)
    departments = (
        Project.objects.exclude(department="")
        .order_by("department")
        .values_list("department", flat=True)
    )
    return FilterChoices(list(years.distinct()), list(departments.distinct()))


def project(pk: int) -> Project:
    """One project with ``spent`` (``Project.DoesNotExist`` if the unit has none with ``pk``);
    one query."""
    return (
        Project.objects.annotate(
            spent=Coalesce(_spent_subquery(), Value(ZERO), output_field=_MONEY)
        )
        .filter(pk=pk)
        .get()
    )


@dataclass(frozen=True)
class BudgetSummary:
    """A project's money: the full-year budget as initial + adjustments, what was spent, the
    rate, and the spending of each month of its fiscal year."""

    initial_budget: Decimal
    adjustments: Decimal
    full_budget: Decimal
    spent: Decimal
    execution_rate: Decimal
    months: list[tuple[int, Decimal]]


def budget_summary(project: Project) -> BudgetSummary:
    """Two queries (the adjustments' sum, the months); ``project`` comes from ``project()``."""
    adjustments = BudgetAdjustment.objects.filter(project=project).aggregate(t=Sum("amount"))["t"]
    spent = getattr(project, "spent", None)
    if spent is None:
        spent = Expenditure.objects.filter(project=project).aggregate(t=Sum("amount"))["t"] or ZERO
    return BudgetSummary(
        initial_budget=project.initial_budget,
        adjustments=adjustments or ZERO,
        full_budget=project.full_budget,
        spent=spent,
        execution_rate=execution_rate(spent, project.full_budget),
        months=sorted(monthly_spending(project).items()),
    )


# --- history ------------------------------------------------------------------------------------

_SKIPPED = {"created_at", "updated_at", "warnings"}
_ACTIONS = {"+": "新建", "~": "修改", "-": "删除"}


@dataclass(frozen=True)
class Change:
    field: str  # the field's Chinese name
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change: who, when, what (``subject``), and each field before → after."""

    at: datetime.datetime
    user: str
    action: str
    subject: str
    changes: tuple[Change, ...]
    reason: str


def _shown(model: type[Model], name: str, value: Any) -> str:
    """A stored value as a person reads it: choice labels, money with separators."""
    if value is None or value == "":
        return "—"
    try:
        field = cleaning.column(model, name)
    except Exception:  # a field dropped since the record was written
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal) and getattr(field, "decimal_places", None) == 2:
        return f"{value:,.2f}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    if isinstance(value, datetime.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, list):  # an adjustment request's changes
        return "；".join(
            f"{item.get('indicator', '')} {item.get('field', '')}："
            f"{item.get('before', '—')} → {item.get('after', '—')}"
            if isinstance(item, dict)
            else str(item)
            for item in value
        )
    return str(value)


# Fields whose models give them no Chinese name.
_FIELD_NAMES = {
    "submitted_at": "上报时间",
    "approved_at": "批复时间",
    "decided_at": "决定时间",
    "source": "指标来源",
}


def _label(model: type[Model], name: str) -> str:
    if name in _FIELD_NAMES:
        return _FIELD_NAMES[name]
    try:
        return str(cleaning.column(model, name).verbose_name)
    except Exception:
        return name


def _history_entries(
    records: list[Any], model: type, subject: Any, skipped: set[str] = _SKIPPED
) -> list[HistoryEntry]:
    """Each record diffed against the previous one of the same object (records with no
    change of a shown field are left out)."""
    by_object: dict[int, list[Any]] = {}
    for record in records:
        by_object.setdefault(record.id, []).append(record)
    entries: list[HistoryEntry] = []
    for versions in by_object.values():
        versions.sort(key=lambda r: (r.history_date, r.history_id))
        previous = None
        for record in versions:
            changes: list[Change] = []
            if previous is not None and record.history_type == "~":
                # Every tracked value field, the computed ones too (simple-history's
                # ``diff_against`` leaves out non-editable ones such as the full-year budget).
                changes = [
                    Change(
                        _label(model, f.name),
                        _shown(model, f.name, getattr(previous, f.attname)),
                        _shown(model, f.name, getattr(record, f.attname)),
                    )
                    for f in record.tracked_fields
                    if f.name not in skipped
                    and not f.is_relation
                    and getattr(previous, f.attname) != getattr(record, f.attname)
                ]
                if not changes:
                    previous = record
                    continue
            user = record.history_user
            entries.append(
                HistoryEntry(
                    at=record.history_date,
                    user=(user.full_name or user.username) if user is not None else "系统",
                    action=_ACTIONS.get(record.history_type, record.history_type),
                    subject=subject(record),
                    changes=tuple(changes),
                    reason=record.history_change_reason or "",
                )
            )
            previous = record
    return entries


def project_history(project: Project) -> list[HistoryEntry]:
    """Every recorded change of the project, its budget adjustments, its goals, their
    indicators and adjustment requests, newest first: five queries whatever their number."""
    from backend.goals.models import AdjustmentRequest, GoalIndicator

    entries = _history_entries(
        list(Project.history.filter(id=project.pk).select_related("history_user")),
        Project,
        lambda r: "项目",
    )
    entries += _history_entries(
        list(BudgetAdjustment.history.filter(project_id=project.pk).select_related("history_user")),
        BudgetAdjustment,
        lambda r: f"预算调整（{r.date.year}年{r.date.month}月{r.date.day}日，{r.amount:+,.2f} 元）",
    )
    goal_records = list(
        PerformanceGoal.history.filter(project_id=project.pk).select_related("history_user")
    )
    entries += _history_entries(
        goal_records, PerformanceGoal, lambda r: f"{r.fiscal_year} 年度绩效目标"
    )
    goal_ids = sorted({r.id for r in goal_records})
    entries += _history_entries(
        list(GoalIndicator.history.filter(goal_id__in=goal_ids).select_related("history_user")),
        GoalIndicator,
        lambda r: f"绩效指标“{r.name}”",
        _SKIPPED | {"sort_order"},
    )
    entries += _history_entries(
        list(AdjustmentRequest.history.filter(goal_id__in=goal_ids).select_related("history_user")),
        AdjustmentRequest,
        lambda r: "目标调整申请",
    )
    return sorted(entries, key=lambda e: e.at, reverse=True)

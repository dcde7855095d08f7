"""Reads of a unit's budget projects, in the CURRENT schema (the unit's). Querysets are lazy:
evaluate them inside the unit's schema."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import (
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractMonth

from backend.budgets.models import BudgetAdjustment, Expenditure, Project
from backend.goals.models import PerformanceGoal
from backend.goals.selectors import indicators_prefetch

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


def projects(
    *,
    fiscal_year: int | None = None,
    category: str | None = None,
    kind: str | None = None,
    goal_status: str | None = None,
) -> QuerySet[Project]:
    """The unit's projects, filtered, each annotated with ``spent`` (the sum of its
    expenditures, 0 when none) and with its goals and their indicators (in order) prefetched:
    three queries whatever the number of projects. ``goal_status`` keeps projects having a
    goal in that status.

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
    if goal_status:
        qs = qs.filter(
            Exists(PerformanceGoal.objects.filter(project=OuterRef("pk"), status=goal_status))
        )
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

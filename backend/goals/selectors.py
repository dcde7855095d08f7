"""Reads of a unit's performance goals, in the CURRENT schema (the unit's). Querysets are lazy:
evaluate them inside the unit's schema."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Subquery

from backend.budgets.models import Project
from backend.goals.models import GoalIndicator, PerformanceGoal


def indicators_prefetch() -> Prefetch:
    """A goal's indicators in their declared order (for ``prefetch_related``)."""
    return Prefetch("indicators", queryset=GoalIndicator.objects.order_by("sort_order", "id"))


def goals(
    *,
    fiscal_year: int | None = None,
    status: str | None = None,
    project: Project | int | None = None,
) -> QuerySet[PerformanceGoal]:
    """The unit's goals, filtered, each with its project and its indicators (in order): two
    queries whatever the number of goals."""
    qs = PerformanceGoal.objects.select_related("project").prefetch_related(indicators_prefetch())
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if status:
        qs = qs.filter(status=status)
    if project is not None:
        qs = qs.filter(project=project)
    return qs


def goal_with_indicators(pk: int) -> PerformanceGoal:
    """One goal with its project and indicators (``PerformanceGoal.DoesNotExist`` if there is
    none with ``pk`` in this unit)."""
    return goals().get(pk=pk)


def last_year_actuals(goal: PerformanceGoal) -> dict[str, Decimal]:
    """Indicator code → the actual value recorded for it on last year's goal of the same
    project code (``fiscal_year - 1``). Only indicators with a recorded actual value; one
    query whether or not ``goal.project`` is loaded."""
    project_code = Subquery(Project.objects.filter(pk=goal.project_id).values("code")[:1])
    rows = GoalIndicator.objects.filter(
        goal__fiscal_year=goal.fiscal_year - 1,
        goal__project__code=project_code,
        actual_value__isnull=False,
    ).values_list("code", "actual_value")
    return dict(rows)

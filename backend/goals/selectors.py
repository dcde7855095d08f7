"""Reads of a unit's performance goals, in the CURRENT schema (the unit's). Querysets are lazy:
evaluate them inside the unit's schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery, Sum

from backend.budgets.models import Project
from backend.goals.models import (
    AdjustmentRequest,
    GoalIndicator,
    GoalReview,
    IndicatorComment,
    PerformanceGoal,
)


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
    return {code: value for code, value in rows if value is not None}


# --- the pages' reads ---------------------------------------------------------------------------


def goal_list(
    *, fiscal_year: int | None = None, status: str | None = None
) -> QuerySet[PerformanceGoal]:
    """The unit's goals for a list: each with its project, its number of indicators and the sum
    of their weights (``indicator_count``, ``weight_total``), newest year first. One query."""
    qs = (
        PerformanceGoal.objects.select_related("project")
        .annotate(indicator_count=Count("indicators"), weight_total=Sum("indicators__weight"))
        .order_by("-fiscal_year", "project__code", "id")
    )
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if status:
        qs = qs.filter(status=status)
    return qs


def years() -> list[int]:
    """The fiscal years the unit has projects or goals in, newest first (one query)."""
    return list(
        Project.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    )


def projects_without_goal(fiscal_year: int | None = None) -> QuerySet[Project]:
    """Projects that have no goal for their own fiscal year yet, by code."""
    has_goal = PerformanceGoal.objects.filter(
        project=OuterRef("pk"), fiscal_year=OuterRef("fiscal_year")
    )
    qs = Project.objects.filter(~Exists(has_goal)).order_by("-fiscal_year", "code")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs


def goal_page(pk: int) -> PerformanceGoal:
    """One goal with everything its page shows: project, indicators in order, reviews (with
    reviewer, adjustment and comments on indicators, oldest first) and adjustment requests.
    Five queries whatever the number of indicators and reviews
    (``PerformanceGoal.DoesNotExist`` if this unit has no goal ``pk``)."""
    reviews = GoalReview.objects.select_related("reviewer", "adjustment").prefetch_related(
        Prefetch("comments", queryset=IndicatorComment.objects.order_by("id"))
    )
    return (
        PerformanceGoal.objects.select_related("project", "created_by")
        .prefetch_related(
            indicators_prefetch(),
            Prefetch("reviews", queryset=reviews.order_by("created_at", "id")),
            Prefetch(
                "adjustments",
                queryset=AdjustmentRequest.objects.select_related("created_by").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .get(pk=pk)
    )


def goals_awaiting(status: str) -> QuerySet[PerformanceGoal]:
    """Goals in ``status`` (the one a review stage waits on), oldest submission first, with
    their project and number of indicators. One query."""
    return (
        PerformanceGoal.objects.filter(status=status)
        .select_related("project")
        .annotate(indicator_count=Count("indicators"))
        .order_by("submitted_at", "id")
    )


def adjustments_awaiting(status: str) -> QuerySet[AdjustmentRequest]:
    """Adjustment requests in ``status``, oldest first, with goal, project and author."""
    return (
        AdjustmentRequest.objects.filter(status=status)
        .select_related("goal__project", "created_by")
        .order_by("created_at", "id")
    )


def reviews_at(stage: str) -> QuerySet[GoalReview]:
    """Decisions taken at ``stage``, newest first, with goal, project, adjustment, reviewer."""
    return (
        GoalReview.objects.filter(stage=stage)
        .select_related("goal__project", "adjustment", "reviewer")
        .order_by("-created_at", "-id")
    )


def adjustment_page(pk: int) -> AdjustmentRequest:
    """One adjustment request with its goal, project, indicators and reviews."""
    return (
        AdjustmentRequest.objects.select_related("goal__project", "created_by")
        .prefetch_related(
            Prefetch(
                "goal__indicators", queryset=GoalIndicator.objects.order_by("sort_order", "id")
            ),
            Prefetch(
                "reviews",
                queryset=GoalReview.objects.select_related("reviewer").order_by("created_at", "id"),
            ),
        )
        .get(pk=pk)
    )


def leaders_to_hand_to(goal: PerformanceGoal, unit: Any, user: Any) -> list[Any]:
    """The leaders of ``unit`` the approval of ``goal`` may be handed to by ``user`` (one
    query): active users with the unit's leader role, neither ``user`` nor the goal's
    declarer (``workflow.hand_approval`` refuses those)."""
    from backend.accounts.models import Membership, Role

    memberships = (
        Membership.objects.filter(unit=unit, role=Role.UNIT_LEADER, user__is_active=True)
        .exclude(user_id__in=[pk for pk in (user.pk, goal.created_by_id) if pk is not None])
        .select_related("user")
        .order_by("user__username")
    )
    return [m.user for m in memberships]

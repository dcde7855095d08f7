"""审核 in the console: what the units send up to the city or the province, read from the public
indexes only (never a unit's schema for a list).

- goals: ``oversight.GoalSubmission`` (the public row the goal workflow keeps in step with every
  transition). 待审核 are the goals (and adjustment requests) approved by a county's leader and
  waiting for its city (``unit_approved``); 已审核 the goals whose review is over (approved,
  returned, rejected).
- rectification answers: ``feedback.RectificationRequest`` in ``responded`` (待验收), and the
  issuer's decisions (``RectificationEvent`` accepted / rejected) for 已审核.

Scope: the subtrees of the memberships granting ``Op.REVIEW`` (``ConsoleAccess.paths``): the
province admin every unit of the province, a city reviewer its city and counties. A goal's page
reads that one unit's schema (``goal_in_unit``) inside ``tenant_context``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from backend.accounts.policy import ConsoleAccess, Op
from backend.feedback.models import RectificationEvent, RectificationRequest, RectificationStatus
from backend.oversight.models import GoalSubmission
from backend.oversight.selectors import under_city
from tenants.models import Procuratorate, UnitLevel

AWAITING_CITY = "unit_approved"
DECIDED = ("approved", "returned", "rejected")
# The 已审核 status filter: a goal's outcome, and the rectification decision that matches it.
OUTCOMES = {
    "approved": ("approved", RectificationEvent.Kind.ACCEPTED),
    "returned": ("returned", RectificationEvent.Kind.REJECTED),
    "rejected": ("rejected", None),
}


def scope(access: ConsoleAccess, field: str = "unit__path") -> Q | None:
    """The units a reviewer reads as a condition on ``field``; None when none."""
    paths = access.paths(Op.REVIEW)
    if not paths:
        return None
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


@dataclass(frozen=True)
class Filters:
    city: str = ""  # a city's code: the city and the units below it
    year: int | None = None
    status: str = ""  # 已审核: approved | returned | rejected


def cities(access: ConsoleAccess) -> list[tuple[str, str]]:
    """(code, name) of the cities in the reviewer's scope (one query)."""
    condition = scope(access, "path")
    if condition is None:
        return []
    rows = Procuratorate.objects.filter(condition, level=UnitLevel.CITY).order_by("path")
    return list(rows.values_list("code", "name"))


def _goals(access: ConsoleAccess, filters: Filters) -> QuerySet[GoalSubmission]:
    condition = scope(access)
    if condition is None:
        return GoalSubmission.objects.none()
    qs = GoalSubmission.objects.filter(condition).select_related("unit")
    if filters.city:
        qs = qs.filter(under_city(filters.city))
    if filters.year is not None:
        qs = qs.filter(fiscal_year=filters.year)
    return qs


def goals_awaiting(access: ConsoleAccess, filters: Filters) -> QuerySet[GoalSubmission]:
    """Goals or adjustment requests waiting for a city's review, oldest first (one query)."""
    qs = _goals(access, filters).filter(
        Q(status=AWAITING_CITY) | Q(adjustment_status=AWAITING_CITY)
    )
    return qs.order_by("submitted_at", "unit__path", "id")


def goals_decided(access: ConsoleAccess, filters: Filters) -> QuerySet[GoalSubmission]:
    """Goals whose review is over (sent up once: ``submitted_at`` set), newest first."""
    statuses = (OUTCOMES[filters.status][0],) if filters.status in OUTCOMES else DECIDED
    qs = _goals(access, filters).filter(status__in=statuses, submitted_at__isnull=False)
    return qs.order_by("-updated_at", "unit__path", "-id")


def _rectifications(access: ConsoleAccess, filters: Filters) -> QuerySet[RectificationRequest]:
    condition = scope(access)
    if condition is None:
        return RectificationRequest.objects.none()
    qs = RectificationRequest.objects.filter(condition).select_related("unit", "issuer")
    if filters.city:
        qs = qs.filter(under_city(filters.city))
    if filters.year is not None:
        qs = qs.filter(fiscal_year=filters.year)
    return qs


def rectifications_awaiting(
    access: ConsoleAccess, filters: Filters
) -> QuerySet[RectificationRequest]:
    """Rectification answers waiting for acceptance, oldest deadline first (one query)."""
    qs = _rectifications(access, filters).filter(status=RectificationStatus.RESPONDED)
    return qs.order_by("due_on", "unit__path", "id")


def rectification_decisions(
    access: ConsoleAccess, filters: Filters
) -> QuerySet[RectificationEvent]:
    """The acceptances and returns of rectification answers, newest first (one query)."""
    condition = scope(access, "request__unit__path")
    if condition is None:
        return RectificationEvent.objects.none()
    kinds = [RectificationEvent.Kind.ACCEPTED, RectificationEvent.Kind.REJECTED]
    if filters.status in OUTCOMES:
        kinds = [k for k in (OUTCOMES[filters.status][1],) if k is not None]
    qs = RectificationEvent.objects.filter(condition, kind__in=kinds).select_related(
        "request__unit", "actor"
    )
    if filters.city:
        qs = qs.filter(under_city(filters.city, "request__unit__path"))
    if filters.year is not None:
        qs = qs.filter(request__fiscal_year=filters.year)
    return qs.order_by("-created_at", "-id")


def unit_in_scope(access: ConsoleAccess, code: str) -> Procuratorate | None:
    """The unit ``code`` if the reviewer's scope holds it (None: the page answers 404)."""
    unit = Procuratorate.objects.filter(code=code).first()
    if unit is None or not access.covers(Op.REVIEW, unit):
        return None
    return unit


def submission(unit: Procuratorate, goal_id: int) -> GoalSubmission | None:
    return GoalSubmission.objects.filter(unit=unit, goal_id=goal_id).first()


def rectification(access: ConsoleAccess, pk: int) -> RectificationRequest | None:
    """One rectification in the reviewer's scope with its history, or None (404)."""
    condition = scope(access)
    if condition is None:
        return None
    return (
        RectificationRequest.objects.filter(condition, pk=pk)
        .select_related("unit", "issuer")
        .prefetch_related("events__actor")
        .first()
    )

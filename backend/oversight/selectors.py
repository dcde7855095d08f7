"""Reads of the public oversight tables: the province's settings and the goal submissions that
reviewers above a unit see without opening its schema; monitoring rounds and the alert mirror
(the section at the end)."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from backend.accounts import policy
from backend.accounts.models import Membership, User
from backend.accounts.policy import Op
from backend.oversight.models import AlertRecord, GoalSubmission, MonitoringRound, ProvincePolicy
from tenants.models import PATH_SEPARATOR, Procuratorate, UnitLevel

# What a reviewer acts on, by the role that acts at that stage: the goal's status, or the status
# of the adjustment request open on an approved goal.
_AWAITING_UNIT = "submitted"
_AWAITING_CITY = "unit_approved"


def province_code(unit: Procuratorate) -> str:
    """The code of the unit's root (its province), read off ``path`` without a query."""
    return unit.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)[0]


def policy_for(unit: Procuratorate) -> ProvincePolicy | None:
    """The settings of the unit's province (None: the defaults of domain.md). One query."""
    return (
        ProvincePolicy.objects.filter(
            province__code=province_code(unit), province__level=UnitLevel.PROVINCE
        )
        .select_related("province")
        .first()
    )


def default_policy(province: Procuratorate) -> ProvincePolicy:
    """The settings in force when the province set none: an unsaved row with the defaults of
    domain.md (never written)."""
    return ProvincePolicy(province=province)


def parent_city(unit: Procuratorate) -> Procuratorate | None:
    """The unit's parent when it is a 市级院 (a county directly under a province, a city or the
    province itself has none). One query, none for a root."""
    codes = unit.ancestor_codes
    if not codes:
        return None
    return Procuratorate.objects.filter(code=codes[-1], level=UnitLevel.CITY).first()


def requires_city_review(unit: Procuratorate) -> bool:
    """Whether the unit's goals need its parent city's reviewer after the unit leader: the
    province asks for it and the unit has a parent city to do it."""
    policy = policy_for(unit)
    return bool(policy and policy.require_city_review) and parent_city(unit) is not None


def _memberships(user: User | AnonymousUser) -> list[tuple[int, str, str, str]]:
    """(unit id, unit path, unit level, role) of every membership of the user (one query)."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user).values_list(
            "unit_id", "unit__path", "unit__level", "role"
        )
    )


def _filter_year(qs: QuerySet[GoalSubmission], fiscal_year: int | None) -> QuerySet[GoalSubmission]:
    return qs if fiscal_year is None else qs.filter(fiscal_year=fiscal_year)


def review_inbox(
    user: User | AnonymousUser, *, fiscal_year: int | None = None
) -> QuerySet[GoalSubmission]:
    """The submissions awaiting this user's decision (two queries to evaluate): with
    ``Op.GOAL_APPROVE`` (a unit leader), goals (or adjustment requests) submitted at the units
    where the role is held; with ``Op.GOAL_CITY_REVIEW`` held at a 市级院 (its city reviewer),
    those approved by the leaders of the units directly under that city and waiting for it.
    Never a unit the user has no such role for."""
    approvers = policy.roles_granting(Op.GOAL_APPROVE)
    city_reviewers = policy.roles_granting(Op.GOAL_CITY_REVIEW)
    leader_units: list[int] = []
    cities: list[int] = []
    for unit_id, _path, level, role in _memberships(user):
        if role in approvers:
            leader_units.append(unit_id)
        if role in city_reviewers and level == UnitLevel.CITY:
            cities.append(unit_id)
    if not leader_units and not cities:
        return GoalSubmission.objects.none()
    condition = Q()
    if leader_units:
        condition |= Q(unit_id__in=leader_units) & (
            Q(status=_AWAITING_UNIT) | Q(adjustment_status=_AWAITING_UNIT)
        )
    if cities:
        condition |= Q(unit__parent_id__in=cities) & (
            Q(status=_AWAITING_CITY) | Q(adjustment_status=_AWAITING_CITY)
        )
    qs = GoalSubmission.objects.filter(condition).select_related("unit")
    return _filter_year(qs, fiscal_year).order_by("submitted_at", "id")


def submissions_under(
    user: User | AnonymousUser, *, status: str | None = None, fiscal_year: int | None = None
) -> QuerySet[GoalSubmission]:
    """Every submission a console reader reads (``Op.CONSOLE_VIEW``: the subtrees of the
    memberships granting it; a city reviewer: the city and its counties). Two queries to
    evaluate."""
    condition = reach_condition(user)
    if condition is None:
        return GoalSubmission.objects.none()
    qs = GoalSubmission.objects.filter(condition).select_related("unit")
    if status is not None:
        qs = qs.filter(status=status)
    return _filter_year(qs, fiscal_year).order_by("unit__path", "-submitted_at", "id")


def submission(unit: Procuratorate, goal_id: int) -> GoalSubmission | None:
    return GoalSubmission.objects.filter(unit=unit, goal_id=goal_id).first()


# ================================================================================================
# Monitoring rounds (issue 5): the province's checkpoints and, for the levels above the units,
# the public mirror of the units' alerts.
# ================================================================================================


class RoundState:
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


def rounds_for(unit: Procuratorate, fiscal_year: int | None = None) -> QuerySet[MonitoringRound]:
    """The rounds the unit's province set (for ``fiscal_year``, or every year), by year and
    month. One query; the province is found by the code at the root of the unit's path."""
    qs = MonitoringRound.objects.filter(
        province__code=province_code(unit), province__level=UnitLevel.PROVINCE
    )
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.order_by("fiscal_year", "month")


def round_for(unit: Procuratorate, fiscal_year: int, month: int) -> MonitoringRound | None:
    """The unit's round on the figures to the end of ``month`` of ``fiscal_year``, if set."""
    return rounds_for(unit, fiscal_year).filter(month=month).first()


def round_state(round: MonitoringRound, today: datetime.date) -> str:
    """``upcoming`` before ``opens_on``, ``open`` from ``opens_on`` to ``closes_on`` (both
    included), ``closed`` after: a closed round is read-only."""
    if today < round.opens_on:
        return RoundState.UPCOMING
    if today > round.closes_on:
        return RoundState.CLOSED
    return RoundState.OPEN


def reach_condition(user: User | AnonymousUser, field: str = "unit__path") -> Q | None:
    """The units a console reader reads, as a condition on ``field`` (a unit's path): the
    subtrees of the memberships granting ``Op.CONSOLE_VIEW`` (a province_admin at a province,
    a city_reviewer at a city) — never those of an evaluator's or a unit role's membership.
    One query; None when the user reads nothing there."""
    return policy.console_scope(user, Op.CONSOLE_VIEW, field)


def under_city(code: str, field: str = "unit__path") -> Q:
    """Rows of the city ``code`` and the units below it (codes are whole path segments)."""
    return Q(**{f"{field}__contains": f"{PATH_SEPARATOR}{code}{PATH_SEPARATOR}"})


def alert_records_under(
    user: User | AnonymousUser,
    *,
    kind: str | None = None,
    severity: str | None = None,
    city: str | None = None,
    month: int | None = None,
    status: str | None = None,
    fiscal_year: int | None = None,
) -> QuerySet[AlertRecord]:
    """The alerts of every unit a console reader reads (``reach_condition``: the province all
    its units, a city reviewer the city and its counties), filtered by kind,
    severity, city (a city's code: that city and the units below it), month, status and year.
    Two queries to evaluate; the units' schemas are never opened."""
    reach = reach_condition(user)
    if reach is None:
        return AlertRecord.objects.none()
    qs = AlertRecord.objects.filter(reach).select_related("unit")
    if kind:
        qs = qs.filter(kind=kind)
    if severity:
        qs = qs.filter(severity=severity)
    if city:
        qs = qs.filter(under_city(city))
    if month is not None:
        qs = qs.filter(month=month)
    if status:
        qs = qs.filter(status=status)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.order_by("unit__path", "-raised_at", "-alert_id")

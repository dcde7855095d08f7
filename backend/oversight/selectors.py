"""Reads of the public oversight tables: the province's settings and the goal submissions that
reviewers above a unit see without opening its schema."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from backend.accounts.models import Membership, Role, User
from backend.oversight.models import GoalSubmission, ProvincePolicy
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
    """The submissions awaiting this user's decision (two queries to evaluate): as
    ``unit_leader``, goals (or adjustment requests) submitted at the units where the role is
    held; as ``city_reviewer`` of a 市级院, those approved by the leaders of the units directly
    under that city and waiting for it. Never a unit the user has no such role for."""
    leader_units: list[int] = []
    cities: list[int] = []
    for unit_id, _path, level, role in _memberships(user):
        if role == Role.UNIT_LEADER:
            leader_units.append(unit_id)
        elif role == Role.CITY_REVIEWER and level == UnitLevel.CITY:
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
    """Every submission in the user's reach: the units of their memberships and everything
    below them (a city reviewer: the city and its counties). Two queries to evaluate."""
    paths = sorted({path for _id, path, _level, _role in _memberships(user)})
    if not paths:
        return GoalSubmission.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(unit__path__startswith=path)
    qs = GoalSubmission.objects.filter(condition).select_related("unit")
    if status is not None:
        qs = qs.filter(status=status)
    return _filter_year(qs, fiscal_year).order_by("unit__path", "-submitted_at", "id")


def submission(unit: Procuratorate, goal_id: int) -> GoalSubmission | None:
    return GoalSubmission.objects.filter(unit=unit, goal_id=goal_id).first()

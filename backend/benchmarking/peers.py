"""Peer groups (对标组) and unit statistics: the province defines both (public schema).

Services (writes, one transaction each, ``DomainError`` with every problem found):
``define_peer_group``, ``delete_peer_group``, ``set_unit_statistics``.
Reads: ``peer_groups``, ``peer_group``, ``member_condition`` (a group's members as a condition on
units — resolved at query time for the rule kinds, so a size band follows the facts), and
``groups_containing``.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet

from backend.accounts.models import User
from backend.benchmarking.errors import BenchmarkErrorCode
from backend.benchmarking.models import (
    BudgetFact,
    PeerGroup,
    PeerGroupKind,
    PeerGroupMember,
    UnitStatistics,
)
from backend.core.errors import CoreErrorCode, DomainError, Problem
from tenants.models import Procuratorate, UnitLevel

MAX_STATISTIC = 10_000_000


def _in_province(province: Procuratorate) -> QuerySet[Procuratorate]:
    """The units under the province (itself excluded)."""
    return Procuratorate.objects.filter(path__startswith=province.path).exclude(pk=province.pk)


# --- reads ----------------------------------------------------------------------------------


def peer_groups(province: Procuratorate) -> QuerySet[PeerGroup]:
    return PeerGroup.objects.filter(province=province).select_related("city").order_by("code")


def peer_group(province: Procuratorate, code: str) -> PeerGroup | None:
    return peer_groups(province).filter(code=code).first()


def _band(field: str, lower: Decimal | None, upper: Decimal | None) -> Q:
    condition = Q()
    if lower is not None:
        condition &= Q(**{f"{field}__gte": lower})
    if upper is not None:
        condition &= Q(**{f"{field}__lt": upper})
    return condition


def member_condition(group: PeerGroup, fiscal_year: int) -> Q:
    """The group's members as a condition on a query of units (``Procuratorate``), built
    without running a query (sub-queries for the bands and lists):

    - region: the units under the group's city (not the city itself);
    - budget band: units whose budget of ``fiscal_year`` (``BudgetFact.full_budget``, every
      project of the year: the ``budget`` metric) is in [lower, upper);
    - staff band: units whose UnitStatistics.staff of ``fiscal_year`` is in [lower, upper);
    - list: the stored members.

    ``group.level`` (when set) narrows to that level; a band leaves out units with no figure."""
    if group.kind == PeerGroupKind.REGION:
        city_path = group.city.path if group.city else "/-none-/"
        condition = Q(path__startswith=city_path) & ~Q(pk=group.city_id)
    elif group.kind == PeerGroupKind.BUDGET_BAND:
        budgets = BudgetFact.objects.filter(
            _band("full_budget", group.lower, group.upper), fiscal_year=fiscal_year
        ).values("unit_id")
        condition = Q(pk__in=budgets)
    elif group.kind == PeerGroupKind.STAFF_BAND:
        staffed = UnitStatistics.objects.filter(
            _band("staff", group.lower, group.upper),
            fiscal_year=fiscal_year,
            staff__isnull=False,
        ).values("unit_id")
        condition = Q(pk__in=staffed)
    else:
        condition = Q(pk__in=PeerGroupMember.objects.filter(group=group).values("unit_id"))
    if group.level:
        condition &= Q(level=group.level)
    return condition


def members(group: PeerGroup, fiscal_year: int) -> QuerySet[Procuratorate]:
    """The units of the group in ``fiscal_year`` (one query to evaluate)."""
    return _in_province(group.province).filter(member_condition(group, fiscal_year))


def groups_containing(
    unit: Procuratorate, groups: list[PeerGroup], fiscal_year: int
) -> list[PeerGroup]:
    """Which of ``groups`` the unit belongs to in ``fiscal_year`` (one query)."""
    if not groups:
        return []
    from django.db.models import Exists, OuterRef

    annotations = {
        f"g{g.pk}": Exists(
            Procuratorate.objects.filter(pk=OuterRef("pk")).filter(member_condition(g, fiscal_year))
        )
        for g in groups
    }
    flags = Procuratorate.objects.filter(pk=unit.pk).annotate(**annotations).values(*annotations)
    row = flags.first() or {}
    return [g for g in groups if row.get(f"g{g.pk}")]


# --- writes ---------------------------------------------------------------------------------


@transaction.atomic
def define_peer_group(
    province: Procuratorate,
    *,
    code: str,
    name: str,
    kind: str,
    city: str | None = None,
    level: str | None = None,
    lower: Decimal | None = None,
    upper: Decimal | None = None,
    units: list[str] | None = None,
) -> PeerGroup:
    """Create the province's group ``code`` or redefine it (a list's members are replaced)."""
    problems: list[Problem] = []
    code = (code or "").strip()
    name = (name or "").strip()
    if not code:
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写对标组代码。", "code"))
    if not name:
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写对标组名称。", "name"))
    if kind not in PeerGroupKind.values:
        problems.append(Problem(CoreErrorCode.INVALID_KIND, "对标组类型无效。", "kind"))
    if level and level not in UnitLevel.values:
        problems.append(Problem(CoreErrorCode.INVALID_LEVEL, "层级无效。", "level"))
    city_unit: Procuratorate | None = None
    if kind == PeerGroupKind.REGION:
        city_unit = (
            _in_province(province).filter(code=city or "", level=UnitLevel.CITY).first()
            if city
            else None
        )
        if city_unit is None:
            problems.append(
                Problem(BenchmarkErrorCode.CITY_REQUIRED, "按地区分组须指定本省的市院。", "city")
            )
    if kind in (PeerGroupKind.BUDGET_BAND, PeerGroupKind.STAFF_BAND):
        if lower is None and upper is None:
            problems.append(
                Problem(BenchmarkErrorCode.BOUNDS_REQUIRED, "规模分组须至少指定一个界限。", "lower")
            )
        if lower is not None and lower < 0:
            problems.append(Problem(BenchmarkErrorCode.NEGATIVE_BOUND, "下限不能为负数。", "lower"))
        if lower is not None and upper is not None and upper <= lower:
            problems.append(Problem(BenchmarkErrorCode.BAD_BOUNDS, "上限须大于下限。", "upper"))
    listed: list[Procuratorate] = []
    if kind == PeerGroupKind.LIST:
        wanted = sorted(set(units or []))
        if not wanted:
            problems.append(
                Problem(BenchmarkErrorCode.UNITS_REQUIRED, "指定名单须至少包含一个单位。", "units")
            )
        listed = list(_in_province(province).filter(code__in=wanted))
        unknown = sorted(set(wanted) - {u.code for u in listed})
        if unknown:
            problems.append(
                Problem(
                    CoreErrorCode.UNKNOWN_UNITS,
                    f"本省没有这些单位：{'、'.join(unknown)}。",
                    "units",
                )
            )
    if problems:
        raise DomainError(*problems)
    group, _ = PeerGroup.objects.update_or_create(
        province=province,
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "city": city_unit,
            "level": level or "",
            "lower": lower if kind != PeerGroupKind.LIST else None,
            "upper": upper if kind != PeerGroupKind.LIST else None,
        },
    )
    PeerGroupMember.objects.filter(group=group).delete()
    PeerGroupMember.objects.bulk_create([PeerGroupMember(group=group, unit=u) for u in listed])
    return group


@transaction.atomic
def delete_peer_group(province: Procuratorate, code: str) -> None:
    deleted, _ = PeerGroup.objects.filter(province=province, code=code).delete()
    if not deleted:
        raise DomainError.single(CoreErrorCode.NOT_FOUND, "对标组不存在。", "code")


@transaction.atomic
def set_unit_statistics(
    province: Procuratorate,
    *,
    unit: str,
    fiscal_year: int,
    staff: int | None,
    procurators: int | None,
    cases: int | None,
    user: User | None = None,
) -> UnitStatistics:
    """Set a unit's staff, procurators (员额检察官) and cases handled for a year."""
    problems: list[Problem] = []
    target = _in_province(province).filter(code=unit).first()
    if target is None:
        problems.append(Problem(BenchmarkErrorCode.UNKNOWN_UNIT, "本省没有该单位。", "unit"))
    if not 2000 <= fiscal_year <= 2100:
        problems.append(Problem(CoreErrorCode.INVALID_YEAR, "年度无效。", "fiscalYear"))
    for field, value in (("staff", staff), ("procurators", procurators), ("cases", cases)):
        if value is not None and not 0 <= value <= MAX_STATISTIC:
            problems.append(Problem(CoreErrorCode.OUT_OF_RANGE, "数值超出范围。", field))
    if staff is not None and procurators is not None and procurators > staff:
        problems.append(
            Problem(
                BenchmarkErrorCode.PROCURATORS_ABOVE_STAFF,
                "员额检察官人数不能多于在编人数。",
                "procurators",
            )
        )
    if problems:
        raise DomainError(*problems)
    assert target is not None
    row, _ = UnitStatistics.objects.update_or_create(
        unit=target,
        fiscal_year=fiscal_year,
        defaults={"staff": staff, "procurators": procurators, "cases": cases, "updated_by": user},
    )
    return row


def admin_province(user: User, code: str | None = None) -> Procuratorate:
    """The province whose statistics and peer groups the user manages (``Op.STATISTICS_MANAGE``
    granted there: a province_admin): the one named by ``code``, or the only one. One query."""
    from backend.accounts import policy
    from backend.accounts.policy import Op

    provinces = {
        unit.pk: unit
        for unit in policy.console_access(user).units_for(Op.STATISTICS_MANAGE)
        if not code or unit.code == code
    }
    if len(provinces) != 1:
        if not provinces:
            raise DomainError.single(
                BenchmarkErrorCode.NOT_PROVINCE_ADMIN, "您不是该省院的管理员。", "province"
            )
        raise DomainError.single(BenchmarkErrorCode.PROVINCE_REQUIRED, "请指定省院。", "province")
    return next(iter(provinces.values()))

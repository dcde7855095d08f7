"""Writes of the public oversight tables.

- ``set_policy``: a province's settings for the units under it;
- ``sync_submission``: the public view of one unit's goal, upserted by the goal workflow in the
  same transaction as each transition (the connection is on the unit's schema, with ``public``
  behind it on the search path);
- monitoring rounds (``open_round``, ``set_rounds``) and the province's monitoring settings
  (``set_monitoring_policy``): the section at the end.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from backend.accounts import policy as role_table
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.core.errors import CoreErrorCode, DomainError, PermissionDenied, Problem
from backend.oversight.errors import OversightErrorCode
from backend.oversight.models import (
    ExecutionRule,
    GoalSubmission,
    MonitoringRound,
    ProvincePolicy,
    RoundKind,
)
from tenants.models import Procuratorate, UnitLevel

if TYPE_CHECKING:
    from backend.goals.models import PerformanceGoal


def _manages_policy(user: User | AnonymousUser | None, province: Procuratorate) -> bool:
    """Platform staff (the admin), or ``Op.POLICY_MANAGE`` granted at the province itself."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_staff or role_table.console_access(user).at(Op.POLICY_MANAGE, province))
    )


DEPARTMENT_GROUPS = {"input": "投入", "process": "过程", "output": "产出", "outcome": "效果"}


def clean_department_weights(value: Mapping[str, Any]) -> dict[str, str]:
    """投入 / 过程 / 产出 / 效果 weights: each a number of points 0–100 with at most two
    decimals, together 100. Problems name ``departmentWeights.<group>``."""
    from backend.core import cleaning

    problems: list[Problem] = []
    weights: dict[str, Decimal] = {}
    for key, label in DEPARTMENT_GROUPS.items():
        number, problem = cleaning.decimal(
            value.get(key),
            f"departmentWeights.{key}",
            f"{label}分值",
            size={"max_digits": 5, "decimal_places": 2},
            negative=False,
            maximum=100,
        )
        if problem:
            problems.append(problem)
        elif number is None:
            problems.append(
                Problem(CoreErrorCode.REQUIRED, f"请填写{label}分值。", f"departmentWeights.{key}")
            )
        else:
            weights[key] = number
    if not problems and sum(weights.values()) != 100:
        total = sum(weights.values(), Decimal(0))
        problems.append(
            Problem(
                OversightErrorCode.WEIGHTS_MISMATCH,
                f"投入、过程、产出、效果分值合计 {total.normalize():f}，应为 100。",
                "departmentWeights",
            )
        )
    if problems:
        raise DomainError(*problems)
    return {k: f"{v.normalize():f}" for k, v in weights.items()}


@transaction.atomic
def set_policy(
    province: Procuratorate,
    *,
    require_city_review: bool,
    user: User | AnonymousUser | None,
    department_weights: Mapping[str, Any] | None = None,
) -> ProvincePolicy:
    """Create or change the province's settings. Allowed to a ``province_admin`` of that
    province and to platform staff (the admin). ``department_weights`` (投入 / 过程 / 产出 /
    效果, together 100) is left as it is when ``None``."""
    if province.level != UnitLevel.PROVINCE:
        raise DomainError.single(
            CoreErrorCode.NOT_A_PROVINCE, "只有省级院可以设置审核规则。", field="province"
        )
    if not _manages_policy(user, province):
        raise PermissionDenied("只有本省的省院管理员可以修改审核规则。")
    defaults: dict[str, Any] = {"require_city_review": require_city_review, "updated_by": user}
    if department_weights is not None:
        defaults["department_weights"] = clean_department_weights(department_weights)
    policy, _ = ProvincePolicy.objects.update_or_create(province=province, defaults=defaults)
    return policy


@transaction.atomic
def sync_submission(unit: Procuratorate, goal: PerformanceGoal) -> GoalSubmission:
    """Upsert the (unit, goal) row from the goal, its project and its latest adjustment
    request (two reads, one upsert)."""
    project = goal.project
    latest = goal.adjustments.order_by("-created_at", "-id").values_list("status", flat=True)
    adjustment_status = latest.first() or ""
    row, _ = GoalSubmission.objects.update_or_create(
        unit=unit,
        goal_id=goal.pk,
        defaults={
            "project_code": project.code,
            "project_name": project.name,
            "fiscal_year": goal.fiscal_year,
            "full_budget": project.full_budget,
            "status": goal.status,
            "adjustment_status": adjustment_status,
            "grade": goal.grade,
            "warnings": len(goal.warnings or []),
            "submitted_at": goal.submitted_at,
        },
    )
    return row


# ================================================================================================
# Monitoring rounds (issue 5): the checkpoints of in-year monitoring and the province's
# monitoring settings. A round is the province's: every unit under it reports on the same dates.
# ================================================================================================

_POLICY_POINTS = (
    "lag_warning_points",
    "lag_serious_points",
    "ratio_yellow",
    "ratio_red",
    "indicator_lag_points",
    "gap_points",
    "forecast_threshold",
)
_POLICY_DAYS = ("silent_days", "answer_working_days")
_POLICY_LABELS = {
    "execution_rule": "执行进度预警口径",
    "lag_warning_points": "落后时间进度（黄）",
    "lag_serious_points": "落后时间进度（红）",
    "ratio_yellow": "执行/时间进度低于（黄）",
    "ratio_red": "执行/时间进度低于（红）",
    "execution_floors": "各节点执行率下限",
    "indicator_lag_points": "指标进度落后时间进度",
    "gap_points": "指标完成与执行进度偏离",
    "silent_days": "逾期未填报天数",
    "answer_working_days": "预警反馈期限（工作日）",
    "forecast_threshold": "预计全年执行率下限",
}
_MAX_DAYS = 60


@dataclass(frozen=True)
class RoundDates:
    """One round as the province sets it (``set_rounds``)."""

    month: int
    opens_on: datetime.date
    closes_on: datetime.date
    kind: str | None = None


def _require_province_admin(
    province: Procuratorate, user: User | AnonymousUser | None, message: str
) -> None:
    if province.level != UnitLevel.PROVINCE:
        raise DomainError.single(
            CoreErrorCode.NOT_A_PROVINCE, "只有省级院可以进行此项设置。", "province"
        )
    if not _manages_policy(user, province):
        raise PermissionDenied(message)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _round_problems(fiscal_year: int, spec: RoundDates, prefix: str = "") -> list[Problem]:
    problems: list[Problem] = []
    if not (_is_int(fiscal_year) and 2000 <= fiscal_year <= 2100):
        problems.append(
            Problem(CoreErrorCode.INVALID_YEAR, f"年度“{fiscal_year}”无效。", "fiscal_year")
        )
    if not (_is_int(spec.month) and 1 <= spec.month <= 12):
        problems.append(
            Problem(
                CoreErrorCode.INVALID_MONTH,
                f"月份“{spec.month}”无效，应为 1–12。",
                f"{prefix}month",
            )
        )
    if not isinstance(spec.opens_on, datetime.date):
        problems.append(
            Problem(CoreErrorCode.REQUIRED, "请填写开始填报日期。", f"{prefix}opens_on")
        )
    if not isinstance(spec.closes_on, datetime.date):
        problems.append(
            Problem(CoreErrorCode.REQUIRED, "请填写截止填报日期。", f"{prefix}closes_on")
        )
    elif isinstance(spec.opens_on, datetime.date) and spec.closes_on < spec.opens_on:
        problems.append(
            Problem(
                OversightErrorCode.INVALID_DATES,
                "截止填报日期不能早于开始填报日期。",
                f"{prefix}closes_on",
            )
        )
    if spec.kind is not None and spec.kind not in RoundKind.values:
        problems.append(
            Problem(CoreErrorCode.INVALID_CHOICE, f"监控类型“{spec.kind}”无效。", f"{prefix}kind")
        )
    elif spec.kind == RoundKind.MIDYEAR and spec.month != 7:
        problems.append(
            Problem(
                CoreErrorCode.INVALID_KIND,
                "年中监控的数据截至 7 月末，月份应为 7。",
                f"{prefix}kind",
            )
        )
    return problems


def _round_kind(spec: RoundDates) -> str:
    if spec.kind:
        return spec.kind
    return RoundKind.MIDYEAR if spec.month == 7 else RoundKind.MONTHLY


def _upsert_round(province: Procuratorate, fiscal_year: int, spec: RoundDates) -> MonitoringRound:
    row, _ = MonitoringRound.objects.update_or_create(
        province=province,
        fiscal_year=fiscal_year,
        month=spec.month,
        defaults={
            "kind": _round_kind(spec),
            "opens_on": spec.opens_on,
            "closes_on": spec.closes_on,
        },
    )
    return row


@transaction.atomic
def open_round(
    province: Procuratorate,
    *,
    fiscal_year: int,
    month: int,
    opens_on: datetime.date,
    closes_on: datetime.date,
    kind: str | None = None,
    user: User | AnonymousUser | None,
) -> MonitoringRound:
    """Set the checkpoint on the figures to the end of ``month`` of ``fiscal_year``: units
    report between ``opens_on`` and ``closes_on`` (both included). ``kind`` defaults to the
    mid-year round for month 7, else monthly. Setting a round again changes its dates (a
    deadline extended). ``province_admin`` of the province, or platform staff."""
    _require_province_admin(province, user, "只有本省的省院管理员可以设置监控轮次。")
    spec = RoundDates(month=month, opens_on=opens_on, closes_on=closes_on, kind=kind)
    problems = _round_problems(fiscal_year, spec)
    if problems:
        raise DomainError(*problems)
    return _upsert_round(province, fiscal_year, spec)


@transaction.atomic
def set_rounds(
    province: Procuratorate,
    *,
    fiscal_year: int,
    rounds: Sequence[RoundDates],
    user: User | AnonymousUser | None,
) -> list[MonitoringRound]:
    """Set several rounds of ``fiscal_year`` at once (``open_round`` for each); every problem
    of every round is reported (``rounds.<i>.<field>``) and nothing is saved when one is bad."""
    _require_province_admin(province, user, "只有本省的省院管理员可以设置监控轮次。")
    problems: list[Problem] = []
    months = [spec.month for spec in rounds]
    for index, spec in enumerate(rounds):
        problems += _round_problems(fiscal_year, spec, prefix=f"rounds.{index}.")
        if months.count(spec.month) > 1 and months.index(spec.month) != index:
            problems.append(
                Problem(
                    OversightErrorCode.DUPLICATE_MONTH,
                    f"{spec.month} 月重复设置。",
                    f"rounds.{index}.month",
                )
            )
    if problems:
        raise DomainError(*problems)
    return [_upsert_round(province, fiscal_year, spec) for spec in rounds]


def _clean_points(name: str, value: Any) -> tuple[Decimal | None, Problem | None]:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None, Problem(
            CoreErrorCode.INVALID_NUMBER, f"{_POLICY_LABELS[name]}须为数字。", name
        )
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        return None, Problem(
            CoreErrorCode.OUT_OF_RANGE, f"{_POLICY_LABELS[name]}应在 0–100 之间。", name
        )
    return number.quantize(Decimal("0.01")), None


def _clean_floors(value: Any) -> tuple[dict[str, int | float] | None, list[Problem]]:
    if not isinstance(value, Mapping) or not value:
        return None, [
            Problem(
                OversightErrorCode.INVALID_FLOORS,
                "各节点执行率下限须为“月份: 下限”。",
                "execution_floors",
            )
        ]
    floors: dict[str, int | float] = {}
    problems: list[Problem] = []
    for key, floor in value.items():
        month = int(key) if str(key).isdigit() else 0
        number, problem = _clean_points("execution_floors", floor)
        if not 1 <= month <= 12:
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_MONTH, f"月份“{key}”无效，应为 1–12。", "execution_floors"
                )
            )
        elif problem or number is None:
            problems.append(
                Problem(
                    CoreErrorCode.OUT_OF_RANGE,
                    f"{month} 月的执行率下限应在 0–100 之间。",
                    "execution_floors",
                )
            )
        else:
            floors[str(month)] = int(number) if number == number.to_integral() else float(number)
    return floors, problems


@transaction.atomic
def set_monitoring_policy(
    province: Procuratorate, *, user: User | AnonymousUser | None, **changes: Any
) -> ProvincePolicy:
    """Change the province's monitoring settings (``ProvincePolicy``: the execution rule and
    its thresholds, the silent-unit delay, the answer deadline, the forecast threshold). Only
    the given settings change; every problem is reported. ``province_admin`` or staff."""
    _require_province_admin(province, user, "只有本省的省院管理员可以修改监控预警规则。")
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if value is None:
            continue
        if name == "execution_rule":
            if value not in ExecutionRule.values:
                problems.append(
                    Problem(CoreErrorCode.INVALID_CHOICE, "执行进度预警口径无效。", name)
                )
            else:
                values[name] = value
        elif name in _POLICY_POINTS:
            number, problem = _clean_points(name, value)
            if problem:
                problems.append(problem)
            else:
                values[name] = number
        elif name in _POLICY_DAYS:
            if not (_is_int(value) and 1 <= value <= _MAX_DAYS):
                problems.append(
                    Problem(
                        CoreErrorCode.OUT_OF_RANGE,
                        f"{_POLICY_LABELS[name]}应为 1–{_MAX_DAYS}。",
                        name,
                    )
                )
            else:
                values[name] = value
        elif name == "execution_floors":
            floors, floor_problems = _clean_floors(value)
            problems += floor_problems
            if not floor_problems:
                values[name] = floors
        else:
            problems.append(
                Problem(OversightErrorCode.UNKNOWN_SETTING, f"没有名为“{name}”的设置。", name)
            )
    policy = ProvincePolicy.objects.filter(province=province).first() or ProvincePolicy(
        province=province
    )
    merged = {name: values.get(name, getattr(policy, name)) for name in _POLICY_POINTS}
    if Decimal(merged["lag_serious_points"]) <= Decimal(merged["lag_warning_points"]):
        problems.append(
            Problem(
                OversightErrorCode.INVALID_THRESHOLDS,
                "红色预警的落后百分点应大于黄色预警。",
                "lag_serious_points",
            )
        )
    if Decimal(merged["ratio_red"]) >= Decimal(merged["ratio_yellow"]):
        problems.append(
            Problem(
                OversightErrorCode.INVALID_THRESHOLDS, "红色预警的比例应低于黄色预警。", "ratio_red"
            )
        )
    if problems:
        raise DomainError(*problems)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.updated_by = user if isinstance(user, User) else None
    policy.save()
    return policy

"""The province's results-application settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from backend.accounts import policy as role_table
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.core import cleaning
from backend.core.errors import CoreErrorCode, DomainError, PermissionDenied, Problem
from backend.core.numbers import PERCENT
from backend.feedback.services.base import HUNDRED
from backend.oversight.models import ProvincePolicy
from tenants.models import Procuratorate, UnitLevel

# The province's settings
# ================================================================================================

POLICY_FIELDS = (
    "rectification_days",
    "linkage_increase_max",
    "linkage_fair_reduce_max",
    "linkage_poor_reduce_min",
)


@transaction.atomic
def set_results_policy(
    province: Procuratorate, actor: User | None, **values: Any
) -> ProvincePolicy:
    """Change the province's results-application settings (a province_admin of it)."""
    if province.level != UnitLevel.PROVINCE:
        raise DomainError.single(CoreErrorCode.NOT_A_PROVINCE, "只有省级院可以设置。", "province")
    if actor is None or not role_table.console_access(actor).at(Op.POLICY_MANAGE, province):
        raise PermissionDenied("只有省院管理员可以修改设置。")
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name not in POLICY_FIELDS:
            problems.append(Problem(CoreErrorCode.UNKNOWN_FIELD, f"未知的设置：{name}", name))
            continue
        if value is None:
            continue
        if name == "rectification_days":
            if int(value) < 1 or int(value) > 366:
                problems.append(
                    Problem(CoreErrorCode.OUT_OF_RANGE, "整改期限应在 1 至 366 天之间。", name)
                )
            clean[name] = int(value)
            continue
        number, problem = cleaning.decimal(value, name, "百分比", size=PERCENT)
        if problem is not None:
            problems.append(problem)
            continue
        assert number is not None
        if not (Decimal(0) <= number <= HUNDRED):
            problems.append(Problem(CoreErrorCode.OUT_OF_RANGE, "百分比应在 0 至 100 之间。", name))
        clean[name] = number
    if problems:
        raise DomainError(*problems)
    policy, _ = ProvincePolicy.objects.select_for_update().get_or_create(province=province)
    for name, value in clean.items():
        setattr(policy, name, value)
    policy.updated_by = actor
    policy.save()
    policy.refresh_from_db()
    return policy

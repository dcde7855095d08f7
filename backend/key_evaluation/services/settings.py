"""The province's key-evaluation settings (the sample share, the rule combining
evaluators' scores, the overrate threshold)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from backend.accounts import policy as role_table
from backend.accounts.policy import Op
from backend.core.errors import CoreErrorCode, DomainError, PermissionDenied, Problem
from backend.key_evaluation.services.access import Actor
from backend.oversight.models import KeyScoreRule, ProvincePolicy
from tenants.models import Procuratorate, UnitLevel

_POLICY_LABELS = {
    "sampling_share": "自评抽查比例",
    "overrate_points": "自评虚高阈值",
}


@transaction.atomic
def set_key_evaluation_policy(
    province: Procuratorate,
    actor: Actor,
    *,
    sampling_share: Decimal | None = None,
    key_score_rule: str | None = None,
    overrate_points: Decimal | None = None,
) -> ProvincePolicy:
    """Change the province's key-evaluation settings (only those given): the sampling share
    (0–100 %), the rule combining evaluators' scores (mean, median, trimmed) and the points by
    which a self-score may exceed the key score before it is flagged (0–100). A
    ``province_admin`` of that province, or platform staff."""
    if province.level != UnitLevel.PROVINCE:
        raise DomainError.single(
            CoreErrorCode.NOT_A_PROVINCE, "只有省级院可以进行此项设置。", "province"
        )
    if not (
        actor is not None
        and actor.is_authenticated
        and (actor.is_staff or role_table.console_access(actor).at(Op.POLICY_MANAGE, province))
    ):
        raise PermissionDenied("只有本省的省院管理员可以修改重点评价设置。")
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for name, value in (("sampling_share", sampling_share), ("overrate_points", overrate_points)):
        if value is None:
            continue
        field = "samplingShare" if name == "sampling_share" else "overratePoints"
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = Decimal("NaN")
        if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
            problems.append(
                Problem(CoreErrorCode.OUT_OF_RANGE, f"{_POLICY_LABELS[name]}应在0–100之间。", field)
            )
        else:
            values[name] = number.quantize(Decimal("0.01"))
    if key_score_rule is not None:
        if key_score_rule not in KeyScoreRule.values:
            problems.append(
                Problem(CoreErrorCode.INVALID_CHOICE, "重点评价得分口径无效。", "keyScoreRule")
            )
        else:
            values["key_score_rule"] = key_score_rule
    if problems:
        raise DomainError(*problems)
    policy, _ = ProvincePolicy.objects.get_or_create(province=province)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.updated_by = actor if actor.is_authenticated else None
    policy.save()
    return policy

"""Budget linkage (预算挂钩): the suggestion a grade earns under the province's policy, the
project's and the unit's linkage rows, and the decision a person records with its reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.benchmarking.models import ProjectFact
from backend.core import cleaning
from backend.core.errors import CoreErrorCode, DomainError, PermissionDenied, Problem
from backend.core.history import set_history_user
from backend.core.numbers import PERCENT
from backend.evaluation import scoring
from backend.evaluation.scoring import GRADE_EXCELLENT, GRADE_FAIR, GRADE_GOOD, GRADE_POOR
from backend.feedback.errors import FeedbackErrorCode
from backend.feedback.models import (
    BudgetLinkage,
    LinkageAction,
)
from backend.feedback.services.base import CENT, HUNDRED, can_decide_linkage, money
from backend.oversight.models import ProvincePolicy
from tenants.models import Procuratorate


@dataclass(frozen=True)
class LinkageSuggestion:
    action: str
    min_pct: Decimal
    max_pct: Decimal
    rule: str


def suggest_linkage(grade: str, policy: ProvincePolicy) -> LinkageSuggestion:
    """domain.md "Results application": 优 keep or increase up to ``linkage_increase_max`` %;
    良 keep; 中 reduce by up to ``linkage_fair_reduce_max`` %; 差 reduce by at least
    ``linkage_poor_reduce_min`` % or stop (−100 %). Percentages are signed changes."""
    if grade == GRADE_EXCELLENT:
        top = Decimal(policy.linkage_increase_max)
        return LinkageSuggestion(
            LinkageAction.INCREASE, Decimal(0), top, f"优：保持或增加，至多 {top}%"
        )
    if grade == GRADE_GOOD:
        return LinkageSuggestion(LinkageAction.KEEP, Decimal(0), Decimal(0), "良：保持")
    if grade == GRADE_FAIR:
        cut = Decimal(policy.linkage_fair_reduce_max)
        return LinkageSuggestion(LinkageAction.REDUCE, -cut, Decimal(0), f"中：压减，至多 {cut}%")
    if grade == GRADE_POOR:
        cut = Decimal(policy.linkage_poor_reduce_min)
        return LinkageSuggestion(
            LinkageAction.REDUCE, -HUNDRED, -cut, f"差：压减至少 {cut}% 或取消项目"
        )
    raise DomainError.single(FeedbackErrorCode.INVALID_GRADE, f"无效的等级：{grade}", "grade")


def _policy_values(policy: ProvincePolicy) -> dict[str, str]:
    return {
        "linkage_increase_max": str(policy.linkage_increase_max),
        "linkage_fair_reduce_max": str(policy.linkage_fair_reduce_max),
        "linkage_poor_reduce_min": str(policy.linkage_poor_reduce_min),
    }


def _basis(
    *,
    score: Decimal,
    grade: str,
    base: Decimal,
    suggestion: LinkageSuggestion,
    policy: ProvincePolicy,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    low = money(base * (1 + suggestion.min_pct / HUNDRED))
    high = money(base * (1 + suggestion.max_pct / HUNDRED))
    basis: dict[str, Any] = {
        "score": str(score),
        "grade": grade,
        "base_budget": str(base),
        "rule": suggestion.rule,
        "min_pct": str(suggestion.min_pct),
        "max_pct": str(suggestion.max_pct),
        "budget_range": [str(low), str(high)],
        "arithmetic": (
            f"{base} × (1 {'+' if suggestion.min_pct >= 0 else '−'} "
            f"{abs(suggestion.min_pct)}%) = {low}；"
            f"{base} × (1 {'+' if suggestion.max_pct >= 0 else '−'} "
            f"{abs(suggestion.max_pct)}%) = {high}"
        ),
        "policy": _policy_values(policy),
    }
    if extra:
        basis.update(extra)
    return basis


def upsert_linkage(
    unit: Procuratorate,
    fiscal_year: int,
    project_id: int | None,
    *,
    project_code: str,
    project_name: str,
    score: Decimal,
    grade: str,
    base: Decimal,
    policy: ProvincePolicy,
    extra_basis: Mapping[str, Any] | None = None,
) -> BudgetLinkage:
    suggestion = suggest_linkage(grade, policy)
    values = {
        "project_code": project_code,
        "project_name": project_name,
        "grade": grade,
        "score": score,
        "base_budget": base,
        "suggested_action": suggestion.action,
        "suggested_min_pct": suggestion.min_pct,
        "suggested_max_pct": suggestion.max_pct,
        "basis": _basis(
            score=score,
            grade=grade,
            base=base,
            suggestion=suggestion,
            policy=policy,
            extra=extra_basis,
        ),
    }
    linkage = (
        BudgetLinkage.objects.select_for_update()
        .filter(unit=unit, fiscal_year=fiscal_year, project_id=project_id)
        .first()
    )
    if linkage is None:
        return BudgetLinkage.objects.create(
            unit=unit, fiscal_year=fiscal_year, project_id=project_id, **values
        )
    # A decision taken on other numbers (another grade or budget) no longer stands.
    if linkage.decided_action and (linkage.grade != grade or linkage.base_budget != base):
        values.update(
            decided_action="",
            decided_pct=None,
            decided_budget=None,
            decision_reason="",
            decided_by=None,
            decided_at=None,
        )
    for name, value in values.items():
        setattr(linkage, name, value)
    linkage.save()
    return linkage


def unit_score(
    unit: Procuratorate, fiscal_year: int, *, overlay: tuple[int, Decimal, Decimal] | None = None
) -> tuple[Decimal, Decimal, int] | None:
    """The unit's budget-weighted score over its finalised projects of the year, read from
    ``ProjectFact``: (score, budget, projects), or None when nothing is finalised. ``overlay``
    = (project_id, full_budget, total) replaces that project's fact row (the evaluation being
    finalised), so the result does not depend on whether its fact was written first."""
    rows = {
        pid: (Decimal(budget), Decimal(score))
        for pid, budget, score in ProjectFact.objects.filter(
            unit=unit, fiscal_year=fiscal_year, self_score__isnull=False
        ).values_list("project_id", "full_budget", "self_score")
        if score is not None  # never None: filtered above
    }
    if overlay is not None:
        rows[overlay[0]] = (Decimal(overlay[1]), Decimal(overlay[2]))
    if not rows:
        return None
    budget = sum((b for b, _ in rows.values()), Decimal(0))
    score = scoring.budget_weighted_score([(s, b) for b, s in rows.values()])
    if score is None:  # no budget at all: a plain mean
        score = money(sum((s for _, s in rows.values()), Decimal(0)) / len(rows))
    return score, money(budget), len(rows)


def _parse_pct(value: Any) -> Decimal:
    pct, problem = cleaning.decimal(value, "pct", "调整比例", size=PERCENT, required=True)
    if problem is not None or pct is None:
        message = problem.message if problem else "调整比例必须是数字。"
        raise DomainError.single(FeedbackErrorCode.INVALID_PCT, message, "pct")
    return pct


@transaction.atomic
def decide_linkage(
    linkage: BudgetLinkage,
    actor: User | None,
    *,
    action: str,
    pct: Decimal | int | str | None,
    reason: str,
) -> BudgetLinkage:
    """Record next year's decision: ``decided_budget`` = base × (1 + pct / 100). ``keep`` means
    0 %, ``stop`` −100 %; ``increase`` needs pct > 0 and ``reduce`` −100 < pct < 0. A decision
    outside the suggested range is allowed (a person decides) but needs the reason like any
    other. Mirrored to ``ProjectFact.linkage_decision``."""
    if not can_decide_linkage(actor, linkage.unit):
        raise PermissionDenied("只有省院管理员或上级市院审核人可以决定预算挂钩。")
    problems: list[Problem] = []
    if action not in LinkageAction.values:
        problems.append(
            Problem(FeedbackErrorCode.INVALID_ACTION, f"无效的处理方式：{action}", "action")
        )
    value = Decimal(0)
    if action == LinkageAction.KEEP:
        value = Decimal(0) if pct is None else _parse_pct(pct)
        if value != 0:
            problems.append(
                Problem(FeedbackErrorCode.PCT_MISMATCH, "保持预算时调整比例应为 0。", "pct")
            )
    elif action == LinkageAction.STOP:
        value = -HUNDRED if pct is None else _parse_pct(pct)
        if value != -HUNDRED:
            problems.append(
                Problem(FeedbackErrorCode.PCT_MISMATCH, "取消项目时调整比例应为 -100。", "pct")
            )
    elif action in (LinkageAction.INCREASE, LinkageAction.REDUCE):
        if pct is None:
            problems.append(Problem(CoreErrorCode.REQUIRED, "请填写调整比例。", "pct"))
        else:
            value = _parse_pct(pct)
            if action == LinkageAction.INCREASE and value <= 0:
                problems.append(
                    Problem(FeedbackErrorCode.PCT_MISMATCH, "增加预算时调整比例应大于 0。", "pct")
                )
            if action == LinkageAction.REDUCE and not (-HUNDRED < value < 0):
                problems.append(
                    Problem(
                        FeedbackErrorCode.PCT_MISMATCH,
                        "压减预算时调整比例应在 -100 与 0 之间。",
                        "pct",
                    )
                )
            if value > 1000:
                problems.append(Problem(FeedbackErrorCode.PCT_RANGE, "调整比例过大。", "pct"))
    if not (reason or "").strip():
        problems.append(Problem(CoreErrorCode.REASON_REQUIRED, "请填写决定理由。", "reason"))
    if problems:
        raise DomainError(*problems)
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    linkage.decided_action = action
    linkage.decided_pct = value
    linkage.decided_budget = money(linkage.base_budget * (1 + value / HUNDRED))
    linkage.decision_reason = reason.strip()
    linkage.decided_by = actor
    linkage.decided_at = timezone.now()
    set_history_user(linkage, actor)
    linkage.save()
    if linkage.project_id is not None:
        ProjectFact.objects.filter(unit=linkage.unit, project_id=linkage.project_id).update(
            linkage_decision=action
        )
    return linkage

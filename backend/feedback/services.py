"""Results application (结果应用): every write of the feedback app.

- ``apply_evaluation_result``: the one entry point the finalisation of a self-evaluation calls,
  inside its transaction (connection on the unit's schema, ``public`` behind it on the search
  path): next year's budget linkage suggestion for the project and the unit, the fact mirror,
  and for a 差 the automatic rectification request (once per evaluation);
- the rectification life: ``open_rectification`` → ``respond_rectification`` →
  ``accept_rectification`` | ``reject_rectification`` (→ open again); ``flag_overdue`` (daily);
- ``decide_linkage``: a person records next year's budget decision with its reason;
- feedback batches: ``issue_feedback``, ``mark_feedback_read``, ``answer_feedback``;
- ``set_results_policy``: the province's results-application settings.

Who may act is checked here (a domain rule, not a resolver detail); the GraphQL layer only
checks that a caller is signed in and on the right host.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from backend.accounts import policy as role_table
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.benchmarking.models import ProjectFact, UnitYearFact
from backend.core import cleaning
from backend.core.errors import CoreErrorCode, DomainError, PermissionDenied, Problem
from backend.core.numbers import PERCENT
from backend.evaluation import scoring
from backend.evaluation.scoring import GRADE_EXCELLENT, GRADE_FAIR, GRADE_GOOD, GRADE_POOR
from backend.feedback.errors import FeedbackErrorCode
from backend.feedback.models import (
    BudgetLinkage,
    FeedbackBatch,
    FeedbackItem,
    LinkageAction,
    RectificationEvent,
    RectificationOrigin,
    RectificationRequest,
    RectificationStatus,
)
from backend.oversight.models import AlertRecord, ProvincePolicy
from backend.oversight.selectors import policy_for, province_code
from tenants.models import PATH_SEPARATOR, Procuratorate, UnitLevel

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

GRADES = (GRADE_EXCELLENT, GRADE_GOOD, GRADE_FAIR, GRADE_POOR)


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# ================================================================================================
# Who may act
# ================================================================================================


def _province_of(unit: Procuratorate) -> Procuratorate:
    if unit.level == UnitLevel.PROVINCE:
        return unit
    province = Procuratorate.objects.filter(
        code=province_code(unit), level=UnitLevel.PROVINCE
    ).first()
    return province or unit


def policy_or_default(unit: Procuratorate) -> ProvincePolicy:
    """The unit's province settings, or an unsaved instance holding the defaults."""
    return policy_for(unit) or ProvincePolicy()


def in_subtree(unit: Procuratorate, root: Procuratorate) -> bool:
    return unit.path.startswith(root.path)


def _require_issuer(actor: User | None, issuer: Procuratorate) -> None:
    """``Op.FEEDBACK_SEND`` granted by a membership at the issuing unit itself: a province_admin
    at the province, a city_reviewer at a city (for its own counties)."""
    if actor is None or not role_table.console_access(actor).at(Op.FEEDBACK_SEND, issuer):
        raise PermissionDenied("只有省院管理员或市院审核人可以下达整改或反馈。")


def _require_unit_person(actor: User | None, unit: Procuratorate) -> None:
    """The unit's own finance or leader (``Op.RESULTS_RESPOND``: a role held at the unit)."""
    if actor is None:
        raise PermissionDenied()
    role_table.require(actor, Op.RESULTS_RESPOND, unit)


def can_review_rectification(actor: User | None, request: RectificationRequest) -> bool:
    """``Op.REVIEW`` granted at the issuing unit or above it; for a rectification the system
    raised on its own (a 差 grade, issued in the province's name) also at any unit strictly
    above the rectified one, so the city reviews its counties'. Never the unit's own people."""
    if actor is None or not actor.is_authenticated:
        return False
    access = role_table.console_access(actor)
    if access.covers(Op.REVIEW, request.issuer):
        return True
    if request.origin != RectificationOrigin.GRADE:
        return False
    unit = request.unit
    return any(
        unit.path.startswith(granting.path) and granting.pk != unit.pk
        for granting in access.units_for(Op.REVIEW)
    )


def _require_reviewer_of(actor: User | None, request: RectificationRequest) -> None:
    """Accept/reject: see ``can_review_rectification``."""
    if not can_review_rectification(actor, request):
        raise PermissionDenied("只有下达整改的上级院（系统自动下达的，本院的上级院）可以验收。")


def can_decide_linkage(actor: User | None, unit: Procuratorate) -> bool:
    """``Op.LINKAGE_DECIDE`` granted at the unit's province, or at the city above the unit
    (never at the unit itself unless it is the province: a city does not decide its own
    budget)."""
    if actor is None or not actor.is_authenticated:
        return False
    return any(
        unit.path.startswith(granting.path)
        and (granting.pk != unit.pk or granting.level == UnitLevel.PROVINCE)
        for granting in role_table.console_access(actor).units_for(Op.LINKAGE_DECIDE)
    )


# ================================================================================================
# Budget linkage (预算挂钩)
# ================================================================================================


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


def _upsert_linkage(
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


@dataclass(frozen=True)
class EvaluationResult:
    """What a finalised self-evaluation hands to results application."""

    unit: Procuratorate
    fiscal_year: int
    evaluation_id: int
    project_id: int
    project_code: str
    project_name: str
    full_budget: Decimal
    total: Decimal
    grade: str
    actor: User | None = None


@transaction.atomic
def apply_evaluation_result(result: EvaluationResult) -> None:
    """Apply a finalised self-evaluation (idempotent: a re-finalisation updates, never
    duplicates). Upserts the project's and the unit's budget linkage suggestion, mirrors the
    project's suggestion into ``ProjectFact``, and for 差 opens the automatic rectification
    request (once per evaluation). A 中 opens nothing; it shows in
    ``selectors.suggested_rectifications`` until a reviewer opens one."""
    if result.grade not in GRADES:
        raise DomainError.single(
            FeedbackErrorCode.INVALID_GRADE, f"无效的等级：{result.grade}", "grade"
        )
    unit, year = result.unit, result.fiscal_year
    policy = policy_or_default(unit)
    total, budget = money(result.total), money(result.full_budget)
    linkage = _upsert_linkage(
        unit,
        year,
        result.project_id,
        project_code=result.project_code,
        project_name=result.project_name,
        score=total,
        grade=result.grade,
        base=budget,
        policy=policy,
        extra_basis={"evaluation_id": result.evaluation_id},
    )
    ProjectFact.objects.filter(unit=unit, project_id=result.project_id).update(
        linkage_suggestion=linkage.suggested_action,
        linkage_decision=linkage.decided_action,
    )
    refresh_unit_linkage(unit, year, overlay=(result.project_id, budget, total), policy=policy)
    if result.grade == GRADE_POOR:
        _open_for_poor_grade(result, policy)


def refresh_unit_linkage(
    unit: Procuratorate,
    fiscal_year: int,
    *,
    overlay: tuple[int, Decimal, Decimal] | None = None,
    policy: ProvincePolicy | None = None,
) -> BudgetLinkage | None:
    """The unit-level suggestion (``project_id`` null) from its budget-weighted score."""
    rolled = unit_score(unit, fiscal_year, overlay=overlay)
    if rolled is None:
        return None
    score, budget, projects = rolled
    return _upsert_linkage(
        unit,
        fiscal_year,
        None,
        project_code="",
        project_name="",
        score=score,
        grade=scoring.grade(score),
        base=budget,
        policy=policy or policy_or_default(unit),
        extra_basis={
            "projects": projects,
            "weighting": "按项目全年预算数加权平均（已定稿项目）",
        },
    )


def _open_for_poor_grade(result: EvaluationResult, policy: ProvincePolicy) -> None:
    exists = RectificationRequest.objects.filter(
        unit=result.unit, evaluation_id=result.evaluation_id, origin=RectificationOrigin.GRADE
    ).exists()
    if exists:
        return
    RectificationRequest.objects.create(
        unit=result.unit,
        issuer=_province_of(result.unit),
        fiscal_year=result.fiscal_year,
        origin=RectificationOrigin.GRADE,
        project_id=result.project_id,
        project_code=result.project_code,
        project_name=result.project_name,
        evaluation_id=result.evaluation_id,
        title=f"{result.project_name}绩效自评等级为差，限期整改"[:200],
        requirement=(
            f"项目“{result.project_name}”（{result.project_code}）{result.fiscal_year}年度绩效"
            f"自评得分 {money(result.total)}，等级为差。请分析原因，提出并落实整改措施，"
            f"在期限内报送整改情况及佐证材料。"
        ),
        due_on=timezone.localdate() + datetime.timedelta(days=policy.rectification_days),
        created_by=result.actor,
    )


def open_for_overrated_self_evaluation(
    *,
    issuer: Procuratorate,
    unit: Procuratorate,
    fiscal_year: int,
    project_id: int,
    project_code: str,
    project_name: str,
    self_score: Decimal,
    key_score: Decimal,
    actor: User | None,
) -> RectificationRequest:
    """Called in the transaction that finalises a key evaluation which found the unit's
    self-evaluation overrated: a rectification request from the key evaluation's issuer, due
    after the province's ``rectification_days``. Once per project and year (idempotent)."""
    existing = RectificationRequest.objects.filter(
        unit=unit,
        fiscal_year=fiscal_year,
        project_id=project_id,
        origin=RectificationOrigin.KEY_EVALUATION,
    ).first()
    if existing is not None:
        return existing
    policy = policy_or_default(unit)
    return RectificationRequest.objects.create(
        unit=unit,
        issuer=issuer,
        fiscal_year=fiscal_year,
        origin=RectificationOrigin.KEY_EVALUATION,
        project_id=project_id,
        project_code=project_code,
        project_name=project_name,
        title=f"{project_name}绩效自评结果偏高，限期整改"[:200],
        requirement=(
            f"项目“{project_name}”（{project_code}）{fiscal_year}年度绩效自评得分 "
            f"{money(self_score)}，重点评价得分 {money(key_score)}，相差 "
            f"{money(self_score - key_score)} 分。请核实自评依据，分析自评偏高的原因，"
            f"规范自评工作，并在期限内报送整改情况及佐证材料。"
        ),
        due_on=timezone.localdate() + datetime.timedelta(days=policy.rectification_days),
        created_by=actor,
    )


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
    linkage._history_user = actor  # type: ignore[attr-defined]  # who decided, in history
    linkage.save()
    if linkage.project_id is not None:
        ProjectFact.objects.filter(unit=linkage.unit, project_id=linkage.project_id).update(
            linkage_decision=action
        )
    return linkage


# ================================================================================================
# Rectification (整改)
# ================================================================================================


def _event(
    request: RectificationRequest,
    kind: str,
    actor: User | None,
    text: str,
    evidence_ids: Sequence[int] = (),
) -> RectificationEvent:
    return RectificationEvent.objects.create(
        request=request, kind=kind, actor=actor, text=text, evidence_ids=list(evidence_ids)
    )


def _lock(request: RectificationRequest) -> RectificationRequest:
    return (
        RectificationRequest.objects.select_for_update()
        .select_related("unit", "issuer")
        .get(pk=request.pk)
    )


def _illegal(request: RectificationRequest, action: str) -> DomainError:
    return DomainError.single(
        CoreErrorCode.INVALID_TRANSITION,
        f"整改通知当前状态为“{request.get_status_display()}”，不能{action}。",
        "status",
    )


@transaction.atomic
def open_rectification(
    issuer_unit: Procuratorate,
    unit: Procuratorate,
    actor: User | None,
    *,
    fiscal_year: int,
    title: str,
    requirement: str,
    due_on: datetime.date,
    project_id: int | None = None,
    evaluation_id: int | None = None,
    origin: str = RectificationOrigin.REVIEWER,
    feedback_item: FeedbackItem | None = None,
    today: datetime.date | None = None,
) -> RectificationRequest:
    """A province or city reviewer requires a unit in its subtree to correct something, with a
    deadline. With ``project_id`` the project's code and name come from its ``ProjectFact``
    (and it must exist there)."""
    _require_issuer(actor, issuer_unit)
    if not in_subtree(unit, issuer_unit):
        raise PermissionDenied("只能对本院及下级院下达整改。")
    today = today or timezone.localdate()
    problems: list[Problem] = []
    if not (title or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写整改事项。", "title"))
    if not (requirement or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写整改要求。", "requirement"))
    if due_on < today:
        problems.append(Problem(FeedbackErrorCode.DUE_IN_PAST, "整改期限不能早于今天。", "dueOn"))
    code = name = ""
    if project_id is not None:
        fact = ProjectFact.objects.filter(unit=unit, project_id=project_id).first()
        if fact is None:
            problems.append(Problem(CoreErrorCode.NOT_FOUND, "该单位没有这个项目。", "projectId"))
        else:
            code, name = fact.project_code, fact.project_name
    if problems:
        raise DomainError(*problems)
    return RectificationRequest.objects.create(
        unit=unit,
        issuer=issuer_unit,
        fiscal_year=fiscal_year,
        origin=origin,
        project_id=project_id,
        project_code=code,
        project_name=name,
        evaluation_id=evaluation_id,
        feedback_item=feedback_item,
        title=title.strip()[:200],
        requirement=requirement.strip(),
        due_on=due_on,
        overdue=False,
        created_by=actor,
    )


@transaction.atomic
def respond_rectification(
    request: RectificationRequest,
    actor: User | None,
    text: str,
    evidence_ids: Sequence[int] = (),
) -> RectificationRequest:
    """The unit's finance or leader reports what it did (open → responded), with evidence
    files: ``documents.Document`` ids in the unit's own schema."""
    request = _lock(request)
    _require_unit_person(actor, request.unit)
    if request.status != RectificationStatus.OPEN:
        raise _illegal(request, "反馈")
    problems: list[Problem] = []
    if not (text or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写整改情况。", "text"))
    ids = sorted({int(i) for i in evidence_ids})
    if ids:
        from backend.documents.models import Document

        with schema_context(request.unit.schema_name):
            found = set(Document.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [i for i in ids if i not in found]
        if missing:
            problems.append(
                Problem(
                    FeedbackErrorCode.EVIDENCE_NOT_FOUND,
                    f"佐证材料不存在：{', '.join(str(i) for i in missing)}",
                    "evidenceIds",
                )
            )
    if problems:
        raise DomainError(*problems)
    request.status = RectificationStatus.RESPONDED
    request.save(update_fields=["status", "updated_at"])
    _event(request, RectificationEvent.Kind.RESPONDED, actor, text.strip(), ids)
    return request


@transaction.atomic
def accept_rectification(
    request: RectificationRequest, actor: User | None, comment: str = ""
) -> RectificationRequest:
    """The issuer (or a level above it) accepts a response: responded → accepted; no longer
    overdue."""
    request = _lock(request)
    _require_reviewer_of(actor, request)
    if request.status != RectificationStatus.RESPONDED:
        raise _illegal(request, "验收通过")
    request.status = RectificationStatus.ACCEPTED
    request.accepted_at = timezone.now()
    request.overdue = False
    request.save(update_fields=["status", "accepted_at", "overdue", "updated_at"])
    _event(request, RectificationEvent.Kind.ACCEPTED, actor, (comment or "").strip())
    return request


@transaction.atomic
def reject_rectification(
    request: RectificationRequest,
    actor: User | None,
    comment: str,
    *,
    today: datetime.date | None = None,
) -> RectificationRequest:
    """The issuer returns a response with comments: responded → open (overdue again at once if
    the deadline has passed)."""
    request = _lock(request)
    _require_reviewer_of(actor, request)
    if request.status != RectificationStatus.RESPONDED:
        raise _illegal(request, "退回")
    if not (comment or "").strip():
        raise DomainError.single(CoreErrorCode.REQUIRED, "退回时请填写意见。", "comment")
    request.status = RectificationStatus.OPEN
    request.overdue = (today or timezone.localdate()) > request.due_on
    request.save(update_fields=["status", "overdue", "updated_at"])
    _event(request, RectificationEvent.Kind.REJECTED, actor, comment.strip())
    return request


@transaction.atomic
def flag_overdue(today: datetime.date | None = None) -> int:
    """Set ``overdue`` on every request past its deadline and not accepted, clear it on the
    others. Returns how many rows changed (0 on a second run the same day)."""
    today = today or timezone.localdate()
    late = Q(due_on__lt=today) & ~Q(status=RectificationStatus.ACCEPTED)
    flagged = RectificationRequest.objects.filter(late, overdue=False).update(overdue=True)
    cleared = RectificationRequest.objects.filter(~late, overdue=True).update(overdue=False)
    return flagged + cleared


# ================================================================================================
# Feedback batches (反馈)
# ================================================================================================


FILTER_KEYS = frozenset(
    {"level", "city", "peer_group", "grade", "overdue_rectification", "execution_rate_below"}
)


def _below(issuer: Procuratorate) -> Q:
    return Q(path__startswith=issuer.path) & ~Q(pk=issuer.pk)


def _select_units(
    issuer: Procuratorate,
    fiscal_year: int,
    unit_ids: Iterable[int] | None,
    selection: Mapping[str, Any] | None,
) -> list[Procuratorate]:
    problems: list[Problem] = []
    if unit_ids is None and not selection:
        raise DomainError.single(
            FeedbackErrorCode.NO_SELECTION, "请选择单位或筛选条件。", "unitIds"
        )
    qs = Procuratorate.objects.filter(_below(issuer), active=True)
    if unit_ids is not None:
        wanted = {int(i) for i in unit_ids}
        found = set(qs.filter(pk__in=wanted).values_list("pk", flat=True))
        outside = wanted - found
        if outside:
            problems.append(
                Problem(CoreErrorCode.OUT_OF_REACH, "所选单位不在本院下级范围内。", "unitIds"),
            )
        qs = qs.filter(pk__in=wanted)
    selection = dict(selection or {})
    unknown = set(selection) - FILTER_KEYS
    if unknown:
        problems.append(
            Problem(
                FeedbackErrorCode.INVALID_FILTER,
                f"未知的筛选条件：{', '.join(sorted(unknown))}",
                "filter",
            )
        )
    if problems:
        raise DomainError(*problems)
    if selection.get("level"):
        qs = qs.filter(level=str(selection["level"]).lower())
    if selection.get("city"):
        qs = qs.filter(path__contains=f"{PATH_SEPARATOR}{selection['city']}{PATH_SEPARATOR}")
    if selection.get("peer_group"):
        from backend.benchmarking import peers

        group = peers.peer_group(_province_of(issuer), str(selection["peer_group"]))
        if group is None:
            raise DomainError.single(
                CoreErrorCode.UNKNOWN_PEER_GROUP,
                f"没有对标组“{selection['peer_group']}”。",
                "filter",
            )
        qs = qs.filter(peers.member_condition(group, fiscal_year))
    if selection.get("grade"):
        grades = selection["grade"]
        grades = [grades] if isinstance(grades, str) else list(grades)
        qs = qs.filter(
            pk__in=UnitYearFact.objects.filter(
                fiscal_year=fiscal_year, project_grade__in=grades
            ).values("unit_id")
        )
    if selection.get("overdue_rectification"):
        qs = qs.filter(pk__in=RectificationRequest.objects.filter(overdue=True).values("unit_id"))
    if selection.get("execution_rate_below") not in (None, ""):
        threshold, problem = cleaning.decimal(
            selection["execution_rate_below"], "filter", "执行率筛选值", size=PERCENT
        )
        if problem is not None or threshold is None:
            raise DomainError.single(
                FeedbackErrorCode.INVALID_FILTER, "执行率筛选值必须是数字。", "filter"
            )
        low = [
            unit_id
            for unit_id, budget, executed in UnitYearFact.objects.filter(
                fiscal_year=fiscal_year, evaluated_budget__gt=0
            ).values_list("unit_id", "evaluated_budget", "evaluated_executed")
            if executed * HUNDRED / budget < threshold
        ]
        qs = qs.filter(pk__in=low)
    units = list(qs.order_by("path"))
    if not units:
        raise DomainError.single(FeedbackErrorCode.NO_UNITS, "没有符合条件的单位。", "filter")
    return units


def _rate(numerator: Decimal | None, denominator: Decimal | None) -> str | None:
    if numerator is None or not denominator:
        return None
    return str(money(Decimal(numerator) * HUNDRED / Decimal(denominator)))


def unit_figures(units: Sequence[Procuratorate], fiscal_year: int) -> dict[int, dict[str, Any]]:
    """Each unit's own figures from the public fact tables (four queries whatever the number of
    units): budget and execution of its projects with approved goals, self-evaluation score and
    grade (budget-weighted, and the department-wide one), open alerts of the year, open
    rectifications (any year) and how many are overdue."""
    ids = [u.pk for u in units]
    budgets = {
        row["unit_id"]: row
        for row in ProjectFact.objects.filter(unit_id__in=ids, fiscal_year=fiscal_year)
        .values("unit_id")
        .annotate(
            projects=Count("id"),
            budget=Sum("full_budget"),
            spent=Sum("executed"),
            spent_budget=Sum("full_budget", filter=Q(executed__isnull=False)),
        )
    }
    years = {
        row.unit_id: row
        for row in UnitYearFact.objects.filter(unit_id__in=ids, fiscal_year=fiscal_year)
    }
    alerts = dict(
        AlertRecord.objects.filter(unit_id__in=ids, fiscal_year=fiscal_year, status="open")
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    rect = {
        row["unit_id"]: row
        for row in RectificationRequest.objects.filter(unit_id__in=ids)
        .exclude(status=RectificationStatus.ACCEPTED)
        .values("unit_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(overdue=True)))
    }
    figures: dict[int, dict[str, Any]] = {}
    for unit in units:
        b = budgets.get(unit.pk, {})
        y = years.get(unit.pk)
        r = rect.get(unit.pk, {})
        figures[unit.pk] = {
            "fiscal_year": fiscal_year,
            "projects": b.get("projects", 0),
            "budget": str(money(b["budget"])) if b.get("budget") is not None else "0.00",
            "executed": str(money(b["spent"])) if b.get("spent") is not None else None,
            "execution_rate": _rate(b.get("spent"), b.get("spent_budget")),
            "evaluated_projects": y.evaluated_projects if y else 0,
            "self_score": str(y.project_score) if y and y.project_score is not None else None,
            "self_grade": (y.project_grade or None) if y else None,
            "department_score": (
                str(y.department_score) if y and y.department_score is not None else None
            ),
            "department_grade": (y.department_grade or None) if y else None,
            "open_alerts": alerts.get(unit.pk, 0),
            "open_rectifications": r.get("open", 0),
            "overdue_rectifications": r.get("overdue", 0),
        }
    return figures


@transaction.atomic
def issue_feedback(
    issuer_unit: Procuratorate,
    actor: User | None,
    *,
    fiscal_year: int,
    title: str,
    body: str,
    unit_ids: Iterable[int] | None = None,
    filter: Mapping[str, Any] | None = None,
    requires_rectification: bool = False,
    due_on: datetime.date | None = None,
    today: datetime.date | None = None,
    extra_figures: Mapping[int, Mapping[str, Any]] | None = None,
) -> FeedbackBatch:
    """One text to many units below the issuer, chosen by hand (``unit_ids``), by a filter
    (``level``, ``city``, ``grade`` of the unit's ``UnitYearFact``, ``overdue_rectification``,
    ``execution_rate_below``) or both (the filter narrows the list). Each item carries that
    unit's own figures (``unit_figures``, plus ``extra_figures[unit id]`` when given: a
    benchmark view's metric, value and rank); with ``requires_rectification`` each gets a
    rectification request due on ``due_on``. The text may name figures by placeholders
    (``texts.PLACEHOLDERS``: ``{单位}``, ``{指标值}``, ``{排名}`` …), which each unit reads with
    its own figures; an unknown placeholder is refused."""
    from backend.feedback import texts

    _require_issuer(actor, issuer_unit)
    today = today or timezone.localdate()
    problems: list[Problem] = []
    if not (title or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写标题。", "title"))
    if not (body or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写反馈内容。", "body"))
    unknown = texts.unknown(body or "")
    if unknown:
        problems.append(
            Problem(
                FeedbackErrorCode.UNKNOWN_PLACEHOLDER,
                f"未知的占位符：{'、'.join('{' + n + '}' for n in unknown)}。"
                f"可用的占位符：{'、'.join('{' + n + '}' for n in texts.PLACEHOLDERS)}。",
                "body",
            )
        )
    if requires_rectification and due_on is None:
        problems.append(Problem(CoreErrorCode.REQUIRED, "要求整改时请填写整改期限。", "dueOn"))
    if due_on is not None and due_on < today:
        problems.append(Problem(FeedbackErrorCode.DUE_IN_PAST, "整改期限不能早于今天。", "dueOn"))
    try:
        units = _select_units(
            issuer_unit, fiscal_year, list(unit_ids) if unit_ids is not None else None, filter
        )
    except DomainError as error:
        problems.extend(error.problems)
        units = []
    if problems:
        raise DomainError(*problems)
    selection: dict[str, Any] = {"filter": dict(filter or {})}
    if unit_ids is not None:
        selection["unit_codes"] = sorted(u.code for u in units)
    batch = FeedbackBatch.objects.create(
        issuer=issuer_unit,
        fiscal_year=fiscal_year,
        title=title.strip(),
        body=body.strip(),
        selection=selection,
        requires_rectification=requires_rectification,
        due_on=due_on if requires_rectification else None,
        created_by=actor,
    )
    figures = unit_figures(units, fiscal_year)
    for unit_id, extra in (extra_figures or {}).items():
        if unit_id in figures:
            figures[unit_id].update({k: v for k, v in extra.items() if k not in figures[unit_id]})
    items = FeedbackItem.objects.bulk_create(
        [FeedbackItem(batch=batch, unit=u, figures=figures[u.pk]) for u in units]
    )
    if requires_rectification:
        assert due_on is not None
        RectificationRequest.objects.bulk_create(
            [
                RectificationRequest(
                    unit=item.unit,
                    issuer=issuer_unit,
                    fiscal_year=fiscal_year,
                    origin=RectificationOrigin.FEEDBACK,
                    feedback_item=item,
                    title=batch.title[:200],
                    requirement=batch.body,
                    due_on=due_on,
                    created_by=actor,
                )
                for item in items
            ]
        )
    return batch


@transaction.atomic
def mark_feedback_read(item: FeedbackItem, actor: User | None) -> FeedbackItem:
    """The unit's finance or leader (``Op.RESULTS_RESPOND``); the first reading is kept."""
    _require_unit_person(actor, item.unit)
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return item


@transaction.atomic
def _missing_documents(unit: Procuratorate, ids: Sequence[int]) -> list[int]:
    """Which of ``ids`` name no document in ``unit``'s own schema."""
    if not ids:
        return []
    from backend.documents.models import Document

    with schema_context(unit.schema_name):
        found = set(Document.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return [i for i in ids if i not in found]


def answer_feedback(
    item: FeedbackItem, actor: User | None, text: str, evidence_ids: Sequence[int] = ()
) -> FeedbackItem:
    """The unit's finance or leader answers (an answer may be revised; the latest counts, its
    evidence too): ``evidence_ids`` are ``documents.Document`` ids in the unit's own schema."""
    _require_unit_person(actor, item.unit)
    problems: list[Problem] = []
    if not (text or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写回复内容。", "text"))
    ids = sorted({int(i) for i in evidence_ids})
    missing = _missing_documents(item.unit, ids)
    if missing:
        problems.append(
            Problem(
                FeedbackErrorCode.EVIDENCE_NOT_FOUND,
                f"佐证材料不存在：{', '.join(str(i) for i in missing)}",
                "evidenceIds",
            )
        )
    if problems:
        raise DomainError(*problems)
    now = timezone.now()
    item.evidence_ids = ids
    item.answer = text.strip()
    item.answered_at = now
    item.answered_by = actor
    if item.read_at is None:
        item.read_at = now
    item.save(update_fields=["answer", "evidence_ids", "answered_at", "answered_by", "read_at"])
    return item


# ================================================================================================
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

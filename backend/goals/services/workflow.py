"""The review workflow of performance goals and of adjustment requests to approved goals: an
explicit state machine (an illegal transition is ``INVALID_TRANSITION``, naming the state).

Goal::

    draft | returned --submit (unit_finance at the unit)--> submitted
    submitted --withdraw (unit_finance, before the leader's review)--> draft
    submitted --review (unit_leader at the unit)-->
        approved, or unit_approved when the province requires the city's review
        | returned | rejected
    unit_approved --review (city_reviewer of the unit's parent city)-->
        approved | returned | rejected

A grade goes with every review of a goal (domain.md, "Goal review"): 优/良 approve, 中 returns,
差 rejects (keeps the project out of the budget). An approved goal is frozen; a change is an
``AdjustmentRequest`` (draft | returned → submitted → unit_approved → approved | returned |
rejected, same roles and stages, no grade) whose approval applies its changes to the goal's
indicators.

Every function runs on the unit's schema (``connection.tenant``, or the schema of a
``schema_context``), locks the row it moves, records the acting user in the history
(``_history_user``, with a change reason), and in the same transaction upserts the public
``GoalSubmission`` row and, on a final approval, the public facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from backend.accounts import policy as role_table
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.benchmarking.services import record_goal_facts
from backend.core import cleaning
from backend.core.errors import CoreErrorCode, DomainError, PermissionDenied, Problem
from backend.core.history import set_history_user
from backend.core.numbers import POINTS, VALUE
from backend.core.versioning import bump, check_version
from backend.goals.errors import GoalErrorCode
from backend.goals.models import (
    AdjustmentRequest,
    AdjustmentStatus,
    Decision,
    GoalIndicator,
    GoalReview,
    GoalStatus,
    Grade,
    IndicatorComment,
    PerformanceGoal,
    ReviewStage,
)
from backend.goals.services import edit_policy
from backend.oversight import selectors as oversight_selectors
from backend.oversight.services import sync_submission
from tenants import selectors as unit_selectors
from tenants.models import Procuratorate

AnyUser = User | AnonymousUser

# The stage a goal (or an adjustment request) in this status is waiting for.
REVIEW_STAGES: dict[str, str] = {
    GoalStatus.SUBMITTED: ReviewStage.UNIT,
    GoalStatus.UNIT_APPROVED: ReviewStage.CITY,
}
SUBMITTABLE = (GoalStatus.DRAFT, GoalStatus.RETURNED)
# The decision each grade leads to.
GRADE_DECISIONS: dict[str, str] = {
    Grade.EXCELLENT: Decision.APPROVE,
    Grade.GOOD: Decision.APPROVE,
    Grade.FAIR: Decision.RETURN,
    Grade.POOR: Decision.REJECT,
}
# What an adjustment request may change, and how each value is stored: (places, limit).
ADJUSTABLE_FIELDS = edit_policy.ADJUSTABLE_FIELDS
_DECIMALS = {"target_value": VALUE, "weight": POINTS}
_TEXT_LIMITS = {"target_text": 500, "unit": 20}
_FIELD_LABELS = {
    "target_value": "指标值",
    "target_text": "定性目标",
    "weight": "分值",
    "unit": "计量单位",
}
# Longest review comment, comment on one indicator, or adjustment reason.
TEXT_LIMIT = 2000
# What a review keeps of each indicator the reviewer saw (GoalReview.snapshot).
SNAPSHOT_FIELDS = (
    "code",
    "level1",
    "level2",
    "name",
    "value_type",
    "direction",
    "polarity",
    "unit",
    "target_value",
    "target_text",
    "weight",
    "mandatory",
    "locked",
)
_OPEN_ADJUSTMENT = (
    AdjustmentStatus.DRAFT,
    AdjustmentStatus.SUBMITTED,
    AdjustmentStatus.UNIT_APPROVED,
    AdjustmentStatus.RETURNED,
)


# --- the unit, the roles ------------------------------------------------------------------------


def current_unit() -> Procuratorate:
    """The unit whose schema the connection is on."""
    return unit_selectors.current_unit()


def publish(goal: PerformanceGoal) -> None:
    """Bring the public rows that mirror ``goal`` up to date (its review-inbox row and, once
    approved, its facts). Every tenant write that changes what they show calls this in its own
    transaction: design.md §3."""
    unit = current_unit()
    sync_submission(unit, goal)
    record_goal_facts(unit, goal)


def _require_preparer(user: AnyUser, unit: Procuratorate) -> None:
    role_table.require(user, Op.GOAL_SUBMIT, unit)


def _require_reviewer(user: AnyUser, unit: Procuratorate, stage: str) -> str:
    """Check the user may review at ``stage``; the reviewing unit's code. The unit stage is
    ``Op.GOAL_APPROVE`` at the unit; the city stage ``Op.GOAL_CITY_REVIEW``, granted by a role
    held at the unit's parent itself, a 市级院 (not at another unit above)."""
    if stage == ReviewStage.UNIT:
        role_table.require(user, Op.GOAL_APPROVE, unit, "只有本院负责人可以进行单位审核。")
        return unit.code
    city = oversight_selectors.parent_city(unit)
    if city is None or not role_table.unit_access(user, city).allows_here(Op.GOAL_CITY_REVIEW):
        raise PermissionDenied(role_table.DENIED_MESSAGES[Op.GOAL_CITY_REVIEW])
    return city.code


def _invalid(status: str, action: str, *, adjustment: bool = False) -> DomainError:
    if adjustment:
        label = AdjustmentStatus(status).label
        message = f"调整申请当前状态为“{label}”，不能{action}。"
    else:
        label = GoalStatus(status).label
        message = f"绩效目标当前状态为“{label}”，不能{action}。"
    return DomainError.single(CoreErrorCode.INVALID_TRANSITION, message, "status")


def _after_approval(stage: str, unit: Procuratorate) -> str:
    """Where an approval at ``stage`` leads: the city's review next when the province
    requires it (and the unit has a parent city), else the final approval."""
    if stage == ReviewStage.UNIT and oversight_selectors.requires_city_review(unit):
        return GoalStatus.UNIT_APPROVED
    return GoalStatus.APPROVED


def _outcome(stage: str, decision: str, unit: Procuratorate) -> str:
    if decision == Decision.APPROVE:
        return _after_approval(stage, unit)
    return GoalStatus.RETURNED if decision == Decision.RETURN else GoalStatus.REJECTED


def _save(instance: models.Model, user: AnyUser, reason: str) -> None:
    """Save with the acting user and a change reason in the history record."""
    set_history_user(instance, user, reason)
    instance.save()


def _lock(instance: models.Model) -> None:
    """Reload ``instance`` under a row lock: the state it moves from is the current one."""
    instance.refresh_from_db(from_queryset=type(instance)._default_manager.select_for_update())


# --- decisions ----------------------------------------------------------------------------------


def _decision_problems(
    decision: str,
    comment: str,
    *,
    graded: bool,
    grade: str | None = None,
    indicator_comments: Mapping[str, str] | None = None,
    codes: set[str] | None = None,
) -> list[Problem]:
    """Every problem of a review's input: the decision and grade (when ``graded``) must
    agree, a return needs a comment, commented indicators must be the goal's."""
    problems: list[Problem] = []
    if decision not in Decision.values:
        problems.append(
            Problem(
                CoreErrorCode.INVALID_CHOICE, "审核结论须为通过、退回或不予纳入预算。", "decision"
            )
        )
    if graded:
        if grade and grade not in Grade.values:
            problems.append(
                Problem(CoreErrorCode.INVALID_CHOICE, "审核等级须为优、良、中或差。", "grade")
            )
        elif decision in Decision.values:
            problems += _grade_problems(decision, grade or None)
    for code in indicator_comments or {}:
        if code not in (codes or set()):
            problems.append(
                Problem(
                    CoreErrorCode.UNKNOWN_INDICATOR,
                    f"该目标没有编码为“{code}”的指标。",
                    f"indicator_comments.{code}",
                )
            )
    if len(comment.strip()) > TEXT_LIMIT:
        problems.append(
            Problem(CoreErrorCode.TOO_LONG, f"审核意见不能超过 {TEXT_LIMIT} 个字符。", "comment")
        )
    for code, text in (indicator_comments or {}).items():
        if len((text or "").strip()) > TEXT_LIMIT:
            problems.append(
                Problem(
                    CoreErrorCode.TOO_LONG,
                    f"指标审核意见不能超过 {TEXT_LIMIT} 个字符。",
                    f"indicator_comments.{code}",
                )
            )
    commented = any((text or "").strip() for text in (indicator_comments or {}).values())
    if decision == Decision.RETURN and not comment.strip() and not commented:
        problems.append(Problem(CoreErrorCode.COMMENT_REQUIRED, "退回须填写审核意见。", "comment"))
    return problems


def _grade_problems(decision: str, grade: str | None) -> list[Problem]:
    if grade is None:
        if decision == Decision.APPROVE:
            return [
                Problem(GoalErrorCode.GRADE_REQUIRED, "审核通过须评定等级（优或良）。", "grade")
            ]
        if decision == Decision.REJECT:
            return [Problem(GoalErrorCode.GRADE_REQUIRED, "不予纳入预算须评定等级“差”。", "grade")]
        return []  # a return may go without a grade
    if GRADE_DECISIONS[grade] != decision:
        label = Grade(grade).label
        labels: dict[str, str] = {
            Decision.APPROVE: "通过",
            Decision.RETURN: "退回",
            Decision.REJECT: "不予纳入预算",
        }
        expected = labels[GRADE_DECISIONS[grade]]
        return [
            Problem(
                GoalErrorCode.GRADE_MISMATCH,
                f"等级“{label}”的审核结论应为“{expected}”。",
                "grade",
            )
        ]
    return []


# --- goals --------------------------------------------------------------------------------------


def _warning(problem: Problem) -> dict[str, Any]:
    """A non-blocking problem as stored on the goal for the reviewer."""
    parts = (problem.field or "").split(".")
    indicator = parts[1] if len(parts) > 1 and parts[0] == "indicators" else ""
    return {
        "indicator": indicator,
        "field": problem.field,
        "code": problem.code,
        "message": problem.message,
    }


@transaction.atomic
def submit(
    goal: PerformanceGoal, *, user: AnyUser, expected_version: int | None = None
) -> PerformanceGoal:
    """Submit a draft or returned goal for review (``unit_finance`` at the unit). The
    submission checks run first: every error is reported and nothing changes; the warnings
    are kept on the goal for the reviewer. ``expected_version``: the goal's version the caller
    read (``STALE`` when it changed since)."""
    from backend.goals.services.checks import submission_problems

    unit = current_unit()
    _lock(goal)
    check_version(goal, expected_version, "绩效目标")
    if goal.status not in SUBMITTABLE:
        raise _invalid(goal.status, "提交")
    _require_preparer(user, unit)
    errors, warnings = submission_problems(goal)
    if errors:
        raise DomainError(*errors)
    goal.status = GoalStatus.SUBMITTED
    goal.submitted_at = timezone.now()
    goal.approved_at = None
    goal.grade = ""  # the grade of the review to come
    goal.warnings = [_warning(p) for p in warnings]
    bump(goal)
    _save(goal, user, "提交审核")
    sync_submission(unit, goal)
    return goal


@transaction.atomic
def withdraw(goal: PerformanceGoal, *, user: AnyUser) -> PerformanceGoal:
    """Take a submitted goal back to draft before the unit leader has reviewed it
    (``unit_finance`` at the unit, like ``submit``). Once reviewed — approved for the city,
    returned, rejected — it is no longer the preparer's to withdraw."""
    unit = current_unit()
    _lock(goal)
    if goal.status != GoalStatus.SUBMITTED:
        raise _invalid(goal.status, "撤回")
    _require_preparer(user, unit)
    goal.status = GoalStatus.DRAFT
    goal.submitted_at = None
    _save(goal, user, "撤回")
    sync_submission(unit, goal)
    return goal


def _require_not_self(goal: PerformanceGoal, user: AnyUser) -> None:
    """The unit-stage review: by the leader the approval was handed to when it was handed;
    never by the leader who declared (drafted) the goal."""
    if goal.approver_id is not None and goal.approver_id != user.pk:
        approver = goal.approver
        assert approver is not None  # approver_id is set
        name = approver.get_full_name() or approver.get_username()
        raise DomainError.single(
            GoalErrorCode.APPROVAL_HANDED, f"该目标的审核已移交给“{name}”，由其审核。", "id"
        )
    if goal.approver_id is None and goal.created_by_id == user.pk:
        raise DomainError.single(
            GoalErrorCode.SELF_APPROVAL,
            "本目标由您编制，不能由您本人审核：请移交本院其他负责人审核。",
            "id",
        )


@transaction.atomic
def hand_approval(goal: PerformanceGoal, *, user: AnyUser, to: User) -> PerformanceGoal:
    """The leader who declared a goal hands its unit-stage approval to another leader of the
    unit (``Op.GOAL_APPROVE`` held at the unit itself). Allowed while the goal is a draft,
    returned or awaiting the unit's review; the one handed to may hand it on (never back to
    the declaring leader)."""
    unit = current_unit()
    _lock(goal)
    if goal.status not in (*SUBMITTABLE, GoalStatus.SUBMITTED):
        raise _invalid(goal.status, "移交审核")
    role_table.require(user, Op.GOAL_APPROVE, unit, "只有本院负责人可以移交审核。")
    if user.pk not in (goal.created_by_id, goal.approver_id):
        raise PermissionDenied("只有编制该目标的负责人（或已被移交的负责人）可以移交审核。")
    if to.pk in (user.pk, goal.created_by_id):
        raise DomainError.single(
            GoalErrorCode.SELF_APPROVAL,
            "不能移交给本人或目标的编制人：请选择本院其他负责人。",
            "approver",
        )
    if not role_table.unit_access(to, unit).allows_here(Op.GOAL_APPROVE):
        raise DomainError.single(
            GoalErrorCode.NOT_A_LEADER,
            f"“{to.get_username()}”不是本院负责人，不能审核目标。",
            "approver",
        )
    goal.approver = to
    bump(goal)
    _save(goal, user, f"移交审核：{to.get_username()}")
    return goal


def _seen(goal: PerformanceGoal, indicators: list[GoalIndicator]) -> dict[str, Any]:
    """What a reviewer has before them: the texts, every indicator's values, the warnings."""
    return {
        "overall_goal": goal.overall_goal,
        "midterm_goal": goal.midterm_goal,
        "warnings": list(goal.warnings or []),
        "indicators": [
            {name: _json(getattr(indicator, name)) for name in SNAPSHOT_FIELDS}
            for indicator in indicators
        ],
    }


@transaction.atomic
def review(
    goal: PerformanceGoal,
    *,
    user: AnyUser,
    decision: str,
    grade: str | None,
    comment: str = "",
    indicator_comments: dict[str, str] | None = None,
    expected_version: int | None = None,
) -> GoalReview:
    """Decide on a submitted goal at its current stage, with a grade: approve (优/良), return
    (中, or no grade; with a comment or comments per indicator, keyed by indicator code) or
    reject (差). The final approval records the public facts in the same transaction.
    ``expected_version``: the goal's version the reviewer read (``STALE`` when it changed)."""
    unit = current_unit()
    _lock(goal)
    check_version(goal, expected_version, "绩效目标")
    stage = REVIEW_STAGES.get(goal.status)
    if stage is None:
        raise _invalid(goal.status, "审核")
    reviewer_unit = _require_reviewer(user, unit, stage)
    if stage == ReviewStage.UNIT:
        _require_not_self(goal, user)
    seen = list(goal.indicators.order_by("sort_order", "id"))
    indicators = {i.code: i for i in seen}
    problems = _decision_problems(
        decision,
        comment,
        graded=True,
        grade=grade,
        indicator_comments=indicator_comments,
        codes=set(indicators),
    )
    if problems:
        raise DomainError(*problems)

    record = GoalReview.objects.create(
        goal=goal,
        stage=stage,
        decision=decision,
        grade=grade or "",
        comment=comment.strip(),
        reviewer=user if isinstance(user, User) else None,
        reviewer_unit_code=reviewer_unit,
        snapshot=_seen(goal, seen),
    )
    IndicatorComment.objects.bulk_create(
        IndicatorComment(review=record, indicator=indicators[code], comment=text.strip())
        for code, text in (indicator_comments or {}).items()
        if (text or "").strip()
    )
    goal.status = _outcome(stage, decision, unit)
    goal.grade = grade or ""
    if goal.status == GoalStatus.APPROVED:
        goal.approved_at = timezone.now()
    bump(goal)
    _save(goal, user, f"{ReviewStage(stage).label}：{Decision(decision).label}")
    if goal.status == GoalStatus.APPROVED:
        record_goal_facts(unit, goal)
    sync_submission(unit, goal)
    return record


# --- adjustment requests ------------------------------------------------------------------------


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _clean_value(name: str, value: Any, field: str) -> tuple[Any, Problem | None]:
    """The stored form of a requested value, or the problem with it."""
    label = _FIELD_LABELS[name]
    if name in _DECIMALS:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None, Problem(CoreErrorCode.REQUIRED, f"请填写调整后的{label}。", field)
        return cleaning.decimal(value, field, label, size=_DECIMALS[name], negative=False)
    text, problem = cleaning.text(value, field, label, max_length=_TEXT_LIMITS[name])
    return (None, problem) if problem else (text, None)


def _clean_changes(
    changes: list[dict[str, Any]], indicators: Mapping[str, GoalIndicator]
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The requested changes with their before values, and every problem with them (each
    named ``changes.<n>.<key>``)."""
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    if not changes:
        return rows, [Problem(CoreErrorCode.REQUIRED, "请至少填写一项调整内容。", "changes")]
    seen: set[tuple[str, str]] = set()
    for index, change in enumerate(changes):
        prefix = f"changes.{index}"
        if not isinstance(change, Mapping):
            problems.append(Problem(CoreErrorCode.INVALID, "调整内容格式不正确。", prefix))
            continue
        code, name = change.get("indicator"), str(change.get("field"))
        indicator = indicators.get(str(code))
        if indicator is None:
            problems.append(
                Problem(
                    CoreErrorCode.UNKNOWN_INDICATOR,
                    f"该目标没有编码为“{code}”的指标。",
                    f"{prefix}.indicator",
                )
            )
            continue
        refusal = edit_policy.field_refusal(
            edit_policy.Route.ADJUSTMENT, edit_policy.Flags.of(indicator), name
        )
        if refusal is not None:
            problems.append(
                edit_policy.problem(
                    refusal,
                    label=_FIELD_LABELS.get(name, name),
                    field=f"{prefix}.field",
                    indicator=indicator.name,
                )
            )
            continue
        if (indicator.code, name) in seen:
            problems.append(
                Problem(
                    CoreErrorCode.DUPLICATE, "同一指标的同一项只能调整一次。", f"{prefix}.field"
                )
            )
            continue
        seen.add((indicator.code, name))
        value, problem = _clean_value(name, change.get("after"), f"{prefix}.after")
        if problem is not None:
            problems.append(problem)
            continue
        before = _json(getattr(indicator, name))
        if before == _json(value):
            problems.append(
                Problem(GoalErrorCode.UNCHANGED, "调整后的值与原值相同。", f"{prefix}.after")
            )
            continue
        rows.append(
            {"indicator": indicator.code, "field": name, "before": before, "after": _json(value)}
        )
    return rows, problems


def _python(name: str, value: Any) -> Any:
    return Decimal(value) if name in _DECIMALS and value is not None else value


def _apply(
    adjustment: AdjustmentRequest,
    goal: PerformanceGoal,
    *,
    user: AnyUser | None = None,
    history: bool = True,
) -> list[GoalIndicator]:
    """Write the adjustment's changes into the goal's indicators (two queries, plus one for
    their history rows)."""
    codes = {change["indicator"] for change in adjustment.changes}
    indicators = {i.code: i for i in goal.indicators.filter(code__in=codes)}
    fields: set[str] = set()
    for change in adjustment.changes:
        indicator = indicators.get(change["indicator"])
        if indicator is None:
            raise DomainError.single(
                CoreErrorCode.UNKNOWN_INDICATOR,
                f"该目标已没有编码为“{change['indicator']}”的指标。",
                "changes",
            )
        setattr(indicator, change["field"], _python(change["field"], change["after"]))
        fields.add(change["field"])
    changed = list(indicators.values())
    if history:
        bulk_update_with_history(
            changed,
            GoalIndicator,
            sorted(fields),
            default_user=user,
            default_change_reason=f"目标调整申请 {adjustment.pk}",
        )
    else:
        GoalIndicator.objects.bulk_update(changed, sorted(fields))
    return changed


class _Preview(Exception):
    def __init__(self, errors: list[Problem]) -> None:
        super().__init__("preview")
        self.errors = errors


def _errors_after(adjustment: AdjustmentRequest, goal: PerformanceGoal) -> list[Problem]:
    """The submission checks of the goal as the adjustment would leave it: the changes are
    written in a savepoint, checked, and rolled back."""
    from backend.goals.services.checks import submission_problems

    try:
        with transaction.atomic():
            _apply(adjustment, goal, history=False)
            errors, _warnings = submission_problems(PerformanceGoal.objects.get(pk=goal.pk))
            raise _Preview(errors)
    except _Preview as preview:
        return preview.errors


@transaction.atomic
def request_adjustment(
    goal: PerformanceGoal,
    *,
    reason: str,
    changes: list[dict[str, Any]],
    user: AnyUser,
) -> AdjustmentRequest:
    """Ask to change an approved goal's targets (``unit_finance`` at the unit). ``changes``:
    ``[{"indicator": code, "field": "target_value" | "target_text" | "weight" | "unit",
    "after": value}]``; the before values are filled in. A goal has at most one open request:
    a draft or returned one is revised by this call (and is a draft again); one under review
    is ``ADJUSTMENT_OPEN``."""
    unit = current_unit()
    _lock(goal)
    refusal = edit_policy.goal_problem(edit_policy.Route.ADJUSTMENT, goal.status, "申请调整")
    if refusal is not None:
        raise DomainError(refusal)
    _require_preparer(user, unit)
    existing = goal.adjustments.select_for_update().filter(status__in=_OPEN_ADJUSTMENT).first()
    if existing is not None and existing.status not in SUBMITTABLE:
        raise DomainError.single(
            GoalErrorCode.ADJUSTMENT_OPEN,
            "该目标已有调整申请正在审核，请待其办结后再申请。",
            "goal",
        )
    indicators = {i.code: i for i in goal.indicators.all()}
    rows, problems = _clean_changes(changes, indicators)
    if not (reason or "").strip():
        problems.insert(0, Problem(CoreErrorCode.REQUIRED, "请填写调整原因。", "reason"))
    elif len(reason.strip()) > TEXT_LIMIT:
        problems.insert(
            0, Problem(CoreErrorCode.TOO_LONG, f"调整原因不能超过 {TEXT_LIMIT} 个字符。", "reason")
        )
    if problems:
        raise DomainError(*problems)
    adjustment = existing or AdjustmentRequest(
        goal=goal, created_by=user if isinstance(user, User) else None
    )
    adjustment.reason = reason.strip()
    adjustment.changes = rows
    adjustment.status = AdjustmentStatus.DRAFT
    _save(adjustment, user, "修改调整申请" if existing else "提出调整申请")
    sync_submission(unit, goal)
    return adjustment


@transaction.atomic
def submit_adjustment(adjustment: AdjustmentRequest, *, user: AnyUser) -> AdjustmentRequest:
    """Submit a draft or returned adjustment request for review (``unit_finance``). The goal
    as the changes would leave it must pass the submission checks."""
    unit = current_unit()
    _lock(adjustment)
    if adjustment.status not in SUBMITTABLE:
        raise _invalid(adjustment.status, "提交", adjustment=True)
    _require_preparer(user, unit)
    goal = adjustment.goal
    _lock(goal)
    refusal = edit_policy.goal_problem(edit_policy.Route.ADJUSTMENT, goal.status, "提交调整申请")
    if refusal is not None:
        raise DomainError(refusal)
    errors = _errors_after(adjustment, goal)
    if errors:
        raise DomainError(*errors)
    adjustment.status = AdjustmentStatus.SUBMITTED
    _save(adjustment, user, "提交审核")
    sync_submission(unit, goal)
    return adjustment


@transaction.atomic
def review_adjustment(
    adjustment: AdjustmentRequest, *, user: AnyUser, decision: str, comment: str = ""
) -> GoalReview:
    """Decide on a submitted adjustment request at its stage (same roles as the goal's
    review). The final approval applies the changes to the goal's indicators (their history
    keeps before and after) and refreshes the public facts."""
    unit = current_unit()
    _lock(adjustment)
    stage = REVIEW_STAGES.get(adjustment.status)
    if stage is None:
        raise _invalid(adjustment.status, "审核", adjustment=True)
    reviewer_unit = _require_reviewer(user, unit, stage)
    problems = _decision_problems(decision, comment, graded=False)
    if problems:
        raise DomainError(*problems)
    goal = adjustment.goal
    _lock(goal)
    record = GoalReview.objects.create(
        goal=goal,
        adjustment=adjustment,
        stage=stage,
        decision=decision,
        comment=comment.strip(),
        reviewer=user if isinstance(user, User) else None,
        reviewer_unit_code=reviewer_unit,
        snapshot={"reason": adjustment.reason, "changes": adjustment.changes},
    )
    adjustment.status = _outcome(stage, decision, unit)
    if adjustment.status in (AdjustmentStatus.APPROVED, AdjustmentStatus.REJECTED):
        adjustment.decided_at = timezone.now()
    _save(adjustment, user, f"{ReviewStage(stage).label}：{Decision(decision).label}")
    if adjustment.status == AdjustmentStatus.APPROVED:
        _apply(adjustment, goal, user=user)
        bump(goal)  # the goal's targets changed
        record_goal_facts(unit, goal)
    sync_submission(unit, goal)
    return record

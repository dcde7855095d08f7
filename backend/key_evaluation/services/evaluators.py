"""Assigning evaluators, and the evaluator's own score sheet: record (as often as they like),
then submit (frozen)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts import policy as role_table
from backend.accounts.models import Membership
from backend.accounts.policy import Op
from backend.core import cleaning
from backend.core.errors import CoreErrorCode, DomainError, PermissionDenied, Problem
from backend.core.numbers import VALUE
from backend.evaluation import scoring
from backend.key_evaluation.errors import KeyEvaluationErrorCode
from backend.key_evaluation.models import (
    AssignmentStatus,
    EvaluatorAssignment,
    EvaluatorScore,
    KeyEvaluation,
    KeyEvaluationStatus,
    KeyIndicator,
)
from backend.key_evaluation.services.access import Actor, require_manager


def require_open(key_eval: KeyEvaluation) -> None:
    if key_eval.status == KeyEvaluationStatus.FINALISED:
        raise DomainError.single(
            KeyEvaluationErrorCode.ALREADY_FINALISED, "重点评价已定稿，不能再修改。"
        )


@transaction.atomic
def assign_evaluators(
    key_eval: KeyEvaluation, actor: Actor, user_ids: Sequence[int]
) -> list[EvaluatorAssignment]:
    """Make ``user_ids`` the evaluators of the key evaluation: new ones are assigned, ones no
    longer listed are removed (unless they already submitted), listed ones stay as they are.
    Each must hold ``evaluator`` at the issuer or above and no membership at the evaluated unit
    (no one evaluates their own unit)."""
    require_manager(actor, key_eval.issuer)
    require_open(key_eval)
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        raise DomainError.single(CoreErrorCode.REQUIRED, "请至少指定一名评价人员。", "userIds")
    issuer = key_eval.issuer
    eligible = set(
        Membership.objects.filter(
            role_table.membership_condition(Op.KEY_EVALUATION_SCORE),
            user_id__in=ids,
            user__is_active=True,
            unit__path__in=issuer.ancestor_paths,
        ).values_list("user_id", flat=True)
    )
    conflicted = set(
        Membership.objects.filter(user_id__in=ids, unit=key_eval.unit).values_list(
            "user_id", flat=True
        )
    )
    problems: list[Problem] = []
    for index, user_id in enumerate(ids):
        if user_id not in eligible:
            problems.append(
                Problem(
                    KeyEvaluationErrorCode.NOT_AN_EVALUATOR,
                    "该用户不是本院（或上级院）的评价人员。",
                    f"userIds.{index}",
                )
            )
        elif user_id in conflicted:
            problems.append(
                Problem(
                    KeyEvaluationErrorCode.CONFLICT_OF_INTEREST,
                    "评价人员不能评价本人所在单位的项目。",
                    f"userIds.{index}",
                )
            )
    current = {a.evaluator_id: a for a in key_eval.assignments.select_for_update()}
    for user_id, assignment in current.items():
        if user_id not in ids and assignment.status == AssignmentStatus.SUBMITTED:
            problems.append(
                Problem(
                    KeyEvaluationErrorCode.EVALUATOR_SUBMITTED,
                    "已提交评分的评价人员不能移除。",
                    "userIds",
                )
            )
    if problems:
        raise DomainError(*problems)
    for user_id, assignment in current.items():
        if user_id not in ids:
            assignment.delete()
    by = actor if actor is not None and actor.is_authenticated else None
    for user_id in ids:
        if user_id not in current:
            EvaluatorAssignment.objects.create(
                key_evaluation=key_eval, evaluator_id=user_id, assigned_by=by
            )
    key_eval.status = KeyEvaluationStatus.EVALUATING
    key_eval.save(update_fields=["status"])
    return list(key_eval.assignments.select_related("evaluator").order_by("id"))


def _require_own(assignment: EvaluatorAssignment, actor: Actor) -> None:
    """The assigned evaluator, still holding the evaluator role (``Op.KEY_EVALUATION_SCORE``)."""
    if (
        actor is None
        or not actor.is_authenticated
        or actor.pk != assignment.evaluator_id
        or not role_table.console_allowed(actor, Op.KEY_EVALUATION_SCORE)
    ):
        raise PermissionDenied("只有被指定的评价人员本人可以评分。")
    require_open(assignment.key_evaluation)
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise DomainError.single(CoreErrorCode.ALREADY_SUBMITTED, "评分已提交，不能再修改。")


def _decimal(value: Any, field: str, label: str, problems: list[Problem]) -> Decimal | None:
    number, problem = cleaning.decimal(
        value,
        field,
        label,
        size=VALUE,
        negative=False,
        negative_code=KeyEvaluationErrorCode.NEGATIVE,
    )
    if problem is not None:
        problems.append(problem)
    return number


def _clean_row(
    row: Mapping[str, Any], indicator: KeyIndicator, prefix: str, problems: list[Problem]
) -> dict[str, Any]:
    """The fields of one evaluator score, checked against the indicator (every problem)."""
    cleaned: dict[str, Any] = {
        "actual_value": None,
        "actual_text": str(row.get("actual_text") or "")[:500],
        "band": "",
        "band_score": None,
        "override_score": None,
        "override_reason": str(row.get("override_reason") or "").strip(),
        "comment": str(row.get("comment") or ""),
    }
    before = len(problems)
    if indicator.value_type == scoring.QUANTITATIVE:
        cleaned["actual_value"] = _decimal(
            row.get("actual_value"), f"{prefix}actualValue", "实际值", problems
        )
        if row.get("band"):
            problems.append(
                Problem(CoreErrorCode.NOT_QUALITATIVE, "定量指标不评定档次。", f"{prefix}band")
            )
    else:
        band = row.get("band") or ""
        band_score = _decimal(row.get("band_score"), f"{prefix}bandScore", "档内得分", problems)
        if band and band not in scoring.BANDS:
            problems.append(
                Problem(CoreErrorCode.INVALID_CHOICE, "定性档次无效。", f"{prefix}band")
            )
        elif band:
            if band_score is None:
                problems.append(
                    Problem(CoreErrorCode.REQUIRED, "请填写档内得分。", f"{prefix}bandScore")
                )
            else:
                low_pct, high_pct = scoring.BANDS[band]
                low = indicator.weight * low_pct / 100
                high = indicator.weight * high_pct / 100
                if not low <= band_score <= high:
                    problems.append(
                        Problem(
                            KeyEvaluationErrorCode.OUT_OF_BAND,
                            f"“{scoring.BAND_LABELS[band]}”档的得分应在"
                            f"{scoring.quantize(low)}–{scoring.quantize(high)}之间。",
                            f"{prefix}bandScore",
                        )
                    )
        elif band_score is not None:
            problems.append(Problem(CoreErrorCode.REQUIRED, "请先选择定性档次。", f"{prefix}band"))
        cleaned["band"], cleaned["band_score"] = band, band_score
        if row.get("actual_value") is not None:
            problems.append(
                Problem(
                    CoreErrorCode.NOT_QUANTITATIVE,
                    "定性指标请评定档次，不填实际值。",
                    f"{prefix}actualValue",
                )
            )
    override = _decimal(row.get("override_score"), f"{prefix}overrideScore", "调整得分", problems)
    if override is not None:
        if override > indicator.weight:
            problems.append(
                Problem(
                    CoreErrorCode.OUT_OF_RANGE,
                    f"调整得分应在0–{scoring.quantize(indicator.weight)}之间。",
                    f"{prefix}overrideScore",
                )
            )
        if not cleaned["override_reason"]:
            problems.append(
                Problem(
                    CoreErrorCode.REASON_REQUIRED, "调整得分须说明理由。", f"{prefix}overrideReason"
                )
            )
        cleaned["override_score"] = override
    if len(problems) > before:
        return {}
    return cleaned


def _input(indicator: KeyIndicator, score: EvaluatorScore | None) -> scoring.IndicatorInput:
    qualitative = indicator.value_type == scoring.QUALITATIVE
    # The arg-type ignores below: a CharField with choices holds one of the engine's Literal
    # values, but django-stubs type it as a plain str.
    return scoring.IndicatorInput(
        code=indicator.code,
        level1=indicator.level1,
        value_type=indicator.value_type,  # type: ignore[arg-type]
        direction=indicator.direction,  # type: ignore[arg-type]
        target=indicator.target_value if not qualitative else None,
        weight=indicator.weight,
        actual=score.actual_value if score and not qualitative else None,
        band=(score.band or None) if score and qualitative else None,  # type: ignore[arg-type]
        band_score=score.band_score if score and qualitative else None,
        override=score.override_score if score else None,
        override_reason=score.override_reason if score else "",
        deviation_reason=indicator.deviation_reason,
    )


def _flags(flags: Sequence[scoring.Flag]) -> list[dict[str, str]]:
    return [{"code": f.code, "message": f.message, "indicator": f.indicator} for f in flags]


def _rescore(assignment: EvaluatorAssignment) -> EvaluatorAssignment:
    """Score the evaluator's sheet with the engine: their actuals with the project's budget
    and executed amount; indicators they have not assessed score 0 and are flagged."""
    key_eval = assignment.key_evaluation
    indicators = list(key_eval.indicators.order_by("sort_order", "id"))
    scores = {s.indicator_id: s for s in assignment.scores.all()}
    project = scoring.ProjectInput(
        full_budget=key_eval.full_budget,
        executed=key_eval.executed,
        layout=key_eval.layout,  # type: ignore[arg-type]  # a Layout, typed str (choices)
        execution_weight=key_eval.execution_weight,
        group_weights=key_eval.group_weights,
        indicators=[_input(i, scores.get(i.pk)) for i in indicators],
    )
    sheet = scoring.score_project(project)
    by_code = {s.code: s for s in sheet.indicators}
    changed: list[EvaluatorScore] = []
    for indicator in indicators:
        row = scores.get(indicator.pk)
        if row is None:
            continue
        result = by_code[indicator.code]
        row.computed_score = result.computed
        row.final_score = result.final
        row.rule = result.rule
        row.computation = result.explanation
        row.flags = _flags(result.flags)
        changed.append(row)
    for row in changed:
        row.save()
    assignment.execution_score = sheet.execution_score
    assignment.group_scores = {k: str(v) for k, v in sheet.groups.items()}
    assignment.total = sheet.total
    assignment.grade = sheet.grade
    assignment.flags = _flags(sheet.flags)
    assignment.scored_at = timezone.now()
    return assignment


@transaction.atomic
def record_evaluator_scores(
    assignment: EvaluatorAssignment,
    actor: Actor,
    indicators: Sequence[Mapping[str, Any]] = (),
    comment: str | None = None,
) -> EvaluatorAssignment:
    """The evaluator records (or corrects) their assessment of some indicators, each a mapping
    with ``code`` and ``actual_value`` (quantitative) or ``band`` + ``band_score`` (qualitative,
    points inside the band), optionally ``override_score`` + ``override_reason`` (0..weight) and
    ``comment``. A given indicator's row is replaced as a whole; the others stay. The whole
    sheet is then re-scored. Every problem is reported (``indicators.<i>.<field>``)."""
    _require_own(assignment, actor)
    by_code = {i.code: i for i in assignment.key_evaluation.indicators.all()}
    problems: list[Problem] = []
    cleaned: list[tuple[KeyIndicator, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, row in enumerate(indicators):
        prefix = f"indicators.{index}."
        code = str(row.get("code") or "")
        indicator = by_code.get(code)
        if indicator is None:
            problems.append(
                Problem(CoreErrorCode.UNKNOWN_INDICATOR, f"指标“{code}”不存在。", f"{prefix}code")
            )
            continue
        if code in seen:
            problems.append(
                Problem(CoreErrorCode.DUPLICATE, f"指标“{code}”重复填写。", f"{prefix}code")
            )
            continue
        seen.add(code)
        fields = _clean_row(row, indicator, prefix, problems)
        if fields:
            cleaned.append((indicator, fields))
    if problems:
        raise DomainError(*problems)
    for indicator, fields in cleaned:
        EvaluatorScore.objects.update_or_create(
            assignment=assignment, indicator=indicator, defaults=fields
        )
    if comment is not None:
        assignment.comment = comment
    _rescore(assignment)
    assignment.save()
    return assignment


@transaction.atomic
def submit_evaluator_scores(assignment: EvaluatorAssignment, actor: Actor) -> EvaluatorAssignment:
    """Submit the evaluator's scores: every indicator must be assessed. Frozen afterwards."""
    _require_own(assignment, actor)
    assessed = {
        s.indicator_id for s in assignment.scores.all() if s.actual_value is not None or s.band
    }
    missing = [i.code for i in assignment.key_evaluation.indicators.all() if i.pk not in assessed]
    if missing:
        raise DomainError(
            *(
                Problem(
                    KeyEvaluationErrorCode.MISSING_ACTUAL,
                    f"指标“{code}”尚未评分。",
                    f"indicators.{code}",
                )
                for code in missing
            )
        )
    _rescore(assignment)
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment.save()
    return assignment

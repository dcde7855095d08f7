"""Finalising a key evaluation: the evaluators' totals combined by the province's rule, the gap
to the self-evaluation and the overrated flag, written with the project's public facts."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from backend.benchmarking.models import ProjectFact
from backend.core.errors import DomainError
from backend.feedback.services import open_for_overrated_self_evaluation
from backend.key_evaluation import rules
from backend.key_evaluation.errors import KeyEvaluationErrorCode
from backend.key_evaluation.models import (
    AssignmentStatus,
    EvaluatorScore,
    KeyEvaluation,
    KeyEvaluationStatus,
    KeyIndicator,
)
from backend.key_evaluation.services.access import Actor, require_manager
from backend.key_evaluation.services.evaluators import require_open
from backend.oversight.selectors import policy_for
from tenants.models import Procuratorate


def _policy_values(unit: Procuratorate) -> tuple[str, Decimal]:
    policy = policy_for(unit)
    if policy is None:
        return rules.MEAN, rules.DEFAULT_OVERRATE_POINTS
    return policy.key_score_rule, policy.overrate_points


@transaction.atomic
def finalise_key_evaluation(
    key_eval: KeyEvaluation, actor: Actor, conclusion: str = ""
) -> KeyEvaluation:
    """Combine the submitted evaluators' totals by the province's rule (mean unless set to
    median or trimmed) into the key score and grade; the gap self − key and the overrated flag
    (gap > the province's ``overrate_points``, 10 by default); and, in the same transaction,
    the project's public facts (``ProjectFact.key_score`` / ``key_grade``). Needs at least one
    evaluator and every assigned evaluator's scores submitted."""
    require_manager(actor, key_eval.issuer)
    require_open(key_eval)
    assignments = list(key_eval.assignments.select_related("evaluator").order_by("id"))
    if not assignments:
        raise DomainError.single(KeyEvaluationErrorCode.NO_EVALUATORS, "尚未指定评价人员。")
    pending = [a for a in assignments if a.status != AssignmentStatus.SUBMITTED]
    if pending:
        names = "、".join(a.evaluator.full_name or a.evaluator.username for a in pending)
        raise DomainError.single(
            KeyEvaluationErrorCode.PENDING_EVALUATORS, f"以下评价人员尚未提交评分：{names}。"
        )
    rule, overrate_points = _policy_values(key_eval.unit)
    # A submitted sheet is rescored on submit, so its total is set; 0 guards a legacy row.
    combined = rules.combine([a.total or Decimal(0) for a in assignments], rule)
    comparison = rules.compare(key_eval.self_score, combined.score, overrate_points)
    per_indicator: dict[int, list[Decimal]] = {}
    for score in EvaluatorScore.objects.filter(assignment__in=assignments):
        if score.final_score is not None:
            per_indicator.setdefault(score.indicator_id, []).append(score.final_score)
    indicators = list(key_eval.indicators.all())
    for indicator in indicators:
        values = per_indicator.get(indicator.pk)
        indicator.key_score = rules.combine(values, rule).score if values else None
    KeyIndicator.objects.bulk_update(indicators, ["key_score"])

    key_eval.key_score = combined.score
    key_eval.key_grade = comparison.grade
    key_eval.gap = comparison.gap
    key_eval.overrated = comparison.overrated
    key_eval.overrate_points = overrate_points
    key_eval.rule = combined.rule
    key_eval.score_explanation = combined.explanation
    key_eval.conclusion = conclusion
    key_eval.status = KeyEvaluationStatus.FINALISED
    key_eval.finalised_at = timezone.now()
    key_eval.finalised_by = actor if actor is not None and actor.is_authenticated else None
    key_eval.save()
    ProjectFact.objects.filter(unit=key_eval.unit, project_id=key_eval.project_id).update(
        key_score=combined.score, key_grade=comparison.grade
    )
    if comparison.overrated:
        # Results application: an overrated self-evaluation is to be corrected (same transaction).
        open_for_overrated_self_evaluation(
            issuer=key_eval.issuer,
            unit=key_eval.unit,
            fiscal_year=key_eval.fiscal_year,
            project_id=key_eval.project_id,
            project_code=key_eval.project_code,
            project_name=key_eval.project_name,
            self_score=key_eval.self_score,
            key_score=combined.score,
            actor=key_eval.finalised_by,
        )
    return key_eval

"""Selecting a unit's project for key evaluation or re-review: its finalised self-evaluation
is copied in from the unit's schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django_tenants.utils import schema_context

from backend.benchmarking.models import ProjectFact
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.evaluation import scoring
from backend.key_evaluation.errors import KeyEvaluationErrorCode
from backend.key_evaluation.models import (
    KeyEvaluation,
    KeyEvaluationKind,
    KeyIndicator,
    SamplingDraw,
)
from backend.key_evaluation.services.access import Actor, is_under, require_issuer, require_manager
from tenants.models import Procuratorate

_INDICATOR_FIELDS = (
    "code",
    "level1",
    "level2",
    "name",
    "value_type",
    "direction",
    "unit",
    "target_value",
    "target_text",
    "weight",
    "template_code",
    "sort_order",
)
_SELF_FIELDS = {
    "actual_value": "self_actual_value",
    "actual_text": "self_actual_text",
    "band": "self_band",
    "band_score": "self_band_score",
    "explanation": "self_explanation",
    "deviation_cause": "deviation_cause",
    "deviation_reason": "deviation_reason",
    "computed_score": "self_computed_score",
    "override_score": "self_override_score",
    "override_reason": "self_override_reason",
    "final_score": "self_score",
    "computation": "self_computation",
    "flags": "self_flags",
}


def _snapshot(unit: Procuratorate, project_id: int, fiscal_year: int) -> dict[str, Any] | None:
    """The unit's finalised self-evaluation of the project, read on its schema and fully
    evaluated inside the block (design.md §7): the evaluation's fields and its indicators'."""
    from backend.evaluation.models import EvaluationStatus, SelfEvaluation

    with schema_context(unit.schema_name):
        evaluation = (
            SelfEvaluation.objects.filter(
                project_id=project_id,
                fiscal_year=fiscal_year,
                status=EvaluationStatus.FINALISED,
            )
            .select_related("project")
            .first()
        )
        if evaluation is None:
            return None
        indicators = list(
            evaluation.indicators.order_by("sort_order", "id").values(
                "id", *_INDICATOR_FIELDS, *_SELF_FIELDS
            )
        )
        project = evaluation.project
        return {
            "evaluation": evaluation,
            "project_code": project.code,
            "project_name": project.name,
            "indicators": indicators,
        }


def create_from_snapshot(
    issuer: Procuratorate,
    actor: Actor,
    unit: Procuratorate,
    fact: ProjectFact,
    kind: str,
    draw: SamplingDraw | None = None,
) -> KeyEvaluation:
    snap = _snapshot(unit, fact.project_id, fact.fiscal_year)
    if snap is None or snap["evaluation"].executed is None:
        raise DomainError.single(
            KeyEvaluationErrorCode.NOT_FINALISED,
            f"项目{fact.project_code}的自评尚未定稿，不能选为重点评价。",
            "projectId",
        )
    ev = snap["evaluation"]
    key_eval = KeyEvaluation.objects.create(
        unit=unit,
        issuer=issuer,
        kind=kind,
        fiscal_year=fact.fiscal_year,
        draw=draw,
        project_id=fact.project_id,
        project_code=snap["project_code"],
        project_name=snap["project_name"],
        evaluation_id=ev.pk,
        layout=ev.layout,
        execution_weight=ev.execution_weight,
        group_weights=ev.group_weights,
        full_budget=ev.full_budget,
        executed=ev.executed,
        execution_rate=ev.execution_rate
        if ev.execution_rate is not None
        else scoring.execution_rate(ev.executed, ev.full_budget),
        execution_score=ev.execution_score
        if ev.execution_score is not None
        else scoring.execution_score(
            scoring.execution_rate(ev.executed, ev.full_budget), ev.execution_weight
        ),
        self_group_scores=ev.group_scores or {},
        self_score=ev.total if ev.total is not None else Decimal(0),
        self_grade=ev.grade,
        self_flags=ev.flags or [],
        self_finalised_at=ev.finalised_at,
        deviation_analysis=ev.deviation_analysis,
        selected_by=actor if actor is not None and actor.is_authenticated else None,
    )
    KeyIndicator.objects.bulk_create(
        KeyIndicator(
            key_evaluation=key_eval,
            indicator_score_id=row["id"],
            **{name: row[name] for name in _INDICATOR_FIELDS},
            **{target: row[source] for source, target in _SELF_FIELDS.items()},
        )
        for row in snap["indicators"]
    )
    return key_eval


def _finalised_fact(unit: Procuratorate, project_id: int, fiscal_year: int) -> ProjectFact | None:
    """The project's fact if its self-evaluation is finalised, locked: two selections of the
    same project wait for each other, and the second finds the first's key evaluation."""
    return (
        ProjectFact.objects.select_for_update()
        .filter(
            unit=unit, project_id=project_id, fiscal_year=fiscal_year, finalised_at__isnull=False
        )
        .first()
    )


@transaction.atomic
def select_for_key_evaluation(
    issuer: Procuratorate,
    actor: Actor,
    unit: Procuratorate,
    project_id: int,
    fiscal_year: int,
    kind: str = KeyEvaluationKind.KEY,
) -> KeyEvaluation:
    """Select the unit's project for key evaluation (``kind`` ``key``) or re-review
    (``sample``): the issuer is a province or city above the unit, the project has a finalised
    self-evaluation for ``fiscal_year`` and no key evaluation yet. Its self-evaluation is
    copied in (one visit to the unit's schema)."""
    require_issuer(issuer)
    require_manager(actor, issuer)
    problems: list[Problem] = []
    if kind not in KeyEvaluationKind.values:
        problems.append(Problem(CoreErrorCode.INVALID_CHOICE, "评价类型无效。", "kind"))
    if not is_under(unit, issuer):
        problems.append(
            Problem(KeyEvaluationErrorCode.NOT_IN_SUBTREE, "只能选择本院下级单位的项目。", "unit")
        )
    if problems:
        raise DomainError(*problems)
    fact = _finalised_fact(unit, project_id, fiscal_year)
    if fact is None:
        raise DomainError.single(
            KeyEvaluationErrorCode.NOT_FINALISED,
            "该项目没有已定稿的年度自评，不能选为重点评价。",
            "projectId",
        )
    if KeyEvaluation.objects.filter(unit=unit, project_id=project_id).exists():
        raise DomainError.single(
            KeyEvaluationErrorCode.ALREADY_SELECTED,
            "该项目已被选为重点评价或抽查复核。",
            "projectId",
        )
    return create_from_snapshot(issuer, actor, unit, fact, kind)

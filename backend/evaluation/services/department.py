"""The department-wide evaluation of the unit for a year (部门整体支出绩效评价).

Two parts:

- the **project part**: the unit's finalised self-evaluations of the year, budget-weighted
  (Σ total × full budget ÷ Σ full budget) with its grade; execution = Σ executed ÷ Σ budget;
- the **unit-level indicators** of the department template the unit adopted
  (``Template.scope == "department"``), copied from its library into
  ``DepartmentIndicatorScore`` rows, reported like a project's and scored by the engine with
  that template's layout and weights, the execution part being the projects' execution.

The department score (``total``) is the engine's total over execution + unit-level
indicators when the unit adopted a department template; without one it is the project part's
budget-weighted score. The project part is always kept beside it (``project_score``).

State machine as for a project: draft --submit (unit_finance | unit_leader)--> submitted
--return (unit_leader)--> draft | --finalise (unit_leader)--> finalised (frozen,
``UnitYearFact.department_*`` written)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.benchmarking.services import record_unit_year_fact
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.core.history import set_history_user
from backend.evaluation import scoring
from backend.evaluation.errors import EvaluationErrorCode
from backend.evaluation.models import (
    DepartmentEvaluation,
    DepartmentIndicatorScore,
    EvaluationStatus,
    SelfEvaluation,
)
from backend.evaluation.services import common
from backend.evaluation.services.common import AnyUser
from backend.indicators.models import Layout, Scope

DECLARED_FIELDS = (
    "level1",
    "level2",
    "name",
    "value_type",
    "direction",
    "unit",
    "target_value",
    "target_text",
    "weight",
    "scoring_method",
    "sort_order",
)


def department_library() -> tuple[Any, list[Any]]:
    """The adopted department template of the unit (``None`` if it has none) and its live
    library indicators, in order (two queries)."""
    from backend.library.models import AdoptedTemplate, LibraryIndicator

    adopted = (
        AdoptedTemplate.objects.filter(template__scope=Scope.DEPARTMENT)
        .select_related("template")
        .order_by("template__code")
        .first()
    )
    if adopted is None:
        return None, []
    indicators = list(
        LibraryIndicator.objects.filter(
            template=adopted.template, retired_at__isnull=True
        ).order_by("sort_order", "id")
    )
    return adopted.template, indicators


def department_weights() -> dict[str, str]:
    """投入 / 过程 / 产出 / 效果 of the department-wide layout: the province's policy, else
    15/55/20/10 (``ProvincePolicy.department_weights``)."""
    from backend.oversight.models import default_department_weights
    from backend.oversight.selectors import policy_for

    policy = policy_for(common.current_unit())
    weights = (policy.department_weights if policy else None) or default_department_weights()
    return {str(k): str(v) for k, v in weights.items()}


def _indicators(evaluation: DepartmentEvaluation) -> list[DepartmentIndicatorScore]:
    return list(evaluation.indicators.order_by("sort_order", "id"))


def _aggregate(evaluation: DepartmentEvaluation) -> None:
    """The project part from the finalised self-evaluations of the year (one query)."""
    finalised = list(
        SelfEvaluation.objects.filter(
            fiscal_year=evaluation.fiscal_year, status=EvaluationStatus.FINALISED
        ).only("full_budget", "executed", "total")
    )
    evaluation.evaluated_projects = len(finalised)
    evaluation.evaluated_budget = sum((e.full_budget for e in finalised), Decimal("0.00"))
    evaluation.full_budget = evaluation.evaluated_budget
    evaluation.executed = (
        sum((e.executed or Decimal(0) for e in finalised), Decimal("0.00")) if finalised else None
    )
    score = scoring.budget_weighted_score(
        [(e.total, e.full_budget) for e in finalised if e.total is not None]
    )
    evaluation.project_score = score
    evaluation.project_grade = scoring.grade(score) if score is not None else ""


def _rescore(evaluation: DepartmentEvaluation, rows: Sequence[DepartmentIndicatorScore]) -> None:
    """The department score: the engine's total with unit-level indicators, else the project
    part's score."""
    if rows:
        common.score_sheet(
            evaluation, rows, full_budget=evaluation.full_budget, executed=evaluation.executed
        )
        return
    if evaluation.full_budget > 0 and evaluation.executed is not None:
        rate = scoring.execution_rate(evaluation.executed, evaluation.full_budget)
        evaluation.execution_rate = rate
        evaluation.execution_score = scoring.execution_score(rate, evaluation.execution_weight)
    else:
        evaluation.execution_rate = evaluation.execution_score = None
    evaluation.group_scores = {}
    evaluation.total = evaluation.project_score
    evaluation.grade = evaluation.project_grade
    evaluation.flags = []
    evaluation.scored_at = timezone.now()


@transaction.atomic
def start_department_evaluation(fiscal_year: int, actor: AnyUser) -> DepartmentEvaluation:
    """Open (or, while a draft, refresh) the department evaluation of ``fiscal_year``: the
    project part is re-aggregated, the unit-level indicators follow the library (new ones
    added, changed declarations updated with the results kept, retired ones removed), and the
    whole is re-scored. A submitted or finalised one is returned unchanged."""
    unit = common.current_unit()
    common.require_preparer(actor, unit)
    evaluation = (
        DepartmentEvaluation.objects.select_for_update().filter(fiscal_year=fiscal_year).first()
    )
    if evaluation is not None and evaluation.status != EvaluationStatus.DRAFT:
        return evaluation
    template, library = department_library()
    if evaluation is None:
        evaluation = DepartmentEvaluation(fiscal_year=fiscal_year)
    evaluation.template_code = template.code if template else ""
    evaluation.layout = template.layout if template else Layout.POOLED
    evaluation.execution_weight = (
        template.execution_weight if template else scoring.DEFAULT_EXECUTION_WEIGHT
    )
    evaluation.group_weights = (template.group_weights or None) if template else None
    if evaluation.layout == Layout.DEPARTMENT and not evaluation.group_weights:
        evaluation.group_weights = department_weights()
    _aggregate(evaluation)
    common.save(evaluation, actor, "开始部门整体自评")
    existing = {r.code: r for r in _indicators(evaluation)}
    rows: list[DepartmentIndicatorScore] = []
    for index, li in enumerate(library):
        row = existing.pop(li.code, None) or DepartmentIndicatorScore(
            evaluation=evaluation, code=li.code
        )
        for name in DECLARED_FIELDS:
            setattr(row, name, getattr(li, name) if name != "sort_order" else index)
        row.template_code = template.code
        rows.append(row)
    for stale in existing.values():
        set_history_user(stale, actor)
        stale.delete()
    _rescore(evaluation, rows)
    for row in rows:
        common.save(row, actor, "刷新部门整体自评")
    common.save(evaluation, actor, "刷新部门整体自评")
    return evaluation


def preview_department_evaluation(
    evaluation: DepartmentEvaluation,
    *,
    indicators: Sequence[Mapping[str, Any]] = (),
) -> tuple[list[DepartmentIndicatorScore], list[Problem]]:
    """The unit-level indicators scored with typed results, nothing saved (the live total):
    the checks and the engine call of ``record_department_evaluation`` without its writes; an
    indicator with a problem keeps its recorded values. ``evaluation`` is changed in memory."""
    rows = _indicators(evaluation)
    cleaned, problems = common.validate_results(
        indicators, {r.code: r for r in rows}, documents=set()
    )
    common.apply_changes(common.without_refused(cleaned, indicators, problems))
    _rescore(evaluation, rows)
    return rows, problems


@transaction.atomic
def record_department_evaluation(
    evaluation: DepartmentEvaluation,
    actor: AnyUser,
    *,
    indicators: Sequence[Mapping[str, Any]] = (),
    **fields: Any,
) -> DepartmentEvaluation:
    """Record ``summary``, ``improvement_measures`` and the results of unit-level indicators
    (same input rows as a project's) on a draft, then re-score."""
    unit = common.current_unit()
    common.lock(evaluation)
    common.require_status(evaluation, EvaluationStatus.DRAFT, "修改")
    common.require_preparer(actor, unit)
    unknown = set(fields) - {"summary", "improvement_measures"}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(evaluation, name, str(value or "").strip())
    rows = _indicators(evaluation)
    documents = common.cited_documents(indicators)
    cleaned, problems = common.validate_results(
        indicators, {r.code: r for r in rows}, documents=documents
    )
    if problems:
        raise DomainError(*problems)
    before = {r.pk: common.snapshot(r, common.RESULT_FIELDS) for r in rows}
    evidence = common.apply_changes(cleaned)
    _aggregate(evaluation)
    _rescore(evaluation, rows)
    common.save_rows(rows, before, actor, "填报部门整体自评")
    for row in rows:
        if row.pk in evidence:
            row.evidence.set(evidence[row.pk])
    common.save(evaluation, actor, "填报部门整体自评")
    return evaluation


def submission_problems(evaluation: DepartmentEvaluation) -> list[Problem]:
    rows = _indicators(evaluation)
    problems: list[Problem] = []
    if evaluation.evaluated_projects == 0:
        problems.append(
            Problem(
                EvaluationErrorCode.NO_FINALISED_PROJECTS,
                f"{evaluation.fiscal_year} 年度尚无定稿的项目自评，不能提交部门整体自评。",
                "evaluatedProjects",
            )
        )
        return problems
    problems += common.submission_problems(
        rows, executed=evaluation.executed, executed_field="executed"
    )
    return problems


@transaction.atomic
def submit_department_evaluation(
    evaluation: DepartmentEvaluation, actor: AnyUser
) -> DepartmentEvaluation:
    """Submit a draft (the project part re-aggregated first): needs at least one finalised
    project evaluation and every unit-level indicator reported."""
    unit = common.current_unit()
    common.lock(evaluation)
    common.require_status(evaluation, EvaluationStatus.DRAFT, "提交")
    common.require_preparer(actor, unit)
    rows = _indicators(evaluation)
    before = {r.pk: common.snapshot(r, common.RESULT_FIELDS) for r in rows}
    _aggregate(evaluation)
    problems = submission_problems(evaluation)
    if problems:
        raise DomainError(*problems)
    _rescore(evaluation, rows)
    common.save_rows(rows, before, actor, "提交部门整体自评")
    evaluation.status = EvaluationStatus.SUBMITTED
    evaluation.submitted_at = timezone.now()
    evaluation.return_comment = ""
    common.save(evaluation, actor, "提交部门整体自评")
    return evaluation


@transaction.atomic
def return_department_evaluation(
    evaluation: DepartmentEvaluation, actor: AnyUser, comment: str
) -> DepartmentEvaluation:
    unit = common.current_unit()
    common.lock(evaluation)
    common.require_status(evaluation, EvaluationStatus.SUBMITTED, "退回")
    common.require_leader(actor, unit)
    comment = (comment or "").strip()
    if not comment:
        raise DomainError.single(CoreErrorCode.COMMENT_REQUIRED, "退回须填写意见。", "comment")
    evaluation.status = EvaluationStatus.DRAFT
    evaluation.return_comment = comment
    common.save(evaluation, actor, f"退回：{comment}")
    return evaluation


@transaction.atomic
def finalise_department_evaluation(
    evaluation: DepartmentEvaluation, actor: AnyUser
) -> DepartmentEvaluation:
    """Finalise (unit_leader): frozen; ``UnitYearFact.department_*`` written in this
    transaction."""
    unit = common.current_unit()
    common.lock(evaluation)
    common.require_status(evaluation, EvaluationStatus.SUBMITTED, "定稿")
    common.require_leader(actor, unit)
    evaluation.status = EvaluationStatus.FINALISED
    evaluation.finalised_at = timezone.now()
    evaluation.finalised_by = actor if isinstance(actor, User) else None
    common.save(evaluation, actor, "定稿")
    record_unit_year_fact(unit, evaluation.fiscal_year)
    return evaluation

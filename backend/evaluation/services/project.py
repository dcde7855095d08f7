"""The self-evaluation of a project (项目支出绩效自评): an explicit state machine.

::

    (approved goal) --start (unit_finance | unit_leader)--> draft
    draft --record (unit_finance | unit_leader)--> draft        (re-scored on every write)
    draft --submit (unit_finance | unit_leader)--> submitted    (blocking problems refused)
    submitted --return (unit_leader, with a comment)--> draft
    submitted --finalise (unit_leader)--> finalised             (frozen; facts written)

Every function runs on the unit's schema, locks the row it moves, and records the acting user
in the history of the evaluation and of each indicator it changes. Every write raises the
evaluation's ``version`` (its indicator scores are part of the same form), and each takes an
optional ``expected_version``: a stale one is ``STALE`` and nothing is written
(``backend/core/versioning.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from backend.accounts.models import User
from backend.benchmarking.services import record_evaluation_facts
from backend.budgets.models import Expenditure, Project
from backend.budgets.services import clean_money
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.core.versioning import bump, check_version
from backend.evaluation import scoring
from backend.evaluation.errors import EvaluationErrorCode
from backend.evaluation.models import EvaluationStatus, IndicatorScore, SelfEvaluation
from backend.evaluation.services import common
from backend.evaluation.services.common import AnyUser
from backend.feedback.services import EvaluationResult, apply_evaluation_result
from backend.goals.models import GoalStatus, PerformanceGoal
from backend.goals.services.checks import scoring_template

TEXT_FIELDS = ("deviation_analysis", "improvement_measures")
EVALUATION = "项目自评"


def year_spending(project: Project, fiscal_year: int) -> Decimal | None:
    """The money recorded as spent on ``project`` in ``fiscal_year``; ``None`` when nothing
    is recorded (one query)."""
    total = Expenditure.objects.filter(project=project, date__year=fiscal_year).aggregate(
        total=Sum("amount")
    )["total"]
    return total


def _indicators(evaluation: SelfEvaluation) -> list[IndicatorScore]:
    return list(evaluation.indicators.order_by("sort_order", "id"))


def funding_sources(evaluation: SelfEvaluation) -> list[scoring.FundingSource]:
    """The stored funding-source sub-rows (财政拨款 / 其他资金) as the engine takes them."""
    return [
        scoring.FundingSource(
            str(row["name"]), Decimal(str(row["budget"])), Decimal(str(row["executed"]))
        )
        for row in evaluation.funding or []
    ]


def _rescore(evaluation: SelfEvaluation, rows: Sequence[IndicatorScore]) -> None:
    common.score_sheet(
        evaluation,
        rows,
        full_budget=evaluation.full_budget,
        executed=evaluation.executed,
        funding=funding_sources(evaluation),
    )


FUNDING_NAME_LIMIT = 20


def clean_funding(value: Any) -> tuple[list[dict[str, str]], list[Problem]]:
    """Funding-source sub-rows (``name``, ``budget``, ``executed`` in yuan) as stored, or the
    problems with them (``funding[1].budget``); ``None`` or [] removes the split."""
    rows: list[dict[str, str]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, item in enumerate(value or []):
        prefix = f"funding[{index}]"
        name = str(item.get("name") or "").strip()
        if not name or len(name) > FUNDING_NAME_LIMIT:
            problems.append(
                Problem(
                    EvaluationErrorCode.INVALID_FUNDING_NAME,
                    f"资金来源名称须为 1–{FUNDING_NAME_LIMIT} 个字（如“财政拨款”“其他资金”）。",
                    f"{prefix}.name",
                )
            )
            continue
        if name in seen:
            problems.append(
                Problem(
                    EvaluationErrorCode.DUPLICATE_FUNDING,
                    f"资金来源“{name}”填写了两次。",
                    f"{prefix}.name",
                )
            )
            continue
        seen.add(name)
        figures: dict[str, str] = {"name": name}
        for key, label in (("budget", "预算数"), ("executed", "执行数")):
            amount, problem = clean_money(key, item.get(key))
            if problem or amount is None:
                problems.append(
                    Problem(
                        problem.code if problem else CoreErrorCode.REQUIRED,
                        f"资金来源“{name}”的{label}须为不小于 0 的金额（元）。",
                        f"{prefix}.{key}",
                    )
                )
            else:
                figures[key] = str(amount)
        if len(figures) == 3:
            rows.append(figures)
    return rows, problems


@transaction.atomic
def start_self_evaluation(project: Project, fiscal_year: int, actor: AnyUser) -> SelfEvaluation:
    """Open the self-evaluation of ``project`` for ``fiscal_year`` (idempotent: a second call
    returns the existing one). Needs the project's approved goal of that year; every goal
    indicator is copied into an ``IndicatorScore``; the full-year budget is the project's, the
    executed amount defaults to the spending recorded in that year; layout and weights come
    from the goal's template (the default 10/50/30/10 otherwise)."""
    unit = common.current_unit()
    common.require_preparer(actor, unit)
    existing = SelfEvaluation.objects.filter(project=project, fiscal_year=fiscal_year).first()
    if existing is not None:
        return existing
    goal = (
        PerformanceGoal.objects.filter(
            project=project, fiscal_year=fiscal_year, status=GoalStatus.APPROVED
        )
        .order_by("-approved_at")
        .first()
    )
    if goal is None:
        raise DomainError.single(
            EvaluationErrorCode.GOAL_NOT_APPROVED,
            f"项目“{project.name}”没有已批复的 {fiscal_year} 年度绩效目标，不能开展自评。",
            "projectId",
        )
    if project.full_budget <= 0:
        raise DomainError.single(
            EvaluationErrorCode.NO_BUDGET,
            f"项目“{project.name}”全年预算数为零，不能开展自评。",
            "projectId",
        )
    goal_indicators = list(goal.indicators.order_by("sort_order", "id"))
    template = scoring_template(goal_indicators)
    # Serialise concurrent starts of the same project: the second waits, then finds the first.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    existing = SelfEvaluation.objects.filter(project=project, fiscal_year=fiscal_year).first()
    if existing is not None:
        return existing
    evaluation = SelfEvaluation(
        project=project,
        goal=goal,
        fiscal_year=fiscal_year,
        full_budget=project.full_budget,
        executed=year_spending(project, fiscal_year),
        layout=template.layout,
        execution_weight=template.execution_weight,
        group_weights=template.group_weights or None,
        created_by=actor if actor.is_authenticated else None,
    )
    rows = [
        IndicatorScore(
            evaluation=evaluation,
            goal_indicator=gi,
            code=gi.code,
            level1=gi.level1,
            level2=gi.level2,
            name=gi.name,
            value_type=gi.value_type,
            direction=gi.direction,
            unit=gi.unit,
            target_value=gi.target_value,
            target_text=gi.target_text,
            weight=gi.weight,
            scoring_method=gi.scoring_method,
            template_code=gi.template_code,
            sort_order=index,
        )
        for index, gi in enumerate(goal_indicators)
    ]
    _rescore(evaluation, rows)
    common.save(evaluation, actor, "开始自评")
    for row in rows:
        common.save(row, actor, "开始自评")
    return evaluation


def _take(
    evaluation: SelfEvaluation,
    rows: Sequence[IndicatorScore],
    indicators: Sequence[Mapping[str, Any]],
    fields: Mapping[str, Any],
    documents: set[int],
) -> tuple[list[tuple[Any, dict[str, Any]]], list[Problem]]:
    """Check the input of a record (or a preview): set the evaluation's own fields that are
    valid on ``evaluation`` (unsaved) and return the cleaned indicator changes and every
    problem."""
    unknown = set(fields) - {"executed", "funding", *TEXT_FIELDS}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    problems: list[Problem] = []
    if "funding" in fields:
        funding, funding_problems = clean_funding(fields["funding"])
        problems += funding_problems
        if not funding_problems:
            evaluation.funding = funding
    if "executed" in fields:
        if fields["executed"] is None or fields["executed"] == "":
            evaluation.executed = None
        else:
            value, problem = clean_money("executed", fields["executed"])
            if problem:
                problems.append(
                    Problem(
                        problem.code, problem.message.replace("executed", "全年执行数"), "executed"
                    )
                )
            else:
                evaluation.executed = value
    for name in TEXT_FIELDS:
        if name in fields:
            setattr(evaluation, name, str(fields[name] or "").strip())
    cleaned, row_problems = common.validate_results(
        indicators, {r.code: r for r in rows}, documents=documents
    )
    return cleaned, problems + row_problems


@dataclass
class Preview:
    """A score sheet as it would be recorded: ``evaluation`` and ``rows`` carry the typed
    values that are valid and the engine's scores (never saved); ``problems`` are what a
    record would refuse."""

    evaluation: SelfEvaluation
    rows: list[IndicatorScore]
    problems: list[Problem]


def preview_self_evaluation(
    evaluation: SelfEvaluation,
    *,
    indicators: Sequence[Mapping[str, Any]] = (),
    **fields: Any,
) -> Preview:
    """Score the sheet with typed values and save nothing (the live total as one types): the
    same checks and the same engine call as ``record_self_evaluation`` (``common.score_sheet``),
    without its lock, its roles or its writes. An indicator with a problem keeps its recorded
    values (as a refused record would); evidence is not previewed. ``evaluation`` is
    changed in memory: pass one read for this purpose and do not save it."""
    rows = _indicators(evaluation)
    cleaned, problems = _take(evaluation, rows, indicators, fields, documents=set())
    common.apply_changes(common.without_refused(cleaned, indicators, problems))
    _rescore(evaluation, rows)
    return Preview(evaluation, rows, problems)


@transaction.atomic
def record_self_evaluation(
    evaluation: SelfEvaluation,
    actor: AnyUser,
    *,
    indicators: Sequence[Mapping[str, Any]] = (),
    expected_version: int | None = None,
    **fields: Any,
) -> SelfEvaluation:
    """Record results on a draft: ``executed``, ``deviation_analysis``,
    ``improvement_measures`` (only the keys given change) and ``indicators``, each a mapping
    with ``code`` and any of ``actual_value``, ``actual_text``, ``band`` + ``band_score``,
    ``explanation``, ``deviation_cause``, ``deviation_reason``, ``override_score`` (None
    clears it) + ``override_reason``, ``evidence_ids`` (the unit's document ids). Every problem
    is reported at once and nothing is saved when there is one; then the whole evaluation is
    re-scored by the engine and stored. ``expected_version``: the evaluation's version the
    caller read (``STALE`` when it changed since; every write raises it)."""
    unit = common.current_unit()
    common.lock(evaluation)
    check_version(evaluation, expected_version, EVALUATION)
    common.require_status(evaluation, EvaluationStatus.DRAFT, "修改")
    common.require_preparer(actor, unit)
    rows = _indicators(evaluation)
    documents = common.cited_documents(indicators)
    cleaned, problems = _take(evaluation, rows, indicators, fields, documents)
    if problems:
        raise DomainError(*problems)
    before = {r.pk: common.snapshot(r, common.RESULT_FIELDS) for r in rows}
    evidence = common.apply_changes(cleaned)
    _rescore(evaluation, rows)
    common.save_rows(rows, before, actor, "填报自评")
    for row in rows:
        if row.pk in evidence:
            row.evidence.set(evidence[row.pk])
    bump(evaluation)
    common.save(evaluation, actor, "填报自评")
    return evaluation


def submission_problems(evaluation: SelfEvaluation) -> list[Problem]:
    """What blocks the submission of ``evaluation`` as it stands (see ``common``)."""
    return common.submission_problems(
        _indicators(evaluation), executed=evaluation.executed, executed_field="executed"
    )


@transaction.atomic
def submit_self_evaluation(
    evaluation: SelfEvaluation, actor: AnyUser, *, expected_version: int | None = None
) -> SelfEvaluation:
    """Submit a draft to the unit's leader. Blocking problems are all reported and nothing
    changes; the non-blocking flags (target possibly too low, weights mismatch, not credible)
    stay on the sheet for the reviewer. ``expected_version``: the version the caller read."""
    unit = common.current_unit()
    common.lock(evaluation)
    check_version(evaluation, expected_version, EVALUATION)
    common.require_status(evaluation, EvaluationStatus.DRAFT, "提交")
    common.require_preparer(actor, unit)
    problems = submission_problems(evaluation)
    if problems:
        raise DomainError(*problems)
    rows = _indicators(evaluation)
    before = {r.pk: common.snapshot(r, common.RESULT_FIELDS) for r in rows}
    _rescore(evaluation, rows)
    common.save_rows(rows, before, actor, "提交自评")
    evaluation.status = EvaluationStatus.SUBMITTED
    evaluation.submitted_at = timezone.now()
    evaluation.submitted_by = actor if isinstance(actor, User) else None
    evaluation.return_comment = ""
    bump(evaluation)
    common.save(evaluation, actor, "提交自评")
    return evaluation


@transaction.atomic
def return_self_evaluation(
    evaluation: SelfEvaluation,
    actor: AnyUser,
    comment: str,
    *,
    expected_version: int | None = None,
) -> SelfEvaluation:
    """The unit's leader sends a submitted evaluation back to draft, with a comment.
    ``expected_version``: the version the leader read."""
    unit = common.current_unit()
    common.lock(evaluation)
    check_version(evaluation, expected_version, EVALUATION)
    common.require_status(evaluation, EvaluationStatus.SUBMITTED, "退回")
    common.require_leader(actor, unit)
    comment = (comment or "").strip()
    if not comment:
        raise DomainError.single(CoreErrorCode.COMMENT_REQUIRED, "退回须填写意见。", "comment")
    evaluation.status = EvaluationStatus.DRAFT
    evaluation.return_comment = comment
    bump(evaluation)
    common.save(evaluation, actor, f"退回：{comment}")
    return evaluation


@transaction.atomic
def finalise_self_evaluation(
    evaluation: SelfEvaluation, actor: AnyUser, *, expected_version: int | None = None
) -> SelfEvaluation:
    """The unit's leader finalises a submitted evaluation. It is frozen from then on, and the
    public facts (``ProjectFact`` evaluation columns, the template indicators'
    ``IndicatorFact`` results, the unit's ``UnitYearFact``) are written in this transaction.
    ``expected_version``: the version the leader read."""
    unit = common.current_unit()
    common.lock(evaluation)
    check_version(evaluation, expected_version, EVALUATION)
    common.require_status(evaluation, EvaluationStatus.SUBMITTED, "定稿")
    common.require_leader(actor, unit)
    evaluation.status = EvaluationStatus.FINALISED
    evaluation.finalised_at = timezone.now()
    evaluation.finalised_by = actor if isinstance(actor, User) else None
    bump(evaluation)
    common.save(evaluation, actor, "定稿")
    record_evaluation_facts(unit, evaluation)
    # Results application (结果应用), same transaction: next year's budget-linkage suggestion,
    # and for 差 the rectification request.
    apply_evaluation_result(
        EvaluationResult(
            unit=unit,
            fiscal_year=evaluation.fiscal_year,
            evaluation_id=evaluation.pk,
            project_id=evaluation.project_id,
            project_code=evaluation.project.code,
            project_name=evaluation.project.name,
            full_budget=evaluation.full_budget,
            total=evaluation.total or Decimal(0),
            grade=evaluation.grade,
            actor=actor if actor.is_authenticated else None,
        )
    )
    return evaluation

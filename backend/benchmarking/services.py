"""Writes of the public fact tables.

- ``record_goal_facts``: called in the transaction that approves a goal (or applies an approved
  adjustment to it), with the connection on the unit's schema: the project's budget and goal
  grade (``ProjectFact``) and the targets of its standard indicators (``IndicatorFact``, one per
  indicator that came from a provincial template). A goal that is not approved has no facts.
- ``record_execution_fact``: called in the transaction that submits a monitoring entry: the
  unit's execution at the end of that month (``ExecutionFact``, section at the end);
- ``record_evaluation_facts`` / ``record_unit_year_fact``: called in the transaction that
  finalises a self-evaluation / a department evaluation (section "Evaluation facts");
- ``rebuild_facts``: the same rows recomputed from a unit's schema (the ``rebuild_facts``
  command runs it unit by unit), execution facts included. Both build their rows with the same
  functions, so they agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django_tenants.utils import tenant_context

from backend.benchmarking.models import (
    BudgetFact,
    ExecutionFact,
    IndicatorFact,
    ProjectFact,
    UnitYearFact,
)
from tenants.models import Procuratorate

if TYPE_CHECKING:
    from backend.budgets.models import Project
    from backend.evaluation.models import DepartmentEvaluation, IndicatorScore, SelfEvaluation
    from backend.goals.models import GoalIndicator, PerformanceGoal

PROJECT_FACT_FIELDS = (
    "fiscal_year",
    "project_code",
    "project_name",
    "category",
    "kind",
    "initial_budget",
    "full_budget",
    "goal_id",
    "goal_grade",
    "approved_at",
)
INDICATOR_FACT_FIELDS = (
    "fiscal_year",
    "goal_id",
    "template_version",
    "level1",
    "level2",
    "name",
    "value_type",
    "direction",
    "unit_of_measure",
    "target_value",
    "weight",
)


@dataclass(frozen=True)
class RebuildResult:
    projects: int
    indicators: int
    executions: int = 0
    unit_years: int = 0
    budgets: int = 0


def project_fact(
    unit: Procuratorate, goal: PerformanceGoal, project: Project | None = None
) -> ProjectFact:
    """The (unsaved) fact row of an approved goal's project (``goal.project`` unless given)."""
    project = project or goal.project
    assert goal.approved_at is not None, "facts are written for approved goals only"
    return ProjectFact(
        unit=unit,
        fiscal_year=goal.fiscal_year,
        project_id=project.pk,
        project_code=project.code,
        project_name=project.name,
        category=project.category,
        kind=project.kind,
        initial_budget=project.initial_budget,
        full_budget=project.full_budget,
        goal_id=goal.pk,
        goal_grade=goal.grade,
        approved_at=goal.approved_at,
    )


def indicator_facts(
    unit: Procuratorate, goal: PerformanceGoal, indicators: Iterable[GoalIndicator]
) -> list[IndicatorFact]:
    """The (unsaved) fact rows of the goal's standard indicators: those that came from a
    provincial template (``template_code`` set); local and goal-only indicators have no peers
    to compare with."""
    return [
        IndicatorFact(
            unit=unit,
            fiscal_year=goal.fiscal_year,
            project_id=goal.project_id,
            goal_id=goal.pk,
            template_code=indicator.template_code,
            template_version=indicator.template_version,
            indicator_code=indicator.code,
            level1=indicator.level1,
            level2=indicator.level2,
            name=indicator.name,
            value_type=indicator.value_type,
            direction=indicator.direction,
            unit_of_measure=indicator.unit,
            target_value=indicator.target_value,
            weight=indicator.weight,
        )
        for indicator in indicators
        if indicator.template_code
    ]


def _approved(goal: PerformanceGoal) -> bool:
    from backend.goals.models import GoalStatus

    return goal.status == GoalStatus.APPROVED and goal.approved_at is not None


@transaction.atomic
def record_goal_facts(unit: Procuratorate, goal: PerformanceGoal) -> ProjectFact | None:
    """Bring the facts of the goal's project in line with the goal (six queries at most):
    upsert the project row and the standard-indicator rows, delete the rows of indicators the
    goal no longer has. A goal that is not approved removes the facts it had written. Must run
    on the unit's schema, in the transaction of the change it reflects — including a change
    of the project's budget once its goal is approved."""
    if not _approved(goal):
        ProjectFact.objects.filter(unit=unit, project_id=goal.project_id, goal_id=goal.pk).delete()
        IndicatorFact.objects.filter(
            unit=unit, project_id=goal.project_id, goal_id=goal.pk
        ).delete()
        return None
    from backend.budgets.models import Project

    # The project as it is now, not as the caller may have cached it (a budget adjustment).
    row = project_fact(unit, goal, Project.objects.get(pk=goal.project_id))
    fact, _ = ProjectFact.objects.update_or_create(
        unit=unit,
        project_id=row.project_id,
        defaults={name: getattr(row, name) for name in PROJECT_FACT_FIELDS},
    )
    rows = indicator_facts(unit, goal, goal.indicators.order_by("sort_order", "id"))
    stale = IndicatorFact.objects.filter(unit=unit, project_id=goal.project_id)
    if rows:
        keep = Q()
        for r in rows:
            keep |= Q(template_code=r.template_code, indicator_code=r.indicator_code)
        stale = stale.exclude(keep)
    stale.delete()
    if rows:
        IndicatorFact.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["unit", "project_id", "template_code", "indicator_code"],
            update_fields=list(INDICATOR_FACT_FIELDS),
        )
    return fact


def rebuild_facts(unit: Procuratorate) -> RebuildResult:
    """Recompute every fact row of ``unit`` from its schema, in one transaction: the approved
    goals with their projects and indicators (two queries), then the unit's rows replaced
    (two deletes, two inserts), then its execution facts (three queries). Switches to the
    unit's schema and back."""
    from backend.goals.models import GoalIndicator, GoalStatus, PerformanceGoal

    with tenant_context(unit), transaction.atomic():
        goals = list(
            PerformanceGoal.objects.filter(status=GoalStatus.APPROVED, approved_at__isnull=False)
            .select_related("project")
            .order_by("id")
        )
        by_goal: dict[int, list[GoalIndicator]] = {}
        template_indicators = GoalIndicator.objects.filter(goal__in=[g.pk for g in goals]).exclude(
            template_code=""
        )
        for indicator in template_indicators.order_by("goal_id", "sort_order", "id"):
            by_goal.setdefault(indicator.goal_id, []).append(indicator)
        projects = [project_fact(unit, goal) for goal in goals]
        indicators = [
            row for goal in goals for row in indicator_facts(unit, goal, by_goal.get(goal.pk, []))
        ]
        ProjectFact.objects.filter(unit=unit).delete()
        IndicatorFact.objects.filter(unit=unit).delete()
        ProjectFact.objects.bulk_create(projects)
        IndicatorFact.objects.bulk_create(indicators)
        executions = rebuild_execution_facts(unit)
        unit_years = rebuild_evaluation_facts(unit)
        budgets = rebuild_budget_facts(unit)
        restore_public_results(unit)
    return RebuildResult(
        projects=len(projects),
        indicators=len(indicators),
        executions=executions,
        unit_years=unit_years,
        budgets=budgets,
    )


# ================================================================================================
# Budget facts (issue 16): every project of a unit's year, whatever its goal's status.
# ================================================================================================


def _budget_rows(unit: Procuratorate, fiscal_year: int | None = None) -> list[BudgetFact]:
    """The (unsaved) budget facts of ``unit`` from its schema, one per year (one query)."""
    from backend.budgets.models import Project

    qs = (
        Project.objects.all()
        if fiscal_year is None
        else Project.objects.filter(fiscal_year=fiscal_year)
    )
    rows = (
        qs.order_by()
        .values("fiscal_year")
        .annotate(n=Count("id"), initial=Sum("initial_budget"), full=Sum("full_budget"))
        .order_by("fiscal_year")
    )
    return [
        BudgetFact(
            unit=unit,
            fiscal_year=row["fiscal_year"],
            projects=row["n"],
            initial_budget=row["initial"] or Decimal(0),
            full_budget=row["full"] or Decimal(0),
        )
        for row in rows
    ]


@transaction.atomic
def record_budget_fact(unit: Procuratorate, fiscal_year: int) -> BudgetFact | None:
    """Bring the unit's budget fact of ``fiscal_year`` in line with its projects (two
    queries); deleted when the year has none. Runs on the unit's schema, in the transaction
    of the project change. Changes of one unit's year are serialised (an advisory lock for
    the rest of the transaction), so the count, taken after the lock, sees every committed
    project: two projects created at once both count."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"budget-fact:{unit.pk}:{fiscal_year}"]
        )
    rows = _budget_rows(unit, fiscal_year)
    if not rows:
        BudgetFact.objects.filter(unit=unit, fiscal_year=fiscal_year).delete()
        return None
    (row,) = rows
    fact, _ = BudgetFact.objects.update_or_create(
        unit=unit,
        fiscal_year=fiscal_year,
        defaults={
            "projects": row.projects,
            "initial_budget": row.initial_budget,
            "full_budget": row.full_budget,
        },
    )
    return fact


def rebuild_budget_facts(unit: Procuratorate) -> int:
    """Replace the unit's budget facts from its schema; how many years it has."""
    rows = _budget_rows(unit)
    BudgetFact.objects.filter(unit=unit).delete()
    BudgetFact.objects.bulk_create(rows)
    return len(rows)


# ================================================================================================
# Execution facts (issue 5): a unit's budget execution at the end of each month, from its
# submitted monitoring entries, so the province sees every unit's execution curve at once.
# ================================================================================================


def execution_fact_rows(
    unit: Procuratorate, *, fiscal_year: int | None = None, month: int | None = None
) -> list[ExecutionFact]:
    """The (unsaved) execution facts of ``unit`` (of one year and month when given), computed
    in the unit's schema from its submitted monitoring entries: per (year, month) the number
    of projects, their full-year budgets and spending to date summed, the execution rate of
    the sums, the time progress and the budget-weighted forecast. One query."""
    from backend.monitoring import rules
    from backend.monitoring.models import EntryStatus, MonitoringEntry

    qs = MonitoringEntry.objects.filter(status=EntryStatus.SUBMITTED)
    if fiscal_year is not None:
        qs = qs.filter(project__fiscal_year=fiscal_year)
    if month is not None:
        qs = qs.filter(month=month)
    rows = (
        qs.order_by()
        .values("project__fiscal_year", "month")
        .annotate(
            projects=Count("id"),
            budget=Sum("full_budget"),
            spent=Sum("spent_to_date"),
            forecast_weighted=Sum(F("forecast_rate") * F("full_budget")),
            forecast_budget=Sum("full_budget", filter=Q(forecast_rate__isnull=False)),
        )
        .order_by("project__fiscal_year", "month")
    )
    return [
        ExecutionFact(
            unit=unit,
            fiscal_year=row["project__fiscal_year"],
            month=row["month"],
            projects=row["projects"],
            full_budget=row["budget"],
            spent=row["spent"],
            execution_rate=rules.execution_rate(row["spent"], row["budget"]),
            time_progress=rules.time_progress(row["month"]),
            forecast_rate=_weighted_forecast(row["forecast_weighted"], row["forecast_budget"]),
        )
        for row in rows
    ]


def _weighted_forecast(weighted: Decimal | None, budget: Decimal | None) -> Decimal | None:
    """Σ(forecast × budget) ÷ Σ budget over the entries that have a forecast (2 places)."""
    from backend.monitoring import rules

    if not budget or weighted is None:
        return None
    return rules.quantize(Decimal(weighted) / budget)


EXECUTION_FACT_FIELDS = (
    "projects",
    "full_budget",
    "spent",
    "execution_rate",
    "time_progress",
    "forecast_rate",
)


@transaction.atomic
def record_execution_fact(
    unit: Procuratorate, fiscal_year: int, month: int
) -> ExecutionFact | None:
    """Bring the unit's execution fact of (``fiscal_year``, ``month``) in line with its
    submitted entries (two queries): upserted, or deleted when no entry is submitted. Must run
    on the unit's schema, in the transaction that submits an entry."""
    rows = execution_fact_rows(unit, fiscal_year=fiscal_year, month=month)
    if not rows:
        ExecutionFact.objects.filter(unit=unit, fiscal_year=fiscal_year, month=month).delete()
        return None
    row = rows[0]
    fact, _ = ExecutionFact.objects.update_or_create(
        unit=unit,
        fiscal_year=fiscal_year,
        month=month,
        defaults={name: getattr(row, name) for name in EXECUTION_FACT_FIELDS},
    )
    return fact


def rebuild_execution_facts(unit: Procuratorate) -> int:
    """Replace the unit's execution facts by those recomputed from its schema (the connection
    must be on it; ``rebuild_facts`` calls this in its transaction). Three queries."""
    rows = execution_fact_rows(unit)
    ExecutionFact.objects.filter(unit=unit).delete()
    ExecutionFact.objects.bulk_create(rows)
    return len(rows)


# ================================================================================================
# Evaluation facts (issue 6): the results of finalised self-evaluations on ProjectFact and
# IndicatorFact, and each unit's year (UnitYearFact): its finalised projects rolled up,
# budget-weighted, and its department-wide evaluation. ``record_evaluation_facts`` runs in the
# transaction that finalises an evaluation, ``record_unit_year_fact`` in the one that
# finalises a department evaluation; ``rebuild_facts`` builds the same rows with the same
# functions.
# ================================================================================================

EVALUATION_PROJECT_FIELDS = (
    "executed",
    "execution_rate",
    "self_score",
    "self_grade",
    "evaluation_flags",
    "evaluation_findings",
    "finalised_at",
)
EVALUATION_INDICATOR_FIELDS = (
    "actual_value",
    "band",
    "achievement",
    "score",
    "met",
    "deviation_cause",
)
UNIT_YEAR_FIELDS = (
    "evaluated_projects",
    "evaluated_budget",
    "evaluated_executed",
    "project_score",
    "project_grade",
    "department_score",
    "department_grade",
    "department_finalised_at",
)


def evaluation_project_values(evaluation: SelfEvaluation) -> dict[str, Any]:
    """The ``ProjectFact`` evaluation columns of a finalised self-evaluation (the sheet's flag
    codes, each once, in order; the number of its consistency findings)."""
    from backend.evaluation.selectors import findings

    codes = list(dict.fromkeys(f["code"] for f in evaluation.flags or []))
    return {
        "executed": evaluation.executed,
        "execution_rate": evaluation.execution_rate,
        "self_score": evaluation.total,
        "self_grade": evaluation.grade,
        "evaluation_flags": codes,
        "evaluation_findings": len(findings(evaluation)),
        "finalised_at": evaluation.finalised_at,
    }


def evaluation_indicator_values(row: IndicatorScore) -> dict[str, Any]:
    """The ``IndicatorFact`` result columns of one scored indicator (``achievement`` and
    ``met`` by ``scoring.achievement`` / ``scoring.is_met``)."""
    from backend.evaluation import scoring
    from backend.evaluation.services.common import indicator_input

    ind = indicator_input(row)
    return {
        "actual_value": row.actual_value,
        "band": row.band,
        "achievement": scoring.achievement(ind),
        "score": row.final_score,
        "met": scoring.is_met(ind),
        "deviation_cause": row.deviation_cause,
    }


def unit_year_fact(
    unit: Procuratorate,
    fiscal_year: int,
    evaluations: Sequence[SelfEvaluation],
    department: DepartmentEvaluation | None,
) -> UnitYearFact:
    """The (unsaved) year of ``unit`` from its finalised self-evaluations of the year and its
    finalised department evaluation (or ``None``): counts, budget and executed summed, the
    budget-weighted average score (Σ total × full budget ÷ Σ full budget, half-up) and its
    grade, the department score and grade."""
    from backend.evaluation import scoring

    score = scoring.budget_weighted_score(
        [(e.total, e.full_budget) for e in evaluations if e.total is not None]
    )
    return UnitYearFact(
        unit=unit,
        fiscal_year=fiscal_year,
        evaluated_projects=len(evaluations),
        evaluated_budget=sum((e.full_budget for e in evaluations), Decimal("0.00")),
        evaluated_executed=sum((e.executed or Decimal(0) for e in evaluations), Decimal("0.00")),
        project_score=score,
        project_grade=scoring.grade(score) if score is not None else "",
        department_score=department.total if department else None,
        department_grade=department.grade if department else "",
        department_finalised_at=department.finalised_at if department else None,
    )


def _finalised(fiscal_year: int | None = None) -> Any:
    from backend.evaluation.models import EvaluationStatus, SelfEvaluation

    qs = SelfEvaluation.objects.filter(status=EvaluationStatus.FINALISED)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.order_by("fiscal_year", "project_id")


def _department(fiscal_year: int) -> DepartmentEvaluation | None:
    from backend.evaluation.models import DepartmentEvaluation, EvaluationStatus

    return DepartmentEvaluation.objects.filter(
        fiscal_year=fiscal_year, status=EvaluationStatus.FINALISED
    ).first()


@transaction.atomic
def record_unit_year_fact(unit: Procuratorate, fiscal_year: int) -> UnitYearFact | None:
    """Bring the unit's year fact in line with its finalised evaluations of ``fiscal_year``
    (three queries); deleted when there is none. Runs on the unit's schema."""
    evaluations = list(_finalised(fiscal_year))
    department = _department(fiscal_year)
    if not evaluations and department is None:
        UnitYearFact.objects.filter(unit=unit, fiscal_year=fiscal_year).delete()
        return None
    row = unit_year_fact(unit, fiscal_year, evaluations, department)
    fact, _ = UnitYearFact.objects.update_or_create(
        unit=unit,
        fiscal_year=fiscal_year,
        defaults={name: getattr(row, name) for name in UNIT_YEAR_FIELDS},
    )
    return fact


@transaction.atomic
def record_evaluation_facts(unit: Procuratorate, evaluation: SelfEvaluation) -> ProjectFact:
    """Write a finalised self-evaluation into the facts: its project's evaluation columns, the
    results of its template indicators, and the unit's year. Runs on the unit's schema in the
    transaction that finalises the evaluation."""
    from backend.goals.models import PerformanceGoal

    fact = ProjectFact.objects.filter(unit=unit, project_id=evaluation.project_id).first()
    if fact is None or fact.goal_id != evaluation.goal_id:
        fact = record_goal_facts(unit, PerformanceGoal.objects.get(pk=evaluation.goal_id))
    assert fact is not None, "a self-evaluation's goal is approved"
    ProjectFact.objects.filter(pk=fact.pk).update(**evaluation_project_values(evaluation))
    _apply_indicator_results(unit, evaluation, list(evaluation.indicators.all()))
    record_unit_year_fact(unit, evaluation.fiscal_year)
    fact.refresh_from_db()
    return fact


def _apply_indicator_results(
    unit: Procuratorate, evaluation: SelfEvaluation, rows: Sequence[IndicatorScore]
) -> int:
    """Set the results of the evaluation's template indicators on their fact rows."""
    if not any(r.template_code for r in rows):
        return 0
    facts = list(IndicatorFact.objects.filter(unit=unit, project_id=evaluation.project_id))
    changed = _with_indicator_results(facts, rows)
    IndicatorFact.objects.bulk_update(changed, list(EVALUATION_INDICATOR_FIELDS))
    return len(changed)


def _with_indicator_results(
    facts: Iterable[IndicatorFact], rows: Iterable[IndicatorScore]
) -> list[IndicatorFact]:
    """The facts (of one project) that a template indicator's result lands on, set (no query)."""
    by_key = {(r.template_code, r.code): r for r in rows if r.template_code}
    changed = []
    for fact in facts:
        row = by_key.get((fact.template_code, fact.indicator_code))
        if row is None:
            continue
        for name, value in evaluation_indicator_values(row).items():
            setattr(fact, name, value)
        changed.append(fact)
    return changed


def restore_public_results(unit: Procuratorate) -> None:
    """Put back on the rebuilt ``ProjectFact`` rows what lives in public tables, not in the
    unit's schema: the key evaluation's score and grade, and the budget linkage's suggestion
    and decision (three reads, one bulk update)."""
    from backend.feedback.models import BudgetLinkage
    from backend.key_evaluation.selectors import key_results

    keyed = key_results(unit)
    linked = {
        project_id: (suggested, decided)
        for project_id, suggested, decided in BudgetLinkage.objects.filter(
            unit=unit, project_id__isnull=False
        ).values_list("project_id", "suggested_action", "decided_action")
    }
    facts = list(ProjectFact.objects.filter(unit=unit, project_id__in={*keyed, *linked}))
    for fact in facts:
        if fact.project_id in keyed:
            fact.key_score, fact.key_grade = keyed[fact.project_id]
        if fact.project_id in linked:
            fact.linkage_suggestion, fact.linkage_decision = linked[fact.project_id]
    ProjectFact.objects.bulk_update(
        facts, ["key_score", "key_grade", "linkage_suggestion", "linkage_decision"]
    )


def rebuild_evaluation_facts(unit: Procuratorate) -> int:
    """Apply every finalised self-evaluation to the freshly rebuilt project and indicator
    facts and replace the unit's year facts (the connection must be on the unit's schema;
    ``rebuild_facts`` calls this in its transaction). Returns the number of year facts."""
    from backend.evaluation.models import DepartmentEvaluation, EvaluationStatus

    evaluations = list(_finalised().prefetch_related("indicators"))
    projects = {f.project_id: f for f in ProjectFact.objects.filter(unit=unit)}
    indicators: dict[int, list[IndicatorFact]] = {}
    for fact in IndicatorFact.objects.filter(unit=unit):
        indicators.setdefault(fact.project_id, []).append(fact)
    changed_projects: list[ProjectFact] = []
    changed_indicators: list[IndicatorFact] = []
    for evaluation in evaluations:
        project = projects.get(evaluation.project_id)
        if project is not None:
            for name, value in evaluation_project_values(evaluation).items():
                setattr(project, name, value)
            changed_projects.append(project)
        changed_indicators += _with_indicator_results(
            indicators.get(evaluation.project_id, []), evaluation.indicators.all()
        )
    ProjectFact.objects.bulk_update(changed_projects, list(EVALUATION_PROJECT_FIELDS))
    IndicatorFact.objects.bulk_update(changed_indicators, list(EVALUATION_INDICATOR_FIELDS))
    departments = {
        d.fiscal_year: d
        for d in DepartmentEvaluation.objects.filter(status=EvaluationStatus.FINALISED)
    }
    by_year: dict[int, list[SelfEvaluation]] = {}
    for evaluation in evaluations:
        by_year.setdefault(evaluation.fiscal_year, []).append(evaluation)
    years = sorted(set(by_year) | set(departments))
    rows = [unit_year_fact(unit, y, by_year.get(y, []), departments.get(y)) for y in years]
    UnitYearFact.objects.filter(unit=unit).delete()
    UnitYearFact.objects.bulk_create(rows)
    return len(rows)

"""Writes of the public fact tables.

- ``record_goal_facts``: called in the transaction that approves a goal (or applies an approved
  adjustment to it), with the connection on the unit's schema: the project's budget and goal
  grade (``ProjectFact``) and the targets of its standard indicators (``IndicatorFact``, one per
  indicator that came from a provincial template). A goal that is not approved has no facts.
- ``record_execution_fact``: called in the transaction that submits a monitoring entry: the
  unit's execution at the end of that month (``ExecutionFact``, section at the end);
- ``rebuild_facts``: the same rows recomputed from a unit's schema (the ``rebuild_facts``
  command runs it unit by unit), execution facts included. Both build their rows with the same
  functions, so they agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django_tenants.utils import tenant_context

from backend.benchmarking.models import ExecutionFact, IndicatorFact, ProjectFact
from tenants.models import Procuratorate

if TYPE_CHECKING:
    from backend.budgets.models import Project
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


def project_fact(
    unit: Procuratorate, goal: PerformanceGoal, project: Project | None = None
) -> ProjectFact:
    """The (unsaved) fact row of an approved goal's project (``goal.project`` unless given)."""
    project = project or goal.project
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
    return RebuildResult(projects=len(projects), indicators=len(indicators), executions=executions)


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

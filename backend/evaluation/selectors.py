"""Reads of evaluations: a unit's own (on its schema) and the results across the units in a
user's reach (public fact tables only, never the units' schemas)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Max, OuterRef, Prefetch, QuerySet

from backend.accounts.models import User
from backend.benchmarking.models import ProjectFact, UnitYearFact
from backend.budgets.models import Project
from backend.core.errors import DomainError
from backend.evaluation import consistency, scoring
from backend.evaluation.models import (
    Band,
    DepartmentEvaluation,
    DepartmentIndicatorScore,
    IndicatorScore,
    SelfEvaluation,
)
from backend.goals.history import histories
from backend.goals.models import GoalStatus, PerformanceGoal
from backend.oversight.selectors import reach_condition, under_city


def self_evaluations(
    *, fiscal_year: int | None = None, status: str | None = None
) -> QuerySet[SelfEvaluation]:
    """The unit's self-evaluations with their project and indicators (evidence included):
    a constant number of queries whatever the rows."""
    indicators = IndicatorScore.objects.order_by("sort_order", "id").prefetch_related("evidence")
    qs = SelfEvaluation.objects.select_related("project").prefetch_related(
        Prefetch("indicators", queryset=indicators)
    )
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-fiscal_year", "project__code")


def department_evaluation(fiscal_year: int) -> DepartmentEvaluation | None:
    indicators = DepartmentIndicatorScore.objects.order_by("sort_order", "id")
    return (
        DepartmentEvaluation.objects.prefetch_related(Prefetch("indicators", queryset=indicators))
        .filter(fiscal_year=fiscal_year)
        .first()
    )


def evaluation_history(evaluation: SelfEvaluation | DepartmentEvaluation) -> list[dict[str, Any]]:
    """Every recorded change of the evaluation and its indicators, oldest first (two
    queries): who, when, which fields from what to what."""
    return evaluations_history(type(evaluation), [evaluation.pk])[evaluation.pk]


def evaluations_history(
    kind: type[SelfEvaluation] | type[DepartmentEvaluation], evaluation_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """``evaluation_history`` of each evaluation of ``kind`` in ``evaluation_ids``, in two
    queries for them all."""
    model = IndicatorScore if kind is SelfEvaluation else DepartmentIndicatorScore
    return histories(
        evaluation_ids,
        [
            (kind.history.filter(id__in=evaluation_ids), "id", lambda r: "evaluation"),
            (
                model.history.filter(evaluation_id__in=evaluation_ids),
                "evaluation_id",
                lambda r: f"indicator {r.code}",
            ),
        ],
    )


def evaluation_results_under(
    user: User | AnonymousUser,
    *,
    fiscal_year: int | None = None,
    city: str | None = None,
    grade: str | None = None,
) -> QuerySet[ProjectFact]:
    """Finalised project results of every unit in the user's reach (public facts only)."""
    reach = reach_condition(user)
    if reach is None:
        return ProjectFact.objects.none()
    qs = ProjectFact.objects.filter(reach, finalised_at__isnull=False).select_related("unit")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if city:
        qs = qs.filter(under_city(city))
    if grade:
        qs = qs.filter(self_grade=grade)
    return qs.order_by("unit__path", "fiscal_year", "project_code")


def unit_results_under(
    user: User | AnonymousUser,
    *,
    fiscal_year: int | None = None,
    city: str | None = None,
) -> QuerySet[UnitYearFact]:
    """Each unit's year (projects rolled up, department evaluation) in the user's reach."""
    reach = reach_condition(user)
    if reach is None:
        return UnitYearFact.objects.none()
    qs = UnitYearFact.objects.filter(reach).select_related("unit")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if city:
        qs = qs.filter(under_city(city))
    return qs.order_by("unit__path", "fiscal_year")


# --- the workspace's evaluation pages --------------------------------------------------------


def evaluation_list(*, fiscal_year: int) -> QuerySet[SelfEvaluation]:
    """The unit's self-evaluations of a year with their projects, without the indicators (one
    query a page)."""
    return (
        SelfEvaluation.objects.filter(fiscal_year=fiscal_year)
        .select_related("project")
        .order_by("project__code", "id")
    )


def projects_to_evaluate(*, fiscal_year: int) -> QuerySet[Project]:
    """The unit's projects of a year with an approved goal of that year and no self-evaluation
    yet: what can be started (one query a page)."""
    approved = PerformanceGoal.objects.filter(
        project=OuterRef("pk"), fiscal_year=fiscal_year, status=GoalStatus.APPROVED
    )
    started = SelfEvaluation.objects.filter(project=OuterRef("pk"), fiscal_year=fiscal_year)
    return (
        Project.objects.filter(fiscal_year=fiscal_year)
        .filter(Exists(approved))
        .exclude(Exists(started))
        .order_by("code", "id")
    )


def self_evaluation(pk: int) -> SelfEvaluation | None:
    """One self-evaluation with its project and its indicators (evidence included): three
    queries."""
    return self_evaluations().filter(pk=pk).first()


def status_history(evaluation: SelfEvaluation | DepartmentEvaluation) -> list[Any]:
    """The evaluation's own history records, newest first, with their users (one query): each
    carries the action as its change reason (开始自评, 填报自评, 提交自评, 退回：…, 定稿)."""
    return list(evaluation.history.select_related("history_user").order_by("-history_date"))


def latest_year() -> int | None:
    """The latest fiscal year with a self-evaluation of the unit (one query)."""
    return SelfEvaluation.objects.aggregate(year=Max("fiscal_year"))["year"]


def poor_projects(fiscal_year: int) -> list[SelfEvaluation]:
    """The finalised self-evaluations of ``fiscal_year`` graded 差, lowest total first: the
    projects behind a department score (one query)."""
    return list(
        SelfEvaluation.objects.filter(fiscal_year=fiscal_year, status="finalised", grade="差")
        .select_related("project")
        .order_by("total", "project__code")
    )


def findings(evaluation: SelfEvaluation | DepartmentEvaluation) -> list[consistency.Finding]:
    """The consistency findings of a stored sheet (``backend.evaluation.consistency``): what
    people's overrides and the recorded figures make contradictory (full marks to a missed
    target, 0 to a 达成, a funding source's rate ...). Uses the prefetched indicators when
    there are (no query then)."""
    from backend.evaluation.services.common import indicator_input

    lines = []
    for row in evaluation.indicators.all():
        try:
            met = scoring.is_met(indicator_input(row))
        except DomainError:
            met = None
        lines.append(
            consistency.Line(
                row.code,
                row.weight,
                row.final_score,
                met=met,
                achieved=row.band == Band.ACHIEVED,
                name=row.name,
            )
        )
    funding: list[consistency.Funding] = []
    if isinstance(evaluation, SelfEvaluation):
        for source in evaluation.funding or []:
            budget, spent = Decimal(str(source["budget"])), Decimal(str(source["executed"]))
            rate = scoring.execution_rate(spent, budget) if budget > 0 else None
            funding.append(consistency.Funding(str(source["name"]), budget, spent, rate))
    return consistency.find(
        consistency.Sheet(
            lines=lines,
            total=evaluation.total,
            grade=evaluation.grade,
            full_budget=evaluation.full_budget,
            executed=evaluation.executed,
            execution_rate=evaluation.execution_rate,
            # a department sheet without unit-level indicators is the projects' weighted score,
            # not execution + lines: no sum to check then
            execution_score=evaluation.execution_score if lines else None,
            execution_weight=evaluation.execution_weight,
            funding=funding,
        )
    )

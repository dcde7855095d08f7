"""Reads of evaluations: a unit's own (on its schema) and the results across the units in a
user's reach (public fact tables only, never the units' schemas)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from backend.accounts.models import User
from backend.benchmarking.models import ProjectFact, UnitYearFact
from backend.evaluation.models import (
    DepartmentEvaluation,
    DepartmentIndicatorScore,
    IndicatorScore,
    SelfEvaluation,
)
from backend.goals.history import _entries
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
    model = IndicatorScore if isinstance(evaluation, SelfEvaluation) else DepartmentIndicatorScore
    records = _entries(
        list(evaluation.history.select_related("history_user")), lambda r: "evaluation"
    )
    records += _entries(
        list(model.history.filter(evaluation_id=evaluation.pk).select_related("history_user")),
        lambda r: f"indicator {r.code}",
    )
    return sorted(records, key=lambda e: e["at"])


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

"""The public fact tables as read by the API and the pages: a unit's project and indicator facts,
execution facts across the units in a user's reach."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    QuerySet,
)

from backend.accounts.models import User
from backend.benchmarking.models import ExecutionFact, IndicatorFact, ProjectFact
from backend.oversight.selectors import reach_condition, under_city
from tenants.models import Procuratorate


def project_facts(
    *,
    unit: Procuratorate | None = None,
    fiscal_year: int | None = None,
    kind: str | None = None,
) -> QuerySet[ProjectFact]:
    qs = ProjectFact.objects.select_related("unit")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.order_by("unit__path", "fiscal_year", "project_code")


def indicator_facts(
    *,
    unit: Procuratorate | None = None,
    fiscal_year: int | None = None,
    template_code: str | None = None,
    indicator_code: str | None = None,
) -> QuerySet[IndicatorFact]:
    qs = IndicatorFact.objects.select_related("unit")
    if unit is not None:
        qs = qs.filter(unit=unit)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if template_code is not None:
        qs = qs.filter(template_code=template_code)
    if indicator_code is not None:
        qs = qs.filter(indicator_code=indicator_code)
    return qs.order_by("unit__path", "fiscal_year", "project_id", "template_code", "indicator_code")


def facts_of(unit: Procuratorate) -> dict[str, list[dict[str, object]]]:
    """Every fact row of ``unit`` as plain values without ids, in a stable order: what the
    incremental writes and a rebuild are compared on."""
    projects = ProjectFact.objects.filter(unit=unit).order_by("project_id")
    indicators = IndicatorFact.objects.filter(unit=unit).order_by(
        "project_id", "template_code", "indicator_code"
    )
    return {
        "projects": [{k: v for k, v in row.items() if k != "id"} for row in projects.values()],
        "indicators": [{k: v for k, v in row.items() if k != "id"} for row in indicators.values()],
    }


# ================================================================================================
# Execution facts (issue 5)
# ================================================================================================


def execution_facts_under(
    user: User | AnonymousUser,
    *,
    fiscal_year: int | None = None,
    city: str | None = None,
    month: int | None = None,
    unit: Procuratorate | None = None,
) -> QuerySet[ExecutionFact]:
    """The execution facts of every unit a console reader reads (``reach_condition``: the
    province all its units, a city reviewer the city and its counties), filtered by
    year, city (a city's code: that city and the units below it), month and unit. Two queries
    to evaluate; the units' schemas are never opened."""
    reach = reach_condition(user)
    if reach is None:
        return ExecutionFact.objects.none()
    qs = ExecutionFact.objects.filter(reach).select_related("unit")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if city:
        qs = qs.filter(under_city(city))
    if month is not None:
        qs = qs.filter(month=month)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.order_by("unit__path", "fiscal_year", "month")


def execution_facts_of(unit: Procuratorate) -> list[dict[str, object]]:
    """The unit's execution facts as plain values without ids or timestamps, in a stable
    order: what the incremental writes and a rebuild are compared on."""
    rows = ExecutionFact.objects.filter(unit=unit).order_by("fiscal_year", "month")
    return [
        {k: v for k, v in row.items() if k not in ("id", "updated_at")} for row in rows.values()
    ]

"""Reads of the public fact tables (the rankings come with the benchmarking issue)."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.benchmarking.models import IndicatorFact, ProjectFact
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

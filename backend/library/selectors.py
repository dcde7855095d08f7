"""Reads of a unit's indicator library, in the CURRENT schema (the unit's). Querysets are
lazy: evaluate them inside the unit's schema (design.md §7, "Lazy querysets")."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Prefetch, Q, QuerySet

from backend.indicators.models import Scope
from backend.library.models import (
    AdoptedTemplate,
    ConflictStatus,
    LibraryIndicator,
    MergeConflict,
    Source,
)


def adopted_templates() -> QuerySet[AdoptedTemplate]:
    """The templates this unit runs on, with their template and version."""
    return AdoptedTemplate.objects.select_related("template", "version").order_by("template__code")


def open_conflicts() -> QuerySet[MergeConflict]:
    """Merge conflicts waiting for the unit's decision, with their indicator and version."""
    return (
        MergeConflict.objects.filter(status=ConflictStatus.OPEN)
        .select_related("indicator", "version")
        .order_by("indicator__template_id", "indicator__sort_order", "indicator_id", "field")
    )


def library_indicators(
    *, include_retired: bool = False, source: str | None = None
) -> QuerySet[LibraryIndicator]:
    """The unit's indicators (template copies and local ones), each with its open conflicts
    prefetched as ``open_conflicts`` (a list): two queries whatever the number of rows."""
    qs = LibraryIndicator.objects.prefetch_related(
        Prefetch(
            "conflicts",
            queryset=MergeConflict.objects.filter(status=ConflictStatus.OPEN).order_by("field"),
            to_attr="open_conflicts",
        )
    )
    if not include_retired:
        qs = qs.filter(retired_at__isnull=True)
    if source:
        qs = qs.filter(source=source)
    return qs


def goal_picker(
    *,
    search: str = "",
    level1: str = "",
    level2: str = "",
    exclude_codes: Iterable[str] = (),
) -> QuerySet[LibraryIndicator]:
    """What a project goal may take from the library: the current indicators of the adopted
    project templates and the unit's own, with their template, matching ``search`` (name,
    code or guidance) and the levels, leaving out ``exclude_codes`` (those the goal has).
    Template by template in their order, the unit's own last. One query."""
    qs = (
        LibraryIndicator.objects.filter(retired_at__isnull=True)
        .filter(Q(source=Source.LOCAL) | Q(template__scope=Scope.PROJECT))
        .select_related("template")
        .order_by(F("template__code").asc(nulls_last=True), "sort_order", "id")
    )
    search = search.strip()
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(code__icontains=search) | Q(guidance__icontains=search)
        )
    if level1:
        qs = qs.filter(level1=level1)
    if level2:
        qs = qs.filter(level2=level2)
    codes = list(exclude_codes)
    if codes:
        qs = qs.exclude(code__in=codes)
    return qs

"""Reads of a unit's indicator library, in the CURRENT schema (the unit's). Querysets are
lazy: evaluate them inside the unit's schema (design.md §7, "Lazy querysets")."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from backend.library.models import AdoptedTemplate, ConflictStatus, LibraryIndicator, MergeConflict


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

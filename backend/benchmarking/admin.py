"""The public fact tables in the admin, read-only: they are written by the goal workflow (in
the transaction of the change they reflect) and by ``manage.py rebuild_facts``, never by hand."""

from __future__ import annotations

from django.contrib import admin

from backend.benchmarking.models import IndicatorFact, ProjectFact
from backend.indicators.admin import ReadOnlyMixin


@admin.register(ProjectFact)
class ProjectFactAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "unit",
        "fiscal_year",
        "project_code",
        "project_name",
        "kind",
        "full_budget",
        "goal_grade",
        "approved_at",
    )
    list_filter = ("fiscal_year", "category", "kind", "goal_grade")
    list_select_related = ("unit",)
    search_fields = ("unit__code", "unit__name", "project_code", "project_name")


@admin.register(IndicatorFact)
class IndicatorFactAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "unit",
        "fiscal_year",
        "template_code",
        "indicator_code",
        "name",
        "target_value",
        "weight",
    )
    list_filter = ("fiscal_year", "template_code", "level1")
    list_select_related = ("unit",)
    search_fields = ("unit__code", "template_code", "indicator_code", "name")

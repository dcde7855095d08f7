"""Key evaluations in the admin, read-only: the services own every write."""

from __future__ import annotations

from django.contrib import admin

from backend.indicators.admin import ReadOnlyMixin
from backend.key_evaluation.models import EvaluatorAssignment, KeyEvaluation, SamplingDraw


class AssignmentInline(ReadOnlyMixin, admin.TabularInline):
    model = EvaluatorAssignment
    extra = 0
    fields = ("evaluator", "status", "total", "grade", "submitted_at")


@admin.register(KeyEvaluation)
class KeyEvaluationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "unit",
        "project_code",
        "fiscal_year",
        "kind",
        "issuer",
        "status",
        "self_score",
        "key_score",
        "gap",
        "overrated",
    )
    list_filter = ("fiscal_year", "kind", "status", "overrated")
    list_select_related = ("unit", "issuer")
    search_fields = ("project_code", "project_name", "unit__code")
    inlines = [AssignmentInline]


@admin.register(SamplingDraw)
class SamplingDrawAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("issuer", "fiscal_year", "share", "seed", "population_size", "sample_size")
    list_select_related = ("issuer",)

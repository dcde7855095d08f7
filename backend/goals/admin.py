"""Admin of a unit's performance goals (read-only, with their kept history). These are tenant
tables: the admin is mounted on the public host, where they do not exist, so they are hidden
there (``TenantModelAdmin``) and only show on a unit's schema. Every write goes through
``backend.goals.services`` (drafting, the review workflow)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from backend.goals.models import (
    AdjustmentRequest,
    GoalIndicator,
    GoalReview,
    IndicatorComment,
    PerformanceGoal,
)
from backend.library.admin import TenantModelAdmin


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GoalIndicatorInline(ReadOnlyInline):
    model = GoalIndicator
    fields = (
        "sort_order",
        "code",
        "level1",
        "level2",
        "name",
        "value_type",
        "direction",
        "unit",
        "target_value",
        "target_text",
        "weight",
        "source",
        "template_code",
        "template_version",
        "mandatory",
        "locked",
    )
    readonly_fields = fields


class GoalReviewInline(ReadOnlyInline):
    model = GoalReview
    fields = ("created_at", "stage", "decision", "grade", "reviewer", "reviewer_unit_code")
    readonly_fields = fields


@admin.register(PerformanceGoal)
class PerformanceGoalAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ("project", "fiscal_year", "status", "grade", "submitted_at", "approved_at")
    list_filter = ("fiscal_year", "status", "grade")
    list_select_related = ("project",)
    search_fields = ("project__code", "project__name", "overall_goal")
    inlines = (GoalIndicatorInline, GoalReviewInline)


@admin.register(GoalIndicator)
class GoalIndicatorAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ("code", "name", "goal", "level1", "level2", "target_value", "weight", "source")
    list_filter = ("source", "level1", "mandatory", "locked")
    list_select_related = ("goal",)
    search_fields = ("code", "name", "template_code")


class IndicatorCommentInline(ReadOnlyInline):
    model = IndicatorComment
    fields = ("indicator", "comment")
    readonly_fields = fields


@admin.register(GoalReview)
class GoalReviewAdmin(TenantModelAdmin):
    list_display = ("goal", "adjustment", "stage", "decision", "grade", "reviewer", "created_at")
    list_filter = ("stage", "decision", "grade")
    list_select_related = ("goal", "reviewer")
    inlines = (IndicatorCommentInline,)


@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ("goal", "status", "created_by", "created_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("goal", "created_by")
    search_fields = ("reason",)

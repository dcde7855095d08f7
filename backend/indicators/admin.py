"""The provincial indicator library in the admin: read-mostly. Templates, versions and
indicators are written through ``backend.indicators.services`` (validation, immutability of
published versions) and pushes through the push service; here they can be browsed, and a
template's descriptive texts corrected."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from backend.indicators.models import (
    PushTarget,
    Template,
    TemplateIndicator,
    TemplatePush,
    TemplateVersion,
)


class ReadOnlyMixin:
    """No add, change or delete: the services own every write."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(ReadOnlyMixin, admin.TabularInline):
    model = TemplateVersion
    extra = 0
    fields = ("number", "status", "changelog", "published_at", "published_by", "retired_at")
    readonly_fields = fields
    show_change_link = True


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "project_kind", "layout", "execution_weight", "created_at")
    list_filter = ("layout",)
    search_fields = ("code", "name", "project_kind")
    # Only the descriptive texts may be corrected here: the code and the scoring structure
    # are checked by authoring.create_template and read by every version's validation.
    readonly_fields = (
        "code",
        "layout",
        "execution_weight",
        "group_weights",
        "created_by",
        "created_at",
    )
    fields = (
        "code",
        "name",
        "project_kind",
        "description",
        "layout",
        "execution_weight",
        "group_weights",
        "created_by",
        "created_at",
    )
    inlines = [VersionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class IndicatorInline(ReadOnlyMixin, admin.TabularInline):
    model = TemplateIndicator
    extra = 0
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
        "mandatory",
        "locked",
    )
    readonly_fields = fields
    show_change_link = True


@admin.register(TemplateVersion)
class TemplateVersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("template", "number", "status", "published_at", "published_by", "retired_at")
    list_filter = ("status",)
    list_select_related = ("template", "published_by")
    search_fields = ("template__code", "template__name", "changelog")
    inlines = [IndicatorInline]


@admin.register(TemplateIndicator)
class TemplateIndicatorAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "version",
        "level1",
        "level2",
        "value_type",
        "weight",
        "mandatory",
        "locked",
    )
    list_filter = ("level1", "value_type", "mandatory", "locked", "version__status")
    list_select_related = ("version__template",)
    search_fields = ("code", "name", "version__template__code")


class PushTargetInline(ReadOnlyMixin, admin.TabularInline):
    model = PushTarget
    extra = 0
    fields = (
        "unit",
        "status",
        "attempts",
        "created",
        "updated",
        "retired",
        "conflicts",
        "duration_ms",
        "error",
    )
    readonly_fields = fields


@admin.register(TemplatePush)
class TemplatePushAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "version", "created_by", "created_at")
    list_select_related = ("version__template", "created_by")
    inlines = [PushTargetInline]


@admin.register(PushTarget)
class PushTargetAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("push", "unit", "status", "attempts", "conflicts", "duration_ms")
    list_filter = ("status",)
    list_select_related = ("push__version__template", "unit")
    search_fields = ("unit__code", "unit__name")

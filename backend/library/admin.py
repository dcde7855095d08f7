"""Admin of a unit's library. These are tenant tables: the admin is mounted on the public host
(``backend/urls_public.py``) where they do not exist, so they are hidden there and only show
on a unit's schema (should a unit host ever mount the admin)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name

from backend.core.schemas import current_schema
from backend.library.models import AdoptedTemplate, LibraryIndicator, MergeConflict


class TenantModelAdmin(admin.ModelAdmin):
    def _on_unit_schema(self) -> bool:
        return current_schema() != get_public_schema_name()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._on_unit_schema() and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._on_unit_schema() and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # through the services only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AdoptedTemplate)
class AdoptedTemplateAdmin(TenantModelAdmin):
    list_display = ("template", "version", "push", "adopted_at")
    list_select_related = ("template", "version")


@admin.register(LibraryIndicator)
class LibraryIndicatorAdmin(TenantModelAdmin):
    list_display = ("code", "name", "source", "level1", "level2", "weight", "locked", "retired_at")
    list_filter = ("source", "mandatory", "locked")
    search_fields = ("code", "name")


@admin.register(MergeConflict)
class MergeConflictAdmin(TenantModelAdmin):
    list_display = ("indicator", "field", "status", "created_at", "resolved_at")
    list_filter = ("status",)
    list_select_related = ("indicator",)

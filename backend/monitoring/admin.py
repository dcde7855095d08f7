"""Admin of a unit's monitoring (read-only: every write goes through the services). These are
tenant tables: hidden on the public host's admin, where they do not exist, like the library's."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from backend.library.admin import TenantModelAdmin
from backend.monitoring.models import Alert, EntryIndicator, MonitoringEntry


class EntryIndicatorInline(admin.TabularInline):
    model = EntryIndicator
    extra = 0
    can_delete = False
    fields = (
        "goal_indicator",
        "value_to_date",
        "text_to_date",
        "projected_value",
        "likelihood",
        "deviation_cause",
        "corrective_measure",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MonitoringEntry)
class MonitoringEntryAdmin(TenantModelAdmin):
    list_display = (
        "project",
        "month",
        "status",
        "spent_to_date",
        "execution_rate",
        "time_progress",
        "forecast_rate",
        "submitted_at",
    )
    list_filter = ("status", "month", "spent_source")
    list_select_related = ("project",)
    search_fields = ("project__code", "project__name")
    inlines = (EntryIndicatorInline,)


@admin.register(Alert)
class AlertAdmin(TenantModelAdmin):
    list_display = (
        "kind",
        "severity",
        "status",
        "fiscal_year",
        "month",
        "project",
        "answer_due",
        "raised_at",
        "resolved_at",
    )
    list_filter = ("status", "kind", "severity", "fiscal_year")
    list_select_related = ("project",)
    search_fields = ("key", "message", "project__code", "project__name")

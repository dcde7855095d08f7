"""Admin of a unit's budget projects (read-only). These are tenant tables: the admin is mounted
on the public host, where they do not exist, so they are hidden there (``TenantModelAdmin``)
and only show on a unit's schema. Writes go through ``backend.budgets.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from backend.budgets.models import BudgetAdjustment, Expenditure, Project
from backend.library.admin import TenantModelAdmin


class BudgetAdjustmentInline(admin.TabularInline):
    model = BudgetAdjustment
    extra = 0
    fields = ("date", "amount", "reason", "created_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(TenantModelAdmin):
    list_display = (
        "code",
        "name",
        "fiscal_year",
        "category",
        "kind",
        "initial_budget",
        "full_budget",
    )
    list_filter = ("fiscal_year", "category", "kind", "funding_source")
    search_fields = ("code", "name", "department", "person_in_charge")
    inlines = (BudgetAdjustmentInline,)


@admin.register(BudgetAdjustment)
class BudgetAdjustmentAdmin(TenantModelAdmin):
    list_display = ("project", "date", "amount", "reason", "created_by")
    list_select_related = ("project",)
    search_fields = ("project__code", "project__name", "reason")


@admin.register(Expenditure)
class ExpenditureAdmin(TenantModelAdmin):
    list_display = ("project", "date", "amount", "monthly_total", "description")
    list_filter = ("monthly_total",)
    list_select_related = ("project",)
    search_fields = ("project__code", "project__name", "description")

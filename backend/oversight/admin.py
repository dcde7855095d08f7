"""Oversight in the admin: platform staff set each province's review rules (through
``services.set_policy``, so who changed it is kept); the goal submissions are read-only (the
goal workflow writes them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import ForeignKey
from django.http import HttpRequest

from backend.indicators.admin import ReadOnlyMixin
from backend.oversight import services
from backend.oversight.models import GoalSubmission, ProvincePolicy
from tenants.models import Procuratorate, UnitLevel


@admin.register(ProvincePolicy)
class ProvincePolicyAdmin(admin.ModelAdmin):
    list_display = ("province", "require_city_review", "updated_at", "updated_by")
    list_select_related = ("province", "updated_by")
    fields = ("province", "require_city_review", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def _staff(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._staff(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._staff(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._staff(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._staff(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The province of an existing policy stays; a policy belongs to one province.
        return (*self.readonly_fields, "province") if obj is not None else self.readonly_fields

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "province":
            kwargs["queryset"] = Procuratorate.objects.filter(level=UnitLevel.PROVINCE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: ProvincePolicy, form: Any, change: bool
    ) -> None:
        saved = services.set_policy(
            obj.province, require_city_review=obj.require_city_review, user=request.user
        )
        obj.pk, obj.updated_at, obj.updated_by = saved.pk, saved.updated_at, saved.updated_by


@admin.register(GoalSubmission)
class GoalSubmissionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "unit",
        "fiscal_year",
        "project_code",
        "project_name",
        "status",
        "adjustment_status",
        "grade",
        "warnings",
        "submitted_at",
    )
    list_filter = ("fiscal_year", "status", "adjustment_status", "grade")
    list_select_related = ("unit",)
    search_fields = ("unit__code", "unit__name", "project_code", "project_name")

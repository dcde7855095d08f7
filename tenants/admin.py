from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tenants.models import Domain, Procuratorate


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Procuratorate)
class ProcuratorateAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent", "region", "active")
    list_filter = ("level", "active")
    search_fields = ("name", "code", "region")
    # The hierarchy is set at provisioning (create_unit / import_units); moving a unit would
    # have to rewrite the paths of its whole subtree, which no service does yet.
    readonly_fields = ("code", "schema_name", "level", "parent", "path", "depth", "created_at")
    inlines = [DomainInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # units are provisioned by create_unit / import_units

    def has_delete_permission(self, request: HttpRequest, obj: Procuratorate | None = None) -> bool:
        return False

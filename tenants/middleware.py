"""Host routing: ``<code>.<base domain>`` is that unit's schema; the base domain (and the other
``PUBLIC_HOSTS``) is the public schema; anything else is a 404, never a silent fallback."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.postgresql_backend.base import FakeTenant
from django_tenants.utils import get_public_schema_name

from tenants.models import Domain, Procuratorate


class UnitHostMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model: type[Domain], hostname: str) -> Procuratorate:
        # A deactivated unit is not served: its host answers like an unknown one.
        domain = domain_model.objects.select_related("tenant").get(
            domain=hostname, tenant__active=True
        )
        return domain.tenant

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> None:
        if hostname in settings.PUBLIC_HOSTS:
            # django-tenants' admin tags read request.tenant.schema_name: a stand-in, not a row
            # (declared on backend.web.requests.Request; django-tenants sets it on a unit host)
            request.tenant = FakeTenant(get_public_schema_name())  # type: ignore[attr-defined]
            self.setup_url_routing(request=request, force_public=True)
            return None
        raise self.TENANT_NOT_FOUND_EXCEPTION(f"没有与主机名“{hostname}”对应的检察院。")

"""The requests the views of the browser layer receive, typed with what the middleware and the
access decorators put on them (django-stubs types a request as the bare ``HttpRequest``; this is
the subclass django-stubs and django-htmx document for that).

- ``Request``: any request past the middleware of ``settings.MIDDLEWARE``;
- ``UnitRequest``: a request let through by ``@unit_page`` (``backend.web.access``);
- ``ConsoleRequest``: a request let through by ``@console_page``.

The classes only declare attributes, nothing creates them: a view says which one it receives by
its annotation (``def view(request: UnitRequest, ...)``). The signed-in user of either is
``signed_in_user(request)``.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from django_tenants.postgresql_backend.base import FakeTenant

from backend.accounts.policy import ConsoleAccess, UnitAccess
from tenants.models import Procuratorate


class Request(HttpRequest):
    # backend.core.logs.RequestLogMiddleware: the id every log line of the request carries
    request_id: str
    # tenants.middleware.UnitHostMiddleware: the unit of the host, a stand-in on the base host
    tenant: Procuratorate | FakeTenant
    # django_htmx.middleware.HtmxMiddleware: false unless htmx sent the request
    htmx: HtmxDetails


class UnitRequest(Request):
    # the unit whose host the request came to, and what the user may do there
    unit: Procuratorate
    unit_access: UnitAccess


class ConsoleRequest(Request):
    # what the user may do on the base host
    console_access: ConsoleAccess

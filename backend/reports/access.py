"""Who may fetch a file by URL (plain Django views, outside GraphQL): the same rules as the
GraphQL resolvers, answered as HTTP statuses (401 anonymous, 403 no role, 404 wrong host)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django_tenants.utils import get_public_schema_name

from backend.accounts import policy
from backend.accounts.policy import Op
from backend.core.schemas import current_schema
from tenants.models import Procuratorate


def refusal(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="jixiao"'
    return response


def unit_reader(request: HttpRequest) -> Procuratorate | HttpResponse:
    """The unit of this host if the caller holds a role reaching it, else the refusal."""
    tenant = getattr(request, "tenant", None)
    if not isinstance(tenant, Procuratorate) or current_schema() == get_public_schema_name():
        raise Http404("该地址只在单位主机上提供。")
    if not request.user.is_authenticated:
        return refusal(401, "请先登录。")
    if not policy.allowed(request.user, Op.UNIT_VIEW, tenant):
        return refusal(403, policy.DENIED_MESSAGES[Op.UNIT_VIEW])
    return tenant


def reviewer(request: HttpRequest) -> HttpResponse | None:
    """On the public host: ``None`` when the caller is a province admin (at a provincial
    office) or a city reviewer (at a municipal office), else the refusal."""
    if isinstance(getattr(request, "tenant", None), Procuratorate):
        raise Http404("该地址只在省院主机上提供。")
    if not request.user.is_authenticated:
        return refusal(401, "请先登录。")
    if not policy.console_allowed(request.user, Op.BENCHMARK_VIEW):
        return refusal(403, policy.DENIED_MESSAGES[Op.BENCHMARK_VIEW])
    return None

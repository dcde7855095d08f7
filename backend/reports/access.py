"""Who may fetch a file by URL (plain Django views, outside GraphQL): the same rules as the
GraphQL resolvers, answered as HTTP statuses (401 anonymous, 403 no role, 404 wrong host)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django_tenants.utils import get_public_schema_name

from backend.accounts import selectors as access
from backend.accounts.models import Membership, Role
from tenants.models import Procuratorate, UnitLevel

REVIEWER_ROLES = {Role.PROVINCE_ADMIN, Role.CITY_REVIEWER}


def refusal(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="jixiao"'
    return response


def unit_reader(request: HttpRequest) -> Procuratorate | HttpResponse:
    """The unit of this host if the caller holds a role reaching it, else the refusal."""
    tenant = getattr(request, "tenant", None)
    if not isinstance(tenant, Procuratorate) or connection.schema_name == get_public_schema_name():
        raise Http404("该地址只在单位主机上提供。")
    if not request.user.is_authenticated:
        return refusal(401, "请先登录。")
    if not access.roles_at(request.user, tenant):
        return refusal(403, "您无权查看该单位的数据。")
    return tenant


def reviewer(request: HttpRequest) -> HttpResponse | None:
    """On the public host: ``None`` when the caller is a province admin (at a provincial
    office) or a city reviewer (at a municipal office), else the refusal."""
    if isinstance(getattr(request, "tenant", None), Procuratorate):
        raise Http404("该地址只在省院主机上提供。")
    if not request.user.is_authenticated:
        return refusal(401, "请先登录。")
    allowed = Q(role=Role.PROVINCE_ADMIN, unit__level=UnitLevel.PROVINCE) | Q(
        role=Role.CITY_REVIEWER, unit__level=UnitLevel.CITY
    )
    if not Membership.objects.filter(allowed, user=request.user).exists():
        return refusal(403, "只有省院管理员和市院审核人可以查看跨单位对比。")
    return None

"""Access checks shared by resolvers. The rules themselves live in backend.accounts.selectors."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_public_schema_name
from graphene import ResolveInfo

from backend.accounts import policy
from backend.accounts import selectors as access
from backend.accounts.models import User
from backend.accounts.policy import Op
from graphql_schema.core.errors import Forbidden, Unauthenticated
from tenants.models import Procuratorate


def require_user(info: ResolveInfo) -> User:
    user = info.context.user
    if not user.is_authenticated:
        raise Unauthenticated()
    return user


def current_unit(info: ResolveInfo) -> Procuratorate | None:
    """The unit whose host the request came to (None on the public host)."""
    tenant = getattr(info.context, "tenant", None)
    if not isinstance(tenant, Procuratorate) or connection.schema_name == get_public_schema_name():
        return None
    return tenant


def require_unit_access(info: ResolveInfo, op: Op = Op.UNIT_VIEW) -> Procuratorate:
    """The current unit, if the role table lets the caller perform ``op`` there (by default:
    read the unit's data)."""
    user = require_user(info)
    unit = current_unit(info)
    if unit is None:
        raise Forbidden("该接口只在单位主机上提供。")
    if not policy.allowed(user, op, unit):
        raise Forbidden(policy.DENIED_MESSAGES[op])
    return unit


def require_province_admin(info: ResolveInfo) -> User:
    user = require_user(info)
    if not access.is_province_admin(user):
        raise Forbidden("只有省院管理员可以执行此操作。")
    return user


def require_unit_role(info: ResolveInfo, roles: set[str]) -> tuple[User, Procuratorate]:
    """For writes into the current unit's own data: a role held at this very unit."""
    user = require_user(info)
    unit = current_unit(info)
    if unit is None:
        raise Forbidden("该接口只在单位主机上提供。")
    if not access.roles_here(user, unit) & roles:
        raise Forbidden("只有本院的财务或负责人可以修改本院数据。")
    return user, unit

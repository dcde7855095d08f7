"""Access checks shared by resolvers: the role table (``backend.accounts.policy``) asked with
the operation a resolver performs. ``graphql_schema.core.access`` has already checked the root
field's operation before the resolver runs; these give the resolver the unit and the user (and
check again, so a resolver is never open by itself)."""

from __future__ import annotations

from django_tenants.utils import get_public_schema_name
from graphene import ResolveInfo

from backend.accounts import policy
from backend.accounts.models import User
from backend.accounts.policy import ConsoleAccess, Op, UnitAccess
from backend.core.schemas import current_schema
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
    if not isinstance(tenant, Procuratorate):
        return None
    # django-tenants' DatabaseWrapper adds schema_name; django-stubs know Django's only.
    if current_schema() == get_public_schema_name():
        return None
    return tenant


def unit_access_of(info: ResolveInfo) -> UnitAccess:
    """What the caller may do at the host's unit (one query per request)."""
    request = info.context
    unit = current_unit(info)
    assert unit is not None
    cached: UnitAccess | None = getattr(request, "_jixiao_unit_access", None)
    if cached is None or cached.unit.pk != unit.pk:
        cached = policy.unit_access(request.user, unit)
        request._jixiao_unit_access = cached
    return cached


def console_access_of(info: ResolveInfo) -> ConsoleAccess:
    """The caller's public-host grants (one query per request)."""
    request = info.context
    cached: ConsoleAccess | None = getattr(request, "_jixiao_console_access", None)
    if cached is None:
        cached = policy.console_access(request.user)
        request._jixiao_console_access = cached
    return cached


def require_unit_access(info: ResolveInfo, op: Op = Op.UNIT_VIEW) -> Procuratorate:
    """The current unit, if the role table lets the caller perform ``op`` there (by default:
    read the unit's data)."""
    require_user(info)
    unit = current_unit(info)
    if unit is None:
        raise Forbidden("该接口只在单位主机上提供。")
    if not unit_access_of(info).allows(op):
        raise Forbidden(policy.DENIED_MESSAGES[op])
    return unit


def require_unit_op(info: ResolveInfo, op: Op) -> tuple[User, Procuratorate]:
    """The caller and the current unit, if the caller may perform ``op`` there."""
    unit = require_unit_access(info, op)
    return info.context.user, unit


def require_console(info: ResolveInfo, op: Op) -> User:
    """The caller, if a membership of theirs grants ``op`` on the public host."""
    user = require_user(info)
    if not console_access_of(info).allows(op):
        raise Forbidden(policy.DENIED_MESSAGES[op])
    return user


def in_province(info: ResolveInfo, province: Procuratorate, op: Op) -> bool:
    """Whether ``op`` is granted to the caller somewhere in ``province`` (its settings are
    read by the console users of the province and of its cities)."""
    return any(path.startswith(province.path) for path in console_access_of(info).paths(op))

"""Who may open a page: the role table (``backend.accounts.policy``) applied to views.

Every view of the browser layer is wrapped by exactly one of these decorators, which names the
operation it performs:

- ``@unit_page(Op.X)`` on a unit's host: 404 on the base host, the login page for an anonymous
  caller, 403 (a page that names no data) when the role table refuses; the view receives a
  ``UnitRequest`` (``backend.web.requests``): the unit as ``request.unit`` and what the user may
  do there as ``request.unit_access``;
- ``@console_page(Op.X)`` on the base host: the same, a ``ConsoleRequest`` with
  ``request.console_access``;
- ``@signed_in`` for pages every signed-in user may open (password change, the unit chooser).

The decorator stores the operation on the view (``view.web_op``), so the reach test walks every
URL and checks it against the table without a second list.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django_tenants.utils import get_public_schema_name

from backend.accounts import policy
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.core.schemas import current_schema
from backend.web.requests import ConsoleRequest, UnitRequest
from tenants.models import Procuratorate

P = ParamSpec("P")
# A view behind @unit_page or @console_page, its request typed with what the decorator sets.
UnitView = Callable[Concatenate[UnitRequest, P], HttpResponse]
ConsoleView = Callable[Concatenate[ConsoleRequest, P], HttpResponse]
# Any view, a class-based one (``LoginView.as_view()``) included.
AnyView = Callable[..., HttpResponseBase]


def host_unit(request: HttpRequest) -> Procuratorate | None:
    """The unit whose host the request came to; None on the base host."""
    tenant = getattr(request, "tenant", None)
    if not isinstance(tenant, Procuratorate) or current_schema() == get_public_schema_name():
        return None
    return tenant


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request one of the decorators below let through: never anonymous."""
    user = request.user
    assert isinstance(user, User), "only for views behind unit_page, console_page or signed_in"
    return user


def denied(request: HttpRequest, message: str) -> HttpResponse:
    """The refusal page: says why, names no data of the unit, offers the user's own places."""
    return render(request, "web/errors/denied.html", {"message": message}, status=403)


def _mark(view: Callable[..., object], op: Op | None, *, public: bool = False) -> None:
    """Store the operation on the view (``view.web_op``) for the reach test; ``web_public``
    on a page anyone may open."""
    # mypy gives a function no attributes of its own
    view.web_op = op  # type: ignore[attr-defined]
    if public:
        view.web_public = True  # type: ignore[attr-defined]


def unit_page(op: Op = Op.UNIT_VIEW) -> Callable[[UnitView[P]], UnitView[P]]:
    if op not in policy.UNIT_OPS:
        raise ValueError(f"{op} is not an operation on a unit's host")

    def decorator(view: UnitView[P]) -> UnitView[P]:
        @wraps(view)
        def wrapper(request: UnitRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            # the request as the middleware made it: unit and unit_access are set below
            unit = host_unit(request)
            if unit is None:
                raise Http404("该页面只在单位主机上提供。")
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            access = policy.unit_access(request.user, unit)
            if not access.allows(op):
                return denied(request, policy.DENIED_MESSAGES[op])
            request.unit = unit
            request.unit_access = access
            return view(request, *args, **kwargs)

        _mark(wrapper, op)
        return wrapper

    return decorator


def console_page(op: Op = Op.CONSOLE_VIEW) -> Callable[[ConsoleView[P]], ConsoleView[P]]:
    if op not in policy.CONSOLE_OPS:
        raise ValueError(f"{op} is not an operation on the base host")

    def decorator(view: ConsoleView[P]) -> ConsoleView[P]:
        @wraps(view)
        def wrapper(request: ConsoleRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            # the request as the middleware made it: console_access is set below
            if host_unit(request) is not None:
                raise Http404("该页面只在省院主机上提供。")
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            access = policy.console_access(request.user)
            if not access.allows(op):
                return denied(request, policy.DENIED_MESSAGES[op])
            request.console_access = access
            return view(request, *args, **kwargs)

        _mark(wrapper, op)
        return wrapper

    return decorator


def signed_in(view: AnyView) -> AnyView:
    """Any signed-in user, on any host."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    _mark(wrapper, None)
    return wrapper


def anyone(view: AnyView) -> AnyView:
    """Open to anonymous callers (the login page)."""
    _mark(view, None, public=True)
    return view

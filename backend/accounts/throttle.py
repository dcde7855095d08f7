"""Login throttling (django-axes): failed log-ins are counted per user name and per client
address, in the public schema; past a limit, further attempts are refused for a cool-off period
without checking the password. Both ways of logging in — the GraphQL ``login`` mutation and the
pages' session login (and the admin's) — call ``authenticate(request=...)``, which axes hooks
through its authentication backend. The settings come from the environment (docs/operations.md).

- ``LoginThrottle``: axes' database handler with a separate limit per address
  (``JIXIAO_LOGIN_IP_LIMIT``) beside the per-user one (``AXES_FAILURE_LIMIT``): many people of
  one office share an address, so the address may fail more often than one user name.
- ``client_ip``: the client's address: ``REMOTE_ADDR``, or the address the trusted proxies put
  in ``X-Forwarded-For`` when ``JIXIAO_TRUSTED_PROXIES`` says how many there are.
- ``locked_message``: the Chinese message, saying when to retry.
- ``lockout_response``: what axes' middleware answers to a locked-out request. The GraphQL
  endpoint and the login page explain the lock-out themselves (a typed ``TOO_MANY_ATTEMPTS``
  error, a form error), so their response is kept (the page's with status 429); elsewhere (the
  admin) a plain 429 page says it.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_lockout_parameters
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from backend.accounts.errors import AccountErrorCode

TOO_MANY_ATTEMPTS = AccountErrorCode.TOO_MANY_ATTEMPTS
# Views that explain a lock-out in their own response.
EXPLAINED = {"graphql", "web-login"}


class LoginThrottle(AxesDatabaseHandler):
    """Failures are counted per ``AXES_LOCKOUT_PARAMETERS`` (user name, address). Axes compares
    one number with one limit; the address's count is weighed so that it reaches
    ``AXES_FAILURE_LIMIT`` exactly when it reaches ``JIXIAO_LOGIN_IP_LIMIT``."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        parameters = get_lockout_parameters(request, credentials)
        attempts = self.get_user_attempts(request, credentials)
        user_limit = int(settings.AXES_FAILURE_LIMIT)
        ip_limit = max(1, int(settings.JIXIAO_LOGIN_IP_LIMIT))
        weighed = []
        for parameter, queryset in zip(parameters, attempts, strict=False):
            count = queryset.aggregate(n=Sum("failures_since_start"))["n"] or 0
            weighed.append(count * user_limit // ip_limit if parameter == "ip_address" else count)
        return max(weighed, default=0)

    def retry_at(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> Any:
        """When the lock-out ends: the cool-off after the latest counted failure."""
        latest = [
            queryset.aggregate(t=Max("attempt_time"))["t"]
            for queryset in self.get_user_attempts(request, credentials)
        ]
        found = [t for t in latest if t is not None]
        cool_off = get_cool_off(request) or timedelta(0)
        return (max(found) if found else timezone.now()) + cool_off


def client_ip(request: HttpRequest) -> str | None:
    proxies = int(settings.JIXIAO_TRUSTED_PROXIES)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def locked_message(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    ends = LoginThrottle().retry_at(request, credentials)
    minutes = max(1, math.ceil((ends - timezone.now()).total_seconds() / 60))
    at = timezone.localtime(ends).strftime("%H:%M")
    return f"登录失败次数过多，已暂时锁定。请 {minutes} 分钟后（{at} 以后）再试。"


def is_locked_out(request: HttpRequest) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    match = getattr(request, "resolver_match", None)
    if original_response is not None and match is not None and match.url_name in EXPLAINED:
        if match.url_name != "graphql":
            original_response.status_code = 429
        return original_response
    return HttpResponse(
        locked_message(request, credentials), status=429, content_type="text/plain; charset=utf-8"
    )

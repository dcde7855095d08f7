"""``Authorization: Bearer <token>`` authentication for API clients."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from backend.accounts import services


class BearerTokenMiddleware:
    """A request with a bearer header is authenticated by the token alone (the session is
    ignored) and is exempt from CSRF; a bad token leaves it anonymous. A request with no
    session cookie is exempt from CSRF too: it carries no ambient credential a forged request
    could ride on (this is how an API client calls ``login`` before it has a token)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() == "bearer":
            user = services.user_for_token(secret.strip())
            request.user = user or AnonymousUser()
            # set on a bearer call only, so the request classes (backend/web/requests.py) do
            # not declare it
            request.auth_via_token = True  # type: ignore[attr-defined]
            # the flag CsrfViewMiddleware reads; django-stubs do not declare it
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        elif settings.SESSION_COOKIE_NAME not in request.COOKIES:
            request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]  # as above
        return self.get_response(request)

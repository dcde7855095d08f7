"""Addresses of the other hosts, built from the request (scheme and port) and the base domain:
a unit's workspace is ``<code>.<base>``, the console is ``<base>``."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def _origin(request: HttpRequest, host: str) -> str:
    port = request.get_port()
    default = "443" if request.is_secure() else "80"
    suffix = "" if port in ("", default) else f":{port}"
    return f"{request.scheme}://{host}{suffix}"


def unit_url(request: HttpRequest, code: str, path: str = "/") -> str:
    return _origin(request, f"{code}.{settings.JIXIAO_BASE_DOMAIN}") + path


def console_url(request: HttpRequest, path: str = "/") -> str:
    return _origin(request, settings.JIXIAO_BASE_DOMAIN) + path

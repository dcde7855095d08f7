"""Health endpoints for the orchestrator, answered on every host before the unit lookup:

- ``/healthz``: the process is alive and serving (no database, no broker): restart it if not;
- ``/readyz``: it can do its work: the database answers, every migration of the public schema
  and of the blueprint is applied, Redis answers, the file storage is reachable. 200 with the
  checks as JSON, else 503 with the failing ones: take it out of the load balancer.

Both answer JSON, are never cached, and say nothing about units or users.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from backend.core.schemas import set_public_schema

HEALTH_PATHS = ("/healthz", "/readyz")


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_migrations() -> str:
    """Every migration the code has is applied to the public schema (unit schemas follow the
    blueprint, whose state key is the same migration list)."""
    from django.db.migrations.executor import MigrationExecutor

    set_public_schema()
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending[:5])
        raise RuntimeError(f"{len(pending)} migrations not applied ({names})")
    return "ok"


def check_redis() -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_storage() -> str:
    from django.core.files.storage import storages

    # A storage of its own: probing must not set up the process-wide ``default_storage``
    # (which a unit's file paths are computed by) before the settings are final.
    storage = storages.create_storage(settings.STORAGES["default"])
    storage.exists("healthz-probe")  # a HEAD request on S3, a stat on a file system
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "migrations": check_migrations,
    "redis": check_redis,
    "storage": check_storage,
}


def readiness() -> tuple[bool, dict[str, Any]]:
    results: dict[str, Any] = {}
    ready = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            outcome = check()
        except Exception as exc:
            ready = False
            outcome = f"error: {type(exc).__name__}: {exc}"[:300]
        results[name] = {"status": outcome, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return ready, results


class HealthMiddleware:
    """Answers the two paths before the unit lookup, the session and CSRF (they are the same
    on every host and must work before any unit exists)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in HEALTH_PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return JsonResponse({"status": "method not allowed"}, status=405)
        if request.path == "/healthz":
            response = JsonResponse({"status": "ok"})
        else:
            ready, checks = readiness()
            response = JsonResponse(
                {"status": "ok" if ready else "unavailable", "checks": checks},
                status=200 if ready else 503,
            )
        response["Cache-Control"] = "no-store"
        return response

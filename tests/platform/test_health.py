"""/healthz and /readyz: answered on every host before the unit lookup, JSON, never cached;
readiness reports each failing dependency and answers 503."""

from __future__ import annotations

import pytest
from django.test import Client

from backend.core import health

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["localhost", "lengshuijiang.localhost", "nowhere.localhost"])
def test_liveness_answers_on_any_host_without_a_session(host: str) -> None:
    response = Client(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies


def test_readiness_checks_every_dependency() -> None:
    response = Client(HTTP_HOST="localhost").get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "redis", "storage"}
    assert all(check["status"] == "ok" for check in body["checks"].values())


def test_an_unreachable_redis_makes_the_process_unready(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = Client(HTTP_HOST="localhost").get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["status"].startswith("error: ConnectionError")
    assert checks["database"]["status"] == "ok"


def test_a_pending_migration_makes_the_process_unready(monkeypatch: pytest.MonkeyPatch) -> None:
    def pending() -> str:
        raise RuntimeError("1 migrations not applied (budgets.0099_new)")

    monkeypatch.setitem(health.CHECKS, "migrations", pending)
    response = Client(HTTP_HOST="localhost").get("/readyz")
    assert response.status_code == 503
    assert "budgets.0099_new" in response.json()["checks"]["migrations"]["status"]


def test_only_reads_are_answered() -> None:
    assert Client(HTTP_HOST="localhost").post("/readyz").status_code == 405

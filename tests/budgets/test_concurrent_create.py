"""Twenty identical createProject calls at once (issue 11): one project, nineteen typed
CODE_TAKEN errors, none INTERNAL_ERROR. Real threads, each with its own database connection,
over HTTP through the test client; data are committed for real in a year no other test uses
and removed at the end (pytest-django's flush cannot truncate the public tables)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django_tenants.utils import schema_context

from backend.accounts import services as account_services
from backend.accounts.models import ApiToken, Membership, Role, User
from backend.budgets.models import Project
from tenants.models import Procuratorate

YEAR = 2099
CODE = "race-2099"
USERNAME = "race-finance"
CALLS = 20
QUERY = """mutation($input: ProjectInput!) { createProject(input: $input) {
  project { id } errors { field code message } } }"""


def _cleanup() -> None:
    connection.set_schema_to_public()
    with schema_context("lengshuijiang"):
        Project.history.filter(code=CODE, fiscal_year=YEAR).delete()
        Project.objects.filter(code=CODE, fiscal_year=YEAR).delete()
    ApiToken.objects.filter(user__username=USERNAME).delete()
    Membership.objects.filter(user__username=USERNAME).delete()
    # the user stays (users are never deleted: tenant history rows point at them)


@pytest.fixture
def committed(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock():
        _cleanup()
        user = User.objects.filter(username=USERNAME).first() or User.objects.create_user(
            username=USERNAME, password="secret-pass"
        )
        Membership.objects.create(
            user=user,
            unit=Procuratorate.objects.get(code="lengshuijiang"),
            role=Role.UNIT_FINANCE,
        )
        try:
            yield account_services.issue_token(user).secret
        finally:
            _cleanup()


def test_twenty_identical_creations_make_one_project(committed: str) -> None:
    variables = {
        "input": {
            "code": CODE,
            "name": "并发创建",
            "category": "PROJECT",
            "kind": "CASE_FUNDS",
            "fiscalYear": YEAR,
            "initialBudget": "1000.00",
        }
    }
    barrier = threading.Barrier(CALLS)
    results: list[tuple[int, dict[str, Any]]] = []
    lock = threading.Lock()

    def call() -> None:
        try:
            barrier.wait()
            response = Client(raise_request_exception=False).post(
                "/graphql/",
                json.dumps({"query": QUERY, "variables": variables}),
                content_type="application/json",
                HTTP_HOST="lengshuijiang.localhost",
                headers={"Authorization": f"Bearer {committed}"},
            )
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=call) for _ in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == CALLS and {status for status, _ in results} == {200}
    payloads = [body["data"]["createProject"] for _, body in results]
    created = [p for p in payloads if p["errors"] == []]
    refused = [p for p in payloads if p["errors"]]
    assert len(created) == 1
    assert len(refused) == CALLS - 1
    assert {(e["code"], e["field"]) for p in refused for e in p["errors"]} == {
        ("CODE_TAKEN", "code")
    }
    connection.set_schema_to_public()
    with schema_context("lengshuijiang"):
        assert Project.objects.filter(code=CODE, fiscal_year=YEAR).count() == 1

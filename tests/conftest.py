"""Shared fixtures. The test database is a real PostgreSQL (DATABASE_URL, else the embedded
one) holding a small province, provisioned once per session through the real services:

    hunan ─┬─ loudi ─── loudi-louxing, shuangfeng, xinhua, lengshuijiang, lianyuan
           └─ changsha ─ changsha-furong, changsha-tianxin
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from backend.accounts import services as account_services
from backend.accounts.models import Role, User
from tenants import blueprint
from tenants.models import Procuratorate
from tenants.services import UnitSpec, provision_unit
from tests.factories import MembershipFactory, UserFactory

SESSION_UNITS = [
    UnitSpec("hunan", "湖南省人民检察院", "province", None, "湖南省"),
    UnitSpec("loudi", "娄底市人民检察院", "city", "hunan", "娄底市"),
    UnitSpec("loudi-louxing", "娄底市娄星区人民检察院", "county", "loudi", "娄星区"),
    UnitSpec("shuangfeng", "双峰县人民检察院", "county", "loudi", "双峰县"),
    UnitSpec("xinhua", "新化县人民检察院", "county", "loudi", "新化县"),
    UnitSpec("lengshuijiang", "冷水江市人民检察院", "county", "loudi", "冷水江市"),
    UnitSpec("lianyuan", "涟源市人民检察院", "county", "loudi", "涟源市"),
    UnitSpec("changsha", "长沙市人民检察院", "city", "hunan", "长沙市"),
    UnitSpec("changsha-furong", "长沙市芙蓉区人民检察院", "county", "changsha", "芙蓉区"),
    UnitSpec("changsha-tianxin", "长沙市天心区人民检察院", "county", "changsha", "天心区"),
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests (``tests/browser/``) commit what the browser must see, so they run after
    every other test; they carry the ``browser`` marker (``-m "not browser"`` leaves them out)."""
    browser = [item for item in items if "/tests/browser/" in item.path.as_posix()]
    for item in browser:
        item.add_marker(pytest.mark.browser)
    others = [item for item in items if "/tests/browser/" not in item.path.as_posix()]
    items[:] = others + browser


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        created = None
        if not connection.settings_dict["NAME"].startswith("test_"):
            # pytest-django creates the test database only when a collected test asks for
            # `db`; the Celery tests (committed data, no `db`) must never touch the real one.
            created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        blueprint.ensure_blueprint()
        for spec in SESSION_UNITS:
            provision_unit(spec)
    yield
    if created is not None:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=0)


@pytest.fixture
def celery_worker_thread(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """A real Celery worker in a thread, consuming from the real Redis broker. It has its own
    database connection, so a test using it commits for real (no wrapping transaction) and
    removes what it created itself."""
    from celery.contrib.testing.worker import start_worker

    from backend.celery import app

    with django_db_blocker.unblock():
        try:
            with start_worker(app, perform_ping_check=False, loglevel="WARNING", pool="solo"):
                yield
        finally:
            connection.set_schema_to_public()
            # The worker thread keeps its connection (CELERY_DB_REUSE_MAX); end it so that the
            # test database can be dropped at the end of the session.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(autouse=True)
def _public_schema_after_test() -> Any:
    """A request through the tenant middleware leaves the connection on that unit's schema;
    every test starts and ends on the public one."""
    yield
    if hasattr(connection, "set_schema_to_public"):
        connection.set_schema_to_public()


@pytest.fixture
def unit(db: None) -> Callable[[str], Procuratorate]:
    return lambda code: Procuratorate.objects.get(code=code)


@pytest.fixture
def lsj(unit: Callable[[str], Procuratorate]) -> Iterator[Procuratorate]:
    """Runs the test on 冷水江's schema (``connection.tenant`` is the unit)."""
    from django_tenants.utils import tenant_context

    lengshuijiang = unit("lengshuijiang")
    with tenant_context(lengshuijiang):
        yield lengshuijiang


@pytest.fixture
def member(db: None, unit: Callable[[str], Procuratorate]) -> Callable[..., User]:
    """``member("lengshuijiang", Role.UNIT_FINANCE)``: a user holding that role there."""

    def make(code: str, role: str = Role.UNIT_FINANCE, username: str | None = None) -> User:
        user = UserFactory(username=username or f"{code}-{role}")
        MembershipFactory(user=user, unit=unit(code), role=role)
        return user

    return make


@pytest.fixture
def token_for(db: None) -> Callable[[User], str]:
    return lambda user: account_services.issue_token(user).secret


class GraphQLClient:
    """Posts GraphQL to a host the way an API client does."""

    def __init__(self) -> None:
        self.client = Client()

    def __call__(
        self,
        query: str,
        *,
        host: str = "localhost",
        token: str | None = None,
        variables: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.post(
            "/graphql/",
            json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            HTTP_HOST=host,
            headers=headers,
        )
        connection.set_schema_to_public()
        assert response.status_code in (200, 400), response.content
        return response.json()


@pytest.fixture
def gql(db: None) -> GraphQLClient:
    return GraphQLClient()


def error_codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]

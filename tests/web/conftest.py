"""Fixtures of the page tests: personas (a user holding one role somewhere) and a client that
speaks to a host the way a browser does (session log-in, CSRF enforced)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import Membership, Role, User
from tenants.models import Procuratorate
from tests.factories import UserFactory

# Who is who, as the page tests name them: persona → (unit code, role).
PERSONAS: dict[str, tuple[str, str]] = {
    "finance": ("lengshuijiang", Role.UNIT_FINANCE),
    "leader": ("lengshuijiang", Role.UNIT_LEADER),
    "city_reviewer": ("loudi", Role.CITY_REVIEWER),
    "province_admin": ("hunan", Role.PROVINCE_ADMIN),
    "evaluator": ("hunan", Role.EVALUATOR),
    "other_unit_finance": ("lianyuan", Role.UNIT_FINANCE),
    "other_city_reviewer": ("changsha", Role.CITY_REVIEWER),
    "city_finance": ("loudi", Role.UNIT_FINANCE),
}


@dataclass
class Browser:
    """A Django test client bound to one host and (optionally) one signed-in user."""

    client: Client
    host: str

    def get(self, path: str, **extra: object):  # type: ignore[no-untyped-def]
        response = self.client.get(path, HTTP_HOST=self.host, **extra)
        connection.set_schema_to_public()
        return response

    def csrf_token(self) -> str:
        """The CSRF cookie a browser would hold after opening any page with a form."""
        if "csrftoken" not in self.client.cookies:
            self.client.cookies["csrftoken"] = _get_new_csrf_string()
        return self.client.cookies["csrftoken"].value

    def post(self, path: str, data: dict | None = None, **extra: object):  # type: ignore[no-untyped-def]
        """A form post with the CSRF token, as the page's form sends it."""
        payload = {"csrfmiddlewaretoken": self.csrf_token(), **(data or {})}
        response = self.client.post(path, payload, HTTP_HOST=self.host, **extra)
        connection.set_schema_to_public()
        return response


def host_of(unit: str | None) -> str:
    return f"{unit}.localhost" if unit else "localhost"


@pytest.fixture
def persona(db: None) -> Callable[[str], User]:
    """``persona("finance")``: the user of that persona (created on first use)."""

    def make(name: str) -> User:
        code, role = PERSONAS[name]
        user = UserFactory(username=f"web-{name}")
        Membership.objects.get_or_create(
            user=user, unit=Procuratorate.objects.get(code=code), role=role
        )
        return user

    return make


@pytest.fixture
def browse(db: None) -> Callable[..., Browser]:
    """``browse(user, unit="lengshuijiang")``: a client signed in as ``user`` on that unit's
    host (``unit=None``: the base host); ``user=None`` browses anonymously."""

    def make(user: User | None, unit: str | None = "lengshuijiang") -> Browser:
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        return Browser(client, host_of(unit))

    return make


@pytest.fixture
def count_queries() -> Callable[[Callable[[], object]], int]:
    """``count_queries(lambda: page.get(url))``: how many SQL queries the call ran."""

    def count(call: Callable[[], object]) -> int:
        with CaptureQueriesContext(connection) as queries:
            call()
        return len(queries)

    return count

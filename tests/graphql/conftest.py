"""Personas of the API reach tests: the same people as the page tests (``tests/web``), each
holding one role somewhere in the session's province, each with one bearer token."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts import services as account_services
from backend.accounts.models import Membership
from tenants.models import Procuratorate
from tests.factories import UserFactory
from tests.web.conftest import PERSONAS

ANONYMOUS = "anonymous"
EVERYONE = (*sorted(PERSONAS), ANONYMOUS)


@pytest.fixture
def persona_token(db: None) -> Callable[[str], str | None]:
    """``persona_token("city_reviewer")``: a bearer token of that persona (created on first
    use, one per persona and test); ``None`` for ``anonymous``."""
    issued: dict[str, str | None] = {ANONYMOUS: None}

    def token(name: str) -> str | None:
        if name not in issued:
            code, role = PERSONAS[name]
            user = UserFactory(username=f"api-{name}")
            Membership.objects.create(
                user=user, unit=Procuratorate.objects.get(code=code), role=role
            )
            issued[name] = account_services.issue_token(user).secret
        return issued[name]

    return token

"""Fixtures of the review page tests (the personas and clients come from tests/web/conftest.py;
the goals from the goal pages' builders)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from tests.web.conftest import Browser


@pytest.fixture
def leader_page(persona: Callable[[str], User], browse: Callable[..., Browser]) -> Browser:
    return browse(persona("leader"))


@pytest.fixture
def city_page(persona: Callable[[str], User], browse: Callable[..., Browser]) -> Browser:
    return browse(persona("city_reviewer"))

"""Fixtures of the goal page tests (the personas and clients come from tests/web/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from backend.accounts.models import User
from tests.web.conftest import Browser


@pytest.fixture
def finance_page(persona: Callable[[str], User], browse: Callable[..., Browser]) -> Browser:
    return browse(persona("finance"))


@pytest.fixture
def leader_page(persona: Callable[[str], User], browse: Callable[..., Browser]) -> Browser:
    return browse(persona("leader"))


@pytest.fixture(autouse=True)
def _media(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Uploaded forms waiting for confirmation go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]

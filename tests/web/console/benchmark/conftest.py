"""Data of the console's 对标 page tests: a year of public facts for every unit of the session's
province (the benchmark bench's synthetic figures), and bigger synthetic provinces (registry
rows and facts only, no schemas) for the query counts."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from backend.accounts.models import Membership, Role, User
from bench.benchmarking import YEAR, build_province, write_facts
from tenants.models import Procuratorate
from tests.factories import UserFactory

__all__ = ["YEAR"]


@pytest.fixture
def facts(db: None) -> dict[int, dict[str, Any]]:
    """Facts of ``YEAR`` for every unit under 湖南 (not the province itself)."""
    units = list(Procuratorate.objects.exclude(code="hunan").filter(path__startswith="/hunan/"))
    return write_facts(units, random.Random(7))


@pytest.fixture
def big_province(db: None) -> Callable[[str, int], User]:
    """``big_province(code, units)``: a province of ``units`` units with facts, and its admin."""

    def make(code: str, units: int) -> User:
        province, made = build_province(code, units, schemas=False)
        write_facts(made, random.Random(units))
        admin = UserFactory(username=f"admin-{code}")
        Membership.objects.create(user=admin, unit=province, role=Role.PROVINCE_ADMIN)
        return admin

    return make

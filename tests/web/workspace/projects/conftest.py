"""Fixtures of the project pages' tests: projects in 冷水江's schema, and what a page wrote."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from backend.budgets.models import BudgetAdjustment, Expenditure, Project
from tenants.models import Procuratorate
from tests.goals.factories import GoalFactory, ProjectFactory

D = Decimal
YEAR = timezone.localdate().year

# The personas that may and may not change a project (Op.PROJECT_EDIT), and who may read one.
EDITORS = ("finance", "leader")
READERS = ("city_reviewer", "province_admin")
STRANGERS = ("other_unit_finance", "other_city_reviewer", "city_finance", "evaluator")


@contextmanager
def lsj() -> Iterator[Procuratorate]:
    unit = Procuratorate.objects.get(code="lengshuijiang")
    with tenant_context(unit):
        yield unit


@pytest.fixture
def in_lsj(db: None) -> Callable[[], Any]:
    """``with in_lsj(): ...`` runs ORM calls on 冷水江's schema."""
    return lsj


@pytest.fixture
def project(db: None) -> Project:
    with lsj():
        return ProjectFactory(
            code="case-funds",
            name="办案业务经费",
            fiscal_year=YEAR,
            initial_budget=D("800000.00"),
            department="计划财务装备处",
        )


def make_projects(count: int, **fields: Any) -> list[Project]:
    """``count`` projects of this year with a goal each, and a payment each (on 冷水江)."""
    with lsj():
        rows = []
        for index in range(count):
            row = ProjectFactory(code=f"p-{index:04}", fiscal_year=YEAR, **fields)
            GoalFactory(project=row, status="approved" if index % 2 else "draft")
            Expenditure.objects.create(
                project=row, date=datetime.date(YEAR, 3, 1), amount=D("100.00")
            )
            rows.append(row)
        return rows


def counts(project: Project) -> tuple[int, int, Decimal]:
    """(adjustments, expenditures, full-year budget) of ``project`` as stored."""
    with lsj():
        fresh = Project.objects.get(pk=project.pk)
        return (
            BudgetAdjustment.objects.filter(project=project).count(),
            Expenditure.objects.filter(project=project).count(),
            fresh.full_budget,
        )


def field_errors(response: Any, name: str) -> list[str]:
    """The messages shown next to the field ``name`` (``data-field-error``), from the HTML."""
    import re

    html = response.content.decode()
    pattern = rf'data-field-error="{re.escape(name)}">([^<]*)<'
    return re.findall(pattern, html)

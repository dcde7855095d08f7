"""The ``budget`` metric (预算规模) counts the budgets of every project of the year, whatever
its goal's status (issue 16; it used to count only projects with approved goals): the project
services keep the public ``BudgetFact`` in step in their own transaction, ``rebuild_facts``
recomputes the same rows, and the metric says what it counts."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from backend.accounts.models import Role, User
from backend.benchmarking import metrics
from backend.benchmarking.models import BudgetFact
from backend.benchmarking.selectors import benchmark
from backend.benchmarking.services import rebuild_facts
from backend.budgets.services import add_adjustment, create_project, update_project
from backend.core.errors import DomainError
from tenants.models import Procuratorate

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = 2026


def new_project(code: str, budget: str, user: User, year: int = YEAR) -> object:
    return create_project(
        code=code,
        name=f"项目{code}",
        category="project",
        kind="case_funds",
        fiscal_year=year,
        initial_budget=D(budget),
        user=user,
    )


def facts(unit: Procuratorate) -> list[tuple[int, int, Decimal, Decimal]]:
    return list(
        BudgetFact.objects.filter(unit=unit)
        .order_by("fiscal_year")
        .values_list("fiscal_year", "projects", "initial_budget", "full_budget")
    )


def test_every_project_of_the_year_counts_from_its_creation(
    unit: Callable[[str], Procuratorate], member: Callable[..., User]
) -> None:
    lsj = unit("lengshuijiang")
    finance = member("lengshuijiang", Role.UNIT_FINANCE, "bf-finance")
    admin = member("hunan", Role.PROVINCE_ADMIN, "bf-admin")
    with tenant_context(lsj):
        first = new_project("b1", "1000000.00", finance)  # no goal at all
        new_project("b2", "250000.50", finance)
        new_project("b3", "70000", finance, year=YEAR + 1)
    assert facts(lsj) == [
        (YEAR, 2, D("1250000.50"), D("1250000.50")),
        (YEAR + 1, 1, D("70000.00"), D("70000.00")),
    ]
    table = benchmark(admin, "budget", YEAR)
    (row,) = [r for r in table.rows if r.code == "lengshuijiang"]
    assert row.value == D("1250000.50")

    # An adjustment and a changed initial budget follow; a refused change leaves the fact.
    with tenant_context(lsj):
        add_adjustment(
            first, date=datetime.date(YEAR, 5, 1), amount=D("-200000"), reason="追减", user=finance
        )
        update_project(first, {"initial_budget": "1100000"}, user=finance)
        with pytest.raises(DomainError):
            add_adjustment(
                first, date=datetime.date(YEAR, 6, 1), amount=D("-9e9"), reason="x", user=finance
            )
    assert facts(lsj)[0] == (YEAR, 2, D("1350000.50"), D("1150000.50"))

    # rebuild_facts recomputes exactly these rows, and puts a wrong one right.
    expected = facts(lsj)
    BudgetFact.objects.filter(unit=lsj, fiscal_year=YEAR).update(full_budget=D("1"))
    BudgetFact.objects.create(unit=lsj, fiscal_year=YEAR - 5, projects=9)
    assert rebuild_facts(lsj).budgets == 2
    assert facts(lsj) == expected


def test_the_metric_says_what_it_counts() -> None:
    budget = metrics.METRICS["budget"]
    assert budget.label == "预算规模"
    assert "全部项目" in budget.description and "不论绩效目标是否已批复" in budget.description

"""Budget projects: their facts, adjustments of the full-year budget, spending, and the reads.
Everything runs in a unit's schema (``schema_context``) inside the test transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from backend.accounts.models import User
from backend.budgets import selectors
from backend.budgets.models import BudgetAdjustment, Expenditure, Project
from backend.budgets.services import (
    add_adjustment,
    create_project,
    record_expenditure,
    set_monthly_spending,
    update_project,
)
from backend.core.errors import DomainError
from backend.goals.models import GoalStatus
from tests.factories import UserFactory
from tests.goals.factories import GoalFactory, GoalIndicatorFactory, ProjectFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def user() -> User:
    return UserFactory(username="lsj-finance")


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in error.value.problems]


def new_project(user: User, **fields) -> Project:
    values = {
        "code": "case-2026",
        "name": "办案业务经费",
        "category": "project",
        "kind": "case_funds",
        "fiscal_year": 2026,
        "initial_budget": D("800000.00"),
        "user": user,
    }
    values.update(fields)
    return create_project(**values)


# --- projects -----------------------------------------------------------------------------------


def test_a_new_projects_full_budget_is_its_initial_budget(lsj, user) -> None:
    project = new_project(user, department="计划财务装备处", person_in_charge="李四")
    project.refresh_from_db()
    assert project.initial_budget == project.full_budget == D("800000.00")
    assert (project.department, project.person_in_charge) == ("计划财务装备处", "李四")
    assert project.funding_source == "general"
    record = project.history.get()
    assert record.history_type == "+" and record.history_user_id == user.pk


def test_every_problem_of_a_new_project_is_reported_at_once(lsj, user) -> None:
    with pytest.raises(DomainError) as error:
        new_project(
            user,
            code="bad code!",
            name=" ",
            category="nope",
            kind="case_funds",
            fiscal_year=1999,
            initial_budget=D("-1"),
            funding_source="bank",
        )
    assert sorted(codes(error)) == [
        ("INVALID_CHOICE", "category"),
        ("INVALID_CHOICE", "funding_source"),
        ("INVALID_CODE", "code"),
        ("INVALID_YEAR", "fiscal_year"),
        ("NEGATIVE_AMOUNT", "initial_budget"),
        ("REQUIRED", "name"),
    ]
    assert not Project.objects.exists()


def test_money_has_at_most_two_places(lsj, user) -> None:
    with pytest.raises(DomainError) as error:
        new_project(user, initial_budget=D("10.005"))
    assert codes(error) == [("INVALID_NUMBER", "initial_budget")]
    assert new_project(user, initial_budget="1,000.5").initial_budget == D("1000.50")


def test_a_code_is_used_once_per_fiscal_year(lsj, user) -> None:
    new_project(user)
    with pytest.raises(DomainError) as error:
        new_project(user, name="另一个")
    assert codes(error) == [("CODE_TAKEN", "code")]
    assert new_project(user, fiscal_year=2027).fiscal_year == 2027


def test_update_project_changes_the_facts_and_keeps_code_and_year(lsj, user) -> None:
    project = new_project(user)
    update_project(project, {"name": "办案经费（调整）", "kind": "equipment"}, user=user)
    project.refresh_from_db()
    assert (project.name, project.kind) == ("办案经费（调整）", "equipment")
    with pytest.raises(DomainError) as error:
        update_project(
            project, {"code": "other", "full_budget": 1, "category": "x", "colour": 1}, user=user
        )
    assert sorted(codes(error)) == [
        ("INVALID_CHOICE", "category"),
        ("NOT_EDITABLE", "code"),
        ("NOT_EDITABLE", "full_budget"),
        ("UNKNOWN_FIELD", "colour"),
    ]
    assert project.history.first().history_user_id == user.pk


# --- adjustments --------------------------------------------------------------------------------


def test_adjustments_recompute_the_full_year_budget(lsj, user) -> None:
    project = new_project(user, initial_budget=D("500000.00"))
    add_adjustment(
        project, date=datetime.date(2026, 6, 1), amount=D("120000.00"), reason="追加", user=user
    )
    adjustment = add_adjustment(
        project, date=datetime.date(2026, 9, 1), amount=D("-70000.50"), reason="追减", user=user
    )
    assert project.full_budget == D("549999.50")  # the caller's object follows
    project.refresh_from_db()
    assert project.full_budget == D("549999.50")
    assert project.initial_budget == D("500000.00")
    assert adjustment.created_by_id == user.pk
    assert adjustment.history.get().history_user_id == user.pk
    assert project.history.first().history_user_id == user.pk

    # the initial budget changes while no goal is approved; the adjustments still apply
    update_project(project, {"initial_budget": D("600000")}, user=user)
    project.refresh_from_db()
    assert project.full_budget == D("649999.50")


def test_an_adjustment_leaving_a_negative_budget_is_refused(lsj, user) -> None:
    project = new_project(user, initial_budget=D("100000.00"))
    add_adjustment(
        project, date=datetime.date(2026, 3, 1), amount=D("-60000"), reason="追减", user=user
    )
    with pytest.raises(DomainError) as error:
        add_adjustment(
            project, date=datetime.date(2026, 4, 1), amount=D("-40000.01"), reason="追减", user=user
        )
    assert codes(error) == [("NEGATIVE_BUDGET", "amount")]
    project.refresh_from_db()
    assert project.full_budget == D("40000.00")
    assert BudgetAdjustment.objects.filter(project=project).count() == 1
    # down to exactly zero is allowed
    add_adjustment(
        project, date=datetime.date(2026, 4, 1), amount=D("-40000"), reason="取消", user=user
    )
    project.refresh_from_db()
    assert project.full_budget == D("0.00")


def test_an_initial_budget_below_the_cuts_is_refused(lsj, user) -> None:
    project = new_project(user, initial_budget=D("100000.00"))
    add_adjustment(
        project, date=datetime.date(2026, 3, 1), amount=D("-60000"), reason="追减", user=user
    )
    with pytest.raises(DomainError) as error:
        update_project(project, {"initial_budget": D("50000")}, user=user)
    assert codes(error) == [("NEGATIVE_BUDGET", "initial_budget")]


def test_an_adjustment_needs_a_reason_a_date_and_a_nonzero_amount(lsj, user) -> None:
    project = new_project(user)
    with pytest.raises(DomainError) as error:
        add_adjustment(project, date="2026-13-01", amount=D("0"), reason="  ", user=user)
    assert sorted(codes(error)) == [
        ("INVALID_DATE", "date"),
        ("REQUIRED", "reason"),
        ("ZERO_AMOUNT", "amount"),
    ]
    assert not BudgetAdjustment.objects.exists()


def test_adjustments_and_payments_are_dated_in_the_projects_year(lsj, user) -> None:
    project = new_project(user)  # 2026
    with pytest.raises(DomainError) as error:
        add_adjustment(
            project, date=datetime.date(2025, 12, 31), amount=D("1000"), reason="追加", user=user
        )
    assert codes(error) == [("DATE_OUTSIDE_YEAR", "date")]
    assert "2026 年" in error.value.problems[0].message
    with pytest.raises(DomainError) as error:
        record_expenditure(project, date="2027-01-01", amount=D("-5"), user=user)
    assert sorted(codes(error)) == [("DATE_OUTSIDE_YEAR", "date"), ("NEGATIVE_AMOUNT", "amount")]
    assert not BudgetAdjustment.objects.exists() and not Expenditure.objects.exists()
    project.refresh_from_db()
    assert project.full_budget == D("800000.00")


@pytest.mark.parametrize("amount", ["1e30", "9" * 40, "1e999999", "-1e30", "100000000000000"])
def test_a_huge_amount_is_a_problem_not_a_crash(lsj, user, amount: str) -> None:
    with pytest.raises(DomainError) as error:
        new_project(user, initial_budget=amount)
    assert codes(error) == [("INVALID_NUMBER", "initial_budget")]
    assert "超出允许范围" in error.value.problems[0].message
    assert not Project.objects.exists()


def test_the_initial_budget_is_frozen_once_a_goal_is_approved(lsj, user) -> None:
    project = new_project(user)
    GoalFactory(project=project, status=GoalStatus.APPROVED)
    with pytest.raises(DomainError) as error:
        update_project(project, {"initial_budget": D("1"), "name": "改名"}, user=user)
    assert codes(error) == [("FROZEN", "initial_budget")]
    # the same value is no change, and other fields stay editable
    update_project(project, {"initial_budget": D("800000"), "name": "改名"}, user=user)
    project.refresh_from_db()
    assert project.name == "改名"
    # the full-year budget still moves through adjustments
    add_adjustment(
        project, date=datetime.date(2026, 5, 1), amount=D("1000"), reason="追加", user=user
    )
    project.refresh_from_db()
    assert project.full_budget == D("801000.00")


# --- spending -----------------------------------------------------------------------------------


def test_monthly_spending_replaces_the_months_total(lsj, user) -> None:
    project = new_project(user, fiscal_year=2028)
    set_monthly_spending(project, month=2, amount=D("1000.00"), user=user)
    set_monthly_spending(project, month=3, amount=D("5000.00"), user=user)
    row = set_monthly_spending(project, month=2, amount=D("1500.25"), user=user)
    assert row.date == datetime.date(2028, 2, 29)  # the last day, leap year included
    assert row.monthly_total
    february = Expenditure.objects.filter(project=project, date__month=2)
    assert [(e.amount, e.monthly_total) for e in february] == [(D("1500.25"), True)]
    spending = selectors.monthly_spending(project)
    assert set(spending) == set(range(1, 13))
    assert (spending[1], spending[2], spending[3]) == (D("0.00"), D("1500.25"), D("5000.00"))
    # a zero total is a total too
    set_monthly_spending(project, month=3, amount=D("0"), user=user)
    assert selectors.monthly_spending(project)[3] == D("0.00")


def test_monthly_spending_checks_month_and_amount(lsj, user) -> None:
    project = new_project(user)
    with pytest.raises(DomainError) as error:
        set_monthly_spending(project, month=13, amount=D("-1"), user=user)
    assert sorted(codes(error)) == [("INVALID_MONTH", "month"), ("NEGATIVE_AMOUNT", "amount")]


def test_a_month_holds_either_payments_or_a_total(lsj, user) -> None:
    project = new_project(user)
    record_expenditure(project, date=datetime.date(2026, 4, 10), amount=D("300"), user=user)
    set_monthly_spending(project, month=5, amount=D("1000"), user=user)
    with pytest.raises(DomainError) as error:
        set_monthly_spending(project, month=4, amount=D("1000"), user=user)
    assert codes(error) == [("PAYMENTS_EXIST", "month")]
    with pytest.raises(DomainError) as error:
        record_expenditure(project, date=datetime.date(2026, 5, 2), amount=D("1"), user=user)
    assert codes(error) == [("MONTHLY_TOTAL_EXISTS", "date")]


def test_expenditures_and_spent_to(lsj, user) -> None:
    project = new_project(user)
    record_expenditure(
        project, date=datetime.date(2026, 1, 15), amount=D("100.10"), description="差旅", user=user
    )
    record_expenditure(project, date=datetime.date(2026, 1, 31), amount=D("200"), user=user)
    record_expenditure(project, date=datetime.date(2026, 2, 1), amount=D("50"), user=user)
    with pytest.raises(DomainError) as error:
        record_expenditure(project, date=datetime.date(2026, 2, 1), amount=D("0"), user=user)
    assert codes(error) == [("ZERO_AMOUNT", "amount")]
    assert selectors.spent_to(project, datetime.date(2026, 1, 31)) == D("300.10")
    assert selectors.spent_to(project, datetime.date(2025, 12, 31)) == D("0.00")
    assert selectors.monthly_spending(project)[1] == D("300.10")


# --- reads --------------------------------------------------------------------------------------


def test_projects_are_filtered_and_annotated_with_spending(lsj, user) -> None:
    spent = ProjectFactory(code="a", fiscal_year=2026, kind="equipment")
    idle = ProjectFactory(code="b", fiscal_year=2026, category="basic")
    ProjectFactory(code="c", fiscal_year=2025)
    for day in (1, 2, 3):
        Expenditure.objects.create(project=spent, date=datetime.date(2026, 3, day), amount=D("10"))
    GoalFactory(project=spent, status=GoalStatus.SUBMITTED)
    GoalFactory(project=spent, fiscal_year=2027)  # a second goal must not multiply the sum

    rows = {p.code: p for p in selectors.projects(fiscal_year=2026)}
    assert set(rows) == {"a", "b"}
    assert rows["a"].spent == D("30.00") and rows["b"].spent == D("0.00")
    assert [p.code for p in selectors.projects(kind="equipment")] == ["a"]
    assert [p.code for p in selectors.projects(category="basic")] == ["b"]
    assert [p.code for p in selectors.projects(goal_status=GoalStatus.SUBMITTED)] == ["a"]
    assert idle.pk in {p.pk for p in selectors.projects(fiscal_year=2026, goal_status=None)}


@pytest.mark.parametrize("count", [3, 30])
def test_projects_read_in_a_constant_number_of_queries(lsj, count: int) -> None:
    for index in range(count):
        project = ProjectFactory(code=f"p{index}")
        GoalIndicatorFactory.create_batch(2, goal=GoalFactory(project=project))
        Expenditure.objects.create(project=project, date=datetime.date(2026, 1, 1), amount=D("1"))
    with CaptureQueriesContext(connection) as queries:
        rows = list(selectors.projects(fiscal_year=2026))
        total = sum((p.spent for p in rows), D(0))
        statuses = [g.status for p in rows for g in p.goals.all()]
        targets = [i.code for p in rows for g in p.goals.all() for i in g.indicators.all()]
    assert (len(rows), total, len(statuses), len(targets)) == (count, D(count), count, 2 * count)
    assert len(queries) == 3  # projects, goals, indicators


# --- admin --------------------------------------------------------------------------------------


def test_the_admin_shows_projects_only_on_a_units_schema(unit, rf) -> None:
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = UserFactory(username="root", is_superuser=True, is_staff=True)
    for model in (Project, BudgetAdjustment, Expenditure):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_module_permission(request)  # public schema
        assert not model_admin.has_view_permission(request)
        with schema_context(unit("lengshuijiang").schema_name):
            assert model_admin.has_view_permission(request)
            assert not model_admin.has_add_permission(request)
            assert not model_admin.has_change_permission(request)

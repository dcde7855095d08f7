"""Bad input that used to crash later (issue 11): a negative goal target passed drafting and
then crashed the scoring at self-evaluation start; expenditures could be dated 0001-01-01."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from backend.accounts.models import User
from backend.budgets import services as budget_services
from backend.core.errors import DomainError
from backend.evaluation.services.project import start_self_evaluation
from backend.indicators.services.validation import clean_indicator_fields
from tenants.models import Procuratorate
from tests.evaluation.factories import STANDARD, actors, approved_goal, project_of
from tests.goals.factories import ProjectFactory


@pytest.mark.parametrize("direction", ["gte", "lte", "eq"])
def test_a_negative_target_is_refused_at_drafting(direction: str) -> None:
    _, problems = clean_indicator_fields(
        {"target_value": "-5", "direction": direction}, partial=True
    )
    assert [(p.code, p.field) for p in problems] == [("NEGATIVE_TARGET", "target_value")]
    _, problems = clean_indicator_fields(
        {"target_value": "0", "direction": direction}, partial=True
    )
    assert problems == []


def test_a_negative_target_already_stored_is_a_typed_error_at_start(
    lsj: Procuratorate, member: Callable[..., User]
) -> None:
    users = actors(member)
    rows = [dict(row) for row in STANDARD]
    rows[0]["target_value"] = Decimal("-5")  # written before drafting refused it
    goal = approved_goal(indicators=rows)
    with pytest.raises(DomainError) as error:
        start_self_evaluation(project_of(goal), 2026, users["finance"])
    [problem] = error.value.problems
    assert problem.code == "INVALID_INDICATOR"
    assert problem.field == f"indicators.{rows[0]['code']}.targetValue"


def test_an_expenditure_is_dated_inside_its_project_year(
    lsj: Procuratorate, member: Callable[..., User]
) -> None:
    user = actors(member)["finance"]
    project = ProjectFactory(fiscal_year=2026)
    for day, code in (
        ("0001-01-01", "INVALID_DATE"),
        (datetime.date(9999, 12, 31), "INVALID_DATE"),
        (datetime.date(2025, 12, 31), "DATE_OUTSIDE_YEAR"),
    ):
        with pytest.raises(DomainError) as error:
            budget_services.record_expenditure(project, date=day, amount=Decimal(1), user=user)
        assert [(p.code, p.field) for p in error.value.problems] == [(code, "date")], day
    spent = budget_services.record_expenditure(
        project, date=datetime.date(2026, 3, 1), amount=Decimal("1E+2"), user=user
    )
    assert spent.amount == Decimal("100.00")
    with pytest.raises(DomainError) as error:
        budget_services.record_expenditure(
            project, date=datetime.date(2026, 3, 1), amount="1E+30", user=user
        )
    assert [(p.code, p.field) for p in error.value.problems] == [("INVALID_NUMBER", "amount")]

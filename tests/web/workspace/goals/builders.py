"""Data of the goal and review page tests, written in 冷水江's schema inside the test
transaction: goals through the factories (or the services, where the page's behaviour
depends on them), the starter library adopted for the picker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import connection
from django_tenants.utils import schema_context

from backend.goals.models import GoalIndicator, PerformanceGoal
from backend.indicators.services.starter import load_starter_library
from backend.library.services import adopt_version
from tests.goals.factories import VALID_INDICATORS, GoalIndicatorFactory, ProjectFactory, make_goal

UNIT = "lengshuijiang"
# A complete goal's indicators spread over more rows: the first row's 30 points in `size` rows.


@contextmanager
def in_unit(code: str = UNIT) -> Iterator[None]:
    """Run the block in the unit's schema, and come back to public."""
    with schema_context(code):
        yield
    connection.set_schema_to_public()


def goal(*, indicators: int | None = None, **fields: Any) -> PerformanceGoal:
    """A goal of 冷水江 whose indicators pass the submission checks: the four valid ones, or
    ``indicators`` rows (the quantity indicator split into ``indicators - 3`` rows)."""
    with in_unit():
        rows: list[dict[str, Any]] = list(VALID_INDICATORS)
        if indicators is not None and indicators > len(rows):
            split = indicators - 3
            weight = (Decimal(30) / split).quantize(Decimal("0.01"))
            first = [
                {
                    **VALID_INDICATORS[0],
                    "code": f"n{n}",
                    "name": f"办理案件数 {n}",
                    "weight": weight,
                }
                for n in range(split)
            ]
            first[0]["weight"] = Decimal(30) - weight * (split - 1)
            rows = [*first, *VALID_INDICATORS[1:]]
        made = make_goal(indicators=rows, **fields)
        return PerformanceGoal.objects.select_related("project").get(pk=made.pk)


def goals(count: int, **fields: Any) -> list[PerformanceGoal]:
    """``count`` goals (each with its own project) of two indicators each."""
    made = []
    with in_unit():
        for _ in range(count):
            item = make_goal(indicators=VALID_INDICATORS[:2], **fields)
            made.append(item)
    return made


def indicator(goal: PerformanceGoal, code: str) -> GoalIndicator:
    with in_unit():
        return GoalIndicator.objects.get(goal=goal, code=code)


def reload(goal: PerformanceGoal) -> PerformanceGoal:
    with in_unit():
        return PerformanceGoal.objects.select_related("project").get(pk=goal.pk)


def starter_library() -> None:
    """The three starter templates published and adopted by 冷水江 (as a push would)."""
    versions = load_starter_library()
    with in_unit():
        for version in versions:
            adopt_version(version)


def project(**fields: Any) -> Any:
    with in_unit():
        return ProjectFactory(**fields)


def add_indicator(goal: PerformanceGoal, **fields: Any) -> GoalIndicator:
    with in_unit():
        return GoalIndicatorFactory(goal=goal, **fields)


def submit(goal: PerformanceGoal, finance: Any) -> PerformanceGoal:
    from backend.goals.services import workflow

    with in_unit():
        workflow.submit(goal, user=finance)
    return reload(goal)


def review(goal: PerformanceGoal, leader: Any, grade: str, **kwargs: Any) -> PerformanceGoal:
    from backend.goals.services import workflow

    decision = workflow.GRADE_DECISIONS[grade]
    with in_unit():
        workflow.review(goal, user=leader, decision=decision, grade=grade, **kwargs)
    return reload(goal)


def city_review_required(required: bool = True) -> None:
    from backend.accounts.models import User
    from backend.oversight.services import set_policy
    from tenants.models import Procuratorate

    admin, _ = User.objects.get_or_create(username="policy-staff", defaults={"is_staff": True})
    set_policy(Procuratorate.objects.get(code="hunan"), require_city_review=required, user=admin)


def html(response: Any) -> str:
    return response.content.decode()


# Who may open a page of each operation, and who gets the refusal (403, no data).
READERS = ["finance", "leader", "city_reviewer", "province_admin"]
PREPARERS = ["finance", "leader"]
OUTSIDERS = ["other_unit_finance", "other_city_reviewer", "evaluator", "city_finance"]

"""Test data for evaluations: an approved goal (ORM, inside a unit's schema) with the
standard four indicators (q1 ≥120 件 30, q2 ≥95 % 20, e1 qualitative 30, s1 ≥90 % 10; q1, q2
and e1 from the template ``tpl-case``), spending, and the results that score it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from backend.accounts.models import Role, User
from backend.benchmarking.services import record_goal_facts
from backend.budgets.models import Expenditure, Project
from backend.goals.models import GoalStatus, PerformanceGoal
from tenants.selectors import current_unit
from tests.goals.factories import VALID_INDICATORS, make_goal

D = Decimal
TEMPLATE = {"source": "library", "template_code": "tpl-case", "template_version": 1}
STANDARD = [{**row, **TEMPLATE} for row in VALID_INDICATORS[:3]] + VALID_INDICATORS[3:]

# Results that meet every target: execution 90 % → 9.00, then 30 + 20 + 27 + 10: total 96.00.
MET: list[dict[str, Any]] = [
    {"code": "q1", "actual_value": D("130")},
    {"code": "q2", "actual_value": D("96")},
    {"code": "e1", "band": "achieved", "band_score": D("27"), "explanation": "群众评价较好，扣3分"},
    {"code": "s1", "actual_value": D("92")},
]


def approved_goal(
    *, budget: str = "1000000.00", spent: str | None = "900000.00", **fields: Any
) -> PerformanceGoal:
    """An approved goal of 2026 on a fresh project, with ``spent`` recorded in 2026."""
    goal = make_goal(
        indicators=fields.pop("indicators", STANDARD),
        status=GoalStatus.APPROVED,
        grade="good",
        approved_at=timezone.now(),
        project__initial_budget=D(budget),
        **fields,
    )
    # As the final approval does: the goal's facts, in its transaction.
    record_goal_facts(current_unit(), goal)
    if spent is not None:
        Expenditure.objects.create(
            project=goal.project, date=datetime.date(2026, 6, 30), amount=D(spent)
        )
    return goal


def project_of(goal: PerformanceGoal) -> Project:
    return Project.objects.get(pk=goal.project_id)


def actors(member: Callable[..., User], code: str = "lengshuijiang") -> dict[str, User]:
    return {
        "finance": member(code, Role.UNIT_FINANCE, f"{code}-fin"),
        "leader": member(code, Role.UNIT_LEADER, f"{code}-lead"),
    }

# ruff: noqa: F811  (the fixtures of tests.goals.test_xlsx are imported by name)
"""The one indicator-edit policy (``backend/goals/services/edit_policy.py``): its table of cases,
and every caller (the drafting service behind GraphQL and the pages, the page forms, the XLSX
import, adjustment requests) refusing the same edit with the same code."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from graphql_relay import to_global_id

from backend.accounts.models import Role, User
from backend.core.errors import DomainError
from backend.goals.models import GoalIndicator, GoalStatus, PerformanceGoal
from backend.goals.services import drafting, workflow, xlsx
from backend.goals.services.edit_policy import (
    ADJUSTABLE_FIELDS,
    Flags,
    Route,
    field_refusal,
    goal_problem,
    goal_refusal,
    open_fields,
)
from backend.web.workspace.goals.forms import AdjustmentForm, IndicatorForm
from tests.goals.test_xlsx import FIRST, SHEET, book, goal, lsj, project, user  # noqa: F401

EDIT, ADJUST = Route.EDIT, Route.ADJUSTMENT
GOAL_OWN = Flags(from_library=False, locked=False)
LIBRARY = Flags(from_library=True, locked=False)
LOCKED = Flags(from_library=True, locked=True)


@pytest.mark.parametrize(
    ("route", "flags", "field", "code"),
    [
        # A draft's own indicator: everything but the province's flags.
        (EDIT, GOAL_OWN, "code", None),
        (EDIT, GOAL_OWN, "level1", None),
        (EDIT, GOAL_OWN, "target_value", None),
        (EDIT, GOAL_OWN, "weight", None),
        (EDIT, GOAL_OWN, "locked", "NOT_EDITABLE"),
        (EDIT, GOAL_OWN, "mandatory", "NOT_EDITABLE"),
        # A library indicator: code and levels are the library's.
        (EDIT, LIBRARY, "code", "NOT_EDITABLE"),
        (EDIT, LIBRARY, "level2", "NOT_EDITABLE"),
        (EDIT, LIBRARY, "name", None),
        (EDIT, LIBRARY, "target_value", None),
        (EDIT, LIBRARY, "weight", None),
        # A locked one: target and weight are the province's.
        (EDIT, LOCKED, "target_value", "LOCKED"),
        (EDIT, LOCKED, "target_text", "LOCKED"),
        (EDIT, LOCKED, "weight", "LOCKED"),
        (EDIT, LOCKED, "unit", None),
        (EDIT, LOCKED, "level1", "NOT_EDITABLE"),
        # An adjustment: four fields, and still never a locked target or weight.
        (ADJUST, GOAL_OWN, "target_value", None),
        (ADJUST, GOAL_OWN, "unit", None),
        (ADJUST, GOAL_OWN, "name", "NOT_ADJUSTABLE"),
        (ADJUST, LIBRARY, "level1", "NOT_ADJUSTABLE"),
        (ADJUST, LOCKED, "weight", "LOCKED"),
        (ADJUST, LOCKED, "target_text", "LOCKED"),
        (ADJUST, LOCKED, "unit", None),
    ],
)
def test_the_policy_table(route: Route, flags: Flags, field: str, code: str | None) -> None:
    assert field_refusal(route, flags, field) == code


@pytest.mark.parametrize(
    ("status", "edit", "adjust"),
    [
        (GoalStatus.DRAFT, None, "INVALID_TRANSITION"),
        (GoalStatus.RETURNED, None, "INVALID_TRANSITION"),
        (GoalStatus.SUBMITTED, "NOT_EDITABLE", "INVALID_TRANSITION"),
        (GoalStatus.APPROVED, "NOT_EDITABLE", None),
        (GoalStatus.REJECTED, "NOT_EDITABLE", "INVALID_TRANSITION"),
    ],
)
def test_the_goal_states(status: str, edit: str | None, adjust: str | None) -> None:
    assert goal_refusal(EDIT, status) == edit
    assert goal_refusal(ADJUST, status) == adjust
    refusal = goal_problem(EDIT, status)
    assert (refusal.code if refusal else None) == edit
    if status == GoalStatus.APPROVED:
        assert refusal is not None and "调整申请" in refusal.message


def test_open_fields_are_what_a_page_offers() -> None:
    assert open_fields(ADJUST, LOCKED, ADJUSTABLE_FIELDS) == ("unit",)
    assert open_fields(ADJUST, GOAL_OWN, ADJUSTABLE_FIELDS) == ADJUSTABLE_FIELDS


def _locked(goal: PerformanceGoal) -> tuple[GoalIndicator, int]:
    """A locked indicator of the goal and its row on the exported form."""
    rows = list(GoalIndicator.objects.filter(goal=goal).order_by("sort_order", "id"))
    index, found = next((i, r) for i, r in enumerate(rows) if r.locked and r.weight)
    return found, FIRST + index


def _import_codes(goal: PerformanceGoal, user: User, edit: Callable[[Any, int], None]) -> set:
    workbook = book(xlsx.export_goal(goal))
    _, row = _locked(goal)
    edit(workbook[SHEET], row)
    buffer = BytesIO()
    workbook.save(buffer)
    with pytest.raises(DomainError) as refused:
        xlsx.import_goal(goal.project, buffer.getvalue(), user=user)
    return {p.code for p in refused.value.problems}


def test_every_caller_refuses_a_locked_weight_with_locked(
    goal: PerformanceGoal,
    user: User,
    member: Callable[..., User],
) -> None:
    locked, _ = _locked(goal)
    new_weight = locked.weight + Decimal(1)

    # The service behind GraphQL's updateGoalIndicator and the goal page.
    with pytest.raises(DomainError) as refused:
        drafting.update_goal_indicator(locked, {"weight": new_weight}, user=user)
    assert [(p.code, p.field) for p in refused.value.problems] == [("LOCKED", "weight")]

    # The page's form does not offer it.
    assert "weight" not in IndicatorForm(indicator=locked).fields
    assert "target_value" not in IndicatorForm(indicator=locked).fields

    # The import names the cell.
    def change_weight(sheet: Any, row: int) -> None:
        sheet[f"I{row}"] = float(new_weight)

    assert _import_codes(goal, user, change_weight) == {"LOCKED"}

    # An adjustment of the approved goal: refused with the same code; the page disables it.
    PerformanceGoal.objects.filter(pk=goal.pk).update(status=GoalStatus.APPROVED)
    goal.refresh_from_db()
    finance = member("lengshuijiang", Role.UNIT_FINANCE, "lsj-policy")
    with pytest.raises(DomainError) as refused:
        workflow.request_adjustment(
            goal,
            reason="年中调整",
            changes=[{"indicator": locked.code, "field": "weight", "after": str(new_weight)}],
            user=finance,
        )
    assert [(p.code, p.field) for p in refused.value.problems] == [("LOCKED", "changes.0.field")]
    form = AdjustmentForm(indicators=[locked])
    assert form.fields[f"a{locked.pk}_weight"].disabled
    assert not form.fields[f"a{locked.pk}_unit"].disabled


def test_every_caller_refuses_an_approved_goal_with_not_editable(
    goal: PerformanceGoal,
    user: User,
) -> None:
    plain = GoalIndicator.objects.filter(goal=goal, locked=False).first()
    assert plain is not None
    PerformanceGoal.objects.filter(pk=goal.pk).update(status=GoalStatus.APPROVED)
    goal.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        drafting.update_goal_indicator(plain, {"name": "改名"}, user=user)
    assert [p.code for p in refused.value.problems] == ["NOT_EDITABLE"]
    assert "调整申请" in refused.value.problems[0].message
    with pytest.raises(DomainError) as refused:
        xlsx.import_goal(goal.project, xlsx.export_goal(goal), user=user)
    assert [p.code for p in refused.value.problems] == ["NOT_EDITABLE"]


def test_every_caller_refuses_a_library_level_with_not_editable(
    goal: PerformanceGoal,
    user: User,
) -> None:
    locked, _ = _locked(goal)
    assert locked.level1 == "产出指标"  # another level 2 of the same level 1 is a valid one
    other = "数量指标" if locked.level2 != "数量指标" else "质量指标"
    with pytest.raises(DomainError) as refused:
        drafting.update_goal_indicator(locked, {"level2": other}, user=user)
    assert [(p.code, p.field) for p in refused.value.problems] == [("NOT_EDITABLE", "level2")]

    def change_level(sheet: Any, row: int) -> None:
        sheet[f"B{row}"] = other

    assert _import_codes(goal, user, change_level) == {"NOT_EDITABLE"}


def test_graphql_refuses_a_locked_weight_with_locked(
    goal: PerformanceGoal,
    gql: Any,
    member: Callable[..., User],
    token_for: Callable[[User], str],
) -> None:
    locked, _ = _locked(goal)
    token = token_for(member("lengshuijiang", Role.UNIT_FINANCE, "lsj-policy-gql"))
    result = gql(
        """mutation($id: ID!) { updateGoalIndicator(id: $id, input: { weight: "99" }) {
            errors { field code } } }""",
        host="lengshuijiang.localhost",
        token=token,
        variables={"id": to_global_id("GoalIndicator", locked.pk)},
    )
    assert result["data"]["updateGoalIndicator"]["errors"] == [
        {"field": "weight", "code": "LOCKED"}
    ]

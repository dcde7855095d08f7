"""The submission checks of a goal: weights per scoring group in both layouts, the groups that
must be present, quantitative and qualitative targets, every problem named with its indicator
and reported together; and the warning of a target below last year's result."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.core.errors import Problem
from backend.goals import selectors
from backend.goals.models import PerformanceGoal
from backend.goals.services.checks import submission_problems, weight_totals
from backend.indicators.models import Layout
from tests.goals.factories import VALID_INDICATORS, GoalIndicatorFactory, ProjectFactory, make_goal
from tests.indicators.push_factories import TemplateFactory

pytestmark = pytest.mark.django_db

D = Decimal


def rows(changes: dict[str, dict[str, Any]] | None = None, drop: tuple[str, ...] = ()) -> list:
    """VALID_INDICATORS with per-code changes, some dropped."""
    changes = changes or {}
    return [
        {**row, **changes.get(row["code"], {})}
        for row in VALID_INDICATORS
        if row["code"] not in drop
    ]


def check(goal: PerformanceGoal) -> tuple[list[Problem], list[Problem]]:
    return submission_problems(selectors.goal_with_indicators(goal.pk))


def fields(problems: list[Problem]) -> list[tuple[str, str | None]]:
    return sorted((p.code, p.field) for p in problems)


def test_a_complete_goal_has_no_problems(lsj) -> None:
    assert check(make_goal()) == ([], [])


def test_a_goal_needs_indicators(lsj) -> None:
    errors, warnings = check(make_goal(indicators=[]))
    assert fields(errors) == [("NO_INDICATORS", "indicators")]
    assert warnings == []


def test_weights_add_up_per_group_naming_the_indicators(lsj) -> None:
    errors, _ = check(make_goal(indicators=rows({"q2": {"weight": D("15")}})))
    assert fields(errors) == [
        ("GROUP_WEIGHT_MISMATCH", "indicators"),
        ("TOTAL_WEIGHT_MISMATCH", "indicators"),
    ]
    group = next(p for p in errors if p.code == "GROUP_WEIGHT_MISMATCH")
    assert "产出指标分值合计 45.00，应为 50.00" in group.message
    assert "按默认计分结构" in group.message
    assert "q1 30.00、q2 15.00" in group.message and "e1" not in group.message


def test_without_satisfaction_its_points_go_to_effect(lsj) -> None:
    moved = rows({"e1": {"weight": D("40")}}, drop=("s1",))
    assert check(make_goal(indicators=moved)) == ([], [])

    errors, _ = check(make_goal(indicators=rows(drop=("s1",))))
    group = next(p for p in errors if p.code == "GROUP_WEIGHT_MISMATCH")
    assert "效益指标分值合计 30.00，应为 40.00" in group.message
    assert "满意度分值计入效益指标" in group.message
    assert "e1 30.00" in group.message


@pytest.mark.parametrize(
    ("level1", "level2"), [("产出指标", "成本指标"), ("成本指标", "经济成本指标")]
)
def test_cost_indicators_count_in_the_output_group_in_both_layouts(
    lsj, level1: str, level2: str
) -> None:
    cost = {
        "level1": level1,
        "level2": level2,
        "name": "单位成本",
        "direction": "lte",
        "unit": "元",
    }
    assert check(make_goal(indicators=rows({"q2": cost}))) == ([], [])
    errors, _ = check(make_goal(indicators=rows({"q2": {**cost, "weight": D("25")}})))
    group = next(p for p in errors if p.code == "GROUP_WEIGHT_MISMATCH")
    assert "产出指标分值合计 55.00，应为 50.00" in group.message and "q2 25.00" in group.message


def test_the_templates_own_split_applies_to_its_indicators(lsj) -> None:
    TemplateFactory(
        code="split-tpl",
        name="自定分组模板",
        group_weights={"output": 60, "effect": 20, "satisfaction": 10},
    )
    linked = {"template_code": "split-tpl", "template_version": 1, "source": "library"}
    split = rows(
        {
            "q1": {**linked, "weight": D("40")},
            "q2": {**linked},
            "e1": {**linked, "weight": D("20")},
            "s1": {**linked},
        }
    )
    assert check(make_goal(indicators=split)) == ([], [])
    # the default split would have been 50/30/10
    errors, _ = check(make_goal(indicators=rows({c: linked for c in ("q1", "q2", "e1", "s1")})))
    group_messages = [p.message for p in errors if p.code == "GROUP_WEIGHT_MISMATCH"]
    assert len(group_messages) == 2
    assert all("按模板“自定分组模板”的计分结构" in m for m in group_messages)
    # indicators of two templates: the default structure
    mixed = rows({"q1": {**linked, "weight": D("40")}, "e1": {"template_code": "other"}})
    errors, _ = check(make_goal(indicators=mixed))
    assert ("GROUP_WEIGHT_MISMATCH", "indicators") in fields(errors)
    assert all("按默认计分结构" in p.message for p in errors if "WEIGHT" in p.code)


def test_the_pooled_layout_checks_only_the_total(lsj) -> None:
    TemplateFactory(code="pooled-tpl", layout=Layout.POOLED)
    linked = {"template_code": "pooled-tpl"}
    pooled = rows(
        {
            "q1": {**linked, "weight": D("10")},
            "q2": {**linked, "weight": D("10")},
            "e1": {**linked, "weight": D("60")},
            "s1": {**linked, "weight": D("10")},
        }
    )
    assert check(make_goal(indicators=pooled)) == ([], [])
    short = [{**row, "weight": D("5")} if row["code"] == "q1" else row for row in pooled]
    errors, _ = check(make_goal(indicators=short))
    assert fields(errors) == [("TOTAL_WEIGHT_MISMATCH", "indicators")]
    assert "指标分值合计 85.00，应为 90.00" in errors[0].message
    assert "q1 5.00、q2 10.00、e1 60.00、s1 10.00" in errors[0].message


def test_a_quantity_and_an_effect_indicator_are_required(lsj) -> None:
    only = rows({"q2": {"weight": D("50")}, "s1": {"weight": D("40")}}, drop=("q1", "e1"))
    errors, _ = check(make_goal(indicators=only))
    assert ("MISSING_QUANTITY_INDICATOR", "indicators") in fields(errors)
    assert ("MISSING_EFFECT_INDICATOR", "indicators") in fields(errors)


def test_a_quantitative_target_needs_a_number_a_unit_and_a_direction(lsj) -> None:
    bare = rows({"q1": {"unit": "", "direction": "", "target_value": None}})
    errors, _ = check(make_goal(indicators=bare))
    assert fields(errors) == [
        ("DIRECTION_REQUIRED", "indicators.q1.direction"),
        ("TARGET_REQUIRED", "indicators.q1.target_value"),
        ("UNIT_REQUIRED", "indicators.q1.unit"),
    ]
    assert all("办理案件数" in p.message for p in errors)


def test_a_qualitative_target_needs_a_text(lsj) -> None:
    errors, _ = check(make_goal(indicators=rows({"e1": {"target_text": " "}})))
    assert fields(errors) == [("TARGET_TEXT_REQUIRED", "indicators.e1.target_text")]


def test_every_problem_is_reported_at_once(lsj) -> None:
    broken = rows(
        {
            "q2": {"unit": "", "target_value": None, "weight": D("10")},
            "e1": {"target_text": ""},
            "s1": {"direction": ""},
        },
        drop=("q1",),
    )
    errors, warnings = check(make_goal(indicators=broken))
    assert fields(errors) == [
        ("DIRECTION_REQUIRED", "indicators.s1.direction"),
        ("GROUP_WEIGHT_MISMATCH", "indicators"),
        ("MISSING_QUANTITY_INDICATOR", "indicators"),
        ("TARGET_REQUIRED", "indicators.q2.target_value"),
        ("TARGET_TEXT_REQUIRED", "indicators.e1.target_text"),
        ("TOTAL_WEIGHT_MISMATCH", "indicators"),
        ("UNIT_REQUIRED", "indicators.q2.unit"),
    ]
    assert warnings == []


# --- last year's results ------------------------------------------------------------------------


def last_year(code: str, actuals: dict[str, Decimal | None], year: int = 2025) -> None:
    goal = make_goal(
        project=ProjectFactory(code=code, fiscal_year=year),
        indicators=rows({c: {"target_value": D("1")} for c in ("q1", "q2", "s1")}),
    )
    goal.indicators.filter(code__in=list(actuals)).delete()
    for index, (indicator_code, actual) in enumerate(actuals.items()):
        GoalIndicatorFactory(
            goal=goal,
            code=indicator_code,
            actual_value=actual,
            sort_order=10 + index,
            direction="lte" if indicator_code == "c1" else "gte",
        )


def test_a_gte_target_below_last_years_result_is_a_warning(lsj) -> None:
    last_year("case", {"q1": D("130"), "q2": D("95"), "c1": D("80"), "s1": None})
    last_year("other", {"s1": D("99")})  # another project: not compared
    last_year("case", {"e1": D("1")}, year=2024)  # two years ago: not compared
    cost = {
        "code": "c1",
        "level1": "产出指标",
        "level2": "成本指标",
        "name": "单位成本",
        "direction": "lte",
        "unit": "元",
        "target_value": D("50"),
        "weight": D("10"),
    }
    this_year = [*rows({"q2": {"weight": D("10")}}), cost]
    goal = make_goal(project=ProjectFactory(code="case", fiscal_year=2026), indicators=this_year)
    errors, warnings = check(goal)
    assert errors == []  # a warning does not block
    assert [(p.code, p.field, p.message) for p in warnings] == [
        (
            "TARGET_BELOW_LAST_YEAR",
            "indicators.q1.target_value",
            "目标值低于上年实际完成值（上年 130）",
        )
    ]


@pytest.mark.parametrize("count", [4, 40])
def test_the_checks_take_a_constant_number_of_queries(lsj, count: int) -> None:
    TemplateFactory(code="tpl")
    last_year("case", {f"x{i}": D("10") for i in range(count)})
    indicators = [
        {"code": f"x{i}", "template_code": "tpl", "target_value": D("5"), "weight": D("1")}
        for i in range(count)
    ]
    goal = make_goal(project=ProjectFactory(code="case"), indicators=indicators)
    loaded = selectors.goal_with_indicators(goal.pk)
    with CaptureQueriesContext(connection) as queries:
        errors, warnings = submission_problems(loaded)
    assert len(warnings) == count and errors
    assert len(queries) == 2  # the template, last year's actuals


# --- the weight totals the form shows ------------------------------------------------------------


def totals(goal: PerformanceGoal) -> dict[str, tuple[str, str]]:
    result = weight_totals(list(selectors.goal_with_indicators(goal.pk).indicators.all()))
    shown = {g.group: (str(g.declared), str(g.expected)) for g in result.groups}
    shown["total"] = (str(result.declared), str(result.expected))
    return shown


def test_weight_totals_follow_the_same_structure_as_the_checks(lsj) -> None:
    assert totals(make_goal(indicators=rows({"q2": {"weight": D("15")}}))) == {
        "output": ("45.00", "50"),
        "effect": ("30.00", "30"),
        "satisfaction": ("10.00", "10"),
        "total": ("85.00", "90"),
    }
    # no satisfaction indicator: its points go to the effect group
    no_satisfaction = weight_totals(
        list(
            selectors.goal_with_indicators(
                make_goal(indicators=rows(drop=("s1",))).pk
            ).indicators.all()
        )
    )
    assert [(g.group, g.label, str(g.expected)) for g in no_satisfaction.groups] == [
        ("output", "产出指标", "50"),
        ("effect", "效益指标（含满意度分值）", "40"),
    ]
    assert not no_satisfaction.balanced
    TemplateFactory(
        code="pooled-tpl", name="不分组模板", layout=Layout.POOLED, execution_weight=D("20")
    )
    pooled = make_goal(
        indicators=rows({c: {"template_code": "pooled-tpl"} for c in ("q1", "q2", "e1", "s1")})
    )
    result = weight_totals(list(selectors.goal_with_indicators(pooled.pk).indicators.all()))
    assert (result.groups, str(result.expected), result.basis) == (
        [],
        "80.00",
        "按模板“不分组模板”的计分结构",
    )

"""ws:goal-indicator-update — one indicator's row: saved as one leaves a field (htmx) or with
its button; every bad value named next to its field, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalIndicator, GoalStatus
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, html

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(goal_id: int, indicator_id: int) -> str:
    return reverse("ws:goal-indicator-update", urlconf="backend.urls", args=[goal_id, indicator_id])


def row(indicator: GoalIndicator, **values: str) -> dict[str, str]:
    """The row's fields as the page posts them (prefixed), with ``values`` changed."""
    data = {
        "name": indicator.name,
        "value_type": indicator.value_type,
        "direction": indicator.direction,
        "target_value": str(indicator.target_value or ""),
        "unit": indicator.unit,
        "weight": str(indicator.weight),
        "polarity": indicator.polarity,
        **values,
    }
    return {f"i{indicator.pk}-{key}": value for key, value in data.items()}


@pytest.mark.parametrize(
    "name", ["finance", "leader", "city_reviewer", "province_admin", *OUTSIDERS]
)
def test_only_preparers_change_an_indicator(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal()
    q1 = builders.indicator(goal, "q1")
    response = browse(persona(name)).post(url(goal.pk, q1.pk), row(q1, target_value="150"))
    saved = builders.indicator(goal, "q1").target_value == Decimal("150")
    assert (response.status_code in (200, 302)) == saved == (name in ("finance", "leader"))
    if not saved:
        assert response.status_code == 403 and "办理案件数" not in html(response)


def test_htmx_gets_the_row_and_the_weights_back(finance_page: Browser) -> None:
    goal = builders.goal()
    q1 = builders.indicator(goal, "q1")
    response = finance_page.post(url(goal.pk, q1.pk), row(q1, weight="35"), **HTMX)
    page = html(response)
    assert response.status_code == 200
    assert f'id="ind-{q1.pk}"' in page and "已保存" in page
    assert 'hx-swap-oob="true"' in page and "合计 <b data-sum>95</b> / 90" in page
    assert builders.indicator(goal, "q1").weight == Decimal("35")


def test_without_javascript_it_redirects_back_to_the_row(finance_page: Browser) -> None:
    goal = builders.goal()
    q1 = builders.indicator(goal, "q1")
    response = finance_page.post(url(goal.pk, q1.pk), row(q1, unit="宗"))
    assert response.status_code == 302 and response["Location"].endswith(f"#ind-{q1.pk}")
    assert builders.indicator(goal, "q1").unit == "宗"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"target_value": "1e20"}, "target_value", "超出允许范围"),
        ({"target_value": "-1e30"}, "target_value", "超出允许范围"),
        ({"target_value": "12O"}, "target_value", "指标值“12O”不是有效的数字。"),
        ({"target_value": "1.23456"}, "target_value", "最多保留 4 位小数"),
        ({"weight": "-5"}, "weight", "分值不能为负数。"),
        ({"weight": "99999"}, "weight", "超出允许范围"),
        ({"name": "长" * 201}, "name", "三级指标不能超过 200 个字符。"),
        ({"name": "案件\x00数"}, "name", "不能包含空字符（NUL）。"),
        ({"unit": "\x00"}, "unit", "不能包含空字符"),
        ({"value_type": "maybe"}, "value_type", "选择一个有效的选项"),
    ],
)
def test_bad_values_are_named_next_to_the_field_and_nothing_is_written(
    finance_page: Browser, values: dict[str, str], field: str, message: str
) -> None:
    goal = builders.goal()
    q1 = builders.indicator(goal, "q1")
    for extra in ({}, HTMX):
        response = finance_page.post(url(goal.pk, q1.pk), row(q1, **values), **extra)
        assert response.status_code == 200
        page = html(response)
        start = page.index(f'id="ind-{q1.pk}"')
        cell = page[start:][: page[start:].index("jx-c-act")]
        assert message in cell, cell[-800:]
    after = builders.indicator(goal, "q1")
    assert (after.name, after.target_value, after.weight, after.unit) == (
        q1.name,
        q1.target_value,
        q1.weight,
        q1.unit,
    )


def test_a_locked_target_and_weight_are_not_in_the_row(finance_page: Browser) -> None:
    goal = builders.goal()
    with builders.in_unit():
        GoalIndicator.objects.filter(goal=goal, code="q1").update(locked=True)
    q1 = builders.indicator(goal, "q1")
    data = row(q1, target_value="1", weight="1", unit="宗")
    finance_page.post(url(goal.pk, q1.pk), data)
    after = builders.indicator(goal, "q1")
    assert (after.target_value, after.weight, after.unit) == (q1.target_value, q1.weight, "宗")


def test_editing_a_returned_goal_redraws_the_page(finance_page: Browser) -> None:
    goal = builders.goal(status=GoalStatus.RETURNED)
    q1 = builders.indicator(goal, "q1")
    response = finance_page.post(url(goal.pk, q1.pk), row(q1, target_value="130"), **HTMX)
    assert response["HX-Refresh"] == "true"
    assert builders.reload(goal).status == GoalStatus.DRAFT


def test_an_indicator_of_another_goal_is_not_found(finance_page: Browser) -> None:
    goal, other = builders.goal(), builders.goal()
    q1 = builders.indicator(other, "q1")
    assert finance_page.post(url(goal.pk, q1.pk), row(q1)).status_code == 404


def test_a_submitted_goals_row_says_why_it_was_not_saved(finance_page: Browser) -> None:
    goal = builders.goal(status=GoalStatus.SUBMITTED)
    q1 = builders.indicator(goal, "q1")
    response = finance_page.post(url(goal.pk, q1.pk), row(q1, target_value="130"), **HTMX)
    assert "绩效目标当前状态为“待单位审核”，不能修改。" in html(response)
    assert builders.indicator(goal, "q1").target_value == Decimal("120")

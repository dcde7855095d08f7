"""ws:goal-indicator-new — an indicator written for this goal alone (本目标自设)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalIndicator
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, html

pytestmark = pytest.mark.django_db

GOOD = {
    "code": "lsj-mediation",
    "level1": "效益指标",
    "level2": "社会效益指标",
    "name": "矛盾纠纷化解率",
    "value_type": "quantitative",
    "direction": "gte",
    "target_value": "87.5",
    "unit": "%",
    "weight": "2",
    "polarity": "positive",
}


def url(goal_id: int) -> str:
    return reverse("ws:goal-indicator-new", urlconf="backend.urls", args=[goal_id])


def posted(values: dict[str, str]) -> dict[str, str]:
    return {f"new-{key}": value for key, value in values.items()}


def count(goal: object) -> int:
    with builders.in_unit():
        return GoalIndicator.objects.filter(goal=goal).count()


@pytest.mark.parametrize("name", ["finance", "leader", "city_reviewer", *OUTSIDERS])
def test_only_preparers_write_indicators(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal()
    response = browse(persona(name)).post(url(goal.pk), posted(GOOD))
    assert (count(goal) == 5) == (name in ("finance", "leader"))
    assert response.status_code == (302 if name in ("finance", "leader") else 403)


def test_a_qualitative_indicator_keeps_its_text(finance_page: Browser) -> None:
    goal = builders.goal()
    finance_page.post(
        url(goal.pk),
        posted({**GOOD, "value_type": "qualitative", "direction": "", "target_text": "明显改善"}),
    )
    with builders.in_unit():
        made = GoalIndicator.objects.get(goal=goal, code="lsj-mediation")
    assert (made.target_text, made.target_value, made.source) == ("明显改善", None, "goal")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"code": "中文编码"}, "code", "指标编码“中文编码”无效"),
        ({"code": "q1"}, "code", "本目标已有指标编码“q1”。"),
        ({"level2": "数量指标"}, "level2", "二级指标“数量指标”不属于效益指标"),
        ({"target_value": "9" * 20}, "target_value", "超出允许范围"),
        ({"weight": "-1"}, "weight", "分值不能为负数。"),
        ({"name": "长" * 201}, "name", "三级指标不能超过 200 个字符。"),
        ({"name": "\x00"}, "name", "不能包含空字符"),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(
    finance_page: Browser, values: dict[str, str], field: str, message: str
) -> None:
    goal = builders.goal()
    page = html(finance_page.post(url(goal.pk), posted({**GOOD, **values})))
    assert message in page[page.index(f'data-field-error="{field}"') :][:300]
    assert 'class="collapse mt-3 show" id="jx-new"' in page  # the form stays open
    assert count(goal) == 4

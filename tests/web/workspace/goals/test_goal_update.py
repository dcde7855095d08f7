"""ws:goal-update — the goal's texts (年度总体目标, 中期目标)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalStatus
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, html

pytestmark = pytest.mark.django_db


def url(goal_id: int) -> str:
    return reverse("ws:goal-update", urlconf="backend.urls", args=[goal_id])


@pytest.mark.parametrize(
    "name", ["finance", "leader", "city_reviewer", "province_admin", *OUTSIDERS]
)
def test_only_preparers_change_the_texts(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal()
    response = browse(persona(name)).post(url(goal.pk), {"overall_goal": "新的总体目标"})
    changed = builders.reload(goal).overall_goal == "新的总体目标"
    if name in ("finance", "leader"):
        assert response.status_code == 302 and changed
    else:
        assert response.status_code == 403 and not changed
        assert "案件质量合格率" not in html(response)


def test_a_get_writes_nothing(finance_page: Browser) -> None:
    goal = builders.goal()
    assert finance_page.get(url(goal.pk)).status_code == 405


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"overall_goal": " "}, "overall_goal", "此项为必填项。"),
        ({"overall_goal": "长" * 2001}, "overall_goal", "年度总体目标不能超过 2000 个字符。"),
        ({"overall_goal": "目标\x00"}, "overall_goal", "不能包含空字符（NUL）。"),
        ({"overall_goal": "目标", "midterm_goal": "\x00"}, "midterm_goal", "不能包含空字符"),
    ],
)
def test_bad_texts_are_named_and_nothing_is_written(
    finance_page: Browser, data: dict[str, str], field: str, message: str
) -> None:
    goal = builders.goal()
    page = html(finance_page.post(url(goal.pk), data))
    assert message in page[page.index(f'data-field-error="{field}"') :][:200]
    assert builders.reload(goal).overall_goal == goal.overall_goal


def test_a_submitted_goal_is_not_edited(finance_page: Browser) -> None:
    goal = builders.goal(status=GoalStatus.SUBMITTED)
    page = html(finance_page.post(url(goal.pk), {"overall_goal": "改写"}))
    assert "绩效目标当前状态为“待单位审核”，不能修改。" in page
    assert builders.reload(goal).overall_goal == goal.overall_goal


def test_an_edit_of_a_returned_goal_makes_it_a_draft(finance_page: Browser) -> None:
    goal = builders.goal(status=GoalStatus.RETURNED)
    finance_page.post(url(goal.pk), {"overall_goal": "按审核意见修改后的目标"})
    assert builders.reload(goal).status == GoalStatus.DRAFT

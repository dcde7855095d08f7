"""ws:goal-withdraw — 撤回: a submitted goal back to draft before the leader reviews it."""

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
    return reverse("ws:goal-withdraw", urlconf="backend.urls", args=[goal_id])


@pytest.mark.parametrize("name", ["city_reviewer", "province_admin", *OUTSIDERS])
def test_outsiders_are_refused(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.submit(builders.goal(), persona("finance"))
    response = browse(persona(name)).post(url(goal.pk))
    assert response.status_code == 403
    assert builders.reload(goal).status == GoalStatus.SUBMITTED


def test_finance_withdraws_before_review(
    finance_page: Browser, persona: Callable[[str], User]
) -> None:
    goal = builders.submit(builders.goal(), persona("finance"))
    response = finance_page.post(url(goal.pk), follow=True)
    assert "已撤回，绩效目标回到草稿状态" in html(response)
    assert builders.reload(goal).status == GoalStatus.DRAFT


def test_after_the_leaders_review_it_is_too_late(
    finance_page: Browser, persona: Callable[[str], User]
) -> None:
    builders.city_review_required()
    goal = builders.submit(builders.goal(), persona("finance"))
    goal = builders.review(goal, persona("leader"), "good")
    assert goal.status == GoalStatus.UNIT_APPROVED
    response = finance_page.post(url(goal.pk), follow=True)
    assert "绩效目标当前状态为“待市院审核”，不能撤回。" in html(response)
    assert builders.reload(goal).status == GoalStatus.UNIT_APPROVED

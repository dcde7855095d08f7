"""ws:review — the unit leader's inbox: 待审核 (goals and adjustment requests) and 已审核."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalStatus
from backend.goals.services import workflow
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, html

pytestmark = pytest.mark.django_db
URL = reverse("ws:review", urlconf="backend.urls")


@pytest.mark.parametrize(
    "name", ["leader", "finance", "city_reviewer", "province_admin", *OUTSIDERS]
)
def test_only_the_leader_opens_the_inbox(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    builders.goal(status=GoalStatus.SUBMITTED, project__name="待审项目甲")
    response = browse(persona(name)).get(URL)
    assert response.status_code == (200 if name == "leader" else 403)
    assert ("待审项目甲" in html(response)) == (name == "leader")


def test_to_do_and_done(leader_page: Browser, persona: Callable[[str], User]) -> None:
    waiting = builders.submit(builders.goal(project__name="待审项目"), persona("finance"))
    decided = builders.submit(builders.goal(project__name="已审项目"), persona("finance"))
    builders.review(decided, persona("leader"), "excellent")
    approved = builders.review(
        builders.submit(builders.goal(project__name="调整项目"), persona("finance")),
        persona("leader"),
        "good",
    )
    with builders.in_unit():
        adjustment = workflow.request_adjustment(
            approved,
            reason="年中追加任务",
            changes=[{"indicator": "q2", "field": "target_value", "after": "97"}],
            user=persona("finance"),
        )
        workflow.submit_adjustment(adjustment, user=persona("finance"))
    todo = html(leader_page.get(URL))
    goals = todo[todo.index('data-testid="awaiting-goals"') :]
    assert "待审项目" in goals and "已审项目" not in goals
    assert reverse("ws:review-goal", urlconf="backend.urls", args=[waiting.pk]) in goals
    adjustments = todo[todo.index('data-testid="awaiting-adjustments"') :]
    assert "调整项目" in adjustments and "年中追加任务" in adjustments
    done = html(leader_page.get(URL, data={"tab": "done"}))
    decided_rows = done[done.index('data-testid="decided"') :]
    assert "已审项目" in decided_rows and "调整项目" in decided_rows
    assert "待审项目" not in decided_rows


def test_query_count_does_not_depend_on_the_goals(
    leader_page: Browser, count_queries: Callable[..., int]
) -> None:
    builders.goals(10, status=GoalStatus.SUBMITTED)
    leader_page.get(URL)
    few = count_queries(lambda: leader_page.get(URL))
    builders.goals(190, status=GoalStatus.SUBMITTED)
    assert few == count_queries(lambda: leader_page.get(URL))
    assert "共 200 条" in html(leader_page.get(URL))

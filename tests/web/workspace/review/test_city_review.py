"""ws:review-city and its goal pages — the city reviewer above a county, on the county's host,
when the province asks for the city's review."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalStatus, PerformanceGoal
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import html

pytestmark = pytest.mark.django_db
INBOX = reverse("ws:review-city", urlconf="backend.urls")


@pytest.fixture
def unit_approved(persona: Callable[[str], User]) -> PerformanceGoal:
    builders.city_review_required()
    goal = builders.submit(builders.goal(project__name="县院项目"), persona("finance"))
    goal = builders.review(goal, persona("leader"), "good")
    assert goal.status == GoalStatus.UNIT_APPROVED
    return goal


@pytest.mark.parametrize(
    "name",
    ["city_reviewer", "leader", "finance", "province_admin", "other_city_reviewer", "city_finance"],
)
def test_only_a_city_reviewer_above_opens_it(
    name: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    unit_approved: PerformanceGoal,
) -> None:
    response = browse(persona(name)).get(INBOX)
    assert response.status_code == (200 if name == "city_reviewer" else 403)
    assert ("县院项目" in html(response)) == (name == "city_reviewer")


def test_the_city_approves(city_page: Browser, unit_approved: PerformanceGoal) -> None:
    goal_url = reverse("ws:review-city-goal", urlconf="backend.urls", args=[unit_approved.pk])
    assert goal_url in html(city_page.get(INBOX))
    assert 'data-testid="review-form"' in html(city_page.get(goal_url))
    decide = reverse("ws:review-city-decide", urlconf="backend.urls", args=[unit_approved.pk])
    response = city_page.post(decide, {"grade": "excellent"}, follow=True)
    assert "已批复" in html(response)
    assert builders.reload(unit_approved).status == GoalStatus.APPROVED


def test_the_leaders_inbox_no_longer_lists_it(
    leader_page: Browser, unit_approved: PerformanceGoal
) -> None:
    page = html(leader_page.get(reverse("ws:review", urlconf="backend.urls")))
    assert "没有待审核的绩效目标。" in page

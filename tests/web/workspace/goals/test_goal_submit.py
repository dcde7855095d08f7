"""ws:goal-submit — 上报送审: the submission checks' problems shown beside the indicators
they concern; nothing moves until there are none."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalIndicator, GoalStatus
from backend.oversight.models import GoalSubmission
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, html

pytestmark = pytest.mark.django_db


def url(goal_id: int) -> str:
    return reverse("ws:goal-submit", urlconf="backend.urls", args=[goal_id])


@pytest.mark.parametrize("name", ["city_reviewer", "province_admin", *OUTSIDERS])
def test_outsiders_are_refused_without_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal()
    response = browse(persona(name)).post(url(goal.pk))
    assert response.status_code == 403 and "案件质量合格率" not in html(response)
    assert builders.reload(goal).status == GoalStatus.DRAFT


def test_finance_submits(finance_page: Browser) -> None:
    goal = builders.goal()
    response = finance_page.post(url(goal.pk), follow=True)
    assert "已上报送审，等待单位负责人审核。" in html(response)
    assert builders.reload(goal).status == GoalStatus.SUBMITTED
    assert GoalSubmission.objects.get(goal_id=goal.pk).status == "submitted"


def test_the_leader_does_not_submit(leader_page: Browser) -> None:
    goal = builders.goal()
    page = html(leader_page.post(url(goal.pk)))
    assert "只有本院的财务人员可以提交绩效目标或调整申请。" in page
    assert builders.reload(goal).status == GoalStatus.DRAFT


def test_problems_are_shown_beside_their_indicators(finance_page: Browser) -> None:
    goal = builders.goal()
    with builders.in_unit():
        GoalIndicator.objects.filter(goal=goal, code="q2").update(unit="")
        GoalIndicator.objects.filter(goal=goal, code="q1").update(weight=Decimal("25"))
    response = finance_page.post(url(goal.pk))
    page = html(response)
    assert response.status_code == 200 and 'data-testid="submit-problems"' in page
    q2 = builders.indicator(goal, "q2")
    row = page[page.index(f'id="ind-{q2.pk}"') :]
    row = row[: row.index("</form>")]
    assert "为定量指标，须设置计量单位。" in row.split("jx-c-unit")[1]
    table = page[page.index('data-testid="table-errors"') :][:600]
    assert "产出指标分值合计 45.00，应为 50.00" in table
    assert builders.reload(goal).status == GoalStatus.DRAFT
    assert not GoalSubmission.objects.filter(goal_id=goal.pk).exists()


def test_a_submitted_goal_is_not_submitted_twice(finance_page: Browser) -> None:
    goal = builders.goal(status=GoalStatus.SUBMITTED)
    page = html(finance_page.post(url(goal.pk)))
    assert "绩效目标当前状态为“待单位审核”，不能提交。" in page

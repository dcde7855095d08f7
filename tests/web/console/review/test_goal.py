"""console:review-goal and its decisions — a county's goal read from its schema; the city's
reviewer grades it, nobody else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalStatus
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import html

pytestmark = pytest.mark.django_db


def url(name: str, *args: object) -> str:
    return reverse(name, urlconf="backend.urls_public", args=args)


def test_the_city_reviewer_approves(
    persona: Callable[[str], User], browse: Callable[..., Browser], unit_approved
) -> None:
    goal = unit_approved()
    page = browse(persona("city_reviewer"), None)
    body = html(page.get(url("console:review-goal", "lengshuijiang", goal.pk)))
    assert 'data-testid="review-form"' in body and "县院项目" in body
    response = page.post(
        url("console:review-goal-decide", "lengshuijiang", goal.pk),
        {"grade": "excellent", "version": builders.reload(goal).version},
        follow=True,
    )
    assert "已批复" in html(response)
    assert builders.reload(goal).status == GoalStatus.APPROVED


def test_a_return_without_comment_is_refused_beside_the_field(
    persona: Callable[[str], User], browse: Callable[..., Browser], unit_approved
) -> None:
    goal = unit_approved()
    page = browse(persona("city_reviewer"), None)
    response = page.post(
        url("console:review-goal-decide", "lengshuijiang", goal.pk), {"grade": "fair"}
    )
    assert response.status_code == 200
    assert "退回须填写审核意见。" in html(response)
    assert builders.reload(goal).status == GoalStatus.UNIT_APPROVED


def test_the_province_reads_it_but_does_not_decide(
    persona: Callable[[str], User], browse: Callable[..., Browser], unit_approved
) -> None:
    goal = unit_approved()
    page = browse(persona("province_admin"), None)
    body = html(page.get(url("console:review-goal", "lengshuijiang", goal.pk)))
    assert 'data-testid="not-yours"' in body and 'data-testid="review-form"' not in body
    response = page.post(
        url("console:review-goal-decide", "lengshuijiang", goal.pk), {"grade": "excellent"}
    )
    assert response.status_code == 200  # the service's refusal, shown on the page
    assert builders.reload(goal).status == GoalStatus.UNIT_APPROVED


def test_outside_the_subtree_is_404(
    persona: Callable[[str], User], browse: Callable[..., Browser], unit_approved
) -> None:
    goal = unit_approved()
    page = browse(persona("other_city_reviewer"), None)
    assert page.get(url("console:review-goal", "lengshuijiang", goal.pk)).status_code == 404
    response = page.post(
        url("console:review-goal-decide", "lengshuijiang", goal.pk), {"grade": "excellent"}
    )
    assert response.status_code == 404
    assert builders.reload(goal).status == GoalStatus.UNIT_APPROVED
    city = browse(persona("city_reviewer"), None)
    assert city.get(url("console:review-goal", "lengshuijiang", 987654)).status_code == 404
    assert city.get(url("console:review-goal", "no-such-unit", goal.pk)).status_code == 404


def test_unit_people_are_refused(
    persona: Callable[[str], User], browse: Callable[..., Browser], unit_approved
) -> None:
    goal = unit_approved()
    for name in ("finance", "leader", "evaluator"):
        page = browse(persona(name), None)
        assert page.get(url("console:review-goal", "lengshuijiang", goal.pk)).status_code == 403

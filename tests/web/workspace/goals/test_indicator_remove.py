"""ws:goal-indicator-remove — an indicator taken off the goal; a mandatory one stays."""

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


def url(goal_id: int, indicator_id: int) -> str:
    return reverse("ws:goal-indicator-remove", urlconf="backend.urls", args=[goal_id, indicator_id])


def exists(goal: object, code: str) -> bool:
    with builders.in_unit():
        return GoalIndicator.objects.filter(goal=goal, code=code).exists()


@pytest.mark.parametrize("name", ["finance", "leader", "city_reviewer", *OUTSIDERS])
def test_only_preparers_remove(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal()
    response = browse(persona(name)).post(url(goal.pk, builders.indicator(goal, "q2").pk))
    assert exists(goal, "q2") == (name not in ("finance", "leader"))
    assert response.status_code == (302 if name in ("finance", "leader") else 403)


def test_htmx_is_sent_back_to_the_form(finance_page: Browser) -> None:
    goal = builders.goal()
    response = finance_page.post(
        url(goal.pk, builders.indicator(goal, "q2").pk), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].endswith(f"/goals/{goal.pk}/#indicators")
    assert not exists(goal, "q2")


def test_a_mandatory_indicator_is_kept_with_the_reason(finance_page: Browser) -> None:
    goal = builders.goal()
    with builders.in_unit():
        GoalIndicator.objects.filter(goal=goal, code="q2").update(mandatory=True)
    response = finance_page.post(url(goal.pk, builders.indicator(goal, "q2").pk), follow=True)
    assert "为省院模板必选指标，不能删除。" in html(response)
    assert exists(goal, "q2")

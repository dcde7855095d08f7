"""ws:goal-indicator-add — the picked library indicators join the goal, all or none."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.accounts.models import User
from backend.goals.models import GoalIndicator
from backend.library.models import LibraryIndicator
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, html

pytestmark = pytest.mark.django_db


def url(goal_id: int) -> str:
    return reverse("ws:goal-indicator-add", urlconf="backend.urls", args=[goal_id])


def library_ids(*codes: str) -> list[str]:
    with builders.in_unit():
        found = dict(LibraryIndicator.objects.filter(code__in=codes).values_list("code", "pk"))
    return [str(found[code]) for code in codes]


def codes(goal: object) -> set[str]:
    with builders.in_unit():
        return set(GoalIndicator.objects.filter(goal=goal).values_list("code", flat=True))


@pytest.fixture(autouse=True)
def library() -> None:
    builders.starter_library()


@pytest.mark.parametrize("name", ["finance", "leader", "city_reviewer", *OUTSIDERS])
def test_only_preparers_add(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal()
    response = browse(persona(name)).post(
        url(goal.pk), {"library_indicator": library_ids("cf-training")}
    )
    added = "cf-training" in codes(goal)
    assert added == (name in ("finance", "leader"))
    assert response.status_code == (302 if added else 403)


def test_the_picked_indicators_are_copied_with_their_template(finance_page: Browser) -> None:
    goal = builders.goal()
    response = finance_page.post(
        url(goal.pk),
        {"library_indicator": library_ids("cf-training", "cf-case-quality")},
        follow=True,
    )
    assert "已从指标库加入 2 个指标。" in html(response)
    with builders.in_unit():
        training = GoalIndicator.objects.get(goal=goal, code="cf-training")
    assert (training.template_code, training.source) == ("case-funds", "library")


def test_nothing_picked_is_said(finance_page: Browser) -> None:
    goal = builders.goal()
    response = finance_page.post(url(goal.pk), {"library_indicator": ["x", "987654"]}, follow=True)
    assert "请先勾选要加入的指标。" in html(response)


def test_one_bad_pick_adds_none(finance_page: Browser) -> None:
    goal = builders.goal()
    with builders.in_unit():
        LibraryIndicator.objects.filter(code="cf-case-quality").update(retired_at=timezone.now())
    before = codes(goal)
    response = finance_page.post(
        url(goal.pk),
        {"library_indicator": library_ids("cf-training", "cf-case-quality")},
        follow=True,
    )
    assert "已停用，不能加入目标。" in html(response)
    assert codes(goal) == before

"""ws:goals — the unit's goals by year and status."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalStatus
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, READERS, html

pytestmark = pytest.mark.django_db
URL = reverse("ws:goals", urlconf="backend.urls")


@pytest.mark.parametrize("name", READERS + OUTSIDERS)
def test_who_sees_the_list(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    builders.goal(project__name="检察技术装备购置")
    response = browse(persona(name)).get(URL)
    if name in READERS:
        assert response.status_code == 200
        assert "检察技术装备购置" in html(response)
    else:
        assert response.status_code == 403
        assert "检察技术装备购置" not in html(response)


def test_filters_by_year_and_status(finance_page: Browser) -> None:
    builders.goal(project__name="二〇二六年草稿")
    builders.goal(project__name="二〇二六年已上报", status=GoalStatus.SUBMITTED)
    builders.goal(project__name="二〇二五年目标", fiscal_year=2025, project__fiscal_year=2025)
    page = html(finance_page.get(URL, data={"year": "2026", "status": "submitted"}))
    assert "二〇二六年已上报" in page
    assert "二〇二六年草稿" not in page and "二〇二五年目标" not in page
    assert "二〇二五年目标" in html(finance_page.get(URL, data={"year": "2025"}))
    # nonsense filters are ignored, not an error
    assert finance_page.get(URL, data={"year": "x", "status": "<b>"}).status_code == 200


def test_projects_without_a_goal_are_pointed_out_to_preparers(
    finance_page: Browser, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    builders.goal()
    builders.project(name="尚未编制的项目")
    page = html(finance_page.get(URL))
    assert 'data-testid="missing-goals"' in page and "<strong>1</strong>" in page
    assert 'data-testid="missing-goals"' not in html(browse(persona("city_reviewer")).get(URL))


def test_query_count_does_not_depend_on_the_goals(
    finance_page: Browser, count_queries: Callable[..., int]
) -> None:
    builders.goals(10)
    finance_page.get(URL)
    few = count_queries(lambda: finance_page.get(URL))
    builders.goals(190)
    many = count_queries(lambda: finance_page.get(URL))
    assert few == many, (few, many)
    assert "共 200 条" in html(finance_page.get(URL))

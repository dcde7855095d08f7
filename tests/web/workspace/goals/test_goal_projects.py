"""ws:goal-projects — the projects that still need a goal, where drafting starts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, PREPARERS, html

pytestmark = pytest.mark.django_db
URL = reverse("ws:goal-projects", urlconf="backend.urls")


@pytest.mark.parametrize("name", [*PREPARERS, "city_reviewer", "province_admin", *OUTSIDERS])
def test_only_preparers_start_goals(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    builders.project(name="待编制项目")
    response = browse(persona(name)).get(URL)
    assert response.status_code == (200 if name in PREPARERS else 403)
    assert ("待编制项目" in html(response)) == (name in PREPARERS)


def test_lists_only_projects_without_a_goal_of_their_year(finance_page: Browser) -> None:
    builders.goal(project__name="已有目标的项目")
    todo = builders.project(name="待编制项目")
    page = html(finance_page.get(URL))
    assert "已有目标的项目" not in page
    assert reverse("ws:goal-create", urlconf="backend.urls", args=[todo.pk]) in page


def test_query_count_does_not_depend_on_the_projects(
    finance_page: Browser, count_queries: Callable[..., int]
) -> None:
    for _ in range(10):
        builders.project()
    finance_page.get(URL)
    few = count_queries(lambda: finance_page.get(URL))
    for _ in range(190):
        builders.project()
    assert few == count_queries(lambda: finance_page.get(URL))

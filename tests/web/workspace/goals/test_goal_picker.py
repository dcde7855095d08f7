"""ws:goal-picker — the library search: adopted templates' and the unit's own indicators,
filtered by words and levels, without those the goal has."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.library.services import add_local_indicator
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, PREPARERS, html

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(goal_id: int) -> str:
    return reverse("ws:goal-picker", urlconf="backend.urls", args=[goal_id])


def local(code: str, name: str, level1: str = "产出指标", level2: str = "数量指标") -> None:
    with builders.in_unit():
        add_local_indicator(
            {
                "code": code,
                "level1": level1,
                "level2": level2,
                "name": name,
                "value_type": "quantitative",
                "direction": "gte",
                "unit": "件",
                "target_value": "10",
                "weight": "2",
            }
        )


@pytest.mark.parametrize("name", [*PREPARERS, "city_reviewer", "province_admin", *OUTSIDERS])
def test_only_preparers_pick(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal()
    local("own-1", "本院自设指标甲")
    response = browse(persona(name)).get(url(goal.pk))
    assert response.status_code == (200 if name in PREPARERS else 403)
    assert ("本院自设指标甲" in html(response)) == (name in PREPARERS)


def test_search_and_levels_narrow_the_list(finance_page: Browser) -> None:
    builders.starter_library()
    goal = builders.goal()
    local("own-1", "本院自设调解件数")
    page = html(finance_page.get(url(goal.pk), data={"q": "调解"}, **HTMX))
    assert "本院自设调解件数" in page and "审查逮捕案件数" not in page
    assert "<html" not in page  # the partial only
    page = html(finance_page.get(url(goal.pk), data={"level1": "满意度指标"}, **HTMX))
    assert "当事人及群众满意度" in page and "审查逮捕案件数" not in page
    page = html(finance_page.get(url(goal.pk), data={"q": "cf-arrest"}))
    assert "审查逮捕案件数" in page and "<html" in page  # a page of its own without htmx


def test_what_the_goal_has_is_not_offered_again(finance_page: Browser) -> None:
    goal = builders.goal()
    local("q1", "同编码的本院指标")
    local("own-2", "另一个本院指标")
    page = html(finance_page.get(url(goal.pk), **HTMX))
    assert "同编码的本院指标" not in page and "另一个本院指标" in page


def test_nonsense_filters_are_ignored(finance_page: Browser) -> None:
    goal = builders.goal()
    response = finance_page.get(url(goal.pk), data={"level1": "x\x00", "q": "长" * 500}, **HTMX)
    assert response.status_code == 200


def test_query_count_does_not_depend_on_the_library(
    finance_page: Browser, count_queries: Callable[..., int]
) -> None:
    goal = builders.goal()
    for n in range(10):
        local(f"own-{n}", f"本院指标 {n}")
    finance_page.get(url(goal.pk), **HTMX)
    few = count_queries(lambda: finance_page.get(url(goal.pk), **HTMX))
    for n in range(10, 200):
        local(f"own-{n}", f"本院指标 {n}")
    many = count_queries(lambda: finance_page.get(url(goal.pk), **HTMX))
    assert few == many, (few, many)


def test_a_newer_search_replaces_a_slower_one(finance_page: Browser) -> None:
    # The picker opens (jx-open) and the user types at once: without hx-sync the answer to the
    # opening request could arrive last and show the unfiltered list under the typed words.
    goal = builders.goal()
    detail = reverse("ws:goal-detail", urlconf="backend.urls", args=[goal.pk])
    page = html(finance_page.get(detail))
    form = page[page.index('id="jx-picker-search"') - 400 : page.index('id="jx-picker-search"')]
    assert 'hx-sync="this:replace"' in form

"""ws:goal-create — a new goal of a project, with its template's mandatory indicators."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalIndicator, PerformanceGoal
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, PREPARERS, html

pytestmark = pytest.mark.django_db


def url(project_id: int) -> str:
    return reverse("ws:goal-create", urlconf="backend.urls", args=[project_id])


def goal_count() -> int:
    with builders.in_unit():
        return PerformanceGoal.objects.count()


@pytest.mark.parametrize("name", [*PREPARERS, "city_reviewer", "province_admin", *OUTSIDERS])
def test_only_preparers_create(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    project = builders.project(name="新项目甲")
    page = browse(persona(name))
    get = page.get(url(project.pk))
    post = page.post(url(project.pk), {"overall_goal": "保障办案"})
    if name in PREPARERS:
        assert get.status_code == 200 and "新项目甲" in html(get)
        assert post.status_code == 302
    else:
        assert (get.status_code, post.status_code) == (403, 403)
        assert "新项目甲" not in html(get)
    assert goal_count() == (1 if name in PREPARERS else 0)


def test_the_template_of_the_projects_kind_gives_the_mandatory_indicators(
    finance_page: Browser,
) -> None:
    builders.starter_library()
    project = builders.project(kind="case_funds")
    response = finance_page.post(
        url(project.pk), {"overall_goal": "保障办案工作顺利开展。", "midterm_goal": "三年规划"}
    )
    with builders.in_unit():
        goal = PerformanceGoal.objects.get(project=project)
        codes = set(GoalIndicator.objects.filter(goal=goal).values_list("code", flat=True))
    assert response["Location"] == reverse("ws:goal-detail", urlconf="backend.urls", args=[goal.pk])
    assert codes == {
        "cf-arrest-cases",
        "cf-prosecution-cases",
        "cf-pil-cases",
        "cf-closure-rate",
        "cf-satisfaction",
    }
    assert (goal.overall_goal, goal.midterm_goal) == ("保障办案工作顺利开展。", "三年规划")


def test_a_project_with_a_goal_leads_to_it(finance_page: Browser) -> None:
    goal = builders.goal()
    response = finance_page.get(url(goal.project_id))
    assert response["Location"] == reverse("ws:goal-detail", urlconf="backend.urls", args=[goal.pk])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"overall_goal": ""}, "overall_goal", "此项为必填项。"),
        ({"overall_goal": "长" * 2001}, "overall_goal", "年度总体目标不能超过 2000 个字符。"),
        ({"overall_goal": "目标", "midterm_goal": "长" * 2001}, "midterm_goal", "中期目标不能超过"),
        ({"overall_goal": "保障\x00办案"}, "overall_goal", "不能包含空字符（NUL）。"),
        (
            {"overall_goal": "目标", "template_code": "no-such"},
            "template_code",
            "选择一个有效的选项",
        ),
    ],
)
def test_bad_input_is_named_next_to_the_field_and_nothing_is_written(
    finance_page: Browser, data: dict[str, str], field: str, message: str
) -> None:
    project = builders.project()
    response = finance_page.post(url(project.pk), data)
    assert response.status_code == 200
    page = html(response)
    error = page[page.index(f'data-field-error="{field}"') :][:200]
    assert message in error
    assert goal_count() == 0


def test_a_template_the_unit_has_not_adopted_is_refused(finance_page: Browser) -> None:
    builders.starter_library()
    with builders.in_unit():
        from backend.library.models import AdoptedTemplate

        AdoptedTemplate.objects.filter(template__code="equipment").delete()
    project = builders.project()
    response = finance_page.post(
        url(project.pk), {"overall_goal": "目标", "template_code": "equipment"}
    )
    assert "选择一个有效的选项" in html(response)
    assert goal_count() == 0


def test_an_unknown_project_is_not_found(finance_page: Browser) -> None:
    assert finance_page.get(url(987654)).status_code == 404


def test_a_goal_created_meanwhile_is_opened_instead(finance_page: Browser) -> None:
    project = builders.project(name="并发项目")
    page = finance_page.get(url(project.pk))
    assert page.status_code == 200
    builders.goal(project=project)  # someone else was quicker
    response = finance_page.post(url(project.pk), {"overall_goal": "目标"})
    assert response.status_code == 302  # to the goal that exists now
    assert goal_count() == 1

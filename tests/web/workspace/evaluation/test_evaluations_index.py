"""The year's self-evaluations (ws:evaluations) and starting one (ws:evaluation-start)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from backend.evaluation.models import SelfEvaluation
from tests.evaluation.factories import approved_goal
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import draft_evaluation
from tests.web.workspace.monitoring.conftest import in_unit

pytestmark = pytest.mark.django_db
URL = "/evaluations/"


def test_the_list_and_the_projects_ready_to_start(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    draft_evaluation(finance)
    with in_unit():
        ready = approved_goal(project__name="信息化建设").project
    page = browse(finance)
    html = page.get(URL).content.decode()  # the latest year with evaluations: 2026
    assert "2026 年度项目自评" in html and "自评中" in html
    assert "信息化建设" in html and "开始自评" in html and "部门整体支出绩效自评" in html
    response = page.post(f"{URL}start/", {"project_id": ready.pk})
    with in_unit():
        started = SelfEvaluation.objects.get(project=ready)
    assert response["Location"] == f"/evaluations/{started.pk}/"


def test_a_project_without_an_approved_goal_cannot_start(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    from tests.goals.factories import ProjectFactory

    with in_unit():
        project = ProjectFactory(name="未批复项目")
    page = browse(persona("finance"))
    response = page.post(f"{URL}start/", {"project_id": project.pk})
    assert response.status_code == 302
    html = page.get(response["Location"]).content.decode()
    assert "没有已批复的 2026 年度绩效目标" in html
    assert page.post(f"{URL}start/", {"project_id": "x"}).status_code == 404


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator", "city_finance"])
def test_another_units_user_gets_403_and_no_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    draft_evaluation(persona("finance"))
    page = browse(persona(name))
    response = page.get(URL + "?year=2026")
    assert response.status_code == 403 and "测试项目" not in response.content.decode()
    assert page.post(f"{URL}start/", {"project_id": 1}).status_code == 403


def test_reviewers_above_cannot_start(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    with in_unit():
        approved_goal(project__name="信息化建设")
    page = browse(persona("city_reviewer"))
    html = page.get(URL + "?year=2026").content.decode()
    assert "信息化建设" in html and "/evaluations/start/" not in html


@pytest.mark.parametrize("query", ["?year=abc", "?year=-1", "?page=x&ready_page=0"])
def test_odd_query_strings(
    query: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona("finance")).get(URL + query).status_code == 200


@pytest.mark.slow
def test_the_query_count_does_not_grow_with_the_rows(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    from backend.evaluation.services import start_self_evaluation

    finance = persona("finance")
    page = browse(finance)
    url = URL + "?year=2026"

    def add(n: int) -> None:
        with in_unit():
            for _ in range(n):
                goal = approved_goal(spent=None)
                start_self_evaluation(goal.project, 2026, finance)
                approved_goal(spent=None)  # one more ready to start

    add(10)
    page.get(url)
    small = count_queries(lambda: page.get(url))
    add(190)
    assert count_queries(lambda: page.get(url)) == small

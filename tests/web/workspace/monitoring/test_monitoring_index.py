"""运行监控 (ws:monitoring): the round, the projects and their entries, the alerts, the unit's
execution curve; who may open it; odd query strings; a query count independent of the rows."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.workspace.monitoring.conftest import (
    in_unit,
    lagging_entry,
    many_alerts,
    many_projects,
    open_round,
)

pytestmark = pytest.mark.django_db
URL = "/monitoring/"


def chart(html: str, chart_id: str) -> dict:
    found = re.search(
        rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, chart_id
    return json.loads(found.group(1))


def test_the_unit_sees_its_round_projects_alerts_and_curve(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    _project, entry = lagging_entry(finance)
    with in_unit():
        from tests.goals.factories import ProjectFactory

        ProjectFactory(code="not-yet", name="信息化建设")
    response = browse(finance).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026年9月监控" in html
    assert "办案业务经费" in html and "已提交" in html
    assert "信息化建设" in html and "未填报" in html
    assert "尚有 1 个项目未提交" in html
    assert "/monitoring/alerts/" in html and "预算执行滞后" in html
    curve = chart(html, "unit-curve")
    actual = curve["series"][1]["data"]
    assert actual[8]["value"] == float(entry.execution_rate)
    assert curve["series"][0]["data"][8] == 75.0  # time progress at September


def test_a_closed_round_offers_the_late_entry(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    round = open_round(4, state="closed")
    with in_unit():
        from tests.goals.factories import ProjectFactory

        ProjectFactory(code="late-one")
    html = browse(persona("finance")).get(f"{URL}?round={round.pk}").content.decode()
    assert "已截止，可逾期补报" in html
    assert "/monitoring/start/?project=" in html and "逾期补报" in html


@pytest.mark.parametrize("name", ["leader", "city_reviewer", "province_admin"])
def test_the_other_roles_reaching_the_unit_read_it(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    lagging_entry(persona("finance"))
    html = browse(persona(name)).get(URL).content.decode()
    assert "办案业务经费" in html
    if name != "leader":  # reviewers above read, they do not enter
        assert "继续填报" not in html and 'action="/monitoring/start/"' not in html


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator", "city_finance"])
def test_another_units_user_gets_403_and_no_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    lagging_entry(persona("finance"))
    response = browse(persona(name)).get(URL)
    assert response.status_code == 403
    html = response.content.decode()
    assert "办案业务经费" not in html and "预算执行滞后" not in html


@pytest.mark.parametrize(
    "query", ["?year=abc", "?year=99999999999999999999", "?round=x%00y", "?page=-3&alerts=zz"]
)
def test_odd_query_strings_fall_back_to_the_defaults(
    query: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    open_round()
    response = browse(persona("finance")).get(URL + query)
    assert response.status_code == 200


def test_the_query_count_does_not_grow_with_the_rows(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    finance = persona("finance")
    project, _entry = lagging_entry(finance)
    page = browse(finance)
    page.get(URL)  # warm the session
    many_projects(10)
    many_alerts(10, project)
    small = count_queries(lambda: page.get(URL))
    many_projects(190)
    many_alerts(190, project)
    large = count_queries(lambda: page.get(URL))
    assert small == large, (small, large)
    html = page.get(URL).content.decode()
    assert "共 201 条" in html  # 201 projects, 25 a page

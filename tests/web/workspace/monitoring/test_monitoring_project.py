"""A project's execution curve (ws:monitoring-project): planned, actual and forecast, with its
entries and alerts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.workspace.monitoring.conftest import lagging_entry, many_alerts

pytestmark = pytest.mark.django_db


def test_the_curve_has_the_three_lines(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    project, entry = lagging_entry(finance)
    html = browse(finance).get(f"/monitoring/projects/{project.pk}/").content.decode()
    options = json.loads(
        re.search(
            r'<script id="project-curve" type="application/json">(.*?)</script>', html, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    planned, actual, forecast = (s["data"] for s in options["series"])
    assert planned[11] == 100.0
    assert actual[8]["value"] == float(entry.execution_rate)
    assert forecast[11]["value"] == float(entry.forecast_rate)
    assert [s["name"] for s in options["series"]] == ["时间进度", "实际执行率", "预计全年执行率"]
    assert "9月" in html and "预算执行滞后" in html


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator"])
def test_another_units_user_gets_403_and_no_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    project, _entry = lagging_entry(persona("finance"))
    response = browse(persona(name)).get(f"/monitoring/projects/{project.pk}/")
    assert response.status_code == 403 and "办案业务经费" not in response.content.decode()


def test_unknown_project_is_404(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona("finance")).get("/monitoring/projects/987654/").status_code == 404


def test_the_query_count_does_not_grow_with_the_alerts(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    finance = persona("finance")
    project, _entry = lagging_entry(finance)
    page = browse(finance)
    url = f"/monitoring/projects/{project.pk}/"
    page.get(url)
    many_alerts(10, project)
    small = count_queries(lambda: page.get(url))
    many_alerts(190, project)
    assert count_queries(lambda: page.get(url)) == small

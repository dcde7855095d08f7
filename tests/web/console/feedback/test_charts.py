"""The charts of 反馈与整改: each batch's response and closure rates (console:feedback) and
the rectifications of each area by status (console:feedback-rectifications), scoped to the
reader (a city reviewer sees its counties, never another city's), readable when empty, and at
a query count that does not grow with the rows."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from django.utils import timezone

from backend.accounts.models import User
from backend.feedback.models import RectificationStatus
from tests.feedback.factories import RectificationFactory
from tests.web.conftest import Browser
from tests.web.console.feedback.conftest import issue, many_batches, many_rectifications, unit

pytestmark = pytest.mark.django_db


def chart(html: str, name: str) -> dict:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.S)
    assert found, name
    return json.loads(found.group(1))


@pytest.mark.parametrize("name", ["evaluator", "finance", "leader", "city_finance"])
def test_refused_roles_see_no_chart(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona(name), None)
    for url in ("/console/feedback/", "/console/feedback/rectifications/"):
        response = page.get(url)
        assert response.status_code == 403 and b"chart-" not in response.content


def test_each_batch_has_its_response_and_closure_rate(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    admin = persona("province_admin")
    batch = issue(
        admin, ["lengshuijiang", "lianyuan"], issuer="hunan", title="执行率反馈", requires=True
    )
    item = batch.items.get(unit__code="lengshuijiang")
    item.answered_at = timezone.now()
    item.save(update_fields=["answered_at"])
    request = item.rectifications.get()
    request.status = RectificationStatus.ACCEPTED
    request.save(update_fields=["status"])
    issue(admin, ["lengshuijiang"], issuer="hunan", title="不要求整改")
    options = chart(browse(admin, None).get("/console/feedback/").content.decode(), "chart-rates")
    labels = options["yAxis"]["data"]
    assert labels == ["不要求整改", "执行率反馈"]
    response, closure = (s["data"] for s in options["series"])
    assert response == [0.0, 50.0] and closure == [None, 50.0]


def test_rectifications_by_area_follow_the_scope(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    RectificationFactory(unit=unit("lengshuijiang"), issuer=unit("loudi"))
    RectificationFactory(unit=unit("lengshuijiang"), issuer=unit("loudi"), overdue=True)
    RectificationFactory(
        unit=unit("lianyuan"), issuer=unit("loudi"), status=RectificationStatus.ACCEPTED
    )
    RectificationFactory(unit=unit("changsha-furong"), issuer=unit("changsha"))
    url = "/console/feedback/rectifications/"

    province = chart(
        browse(persona("province_admin"), None).get(url).content.decode(), "chart-areas"
    )
    assert province["yAxis"]["data"] == ["娄底市（逾期 1）", "长沙市"]
    by_status = {s["name"]: s["data"] for s in province["series"]}
    assert by_status == {"待整改": [2, 1], "已反馈": [None, None], "已通过": [1, None]}

    city = chart(browse(persona("city_reviewer"), None).get(url).content.decode(), "chart-areas")
    assert city["yAxis"]["data"] == ["冷水江市（逾期 1）", "涟源市"]
    assert "长沙" not in json.dumps(city, ensure_ascii=False)


def test_no_rows_no_chart(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    page = browse(persona("city_reviewer"), None)
    assert 'data-testid="rates-chart"' not in page.get("/console/feedback/").content.decode()
    html = page.get("/console/feedback/rectifications/").content.decode()
    assert 'data-testid="areas-chart"' not in html and "echarts" not in html


def test_the_charts_cost_no_query_per_row(
    persona: Callable[[str], User], browse: Callable[..., Browser], count_queries
) -> None:
    page = browse(persona("province_admin"), None)
    many_batches(3)
    many_rectifications(3)
    few = (
        count_queries(lambda: page.get("/console/feedback/")),
        count_queries(lambda: page.get("/console/feedback/rectifications/")),
    )
    many_batches(40, start=3)
    many_rectifications(60)
    many_rectifications(30, code="changsha-furong")
    assert few == (
        count_queries(lambda: page.get("/console/feedback/")),
        count_queries(lambda: page.get("/console/feedback/rectifications/")),
    )

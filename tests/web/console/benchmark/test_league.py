"""console:benchmark — the league table: every unit named, sortable, searchable, bands, size
adjustment, scope, and a query count that does not grow with the number of units."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.workspace.goals.builders import html

pytestmark = pytest.mark.django_db
URL = reverse("console:benchmark", urlconf="backend.urls_public")
LOUDI = ["娄底市娄星区人民检察院", "双峰县人民检察院", "新化县人民检察院", "冷水江市人民检察院"]


def names_in_table(body: str) -> list[str]:
    table = body.split('data-testid="league-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/console/benchmark/units/[^"]+">([^<]+)</a>', table)


@pytest.mark.parametrize("name", ["finance", "leader", "evaluator", "city_finance"])
def test_unit_people_and_evaluators_are_refused(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona(name), None).get(URL).status_code == 403


def test_the_province_sees_every_unit_ranked(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts
) -> None:
    body = html(browse(persona("province_admin"), None).get(URL, data={"year": 2026, "month": 6}))
    names = names_in_table(body)
    assert len(names) == 9  # every unit under the province, the province itself left out
    assert "湖南省人民检察院" not in names
    options = json.loads(body.split('id="chart-top" type="application/json">')[1].split("<")[0])
    assert options["yAxis"]["axisLabel"]["interval"] == 0
    assert options["series"][0]["label"]["show"] is True
    assert 'hx-get="/console/benchmark/?' in body  # the small multiples follow


def test_the_city_sees_only_its_units(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts
) -> None:
    body = html(browse(persona("city_reviewer"), None).get(URL, data={"year": 2026}))
    names = names_in_table(body)
    assert set(LOUDI) <= set(names)
    assert not any("长沙" in n for n in names)
    assert "长沙市芙蓉区人民检察院" not in body


def test_sorting_searching_and_bands(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts
) -> None:
    page = browse(persona("province_admin"), None)
    by_rank = names_in_table(html(page.get(URL, data={"year": 2026, "month": 6})))
    reverse_rank = names_in_table(
        html(page.get(URL, data={"year": 2026, "month": 6, "sort": "-rank"}))
    )
    assert reverse_rank == list(reversed(by_rank))
    by_name = names_in_table(html(page.get(URL, data={"year": 2026, "month": 6, "sort": "name"})))
    assert by_name == sorted(by_rank)
    found = names_in_table(html(page.get(URL, data={"year": 2026, "month": 6, "q": "双峰"})))
    assert found == ["双峰县人民检察院"]
    top = names_in_table(html(page.get(URL, data={"year": 2026, "month": 6, "band": "top10"})))
    assert top == by_rank[:1]


def test_size_adjusted_budget(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts
) -> None:
    page = browse(persona("province_admin"), None)
    body = html(page.get(URL, data={"year": 2026, "metric": "budget", "per": "procurator"}))
    assert "预算规模（每名员额检察官）" in body and "元/人" in body
    assert len(names_in_table(body)) == 9
    refused = html(page.get(URL, data={"year": 2026, "metric": "self_score", "per": "case"}))
    assert "该指标不能按人均或件均比较。" in refused
    needs = html(page.get(URL, data={"year": 2026, "metric": "indicator_achievement"}))
    assert "请填写指标编码。" in needs
    indicator = html(
        page.get(URL, data={"year": 2026, "metric": "indicator_achievement", "indicator": "i1"})
    )
    assert "指标完成率：指标1" in indicator


def test_bad_choices_fall_back_to_defaults(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts
) -> None:
    page = browse(persona("province_admin"), None)
    response = page.get(URL, data={"metric": "nope", "year": "x", "month": "13", "page": "99"})
    assert response.status_code == 200
    assert "预算执行率" in html(response)


def test_trends_are_small_multiples(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts
) -> None:
    body = html(
        browse(persona("city_reviewer"), None).get(URL, data={"year": 2026, "part": "trends"})
    )
    assert 'data-testid="small-multiples"' in body
    assert body.count('class="jx-chart jx-chart-small"') >= 3


def test_the_query_count_does_not_grow_with_units(
    browse: Callable[..., Browser], big_province, count_queries: Callable[..., int]
) -> None:
    small = browse(big_province("qsmall", 12), None)
    large = browse(big_province("qlarge", 240), None)
    params = {"year": 2026, "month": 6}
    small.get(URL, data=params)
    counts = [count_queries(lambda p=p: p.get(URL, data=params)) for p in (small, large)]
    assert counts[0] == counts[1]
    adjusted = {"year": 2026, "metric": "budget", "per": "case"}
    counts = [count_queries(lambda p=p: p.get(URL, data=adjusted)) for p in (small, large)]
    assert counts[0] == counts[1]
    trends = {"year": 2026, "part": "trends"}
    counts = [count_queries(lambda p=p: p.get(URL, data=trends)) for p in (small, large)]
    assert counts[0] == counts[1]

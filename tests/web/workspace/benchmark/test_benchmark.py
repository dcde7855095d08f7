"""对标 (ws:benchmark): the unit's rank, percentile and its groups' medians on the key metrics,
with trends — figures only, never another unit's name or code."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from backend.accounts.models import User
from backend.benchmarking import peers
from tenants.models import Procuratorate
from tests.benchmarking.factories import (
    ExecutionFactFactory,
    ProjectFactFactory,
    UnitYearFactFactory,
)
from tests.web.conftest import Browser

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = timezone.localdate().year
SCORES = {  # last year's self-evaluation scores of the counties
    "loudi-louxing": "92.50",
    "shuangfeng": "85.00",
    "xinhua": "85.00",
    "lengshuijiang": "70.00",
    "lianyuan": "61.00",
    "changsha-furong": "55.50",
}


@pytest.fixture
def facts(db: None) -> None:
    units = {u.code: u for u in Procuratorate.objects.all()}
    for code, score in SCORES.items():
        UnitYearFactFactory(unit=units[code], fiscal_year=YEAR - 1, project_score=D(score))
    UnitYearFactFactory(unit=units["lengshuijiang"], fiscal_year=YEAR - 2, project_score=D("66"))
    for code, rates in (
        ("lengshuijiang", ("30.00", "55.00")),
        ("xinhua", ("40.00", "70.00")),
        ("lianyuan", ("20.00", "50.00")),
    ):
        for month, rate in zip((5, 10), rates, strict=True):
            ExecutionFactFactory(
                unit=units[code], fiscal_year=YEAR, month=month, execution_rate=D(rate)
            )
    peers.define_peer_group(units["hunan"], code="ld", name="娄底片区", kind="region", city="loudi")


def test_the_units_position_on_the_key_metrics(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts: None
) -> None:
    response = browse(persona("finance")).get("/benchmark/")
    assert response.status_code == 200
    html = response.content.decode()
    in_year = html.split('data-testid="bench-in-year"', 1)[1].split("</section>", 1)[0]
    assert "截至 10 月" in in_year
    execution = in_year.split('data-metric="execution_rate"', 1)[1].split("</tbody>", 1)[0]
    # 55 among 70, 55, 50: second of three; the median of the counties is 55
    assert "55.00%" in execution and "第 2 / 3" in execution and "全省基层院" in execution
    year_end = html.split('data-testid="bench-year-end"', 1)[1].split("</section>", 1)[0]
    score = year_end.split('data-metric="self_score"', 1)[1].split("</tbody>", 1)[0]
    # counties: 92.5, 85, 85, 70, 61, 55.5 → 4th of 6, percentile 40; 娄底片区 (5 units): 4th
    assert "70.00 分" in score and "第 4 / 6" in score and "40%" in score
    assert "娄底片区" in score and "第 4 / 5" in score and ">85.00<" in score  # a median
    assert "单位：分" in score
    # trends (loaded after the page): the unit beside its level's median and mean
    assert 'hx-get="/benchmark/?part=trends&amp;year=' in html
    html = browse(persona("finance")).get("/benchmark/?part=trends").content.decode()
    assert "<html" not in html
    monthly = json.loads(
        re.search(r'<script id="chart-monthly" type="application/json">(.*?)</script>', html, re.S)[
            1
        ]
    )
    series = {s["name"]: s["data"] for s in monthly["series"]}
    assert monthly["xAxis"]["data"] == ["5月", "10月"]
    assert series["本院"] == [30.0, 55.0] and series["同级中位数"] == [30.0, 55.0]
    yearly = json.loads(
        re.search(r'<script id="chart-yearly" type="application/json">(.*?)</script>', html, re.S)[
            1
        ]
    )
    assert yearly["xAxis"]["data"] == [f"{YEAR - 2}年", f"{YEAR - 1}年"]
    assert {s["name"]: s["data"] for s in yearly["series"]}["本院"] == [66.0, 70.0]


def test_the_page_never_names_another_unit(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts: None
) -> None:
    for name, path in (
        ("finance", "/benchmark/"),
        ("leader", "/benchmark/"),
        ("finance", "/benchmark/?part=trends"),
    ):
        html = browse(persona(name)).get(path).content.decode()
        others = Procuratorate.objects.exclude(code="lengshuijiang")
        assert others.count() == 9
        for other in others:
            assert other.code not in html and other.name not in html, other.code


@pytest.mark.parametrize("name", ["finance", "leader", "city_reviewer", "province_admin"])
def test_who_reads_it(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], facts: None
) -> None:
    assert browse(persona(name)).get("/benchmark/").status_code == 200


@pytest.mark.parametrize(
    "name", ["other_unit_finance", "other_city_reviewer", "city_finance", "evaluator"]
)
def test_anyone_else_is_refused_without_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], facts: None
) -> None:
    for path in ("/benchmark/", "/benchmark/?part=trends"):
        response = browse(persona(name)).get(path)
        assert response.status_code == 403
        assert "70.00" not in response.content.decode()


@pytest.mark.parametrize(
    "query", ["year=abc", "year=1900", "year=99999999999999999999", "trend=%00", "trend=budget"]
)
def test_bad_parameters_fall_back(
    query: str, persona: Callable[[str], User], browse: Callable[..., Browser], facts: None
) -> None:
    response = browse(persona("finance")).get(f"/benchmark/?{query}")
    assert response.status_code == 200
    assert f"{YEAR} 年执行情况" in response.content.decode()
    trends = browse(persona("finance")).get(f"/benchmark/?part=trends&{query}")
    assert trends.status_code == 200 and "自评得分走势" in trends.content.decode()


def test_another_year_and_trend(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts: None
) -> None:
    query = f"year={YEAR - 1}&trend=rectifications_open"
    html = browse(persona("finance")).get(f"/benchmark/?{query}").content.decode()
    assert f"{YEAR - 1} 年执行情况" in html and f"{YEAR - 2} 年度评价结果" in html
    assert "trend=rectifications_open" in html  # the trends load with the chosen metric
    trends = browse(persona("finance")).get(f"/benchmark/?part=trends&{query}").content.decode()
    assert "未完成整改数走势" in trends and f"预算执行率走势（{YEAR - 1} 年" in trends


@pytest.mark.parametrize("count", [10, 200])
def test_a_fixed_number_of_queries(
    count: int,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
    facts: None,
) -> None:
    lsj = Procuratorate.objects.get(code="lengshuijiang")
    for _ in range(count):
        ProjectFactFactory(unit=lsj, fiscal_year=YEAR - 1, key_score=D("80"))
    page = browse(persona("finance"))
    page.get("/benchmark/")
    # the positions and each trend are one statement each (figures computed in PostgreSQL)
    assert count_queries(lambda: page.get("/benchmark/")) == 11
    assert count_queries(lambda: page.get("/benchmark/?part=trends")) == 8

"""The benchmarking API over HTTP: the province's tables, a city reviewer's reach, a unit's own
view that never names another unit, trends, weaknesses, peer groups and statistics."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from backend.accounts.models import Role, User
from backend.benchmarking import peers
from backend.benchmarking.models import PeerGroup, UnitStatistics
from tenants.models import Procuratorate
from tests.benchmarking.factories import (
    YEAR,
    ExecutionFactFactory,
    IndicatorFactFactory,
    ProjectFactFactory,
    UnitYearFactFactory,
)
from tests.conftest import GraphQLClient, error_codes

pytestmark = pytest.mark.django_db

D = Decimal
LSJ = "lengshuijiang.localhost"
SCORES = {
    "loudi-louxing": "92.50",
    "shuangfeng": "85.00",
    "xinhua": "85.00",
    "lengshuijiang": "70.00",
    "lianyuan": "61.00",
    "changsha-furong": "55.50",
}

BENCHMARK = """
query($metric: BenchmarkMetric!, $year: Int!, $level: String, $city: String, $group: String,
      $first: Int) {
  benchmark(metric: $metric, fiscalYear: $year, level: $level, city: $city, peerGroup: $group) {
    metric label unitOfMeasure higherIsBetter fiscalYear month
    distribution { count min q1 median q3 max mean }
    rows(first: $first) { totalCount edges { node {
      code name level cityCode cityName value rank percentile } } }
  }
}
"""


@pytest.fixture
def scores(unit: Callable[[str], Procuratorate]) -> None:
    for code, score in SCORES.items():
        UnitYearFactFactory(unit=unit(code), project_score=D(score))


@pytest.fixture
def admin_token(member: Callable[..., User], token_for: Callable[[User], str]) -> str:
    return token_for(member("hunan", Role.PROVINCE_ADMIN))


def nodes(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in result["data"]["benchmark"]["rows"]["edges"]]


def test_the_province_reads_a_ranked_table(
    gql: GraphQLClient, admin_token: str, scores: None
) -> None:
    result = gql(
        BENCHMARK,
        token=admin_token,
        variables={"metric": "SELF_SCORE", "year": YEAR, "level": "county", "first": 3},
    )
    assert "errors" not in result, result
    table = result["data"]["benchmark"]
    assert (table["metric"], table["label"], table["higherIsBetter"], table["month"]) == (
        "SELF_SCORE",
        "自评得分",
        True,
        None,
    )
    assert table["distribution"] == {
        "count": 6,
        "min": "55.50",
        "q1": "63.25",
        "median": "77.50",
        "q3": "85.00",
        "max": "92.50",
        "mean": "74.83",
    }
    assert table["rows"]["totalCount"] == 7
    assert [(n["code"], n["rank"], n["percentile"], n["level"]) for n in nodes(result)] == [
        ("loudi-louxing", 1, "100.00", "COUNTY"),
        ("shuangfeng", 2, "80.00", "COUNTY"),
        ("xinhua", 2, "80.00", "COUNTY"),
    ]
    too_many = gql(
        BENCHMARK, token=admin_token, variables={"metric": "BUDGET", "year": YEAR, "first": 201}
    )
    assert error_codes(too_many) == ["INVALID_PAGINATION"]


def test_a_city_reviewer_never_gets_another_citys_unit(
    gql: GraphQLClient, member: Callable[..., User], token_for: Callable[[User], str], scores: None
) -> None:
    token = token_for(member("changsha", Role.CITY_REVIEWER))
    for variables in (
        {"metric": "SELF_SCORE", "year": YEAR},
        {"metric": "BUDGET", "year": YEAR, "city": "loudi"},
        {"metric": "OPEN_ALERTS", "year": YEAR, "level": "county"},
    ):
        result = gql(BENCHMARK, token=token, variables=variables)
        assert "errors" not in result, result
        assert {n["code"] for n in nodes(result)} <= {"changsha-furong", "changsha-tianxin"}
        text = json.dumps(result, ensure_ascii=False)
        assert "娄底" not in text and "loudi" not in text


def test_units_own_people_and_strangers_are_refused(
    gql: GraphQLClient, member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    variables = {"metric": "BUDGET", "year": YEAR}
    finance = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    assert error_codes(gql(BENCHMARK, token=finance, variables=variables)) == ["PERMISSION_DENIED"]
    assert error_codes(gql(BENCHMARK, variables=variables)) == ["UNAUTHENTICATED"]
    bad = gql(
        BENCHMARK,
        token=token_for(member("hunan", Role.PROVINCE_ADMIN)),
        variables={**variables, "group": "nope"},
    )
    assert error_codes(bad) == ["UNKNOWN_PEER_GROUP"]


MY_BENCHMARK = """
query($metric: BenchmarkMetric!, $year: Int!, $month: Int) {
  myBenchmark(metric: $metric, fiscalYear: $year, month: $month) {
    metric label value fiscalYear month
    positions { scope code name rank percentile
      distribution { count min q1 median q3 max mean } }
  }
}
"""


def test_a_units_own_view_never_names_another_unit(
    gql: GraphQLClient,
    member: Callable[..., User],
    token_for: Callable[[User], str],
    unit: Callable[[str], Procuratorate],
    scores: None,
) -> None:
    hunan = unit("hunan")
    peers.define_peer_group(hunan, code="ld", name="娄底片区", kind="region", city="loudi")
    peers.define_peer_group(
        hunan, code="pilot", name="试点院", kind="list", units=["lengshuijiang", "xinhua"]
    )
    peers.define_peer_group(hunan, code="cs", name="长沙片区", kind="region", city="changsha")
    token = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    result = gql(
        MY_BENCHMARK, host=LSJ, token=token, variables={"metric": "SELF_SCORE", "year": YEAR}
    )
    assert "errors" not in result, result
    view = result["data"]["myBenchmark"]
    assert view["value"] == "70.00"
    # Counties of the province: 92.5, 85, 85, 70, 61, 55.5 → rank 4, 100 × 2/5 = 40.00.
    # 娄底片区: 92.5, 85, 85, 70, 61 → rank 4, 100 × 1/4 = 25.00.
    # 试点院: 85 (新化), 70 → rank 2, 0.00. Not in 长沙片区: no position there.
    assert [(p["scope"], p["code"], p["rank"], p["percentile"]) for p in view["positions"]] == [
        ("level", "county", 4, "40.00"),
        ("peer_group", "ld", 4, "25.00"),
        ("peer_group", "pilot", 2, "0.00"),
    ]
    assert view["positions"][0]["name"] == "全省基层院"
    assert view["positions"][2]["distribution"] == {
        "count": 2,
        "min": "70.00",
        "q1": "73.75",
        "median": "77.50",
        "q3": "81.25",
        "max": "85.00",
        "mean": "77.50",
    }
    text = json.dumps(result, ensure_ascii=False)
    others = Procuratorate.objects.exclude(code="lengshuijiang")
    assert others.count() == 9
    for other in others:
        assert other.code not in text and other.name not in text
    # Another unit's people cannot read 冷水江's view.
    stranger = token_for(member("xinhua", Role.UNIT_FINANCE))
    refused = gql(
        MY_BENCHMARK, host=LSJ, token=stranger, variables={"metric": "BUDGET", "year": YEAR}
    )
    assert error_codes(refused) == ["PERMISSION_DENIED"]


TREND = """
query($metric: BenchmarkMetric!, $year: Int!, $by: TrendPeriod, $unit: String, $city: String) {
  trend(metric: $metric, fiscalYear: $year, by: $by, unit: $unit, city: $city) {
    label by points { fiscalYear month value count median mean }
  }
}
"""


def test_trends_over_months_and_years(
    gql: GraphQLClient,
    admin_token: str,
    member: Callable[..., User],
    token_for: Callable[[User], str],
    unit: Callable[[str], Procuratorate],
) -> None:
    lsj, xinhua, lianyuan = unit("lengshuijiang"), unit("xinhua"), unit("lianyuan")
    for u, rates in (
        (lsj, ["10.00", "20.00"]),
        (xinhua, ["14.00", "30.00"]),
        (lianyuan, [None, "31.00"]),
    ):
        for month, rate in zip((3, 6), rates, strict=True):
            if rate is not None:
                ExecutionFactFactory(unit=u, month=month, execution_rate=D(rate))
    for year, score in ((YEAR - 2, "80.00"), (YEAR - 1, "84.00"), (YEAR, "88.00")):
        UnitYearFactFactory(unit=lsj, fiscal_year=year, project_score=D(score))
    UnitYearFactFactory(unit=xinhua, fiscal_year=YEAR, project_score=D("90.00"))

    result = gql(
        TREND,
        token=admin_token,
        variables={
            "metric": "EXECUTION_RATE",
            "year": YEAR,
            "by": "MONTH",
            "unit": "lengshuijiang",
            "city": "loudi",
        },
    )
    assert "errors" not in result, result
    # March: 10 and 14 → median 12.00; June: 20, 30, 31 → median 30.00, mean 27.00.
    assert result["data"]["trend"]["points"] == [
        {
            "fiscalYear": YEAR,
            "month": 3,
            "value": "10.00",
            "count": 2,
            "median": "12.00",
            "mean": "12.00",
        },
        {
            "fiscalYear": YEAR,
            "month": 6,
            "value": "20.00",
            "count": 3,
            "median": "30.00",
            "mean": "27.00",
        },
    ]
    years = gql(
        TREND,
        token=admin_token,
        variables={"metric": "SELF_SCORE", "year": YEAR, "by": "YEAR", "unit": "lengshuijiang"},
    )
    assert [
        (p["fiscalYear"], p["month"], p["value"], p["count"], p["median"])
        for p in years["data"]["trend"]["points"]
    ] == [
        (YEAR - 2, None, "80.00", 1, "80.00"),
        (YEAR - 1, None, "84.00", 1, "84.00"),
        (YEAR, None, "88.00", 2, "89.00"),
    ]
    not_monthly = gql(
        TREND, token=admin_token, variables={"metric": "SELF_SCORE", "year": YEAR, "by": "MONTH"}
    )
    assert error_codes(not_monthly) == ["NOT_MONTHLY"]
    outside = gql(
        TREND,
        token=token_for(member("changsha", Role.CITY_REVIEWER)),
        variables={"metric": "SELF_SCORE", "year": YEAR, "by": "YEAR", "unit": "lengshuijiang"},
    )
    assert error_codes(outside) == ["UNKNOWN_UNIT"]

    mine = gql(
        f"""query {{ myTrend(metric: EXECUTION_RATE, fiscalYear: {YEAR}, by: MONTH) {{
             points {{ month value count median }} }} }}""",
        host=LSJ,
        token=token_for(member("lengshuijiang", Role.UNIT_LEADER)),
    )
    # Every county of the province: March 10, 14; June 20, 30, 31.
    assert mine["data"]["myTrend"]["points"] == [
        {"month": 3, "value": "10.00", "count": 2, "median": "12.00"},
        {"month": 6, "value": "20.00", "count": 3, "median": "30.00"},
    ]


WEAKNESSES = """
query($year: Int!) { weaknesses(fiscalYear: $year) {
  overratePoints
  missedIndicators { indicatorCode name assessed missed units missRate }
  deviationCauses { cause label count }
  gradesByCity { cityCode cityName excellent good fair poor }
  selfKeyGaps { code cityCode projectCode selfScore keyScore gap }
} }
"""


def test_weaknesses_across_the_province(
    gql: GraphQLClient,
    admin_token: str,
    member: Callable[..., User],
    token_for: Callable[[User], str],
    unit: Callable[[str], Procuratorate],
) -> None:
    lsj, xinhua, furong = unit("lengshuijiang"), unit("xinhua"), unit("changsha-furong")
    # closure-rate: assessed 4 times, missed 3 times by 2 units; training: missed once of 1.
    IndicatorFactFactory(unit=lsj, met=False, deviation_cause="funding")
    IndicatorFactFactory(unit=lsj, met=False, deviation_cause="staffing")
    IndicatorFactFactory(unit=xinhua, met=False, deviation_cause="funding")
    IndicatorFactFactory(unit=furong, met=True)
    IndicatorFactFactory(
        unit=furong,
        indicator_code="training",
        name="培训人次",
        met=False,
        deviation_cause="funding",
    )
    IndicatorFactFactory(unit=furong, indicator_code="pending", name="未评价")  # met unknown
    # Grades; gaps: 冷水江 92 − 78 = 14 > 10 (listed), 新化 88 − 80 = 8 (not),
    # 芙蓉 exactly 10 (not).
    ProjectFactFactory(
        unit=lsj, project_code="A", self_score=D(92), self_grade="优", key_score=D(78)
    )
    ProjectFactFactory(unit=lsj, project_code="B", self_score=D(75), self_grade="中")
    ProjectFactFactory(
        unit=xinhua, project_code="C", self_score=D(88), self_grade="良", key_score=D(80)
    )
    ProjectFactFactory(
        unit=furong, project_code="D", self_score=D(70), self_grade="中", key_score=D(60)
    )

    result = gql(WEAKNESSES, token=admin_token, variables={"year": YEAR})
    assert "errors" not in result, result
    w = result["data"]["weaknesses"]
    assert w["overratePoints"] == "10"
    assert w["missedIndicators"] == [
        {
            "indicatorCode": "closure-rate",
            "name": "办结率",
            "assessed": 4,
            "missed": 3,
            "units": 2,
            "missRate": "75.00",
        },
        {
            "indicatorCode": "training",
            "name": "培训人次",
            "assessed": 1,
            "missed": 1,
            "units": 1,
            "missRate": "100.00",
        },
    ]
    assert w["deviationCauses"] == [
        {"cause": "funding", "label": "经费保障", "count": 3},
        {"cause": "staffing", "label": "人员保障", "count": 1},
    ]
    assert w["gradesByCity"] == [
        {
            "cityCode": "changsha",
            "cityName": "长沙市人民检察院",
            "excellent": 0,
            "good": 0,
            "fair": 1,
            "poor": 0,
        },
        {
            "cityCode": "loudi",
            "cityName": "娄底市人民检察院",
            "excellent": 1,
            "good": 1,
            "fair": 1,
            "poor": 0,
        },
    ]
    assert w["selfKeyGaps"] == [
        {
            "code": "lengshuijiang",
            "cityCode": "loudi",
            "projectCode": "A",
            "selfScore": "92.00",
            "keyScore": "78.00",
            "gap": "14.00",
        }
    ]
    # A city reviewer sees its own city's weaknesses only.
    city = gql(
        WEAKNESSES,
        token=token_for(member("changsha", Role.CITY_REVIEWER)),
        variables={"year": YEAR},
    )
    cw = city["data"]["weaknesses"]
    assert [m["indicatorCode"] for m in cw["missedIndicators"]] == ["training"]
    assert [g["cityCode"] for g in cw["gradesByCity"]] == ["changsha"]
    assert cw["selfKeyGaps"] == []


DEFINE = """
mutation($input: PeerGroupInput!) { definePeerGroup(input: $input) {
  errors { field code message }
  peerGroup { code name kind level cityCode lower upper memberCodes } } }
"""
STATS = """
mutation($input: UnitStatisticsInput!) { setUnitStatistics(input: $input) {
  errors { field code } statistics { unitCode fiscalYear staff procurators cases } } }
"""


def test_the_province_defines_peer_groups_and_statistics(
    gql: GraphQLClient,
    admin_token: str,
    member: Callable[..., User],
    token_for: Callable[[User], str],
) -> None:
    made = gql(
        DEFINE,
        token=admin_token,
        variables={
            "input": {
                "code": "pilot",
                "name": "试点院",
                "kind": "LIST",
                "units": ["xinhua", "lianyuan"],
            }
        },
    )
    assert made["data"]["definePeerGroup"] == {
        "errors": [],
        "peerGroup": {
            "code": "pilot",
            "name": "试点院",
            "kind": "LIST",
            "level": None,
            "cityCode": None,
            "lower": None,
            "upper": None,
            "memberCodes": ["lianyuan", "xinhua"],
        },
    }
    band = gql(
        DEFINE,
        token=admin_token,
        variables={
            "input": {
                "code": "big",
                "name": "大院",
                "kind": "STAFF_BAND",
                "lower": "100",
                "level": "county",
            }
        },
    )
    assert band["data"]["definePeerGroup"]["peerGroup"]["level"] == "COUNTY"
    bad = gql(
        DEFINE, token=admin_token, variables={"input": {"code": "r", "name": "r", "kind": "REGION"}}
    )
    assert bad["data"]["definePeerGroup"]["errors"][0]["code"] == "CITY_REQUIRED"

    listed = gql(
        "query { peerGroups { totalCount edges { node { code kind } } } }", token=admin_token
    )
    assert [e["node"]["code"] for e in listed["data"]["peerGroups"]["edges"]] == ["big", "pilot"]

    stats = gql(
        STATS,
        token=admin_token,
        variables={
            "input": {
                "unit": "xinhua",
                "fiscalYear": YEAR,
                "staff": 120,
                "procurators": 40,
                "cases": 2000,
            }
        },
    )
    assert stats["data"]["setUnitStatistics"] == {
        "errors": [],
        "statistics": {
            "unitCode": "xinhua",
            "fiscalYear": YEAR,
            "staff": 120,
            "procurators": 40,
            "cases": 2000,
        },
    }
    big = gql(
        BENCHMARK,
        token=admin_token,
        variables={"metric": "CASES_PER_PROCURATOR", "year": YEAR, "group": "big"},
    )
    assert [(n["code"], n["value"]) for n in nodes(big)] == [("xinhua", "50.00")]

    # Only a province admin writes them; a city reviewer lists its province's groups.
    reviewer = token_for(member("loudi", Role.CITY_REVIEWER))
    refused = gql(
        STATS,
        token=reviewer,
        variables={"input": {"unit": "xinhua", "fiscalYear": YEAR, "staff": 1}},
    )
    assert error_codes(refused) == ["PERMISSION_DENIED"]
    refused = gql(
        DEFINE,
        token=reviewer,
        variables={"input": {"code": "x", "name": "x", "kind": "LIST", "units": ["xinhua"]}},
    )
    assert error_codes(refused) == ["PERMISSION_DENIED"]
    assert PeerGroup.objects.count() == 2 and UnitStatistics.objects.count() == 1
    seen = gql("query { peerGroups { totalCount } }", token=reviewer)
    assert seen["data"]["peerGroups"]["totalCount"] == 2
    finance = token_for(member("xinhua", Role.UNIT_FINANCE))
    assert error_codes(gql("query { peerGroups { totalCount } }", token=finance)) == [
        "PERMISSION_DENIED"
    ]
    deleted = gql(
        'mutation { deletePeerGroup(code: "big") { deleted errors { code } } }', token=admin_token
    )
    assert deleted["data"]["deletePeerGroup"] == {"deleted": True, "errors": []}
    again = gql(
        'mutation { deletePeerGroup(code: "big") { deleted errors { code } } }', token=admin_token
    )
    assert again["data"]["deletePeerGroup"] == {"deleted": False, "errors": [{"code": "NOT_FOUND"}]}


def test_metrics_are_listed(gql: GraphQLClient, admin_token: str) -> None:
    result = gql(
        "query { benchmarkMetrics { key label unitOfMeasure higherIsBetter monthly"
        " needsIndicator } }",
        token=admin_token,
    )
    by_key = {m["key"]: m for m in result["data"]["benchmarkMetrics"]}
    assert by_key["SPENDING_PER_PROCURATOR"]["unitOfMeasure"] == "元/人"
    assert by_key["OPEN_ALERTS"]["higherIsBetter"] is False and by_key["OPEN_ALERTS"]["monthly"]
    assert by_key["INDICATOR_ACHIEVEMENT"]["needsIndicator"]


def test_pages_of_rows_follow_each_other(
    gql: GraphQLClient, admin_token: str, scores: None
) -> None:
    """Pages after a cursor and from the end (fetched apart from the distribution's statement)
    continue the same ranking."""
    query = """
    query($year: Int!, $after: String, $last: Int, $first: Int) {
      benchmark(metric: SELF_SCORE, fiscalYear: $year, level: "county") {
        rows(first: $first, after: $after, last: $last) {
          totalCount pageInfo { endCursor hasNextPage } edges { node { code rank } } }
      }
    }
    """
    every = gql(query, token=admin_token, variables={"year": YEAR})["data"]["benchmark"]["rows"]
    codes = [e["node"]["code"] for e in every["edges"]]
    assert len(codes) == every["totalCount"] == 7
    first = gql(query, token=admin_token, variables={"year": YEAR, "first": 3})["data"][
        "benchmark"
    ]["rows"]
    assert [e["node"]["code"] for e in first["edges"]] == codes[:3]
    assert first["pageInfo"]["hasNextPage"] is True
    second = gql(
        query,
        token=admin_token,
        variables={"year": YEAR, "first": 3, "after": first["pageInfo"]["endCursor"]},
    )["data"]["benchmark"]["rows"]
    assert [e["node"]["code"] for e in second["edges"]] == codes[3:6]
    last = gql(query, token=admin_token, variables={"year": YEAR, "last": 2})["data"]["benchmark"][
        "rows"
    ]
    assert [e["node"]["code"] for e in last["edges"]] == codes[-2:]

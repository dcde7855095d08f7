"""Benchmarks: rank, percentile and quartiles against hand-computed examples with ties, the
scope of each role, the filters, and a number of queries that does not depend on the number of
units. The session province (tests/conftest.py): 湖南 → 娄底 (5 counties), 长沙 (2 counties)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import Role, User
from backend.benchmarking import selectors
from backend.benchmarking.selectors import Distribution, OutOfReach, benchmark
from backend.core.errors import DomainError
from tenants.models import Procuratorate
from tests.benchmarking.factories import (
    YEAR,
    AlertRecordFactory,
    ExecutionFactFactory,
    IndicatorFactFactory,
    ProjectFactFactory,
    RectificationFactory,
    UnitYearFactFactory,
    registry_counties,
)

pytestmark = pytest.mark.django_db

D = Decimal
COUNTIES = [
    "loudi-louxing",
    "shuangfeng",
    "xinhua",
    "lengshuijiang",
    "lianyuan",
    "changsha-furong",
    "changsha-tianxin",
]
# Self-evaluation scores of the counties; 天心 has none (not finalised).
SCORES = {
    "loudi-louxing": "92.50",
    "shuangfeng": "85.00",
    "xinhua": "85.00",
    "lengshuijiang": "70.00",
    "lianyuan": "61.00",
    "changsha-furong": "55.50",
}


@pytest.fixture
def admin(member: Callable[..., User]) -> User:
    return member("hunan", Role.PROVINCE_ADMIN)


@pytest.fixture
def scores(unit: Callable[[str], Procuratorate]) -> None:
    for code, score in SCORES.items():
        UnitYearFactFactory(unit=unit(code), project_score=D(score))


def table_rows(
    table: selectors.BenchmarkTable,
) -> list[tuple[str, Decimal | None, int | None, Decimal | None]]:
    return [(r.code, r.value, r.rank, r.percentile) for r in table.rows]


def test_rank_percentile_and_quartiles_by_hand_with_ties(admin: User, scores: None) -> None:
    table = benchmark(admin, "self_score", YEAR, level="county")
    # Six values, higher is better: 92.50 > 85.00 = 85.00 > 70.00 > 61.00 > 55.50.
    # Competition ranks: 1, 2, 2, 4, 5, 6 (the tie shares 2; 3 is skipped).
    # Percentile = 100 × (n − rank) ÷ (n − 1), n = 6:
    #   rank 1 → 100 × 5/5 = 100.00; rank 2 → 100 × 4/5 = 80.00; rank 4 → 100 × 2/5 = 40.00;
    #   rank 5 → 100 × 1/5 = 20.00;  rank 6 → 0.00.
    # 天心 has no value: last, without rank or percentile. Ties are ordered by code.
    assert table_rows(table) == [
        ("loudi-louxing", D("92.50"), 1, D("100.00")),
        ("shuangfeng", D("85.00"), 2, D("80.00")),
        ("xinhua", D("85.00"), 2, D("80.00")),
        ("lengshuijiang", D("70.00"), 4, D("40.00")),
        ("lianyuan", D("61.00"), 5, D("20.00")),
        ("changsha-furong", D("55.50"), 6, D("0.00")),
        ("changsha-tianxin", None, None, None),
    ]
    # Ascending: 55.50, 61.00, 70.00, 85.00, 85.00, 92.50 (x0..x5); h = (n − 1)·p = 5p.
    #   q1: h = 1.25 → x1 + 0.25 × (x2 − x1) = 61 + 0.25 × 9 = 63.25
    #   median: h = 2.5 → x2 + 0.5 × (x3 − x2) = 70 + 0.5 × 15 = 77.50
    #   q3: h = 3.75 → x3 + 0.75 × (x4 − x3) = 85 + 0 = 85.00
    #   mean: (55.5 + 61 + 70 + 85 + 85 + 92.5) ÷ 6 = 449 ÷ 6 = 74.8333… → 74.83
    assert table.distribution == Distribution(
        count=6,
        min=D("55.50"),
        q1=D("63.25"),
        median=D("77.50"),
        q3=D("85.00"),
        max=D("92.50"),
        mean=D("74.83"),
    )
    assert (table.metric, table.label, table.unit_of_measure, table.higher_is_better) == (
        "self_score",
        "自评得分",
        "分",
        True,
    )
    louxing = table.rows[0]
    assert (louxing.level, louxing.city_code, louxing.city_name) == (
        "county",
        "loudi",
        "娄底市人民检察院",
    )


def test_lower_is_better_counts_with_zero_for_units_without_rows(
    admin: User, unit: Callable[[str], Procuratorate]
) -> None:
    open_alerts = {"loudi-louxing": 3, "xinhua": 1, "lengshuijiang": 1, "changsha-furong": 5}
    for code, n in open_alerts.items():
        for _ in range(n):
            AlertRecordFactory(unit=unit(code))
    # Answered alerts, other years and later months do not count.
    AlertRecordFactory(unit=unit("shuangfeng"), status="answered")
    AlertRecordFactory(unit=unit("shuangfeng"), fiscal_year=YEAR - 1)
    AlertRecordFactory(unit=unit("lianyuan"), month=9)

    table = benchmark(admin, "open_alerts", YEAR, month=6, level="county")
    # Values (fewer is better): 双峰 0, 涟源 0, 天心 0, 娄星 3, 新化 1, 冷水江 1, 芙蓉 5.
    # Ascending: 0, 0, 0, 1, 1, 3, 5 → ranks 1, 1, 1, 4, 4, 6, 7; n = 7:
    #   rank 1 → 100 × 6/6 = 100.00; rank 4 → 100 × 3/6 = 50.00; rank 6 → 100 × 1/6 = 16.67;
    #   rank 7 → 0.00.
    assert table_rows(table) == [
        ("changsha-tianxin", D(0), 1, D("100.00")),
        ("lianyuan", D(0), 1, D("100.00")),
        ("shuangfeng", D(0), 1, D("100.00")),
        ("lengshuijiang", D(1), 4, D("50.00")),
        ("xinhua", D(1), 4, D("50.00")),
        ("loudi-louxing", D(3), 6, D("16.67")),
        ("changsha-furong", D(5), 7, D("0.00")),
    ]
    # x = 0, 0, 0, 1, 1, 3, 5; h = 6p: q1 h = 1.5 → 0; median h = 3 → x3 = 1;
    # q3 h = 4.5 → 1 + 0.5 × (3 − 1) = 2; mean 10 ÷ 7 = 1.428… → 1.43.
    assert table.distribution == Distribution(
        7, D(0), D("0.00"), D("1.00"), D("2.00"), D(5), D("1.43")
    )
    assert table.higher_is_better is False and table.month == 6


def test_pure_ranking_edge_cases() -> None:
    assert selectors.ranks([], True) == []
    assert selectors.ranks([D(7)], True) == [(1, D(100))]
    assert selectors.ranks([D(2), D(2)], False) == [(1, D("100.00")), (1, D("100.00"))]
    assert selectors.distribution([]) == Distribution(0, None, None, None, None, None, None)
    # One value: every quartile is that value.
    assert selectors.distribution([D("3.5")]) == Distribution(
        1, D("3.5"), D("3.50"), D("3.50"), D("3.50"), D("3.5"), D("3.50")
    )


def test_the_province_sees_every_unit_under_it_and_a_city_only_its_own(
    admin: User, member: Callable[..., User], scores: None
) -> None:
    everyone = benchmark(admin, "self_score", YEAR)
    assert {r.code for r in everyone.rows} == set(COUNTIES) | {"loudi", "changsha"}
    assert "hunan" not in {r.code for r in everyone.rows}

    loudi = member("loudi", Role.CITY_REVIEWER)
    mine = benchmark(loudi, "self_score", YEAR)
    assert [r.code for r in mine.rows] == [
        "loudi-louxing",
        "shuangfeng",
        "xinhua",
        "lengshuijiang",
        "lianyuan",
    ]
    # Ranked among its own counties only: 92.50, 85, 85, 70, 61 → 1, 2, 2, 4, 5 of n = 5.
    assert [(r.rank, r.percentile) for r in mine.rows] == [
        (1, D("100.00")),
        (2, D("75.00")),
        (2, D("75.00")),
        (4, D("25.00")),
        (5, D("0.00")),
    ]
    # Asking for another city gives nothing, never its units.
    assert benchmark(loudi, "self_score", YEAR, city="changsha").rows == ()
    for metric in ("budget", "open_alerts", "rectifications_open", "execution_rate"):
        codes = {r.code for r in benchmark(loudi, metric, YEAR).rows}
        assert not codes & {"changsha", "changsha-furong", "changsha-tianxin", "loudi", "hunan"}


def test_units_own_people_cannot_benchmark(member: Callable[..., User]) -> None:
    for role in (Role.UNIT_FINANCE, Role.UNIT_LEADER, Role.EVALUATOR):
        with pytest.raises(OutOfReach):
            benchmark(member("lengshuijiang", role, username=f"lsj-{role}"), "budget", YEAR)
    # A city reviewer membership at a county is not a city's reach either.
    with pytest.raises(OutOfReach):
        benchmark(member("xinhua", Role.CITY_REVIEWER), "budget", YEAR)


def test_filters_by_level_and_city(admin: User, scores: None) -> None:
    cities = benchmark(admin, "budget", YEAR, level="city")
    assert [r.code for r in cities.rows] == ["changsha", "loudi"]
    changsha = benchmark(admin, "self_score", YEAR, city="changsha")
    assert [(r.code, r.rank) for r in changsha.rows] == [
        ("changsha-furong", 1),
        ("changsha", None),
        ("changsha-tianxin", None),
    ]
    assert changsha.rows[0].city_name == "长沙市人民检察院"


def test_bad_arguments_are_domain_errors(admin: User) -> None:
    with pytest.raises(DomainError) as error:
        benchmark(admin, "nonsense", YEAR, month=13)
    assert [p.code for p in error.value.problems] == ["UNKNOWN_METRIC", "INVALID_MONTH"]
    with pytest.raises(DomainError) as error:
        benchmark(admin, "indicator_actual", YEAR)
    assert [p.code for p in error.value.problems] == ["INDICATOR_REQUIRED"]
    with pytest.raises(DomainError) as error:
        benchmark(admin, "budget", YEAR, peer_group="nope")
    assert [p.code for p in error.value.problems] == ["UNKNOWN_PEER_GROUP"]


def test_every_metric_from_the_facts(admin: User, unit: Callable[[str], Procuratorate]) -> None:
    lsj, xinhua = unit("lengshuijiang"), unit("xinhua")
    # 冷水江: two projects (1.2 m + 0.8 m), executed 1.08 m + 0.6 m; self 90/80, key 80/78.
    ProjectFactFactory(
        unit=lsj,
        initial_budget=D("1200000.00"),
        executed=D("1080000.00"),
        self_score=D("90.00"),
        key_score=D("80.00"),
        evaluation_findings=2,
    )
    ProjectFactFactory(
        unit=lsj,
        initial_budget=D("800000.00"),
        executed=D("600000.00"),
        self_score=D("80.00"),
        key_score=D("78.00"),
    )
    ProjectFactFactory(unit=xinhua, initial_budget=D("500000.00"))  # not evaluated yet
    ExecutionFactFactory(unit=lsj, month=6, execution_rate=D("41.20"), forecast_rate=D("88.10"))
    ExecutionFactFactory(unit=lsj, month=7, execution_rate=D("49.00"), forecast_rate=D("90.40"))
    ExecutionFactFactory(unit=xinhua, month=6, execution_rate=D("55.00"), forecast_rate=None)
    UnitYearFactFactory(
        unit=lsj, project_score=D("85.50"), project_grade="良", department_score=D("91.00")
    )
    UnitYearFactFactory(unit=xinhua, project_score=D("92.00"), project_grade="优")
    RectificationFactory(unit=lsj, status="open", overdue=True)
    RectificationFactory(unit=lsj, status="responded")
    RectificationFactory(unit=lsj, status="accepted", overdue=False)
    RectificationFactory(unit=xinhua, status="accepted")

    def values(metric: str, **kw) -> dict[str, Decimal | None]:
        rows = benchmark(admin, metric, YEAR, level="county", **kw).rows
        return {r.code: r.value for r in rows if r.code in ("lengshuijiang", "xinhua")}

    assert values("budget") == {"lengshuijiang": D("2000000.00"), "xinhua": D("500000.00")}
    # Year-end: (1 080 000 + 600 000) ÷ 2 000 000 = 84.00 %; 新化 has nothing executed yet.
    assert values("execution_rate") == {"lengshuijiang": D("84.00"), "xinhua": None}
    assert values("execution_rate", month=6) == {"lengshuijiang": D("41.20"), "xinhua": D("55.00")}
    # Forecast: the month asked, else each unit's latest month with one.
    assert values("forecast_rate", month=6) == {"lengshuijiang": D("88.10"), "xinhua": None}
    assert values("forecast_rate") == {"lengshuijiang": D("90.40"), "xinhua": None}
    assert values("self_score") == {"lengshuijiang": D("85.50"), "xinhua": D("92.00")}
    assert values("self_grade") == {"lengshuijiang": D(3), "xinhua": D(4)}
    assert values("department_score") == {"lengshuijiang": D("91.00"), "xinhua": None}
    # Key: mean of 80 and 78 = 79.00; gap: mean of (90 − 80) and (80 − 78) = 6.00.
    assert values("key_score") == {"lengshuijiang": D("79.00"), "xinhua": None}
    assert values("self_key_gap") == {"lengshuijiang": D("6.00"), "xinhua": None}
    assert values("self_findings") == {"lengshuijiang": D(2), "xinhua": D(0)}
    assert values("rectifications_open") == {"lengshuijiang": D(2), "xinhua": D(0)}
    assert values("rectifications_overdue") == {"lengshuijiang": D(1), "xinhua": D(0)}


def test_indicator_metrics_average_a_units_projects(
    admin: User, unit: Callable[[str], Procuratorate]
) -> None:
    lsj, xinhua = unit("lengshuijiang"), unit("xinhua")
    # 冷水江 has the indicator in two projects: means (95 + 90) ÷ 2 = 92.5 target,
    # (96 + 81) ÷ 2 = 88.5 actual, (101.05 + 90) ÷ 2 = 95.525 → 95.53 achievement.
    IndicatorFactFactory(unit=lsj, actual_value=D(96), achievement=D("101.05"))
    IndicatorFactFactory(unit=lsj, target_value=D(90), actual_value=D(81), achievement=D("90.00"))
    IndicatorFactFactory(unit=xinhua, actual_value=D(97), achievement=D("102.11"))
    # Another indicator (a ≤ one) is not mixed in.
    IndicatorFactFactory(unit=xinhua, indicator_code="complaints", direction="lte", name="投诉率")

    table = benchmark(
        admin, "indicator_target", YEAR, level="county", indicator_code="closure-rate"
    )
    assert (table.label, table.unit_of_measure, table.higher_is_better) == (
        "指标目标值：办结率",
        "%",
        True,
    )
    assert [(r.code, r.value) for r in table.rows[:2]] == [
        ("xinhua", D("95.0000")),
        ("lengshuijiang", D("92.5000")),
    ]
    actual = benchmark(
        admin, "indicator_actual", YEAR, level="county", indicator_code="closure-rate"
    )
    assert [(r.code, r.value, r.rank) for r in actual.rows[:2]] == [
        ("xinhua", D("97.0000"), 1),
        ("lengshuijiang", D("88.5000"), 2),
    ]
    achievement = benchmark(
        admin, "indicator_achievement", YEAR, level="county", indicator_code="closure-rate"
    )
    assert [(r.code, r.value) for r in achievement.rows[:2]] == [
        ("xinhua", D("102.11")),
        ("lengshuijiang", D("95.53")),
    ]
    lower = benchmark(admin, "indicator_target", YEAR, level="county", indicator_code="complaints")
    assert lower.higher_is_better is False and lower.label == "指标目标值：投诉率"


def _more_counties(n: int) -> None:
    """``n`` extra counties under 娄底 as registry rows only (no schema: benchmarks never open
    one), each with facts for every metric."""
    units = registry_counties([Procuratorate.objects.get(code="loudi")], "extra", n)
    for i, u in enumerate(units):
        ProjectFactFactory(unit=u, executed=D(1000 * i), self_score=D(80), key_score=D(70))
        ExecutionFactFactory(unit=u, forecast_rate=D(i))
        UnitYearFactFactory(unit=u, project_score=D(i % 100))
        AlertRecordFactory(unit=u)
        IndicatorFactFactory(unit=u, actual_value=D(i))


@pytest.mark.parametrize(
    ("metric", "kwargs", "queries"),
    [
        # memberships, [peer group], the ranking statement
        ("self_score", {}, 2),
        ("budget", {"city": "loudi"}, 2),
        ("execution_rate", {"month": 6}, 2),
        ("forecast_rate", {}, 2),
        ("open_alerts", {}, 2),
        ("spending_per_procurator", {}, 2),
        ("indicator_achievement", {"indicator_code": "closure-rate"}, 2),
        ("self_score", {"peer_group": "big"}, 3),
    ],
)
def test_the_number_of_queries_does_not_depend_on_the_number_of_units(
    admin: User, metric: str, kwargs: dict, queries: int, django_assert_num_queries: Any
) -> None:
    from backend.benchmarking import peers

    ProjectFactFactory(unit=Procuratorate.objects.get(code="lengshuijiang"))
    peers.define_peer_group(
        Procuratorate.objects.get(code="hunan"),
        code="big",
        name="大院",
        kind="budget_band",
        lower=D(0),
    )
    with CaptureQueriesContext(connection) as small:
        before = benchmark(admin, metric, YEAR, **kwargs)
    _more_counties(60)
    with django_assert_num_queries(queries):
        after = benchmark(admin, metric, YEAR, **kwargs)
    assert len(small.captured_queries) == queries
    assert len(after.rows) == len(before.rows) + 60


def _python_table(admin: User, metric: str, **kwargs: Any) -> selectors.BenchmarkTable:
    """The same table ranked in Python (``rank_table`` over ``Metric.values``): the reference
    the ranking statement must reproduce."""
    spec = selectors.metric_for(metric, kwargs.get("month"), kwargs.get("indicator_code"))
    units_qs = selectors.scoped_units(
        admin, YEAR, kwargs.get("level"), kwargs.get("city"), kwargs.get("peer_group")
    )
    units = selectors.unit_rows(units_qs)
    values = spec.values(units_qs, YEAR, kwargs.get("month"), kwargs.get("indicator_code"))
    names = selectors.city_names_of({u["city"] for u in units})
    return selectors.rank_table(spec, values, units, YEAR, kwargs.get("month"), names)


def _shown(table: selectors.BenchmarkTable) -> tuple[Any, ...]:
    """Everything a caller sees, with Decimals as strings (so that 85.0 ≠ 85.00)."""
    rows = tuple(
        (
            r.unit_id,
            r.code,
            r.name,
            r.level,
            r.city_code,
            r.city_name,
            str(r.value),
            r.rank,
            str(r.percentile),
        )
        for r in table.rows
    )
    dist = tuple(str(v) for v in vars(table.distribution).values())
    head = (table.metric, table.label, table.unit_of_measure, table.higher_is_better, table.month)
    return head, dist, rows


def test_the_ranking_statement_matches_the_python_ranking_for_every_metric(
    admin: User, unit: Callable[[str], Procuratorate]
) -> None:
    """``benchmark`` ranks in PostgreSQL; ``rank_table`` is the pure definition. With ties,
    units without values, a ≤ indicator, ratios ending on a half-up tie and every scope."""
    from backend.benchmarking import metrics
    from backend.benchmarking.models import UnitStatistics

    codes = [*COUNTIES, "loudi", "changsha"]
    for i, code in enumerate(codes):
        u = unit(code)
        if code == "changsha-tianxin":
            continue  # no facts at all
        ProjectFactFactory(
            unit=u,
            full_budget=D(1000 + 100 * (i % 3)),
            executed=D("12.345") * (i % 4),
            self_score=D(80 + i % 3),
            key_score=D(70),
        )
        ExecutionFactFactory(unit=u, execution_rate=D(40 + i % 2), forecast_rate=D(i % 3))
        UnitYearFactFactory(unit=u, project_score=D(60 + i % 4), project_grade="优良中差"[i % 4])
        for _ in range(i % 3):
            AlertRecordFactory(unit=u)
            RectificationFactory(unit=u, overdue=i % 2 == 0)
        # 0.01 ÷ 2 = 0.005 → 0.01 half-up: a ratio that lands on a tie.
        UnitStatistics.objects.create(
            unit=u, fiscal_year=YEAR, staff=9, procurators=2 + i % 2, cases=i * 3 + 1
        )
        IndicatorFactFactory(unit=u, actual_value=D(90 + i % 3), achievement=D("94.735"))
        IndicatorFactFactory(
            unit=u,
            indicator_code="complaints",
            direction="lte",
            name="投诉率",
            target_value=D(i % 3),
            actual_value=D(i % 2) if i % 5 else None,
        )
    cases = [
        {"level": "county"},
        {},
        {"city": "loudi"},
        {"city": "nowhere"},
        {"month": 6},
        {"indicator_code": "closure-rate"},
        {"indicator_code": "complaints"},
        {"indicator_code": "absent"},
    ]
    checked = 0
    for metric, spec in metrics.METRICS.items():
        for kwargs in cases:
            if spec.needs_indicator != ("indicator_code" in kwargs):
                continue
            expected = _python_table(admin, metric, **kwargs)
            table = benchmark(admin, metric, YEAR, **kwargs)
            assert _shown(table) == _shown(expected), (metric, kwargs)
            checked += 1
    assert checked == 14 * 5 + 3 * 3


def test_rows_fetched_a_page_at_a_time_are_the_same_rows(
    admin: User, scores: None, django_assert_num_queries: Any
) -> None:
    """With ``first_rows`` the statement brings only the first rows; a later slice is one more
    statement, and every way of reading the rows gives the same table."""
    full = benchmark(admin, "self_score", YEAR)
    expected = list(full.rows)
    with django_assert_num_queries(2):
        paged = benchmark(admin, "self_score", YEAR, first_rows=3)
    rows = paged.rows
    assert len(rows) == len(expected) == 9
    with django_assert_num_queries(0):
        assert rows[0:3] == expected[0:3]
        assert rows[1] == expected[1]
    with django_assert_num_queries(1):
        assert rows[4:8] == expected[4:8]
    with django_assert_num_queries(1):
        assert rows[-1] == expected[-1]
    assert rows[::2] == expected[::2]
    assert list(rows) == expected
    assert rows[20:30] == [] and paged.distribution == full.distribution
    with pytest.raises(IndexError):
        rows[9]

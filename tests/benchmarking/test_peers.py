"""Peer groups of each kind (region, budget band, staff band, list), unit statistics and the
per-capita metrics, and the budget-weighted forecast on execution facts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from backend.accounts.models import Role, User
from backend.benchmarking import peers
from backend.benchmarking.models import ExecutionFact, PeerGroupMember, UnitStatistics
from backend.benchmarking.selectors import benchmark
from backend.core.errors import DomainError
from tenants.models import Procuratorate
from tests.benchmarking.factories import (
    YEAR,
    ExecutionFactFactory,
    ProjectFactFactory,
    UnitStatisticsFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def admin(member: Callable[..., User]) -> User:
    return member("hunan", Role.PROVINCE_ADMIN)


@pytest.fixture
def hunan(unit: Callable[[str], Procuratorate]) -> Procuratorate:
    return unit("hunan")


def codes(table) -> list[str]:
    return sorted(r.code for r in table.rows)


def test_a_region_group_is_the_units_under_a_city(admin: User, hunan: Procuratorate) -> None:
    peers.define_peer_group(hunan, code="ld", name="娄底片区", kind="region", city="loudi")
    assert codes(benchmark(admin, "budget", YEAR, peer_group="ld")) == [
        "lengshuijiang",
        "lianyuan",
        "loudi-louxing",
        "shuangfeng",
        "xinhua",
    ]


def test_a_budget_band_follows_the_facts_of_the_year(
    admin: User, hunan: Procuratorate, unit: Callable[[str], Procuratorate]
) -> None:
    # Budgets: 冷水江 1.0 m + 0.6 m = 1.6 m; 新化 3.0 m; 涟源 0.5 m; 芙蓉 2.0 m (next year: 9 m).
    for code, budget in [
        ("lengshuijiang", "1000000"),
        ("lengshuijiang", "600000"),
        ("xinhua", "3000000"),
        ("lianyuan", "500000"),
        ("changsha-furong", "2000000"),
    ]:
        ProjectFactFactory(unit=unit(code), initial_budget=D(budget))
    ProjectFactFactory(unit=unit("lianyuan"), initial_budget=D("9000000"), fiscal_year=YEAR + 1)
    peers.define_peer_group(
        hunan, code="mid", name="中等规模", kind="budget_band", lower=D(1000000), upper=D(3000000)
    )
    # [1 m, 3 m): 1.6 m and 2.0 m are in; 3.0 m (upper bound excluded) and 0.5 m are out.
    assert codes(benchmark(admin, "budget", YEAR, peer_group="mid")) == [
        "changsha-furong",
        "lengshuijiang",
    ]
    assert codes(benchmark(admin, "budget", YEAR + 1, peer_group="mid")) == []
    # Open upper bound, narrowed to counties.
    peers.define_peer_group(
        hunan, code="big", name="大院", kind="budget_band", lower=D(2000000), level="county"
    )
    assert codes(benchmark(admin, "budget", YEAR, peer_group="big")) == [
        "changsha-furong",
        "xinhua",
    ]


def test_a_staff_band_and_a_list(
    admin: User, hunan: Procuratorate, unit: Callable[[str], Procuratorate]
) -> None:
    UnitStatisticsFactory(unit=unit("xinhua"), staff=120)
    UnitStatisticsFactory(unit=unit("lianyuan"), staff=45)
    UnitStatisticsFactory(unit=unit("lianyuan"), staff=80, fiscal_year=YEAR - 1)
    peers.define_peer_group(hunan, code="small", name="小院", kind="staff_band", upper=D(50))
    assert codes(benchmark(admin, "budget", YEAR, peer_group="small")) == ["lianyuan"]
    assert codes(benchmark(admin, "budget", YEAR - 1, peer_group="small")) == []

    peers.define_peer_group(
        hunan, code="pilot", name="试点院", kind="list", units=["xinhua", "changsha-tianxin"]
    )
    assert codes(benchmark(admin, "budget", YEAR, peer_group="pilot")) == [
        "changsha-tianxin",
        "xinhua",
    ]
    # Redefining a list replaces its members.
    peers.define_peer_group(hunan, code="pilot", name="试点院", kind="list", units=["lianyuan"])
    assert PeerGroupMember.objects.filter(group__code="pilot").count() == 1


def test_a_city_reviewer_sees_only_its_own_units_of_a_group(
    member: Callable[..., User], hunan: Procuratorate
) -> None:
    peers.define_peer_group(
        hunan, code="pilot", name="试点院", kind="list", units=["xinhua", "changsha-tianxin"]
    )
    loudi = member("loudi", Role.CITY_REVIEWER)
    assert codes(benchmark(loudi, "budget", YEAR, peer_group="pilot")) == ["xinhua"]


def test_group_definitions_report_every_problem(hunan: Procuratorate) -> None:
    with pytest.raises(DomainError) as error:
        peers.define_peer_group(hunan, code="", name="", kind="region", city="xinhua")
    assert [p.code for p in error.value.problems] == ["REQUIRED", "REQUIRED", "CITY_REQUIRED"]
    with pytest.raises(DomainError) as error:
        peers.define_peer_group(
            hunan, code="b", name="b", kind="budget_band", lower=D(5), upper=D(5)
        )
    assert [p.code for p in error.value.problems] == ["BAD_BOUNDS"]
    with pytest.raises(DomainError) as error:
        peers.define_peer_group(hunan, code="l", name="l", kind="list", units=["xinhua", "nowhere"])
    assert [p.code for p in error.value.problems] == ["UNKNOWN_UNITS"]
    with pytest.raises(DomainError) as error:
        peers.define_peer_group(hunan, code="k", name="k", kind="bogus")
    assert [p.code for p in error.value.problems] == ["INVALID_KIND"]


def test_per_capita_metrics(
    admin: User, hunan: Procuratorate, unit: Callable[[str], Procuratorate]
) -> None:
    lsj, xinhua, lianyuan = unit("lengshuijiang"), unit("xinhua"), unit("lianyuan")
    peers.set_unit_statistics(
        hunan, unit="lengshuijiang", fiscal_year=YEAR, staff=70, procurators=24, cases=1030
    )
    peers.set_unit_statistics(
        hunan, unit="xinhua", fiscal_year=YEAR, staff=90, procurators=30, cases=1500
    )
    # 涟源's statistics give no procurators: no per-capita value.
    peers.set_unit_statistics(
        hunan, unit="lianyuan", fiscal_year=YEAR, staff=40, procurators=None, cases=600
    )
    ProjectFactFactory(unit=lsj, executed=D("1200000.00"))
    ProjectFactFactory(unit=lsj, executed=D("600000.00"))
    ProjectFactFactory(unit=xinhua, executed=D("2400000.00"))
    ProjectFactFactory(unit=lianyuan, executed=D("100000.00"))
    ExecutionFactFactory(unit=lsj, month=6, spent=D("700000.00"))

    spend = benchmark(admin, "spending_per_procurator", YEAR, level="county")
    # 1 800 000 ÷ 24 = 75 000.00; 2 400 000 ÷ 30 = 80 000.00 (less is better).
    assert [(r.code, r.value, r.rank) for r in spend.rows[:2]] == [
        ("lengshuijiang", D("75000.00"), 1),
        ("xinhua", D("80000.00"), 2),
    ]
    assert spend.unit_of_measure == "元/人" and spend.higher_is_better is False
    in_year = benchmark(admin, "spending_per_procurator", YEAR, month=6, level="county")
    # 700 000 ÷ 24 = 29 166.666… → 29 166.67; 新化 has no execution fact for June.
    assert [(r.code, r.value) for r in in_year.rows if r.value is not None] == [
        ("lengshuijiang", D("29166.67"))
    ]
    cases = benchmark(admin, "cases_per_procurator", YEAR, level="county")
    # 1500 ÷ 30 = 50.00; 1030 ÷ 24 = 42.916… → 42.92.
    assert [(r.code, r.value, r.rank) for r in cases.rows[:3]] == [
        ("xinhua", D("50.00"), 1),
        ("lengshuijiang", D("42.92"), 2),
        ("changsha-furong", None, None),
    ]


def test_statistics_are_set_per_year_and_checked(hunan: Procuratorate) -> None:
    peers.set_unit_statistics(
        hunan, unit="xinhua", fiscal_year=YEAR, staff=10, procurators=5, cases=9
    )
    peers.set_unit_statistics(
        hunan, unit="xinhua", fiscal_year=YEAR, staff=11, procurators=6, cases=9
    )
    row = UnitStatistics.objects.get(unit__code="xinhua")
    assert (row.staff, row.procurators, row.cases) == (11, 6, 9)
    with pytest.raises(DomainError) as error:
        peers.set_unit_statistics(
            hunan, unit="hunan", fiscal_year=1990, staff=5, procurators=6, cases=-1
        )
    assert [p.code for p in error.value.problems] == [
        "UNKNOWN_UNIT",
        "INVALID_YEAR",
        "OUT_OF_RANGE",
        "PROCURATORS_ABOVE_STAFF",
    ]


def test_the_execution_fact_carries_the_budget_weighted_forecast(
    lsj: Procuratorate, member: Callable[..., User]
) -> None:
    from tests.monitoring.test_entries import make_actors, make_round, monitored_project, report

    users = make_actors(member)
    round9 = make_round(9)
    # Entered spending only (no monthly figures): the forecast comes from the rounds; one
    # project at 480 000 of 1 200 000 by September forecasts 53.33 % (tests/monitoring).
    small = monitored_project(code="small")
    report(small, round9, users["finance"], spent=D("480000.00"))
    first = ExecutionFact.objects.get(unit=lsj, month=9)
    assert first.forecast_rate == D("53.33")
    big = monitored_project(code="big", budget=D("2400000.00"))
    report(big, round9, users["finance"], spent=D("2160000.00"))
    from backend.monitoring.models import MonitoringEntry

    entries = {e.project.code: e for e in MonitoringEntry.objects.select_related("project")}
    a, b = entries["small"], entries["big"]
    # Σ(forecast × budget) ÷ Σ budget, over the two entries.
    expected = (a.forecast_rate * a.full_budget + b.forecast_rate * b.full_budget) / (
        a.full_budget + b.full_budget
    )
    fact = ExecutionFact.objects.get(unit=lsj, month=9)
    assert fact.forecast_rate == expected.quantize(D("0.01"))
    assert fact.forecast_rate != first.forecast_rate

"""首页 of the console: who may open it, the city reviewer's scope, the figures of the cycle,
the drill-down, a bad year, and the query count at two sizes of the province."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.utils import timezone

from tenants.models import Procuratorate
from tests.web.conftest import Browser, User
from tests.web.console import cycle_data

YEAR = timezone.localdate().year
URL = "/console/"


@pytest.fixture
def cycle(db: None) -> None:
    cycle_data.round_of(YEAR, 6, closed=True)
    units = {u.code: u for u in Procuratorate.objects.all()}
    cycle_data.unit_year(units["lengshuijiang"], YEAR, rate="45.00", overdue=1)
    cycle_data.unit_year(units["xinhua"], YEAR, rate="55.00", alert_overdue=True)
    cycle_data.unit_year(units["lianyuan"], YEAR, rate=None)  # not reported: late
    cycle_data.unit_year(units["changsha-furong"], YEAR, rate="30.00")


def text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("province_admin", 200),
        ("city_reviewer", 200),
        ("evaluator", 403),
        ("finance", 403),
        ("city_finance", 403),
    ],
)
def test_who_may_open_the_home_page(
    name: str, status: int, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    response = browse(persona(name), None).get(URL)
    assert response.status_code == status
    if status == 403:
        assert 'data-testid="denied"' in response.content.decode()
        assert "cycle-table" not in response.content.decode()


def test_the_province_sees_every_city_rolled_up(
    cycle: None, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    response = browse(persona("province_admin"), None).get(URL)
    assert response.status_code == 200
    page = text(response)
    overview = response.context["overview"]
    rows = {row.code: row for row in overview.rows}
    assert set(rows) == {"hunan", "loudi", "changsha"}
    loudi = rows["loudi"].figures
    assert loudi.units == 6 and rows["loudi"].children == 5
    assert (loudi.goals_declared, loudi.goals_approved) == (6, 3)
    assert loudi.reported_units == 2
    assert loudi.alerts_open == 3 and loudi.alerts_overdue == 1
    assert (loudi.evaluations_finalised, loudi.evaluations_due) == (3, 6)
    assert (loudi.rectifications_open, loudi.rectifications_overdue) == (3, 1)
    # late: 娄底 itself, 娄星, 双峰, 涟源 did not report; 冷水江 has an overdue rectification,
    # 新化 an overdue alert
    assert loudi.late_units == 6
    assert str(loudi.execution_rate) == "50.00"
    assert 'data-testid="drill-loudi"' in page
    assert "?city=loudi" in page
    assert overview.total.units == 10
    assert "chart-curve" in page and "chart-rows" in page


def test_a_city_row_drills_down_to_its_counties(
    cycle: None, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    response = browse(persona("province_admin"), None).get(URL + "?city=loudi")
    assert response.status_code == 200
    rows = {row.code: row for row in response.context["overview"].rows}
    assert set(rows) == {"loudi", "loudi-louxing", "shuangfeng", "xinhua", "lengshuijiang",
                         "lianyuan"}  # fmt: skip
    assert rows["loudi"].own
    lianyuan = rows["lianyuan"].figures
    assert lianyuan.late_labels == ["监控未按期填报"]
    page = text(response)
    assert 'data-testid="late-lianyuan"' in page
    assert "http://lianyuan.localhost/" in page  # a unit row leads to its workspace
    assert "整改逾期" in page


def test_a_city_reviewer_sees_only_its_counties(
    cycle: None, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("city_reviewer"), None)
    response = page.get(URL)
    rows = {row.code for row in response.context["overview"].rows}
    assert rows == {"loudi", "loudi-louxing", "shuangfeng", "xinhua", "lengshuijiang", "lianyuan"}
    assert "长沙" not in text(response)
    assert page.get(URL + "?city=changsha").status_code == 404
    assert page.get(URL + "?city=hunan").status_code == 404
    assert page.get(URL + "?city=nothing-here").status_code == 404


def test_sorting_keeps_the_own_row_first(
    cycle: None, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    response = page.get(URL + "?city=loudi&sort=execution&dir=desc")
    codes = [row.code for row in response.context["overview"].rows]
    assert codes[0] == "loudi"
    assert codes[1:3] == ["xinhua", "lengshuijiang"]


def test_a_bad_year_is_named_next_to_the_chooser(
    cycle: None, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    response = browse(persona("province_admin"), None).get(URL + "?year=1899&sort=bogus")
    assert response.status_code == 200
    page = text(response)
    assert 'data-field-error="year"' in page
    assert "年度应为 2000–2100 之间的整数" in page
    assert response.context["year"] == YEAR


def test_another_year_shows_its_own_cycle(
    cycle: None, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    response = browse(persona("province_admin"), None).get(URL + f"?year={YEAR - 1}")
    overview = response.context["overview"]
    assert overview.fiscal_year == YEAR - 1
    assert overview.total.goals_declared == 0 and overview.round is None
    assert overview.total.evaluations_due == 0  # last year's facts are this year's evaluation
    assert f"{YEAR - 1} 年度工作进展" in text(response)


@pytest.mark.parametrize("extra", [5, 60])
def test_query_count_does_not_grow_with_the_units(
    extra: int,
    cycle: None,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[[Callable[[], object]], int],
) -> None:
    for unit in cycle_data.extra_units("loudi", extra) + cycle_data.extra_units(
        "changsha", extra, prefix="y"
    ):
        cycle_data.unit_year(unit, YEAR, rate="20.00")
    page = browse(persona("province_admin"), None)
    page.get(URL)  # the session and the first request's one-offs
    queries = count_queries(lambda: page.get(URL))
    drilled = count_queries(lambda: page.get(URL + "?city=loudi"))
    assert queries <= 16, queries
    assert drilled <= 17, drilled
    response = page.get(URL + "?city=loudi")
    assert response.context["page"].paginator.count == 6 + extra


def test_query_counts_are_equal_at_two_sizes(
    cycle: None,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[[Callable[[], object]], int],
) -> None:
    page = browse(persona("province_admin"), None)
    page.get(URL)
    small = count_queries(lambda: page.get(URL + "?city=loudi"))
    for unit in cycle_data.extra_units("loudi", 80):
        cycle_data.unit_year(unit, YEAR, rate="20.00")
    large = count_queries(lambda: page.get(URL + "?city=loudi"))
    assert small == large


def test_a_province_admin_who_is_also_a_city_reviewer_sees_each_unit_once(
    cycle: None, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    from backend.accounts.models import Membership

    admin = persona("province_admin")
    Membership.objects.create(
        user=admin, unit=Procuratorate.objects.get(code="loudi"), role="city_reviewer"
    )
    overview = browse(admin, None).get(URL).context["overview"]
    assert [row.code for row in overview.rows] == ["hunan", "changsha", "loudi"]
    assert overview.total.units == 10

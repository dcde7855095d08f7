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


@pytest.mark.parametrize(
    ("metric", "month", "per"),
    [("execution_rate", 6, ""), ("self_grade", None, ""), ("open_alerts", 6, "procurator")],
)
def test_the_page_cut_in_sql_is_the_one_arranged_in_python(
    big_province, metric: str, month: int | None, per: str
) -> None:
    """``league_page`` (one statement) against ``arrange`` + ``Paginator`` + ``by_city`` over
    every row: the same rows in the same order on every page, sort, search and band, the same
    bottom N, band counts and city boxes. Ties and units without a value included (a grade
    metric ties a lot; a size-adjusted count leaves units without statistics out)."""
    from collections import Counter

    from django.core.paginator import Paginator

    from backend.console import benchmark as league

    admin = big_province("eq", 130)
    table = league.league(admin, league.Query(metric=metric, year=2026, month=month, per=per))
    rows = list(table.rows)
    valued = [r for r in rows if r.rank is not None]
    for sort in ("rank", "-rank", "name", "city"):
        for search, band in (("", ""), ("基层院1", ""), ("", "top25"), ("EQ-U00", "bottom10")):
            arranged = league.arrange(rows, sort=sort, search=search, band_key=band)
            for number in ("2", "99", "x"):
                expected = Paginator(arranged, 25).get_page(number)
                got = league.league_page(
                    table, sort=sort, search=search, band_key=band, page=number, bottom=7
                )
                assert got.count == len(arranged), (sort, search, band)
                assert got.number == expected.number, (sort, search, band, number)
                assert got.rows == list(expected.object_list), (sort, search, band, number)
    query = league.Query(metric=metric, year=2026, month=month, per=per)
    for sort in ("rank", "-rank", "name", "city"):  # the page's own path: one statement
        with_table, together = league.league_with_page(
            admin, query, sort=sort, search="1", page="2", bottom=7, top=7
        )
        assert together == league.league_page(table, sort=sort, search="1", page="2", bottom=7)
        assert with_table.distribution == table.distribution
        assert list(with_table.rows[:7]) == rows[:7] and len(with_table.rows) == len(rows)
    got = league.league_page(table, bottom=7)
    assert got.bottom == valued[-7:]
    assert got.bands == dict(Counter(league.band(r.percentile) for r in valued))
    assert got.cities == league.by_city(table, valued)


@pytest.mark.parametrize(
    ("metric", "by", "indicator"),
    [
        ("execution_rate", "month", None),
        ("open_alerts", "month", None),
        ("self_score", "year", None),
        ("indicator_achievement", "year", "i1"),
    ],
)
def test_trends_computed_in_sql_match_every_value_read(
    big_province, metric: str, by: str, indicator: str | None
) -> None:
    """``trend`` (one statement, figures per period) against the values of every unit read
    and summarised in Python: the same count, median, mean and the unit's own value."""
    from decimal import Decimal

    from backend.benchmarking import metrics, selectors
    from tenants.models import Procuratorate

    admin = big_province("tr", 60)
    unit = Procuratorate.objects.filter(code__startswith="tr-u").order_by("code").first()
    assert unit is not None
    got = selectors.trend(
        admin, metric, 2026, by=by, years=3, unit=unit.code, indicator_code=indicator
    )
    spec = metrics.get(metric)
    assert spec is not None
    units_qs = selectors.scoped_units(admin, 2026, None, None, None)
    ids = list(units_qs.values_list("pk", flat=True))
    default = Decimal(0) if spec.count else None
    expected = []
    for year, month in selectors.trend_periods(spec, 2026, by, 3):
        read = metrics.read_values([spec.query(units_qs, year, month, indicator)])[0]
        group = [v for v in (read.values.get(i, default) for i in ids) if v is not None]
        if group:
            stats = selectors.distribution(group, spec.places)
            own = read.values.get(unit.pk, default)
            expected.append((year, month, own, stats.count, stats.median, stats.mean))
    assert expected
    assert [(p.fiscal_year, p.month, p.value, p.count, p.median, p.mean) for p in got.points] == (
        expected
    )
    if indicator:
        assert got.label == "指标完成率：指标1"


def test_a_units_positions_computed_in_sql_match_every_value_read(big_province) -> None:
    """``unit_positions`` (one statement a year) against the values of every unit of the
    level read and ranked in Python (``rank_table``, ``distribution``): the same value, rank,
    percentile and distribution, for plain, count, size-adjusted and indicator metrics."""
    from decimal import Decimal

    from backend.benchmarking import metrics, selectors
    from tenants.models import Procuratorate

    big_province("po", 70)
    unit = Procuratorate.objects.filter(code__startswith="po-u").order_by("code")[3]
    asked = [
        ("execution_rate", 2026, 6, None),
        ("open_alerts", 2026, 6, None),
        ("self_grade", 2026, None, None),
        ("spending_per_procurator", 2026, None, None),
        ("indicator_achievement", 2026, None, "i2"),
        ("self_score", 2024, None, None),  # a year without facts
    ]
    got = selectors.unit_positions(unit, asked)
    level_units = selectors.province_units(unit).filter(level=unit.level)
    rows = selectors.unit_rows(level_units)
    for (metric, year, month, code), position in zip(asked, got, strict=True):
        spec = metrics.get(metric)
        assert spec is not None
        values = spec.values(level_units, year, month, code)
        table = selectors.rank_table(spec, values, rows, year, month, {})
        mine = next(r for r in table.rows if r.unit_id == unit.pk)
        assert position.value == mine.value, metric
        assert position.label == table.label
        (level,) = position.positions
        assert (level.rank, level.percentile) == (mine.rank, mine.percentile), metric
        assert level.distribution == table.distribution, metric
        if spec.count:
            assert position.value is not None and position.value >= Decimal(0)

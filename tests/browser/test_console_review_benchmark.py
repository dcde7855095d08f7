"""The console's 审核 and 对标 in a real browser.

- 审核: 娄底's city reviewer finds 冷水江's goal (approved by its leader, waiting for the city),
  reads the form and approves it with a grade; the province admin accepts a rectification
  answer; both see the decisions under 已审核.
- 对标: a province of 137 procuratorates (136 under the provincial office; Hunan's names,
  registry rows and public facts only) — the province admin reads the league table, sorts it
  by name and back by rank, filters the bottom decile, and opens one unit's comparison with
  its peer group's median.
"""

from __future__ import annotations

import csv
import datetime
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from backend.accounts.models import Role, User
from tests.browser.conftest import Site, bt_user, login, shot

UNIT = "lengshuijiang"
PROJECT = "bt-review-办案装备购置"
BENCH = "bt-xiang"


@pytest.fixture
def review_data(committed: None) -> Iterator[dict[str, Any]]:
    """The province asks for the city's review; 冷水江's goal approved by its leader; a
    rectification the province issued, answered by 冷水江."""
    from backend.feedback import services as feedback
    from backend.goals.services import workflow
    from backend.oversight.services import set_policy
    from tenants.models import Procuratorate
    from tests.goals.factories import make_goal

    people = {
        "city": bt_user("bt-review-city", "loudi", Role.CITY_REVIEWER, "周敏"),
        "admin": bt_user("bt-review-admin", "hunan", Role.PROVINCE_ADMIN, "刘洋"),
        "finance": bt_user("bt-review-finance", UNIT, Role.UNIT_FINANCE, "李珺"),
        "leader": bt_user("bt-review-leader", UNIT, Role.UNIT_LEADER, "赵堃"),
    }
    hunan = Procuratorate.objects.get(code="hunan")
    staff, _ = User.objects.get_or_create(username="bt-review-staff", defaults={"is_staff": True})
    set_policy(hunan, require_city_review=True, user=staff)
    with schema_context(UNIT):
        goal = make_goal(
            project__name=PROJECT,
            project__fiscal_year=2026,
            fiscal_year=2026,
            overall_goal="完成办案装备更新，保障办案一线需要。",
        )
        workflow.submit(goal, user=people["finance"])
        workflow.review(goal, user=people["leader"], decision="approve", grade="good")
    lsj = Procuratorate.objects.get(code=UNIT)
    request = feedback.open_rectification(
        hunan,
        lsj,
        people["admin"],
        fiscal_year=2026,
        title="bt-review 预算执行进度偏慢",
        requirement="按月报送执行进度，三季度末执行率达到 75%。",
        due_on=datetime.date.today() + datetime.timedelta(days=30),
    )
    feedback.respond_rectification(
        request, people["finance"], "已建立月度执行通报制度，9 月末执行率 78%。"
    )
    try:
        yield {"people": people, "goal": goal}
    finally:
        set_policy(hunan, require_city_review=False, user=staff)


def _hunan_rows() -> list[dict[str, str]]:
    path = Path(settings.BASE_DIR) / "backend" / "demo" / "data" / "hunan_units.csv"
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def remove_bench_province() -> None:
    """The synthetic province and everything of it (facts go with their units; ``parent``
    protects, so the tree is cut first)."""
    from backend.accounts.models import Membership
    from tenants.models import Procuratorate

    units = Procuratorate.objects.filter(path__startswith=f"/{BENCH}/")
    Membership.objects.filter(unit__in=units).delete()
    units.update(parent=None)
    units.delete()


@pytest.fixture
def bench_data(committed: None) -> Iterator[User]:
    """A province of 137 units named as Hunan's (codes prefixed), with a year of public facts,
    a region peer group, and its admin. Removed afterwards (the facts go with the units)."""
    from backend.benchmarking.peers import define_peer_group
    from bench.benchmarking import write_facts
    from tenants.models import Procuratorate

    remove_bench_province()  # what an interrupted run left
    rows = [r for r in _hunan_rows() if r["level"] != "province"]
    # Registry rows only: bulk_create makes no schema (save() would).
    (province,) = Procuratorate.objects.bulk_create(
        [
            Procuratorate(
                code=BENCH,
                schema_name="bt_xiang",
                name="湘省人民检察院",
                level="province",
                path=f"/{BENCH}/",
                depth=0,
            )
        ]
    )
    units: dict[str, Any] = {}
    for row in sorted(rows, key=lambda r: r["level"] != "city"):  # cities first
        parent = province if row["parent_code"] == "hunan" else units[row["parent_code"]]
        code = f"bt-{row['code']}"
        units[row["code"]] = Procuratorate(
            code=code,
            schema_name=code.replace("-", "_"),
            name=row["name"],
            level=row["level"],
            parent=parent,
            path=f"{parent.path}{code}/",
            depth=parent.depth + 1,
        )
        if row["level"] == "city":
            Procuratorate.objects.bulk_create([units[row["code"]]])
    Procuratorate.objects.bulk_create([u for u in units.values() if u.level != "city"])
    made = list(Procuratorate.objects.filter(path__startswith=f"/{BENCH}/").exclude(pk=province.pk))
    write_facts(made, random.Random(137))
    define_peer_group(province, code="bt-loudi", name="娄底辖区", kind="region", city="bt-loudi")
    admin = bt_user("bt-bench-admin", BENCH, Role.PROVINCE_ADMIN, "陈静")
    try:
        yield admin
    finally:
        remove_bench_province()


def test_the_city_approves_a_goal_and_the_province_accepts_a_rectification(
    page: Any, site: Site, review_data: dict[str, Any]
) -> None:
    login(page, site, "bt-review-city")
    page.goto(site.url(None, "/console/"))
    page.get_by_role("link", name="审核").first.click()
    goals = page.get_by_test_id("review-goals")
    expect(goals).to_contain_text(PROJECT)
    expect(goals).to_contain_text("冷水江市人民检察院")
    assert review_data["goal"].pk
    shot(page, "console-review-inbox", guide=True)
    goals.locator("tr", has_text=PROJECT).get_by_role("link", name="审核").click()
    expect(page.get_by_test_id("indicators")).to_be_visible()
    expect(page.get_by_test_id("review-form")).to_be_visible()
    page.get_by_label("优：通过").check()
    page.get_by_label("审核意见", exact=True).fill("目标明确，指标量化充分，同意。")
    shot(page, "console-review-goal", guide=True)
    page.get_by_test_id("decide").click()
    expect(page.locator(".jx-messages")).to_contain_text("已批复")
    page.get_by_test_id("tab-done").click()
    expect(page.get_by_test_id("review-goals")).to_contain_text(PROJECT)
    expect(page.get_by_test_id("review-goals")).to_contain_text("已批复")

    # the province admin accepts 冷水江's answer to its rectification request
    page.context.clear_cookies()
    login(page, site, "bt-review-admin")
    page.goto(site.url(None, "/console/review/"))
    rects = page.get_by_test_id("review-rectifications")
    rects.locator("tr", has_text="bt-review 预算执行进度偏慢").get_by_role(
        "link", name="验收"
    ).click()
    expect(page.get_by_test_id("rectification-history")).to_contain_text("月度执行通报制度")
    page.get_by_label("验收通过").check()
    page.get_by_label("验收意见").fill("整改措施到位，同意销号。")
    shot(page, "console-review-rectification", guide=True)
    page.get_by_test_id("decide").click()
    expect(page.locator(".jx-messages")).to_contain_text("已验收通过")
    page.get_by_test_id("tab-done").click()
    expect(page.get_by_test_id("review-rectifications")).to_contain_text("验收通过")
    shot(page, "console-review-done", guide=True)


def _chart_options(page: Any, chart_id: str) -> dict[str, Any]:
    return json.loads(page.locator(f"#{chart_id}").text_content())


def test_the_province_reads_sorts_and_compares(page: Any, site: Site, bench_data: User) -> None:
    login(page, site, "bt-bench-admin")
    page.goto(site.url(None, "/console/benchmark/?year=2026&month=6"))
    table = page.get_by_test_id("league-table")
    expect(table.locator("tbody tr")).to_have_count(25)
    expect(page.get_by_test_id("league-summary")).to_contain_text("单位数136")
    # the charts are drawn, every bar named, the long list in a scrolling window
    expect(page.get_by_test_id("chart-top").locator("svg")).to_have_count(1)
    # no bar per unit (3,600 at scale): the top and bottom N and a box per city
    expect(page.get_by_test_id("chart-ranking")).to_have_count(0)
    expect(page.get_by_test_id("chart-cities").locator("svg")).to_have_count(1)
    cities = _chart_options(page, "chart-cities")
    assert len(cities["yAxis"]["data"]) >= 10
    assert cities["yAxis"]["axisLabel"]["interval"] == 0
    expect(page.get_by_test_id("small-multiples").locator("svg").first).to_be_visible()
    shot(page, "console-benchmark-league", guide=True)

    first_by_rank = table.locator("tbody tr").first.locator("td").nth(1).inner_text()
    page.get_by_test_id("sort-name").click()
    names = [table.locator("tbody tr").nth(i).locator("td").nth(1).inner_text() for i in range(5)]
    assert names == sorted(names)
    page.get_by_test_id("sort-rank").click()  # from name order: by rank again
    assert table.locator("tbody tr").first.locator("td").nth(1).inner_text() == first_by_rank
    page.get_by_test_id("sort-rank").click()  # and reversed: the last first
    assert int(table.locator("tbody tr").first.locator("td").nth(0).inner_text()) > 100

    # the bottom decile: what a feedback batch would go to
    page.get_by_test_id("bands").get_by_title("只看后 10%的单位").click()
    rows = table.locator("tbody tr")
    assert 1 <= rows.count() <= 25
    expect(rows.first.locator("td").nth(5)).to_have_text("后 10%")
    shot(page, "console-benchmark-bottom-decile")

    # one unit against its peer group
    page.goto(site.url(None, "/console/benchmark/?year=2026&month=6&q=冷水江"))
    table.get_by_role("link", name="冷水江市人民检察院").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("与娄底辖区比较")
    expect(page.get_by_test_id("unit-comparison")).to_contain_text("预算执行率")
    expect(page.get_by_test_id("chart-percentiles").locator("svg")).to_have_count(1)
    expect(page.get_by_test_id("small-multiples").locator("svg").first).to_be_visible()
    shot(page, "console-benchmark-unit", guide=True)

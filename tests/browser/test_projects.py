"""The unit's finance officer in a real browser: the 工作台 with its to-do list, a new project
(with a field error fixed first), a budget adjustment and a payment, the project page's tabs,
and 对标 — at desktop width, then at phone width (390 px) with nothing wider than the screen."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from backend.accounts.models import Role, User
from tests.browser.conftest import Site, bt_user, login, shot

YEAR = timezone.localdate().year
PHONE = {"width": 390, "height": 844}
D = Decimal


@pytest.fixture
def finance(committed: None) -> User:
    return bt_user("bt-lsj-finance", "lengshuijiang", Role.UNIT_FINANCE, "李珺")


@pytest.fixture(scope="module")
def year_data(django_db_setup: None, django_db_blocker: Any) -> Any:
    """冷水江's year (projects with codes ``bt-…``) and the counties' benchmark facts, written
    once for the module and committed."""
    with django_db_blocker.unblock():
        return _write_year()


def _write_year() -> Any:
    from django_tenants.utils import tenant_context

    from backend.benchmarking import peers
    from backend.benchmarking.models import ExecutionFact, PeerGroup, UnitYearFact
    from tenants.models import Procuratorate
    from tests.workspace.data import build_year

    units = {u.code: u for u in Procuratorate.objects.all()}
    with tenant_context(units["lengshuijiang"]):
        year = build_year("bt-")
    scores = {
        "loudi-louxing": ("92.50", "88.00"),
        "shuangfeng": ("85.00", "83.50"),
        "xinhua": ("85.00", "90.00"),
        "lengshuijiang": ("81.50", "76.00"),
        "lianyuan": ("61.00", "70.00"),
        "changsha-furong": ("55.50", "64.00"),
        "changsha-tianxin": ("78.00", "80.00"),
    }
    for code, (last, before) in scores.items():
        for fiscal_year, score in ((YEAR - 1, last), (YEAR - 2, before)):
            UnitYearFact.objects.update_or_create(
                unit=units[code],
                fiscal_year=fiscal_year,
                defaults={"project_score": D(score), "evaluated_projects": 3},
            )
    paces = {"lengshuijiang": 0.92, "xinhua": 1.0, "lianyuan": 0.7, "shuangfeng": 0.85}
    for code, pace in paces.items():
        for month in range(1, 12):
            rate = D(min(100, round(month / 12 * 100 * pace, 2))).quantize(D("0.01"))
            ExecutionFact.objects.update_or_create(
                unit=units[code],
                fiscal_year=YEAR,
                month=month,
                defaults={
                    "projects": 3,
                    "full_budget": D("1821500.00"),
                    "spent": D("1821500.00") * rate / 100,
                    "execution_rate": rate,
                    "time_progress": D(month * 100) / 12,
                },
            )
    if not PeerGroup.objects.filter(code="bt-ld").exists():
        peers.define_peer_group(
            units["hunan"], code="bt-ld", name="娄底片区", kind="region", city="loudi"
        )
    return year


def no_wider_than_the_screen(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_finance_works_on_projects(page: Any, site: Site, finance: User, year_data: Any) -> None:
    login(page, site, "bt-lsj-finance", unit="lengshuijiang")

    # 工作台: the to-do list, every item a link, the overdue ones marked
    assert page.locator("h1").inner_text() == "工作台"
    todo = page.get_by_test_id("todo")
    assert todo.get_by_role("link", name="修改退回的绩效目标").is_visible()
    # The module's two overdue items (an alert past its answer date, a rectification past its
    # deadline) are marked; other browser tests may have committed overdue items of their own.
    overdue = todo.locator(".jx-task.is-overdue")
    assert overdue.count() >= 2
    # Every overdue item says so, also those folded under 其余 N 项 (hidden: no inner text).
    assert all("已逾期" in text for text in overdue.all_text_contents())
    assert overdue.filter(has_text="绩效目标设置不够细化").count() == 1
    assert overdue.filter(has_text=year_data.alert_overdue.message[:20]).count() == 1
    assert (
        todo.locator(".jx-task:not(.is-overdue)")
        .filter(has_text=year_data.alert_due.message[:20])
        .count()
        == 1
    )
    assert page.get_by_test_id("open-round").is_visible()
    page.wait_for_selector("[data-chart='chart-execution'] svg")
    shot(page, "ws-home", guide=True)

    # 项目: the list with its totals
    page.locator("#jx-sidebar").get_by_role("link", name="项目").click()
    assert page.locator("h1").inner_text() == "项目"
    assert page.get_by_test_id("project-table").get_by_role("link", name="办案业务经费").count()
    shot(page, "ws-projects", guide=True)

    # 新建项目: a field error in Chinese next to the field, fixed, then created
    page.get_by_role("link", name="新建项目").click()
    page.get_by_label("项目编码").fill("bt-case-new")
    page.get_by_label("项目名称").fill("检察听证室建设")
    page.get_by_label("支出类别").select_option(label="项目支出")
    page.get_by_label("项目类型").select_option(label="基础设施建设")
    page.get_by_label("主管部门/处室").fill("计划财务装备处")
    page.get_by_label("项目负责人").fill("王赟")
    page.get_by_label("年初预算数（元）").fill("350,000.125")
    page.get_by_role("button", name="创建项目").click()
    error = page.locator("[data-field-error='initial_budget']")
    assert error.inner_text() == "年初预算数最多保留 2 位小数。"
    assert "is-invalid" in page.get_by_label("年初预算数（元）").get_attribute("class")
    shot(page, "ws-project-create-error", guide=True)
    page.get_by_label("年初预算数（元）").fill("350,000.00")
    page.get_by_role("button", name="创建项目").click()
    assert page.locator("h1").inner_text() == "检察听证室建设"
    assert "已创建项目“检察听证室建设”。" in page.locator(".jx-messages").inner_text()

    # 预算与支出: an increase and a payment
    page.get_by_role("tab", name="预算与支出").click()
    page.get_by_test_id("adjustment-form").wait_for()
    form = page.get_by_test_id("adjustment-form")
    form.get_by_label("追加").check()
    form.get_by_label("调整金额（元）").fill("50,000")
    form.get_by_label("调整日期").fill(f"{YEAR}-09-15")
    form.get_by_label("调整原因").fill("追加听证室音视频设备经费")
    form.get_by_role("button", name="登记调整").click()
    assert "全年预算数为 400,000.00 元" in page.locator(".jx-messages").inner_text()
    spend = page.get_by_test_id("expenditure-form")
    spend.get_by_label("支出日期").fill(f"{YEAR}-10-08")
    spend.get_by_label("金额（元）").fill("126,800")
    spend.get_by_label("摘要").fill("听证室改造工程首期款")
    spend.get_by_role("button", name="登记支出").click()
    assert "已登记 10 月 8 日支出 126,800.00 元。" in page.locator(".jx-messages").inner_text()
    summary = page.get_by_test_id("budget-summary").inner_text()
    assert "400,000.00" in summary and "126,800.00" in summary and "31.70%" in summary
    shot(page, "ws-project-budget", guide=True)

    # every tab opens (htmx), the history names who changed what
    tabs = {
        "绩效目标": "goal",
        "运行监控": "monitoring",
        "绩效自评": "evaluation",
        "整改与反馈": "results",
        "历史": "history",
        "基本信息": "info",
    }
    for label, key in tabs.items():
        page.get_by_role("tab", name=label).click()
        page.get_by_test_id(f"tab-{key}").wait_for()
        assert page.locator(f"[data-tab='{key}']").get_attribute("aria-selected") == "true"
    page.goto(page.url.split("?")[0] + "?tab=history")
    page.get_by_test_id("history").wait_for()
    history = page.get_by_test_id("history").inner_text()
    assert "李珺" in history and "全年预算数（元）" in history and "350,000.00" in history
    shot(page, "ws-project-history", guide=True)

    # an existing project's monitoring tab: entries, the alert, the curve
    case = year_data.approved[0].project
    page.goto(site.url("lengshuijiang", f"/projects/{case.pk}/?tab=monitoring"))
    assert page.get_by_test_id("alert-list").is_visible()
    page.wait_for_selector("[data-chart='chart-project-execution'] svg")
    shot(page, "ws-project-monitoring", guide=True)
    page.get_by_role("tab", name="绩效目标").click()
    page.get_by_test_id("goal-summary").wait_for()
    assert "办理案件数" in page.get_by_test_id("goal-summary").inner_text()
    shot(page, "ws-project-goal", guide=True)

    # 对标: the unit's position and trends, no other unit named
    page.locator("#jx-sidebar").get_by_role("link", name="对标").click()
    assert page.locator("h1").inner_text() == "对标"
    page.wait_for_selector("[data-chart='chart-yearly'] svg")
    main = page.locator("main").inner_text()
    assert "81.50 分" in main and "全省基层院" in main and "娄底片区" in main
    for other in ("新化", "涟源", "双峰", "娄星", "芙蓉", "天心"):
        assert other not in page.content()
    shot(page, "ws-benchmark", guide=True)


def test_the_pages_fit_a_phone(page: Any, site: Site, finance: User, year_data: Any) -> None:
    page.set_viewport_size(PHONE)
    login(page, site, "bt-lsj-finance", unit="lengshuijiang")
    case = year_data.approved[0].project
    for name, path in (
        ("ws-home-phone", "/"),
        ("ws-projects-phone", "/projects/"),
        ("ws-project-budget-phone", f"/projects/{case.pk}/?tab=budget"),
        ("ws-project-monitoring-phone", f"/projects/{case.pk}/?tab=monitoring"),
        ("ws-benchmark-phone", "/benchmark/"),
    ):
        page.goto(site.url("lengshuijiang", path))
        page.wait_for_load_state("networkidle")
        no_wider_than_the_screen(page)
        shot(page, name)

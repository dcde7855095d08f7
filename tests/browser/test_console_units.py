"""The province admin in a real browser: 首页 (where every unit stands, a city drilled into),
单位与用户 (a new unit with a field error fixed first, its provisioning followed until done by a
real Celery worker, a new user given a first role and then a second one)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from backend.accounts.models import Role, User
from tests.browser.conftest import Site, bt_user, login, shot

YEAR = timezone.localdate().year
MONTH = 10
D = Decimal
# code → (execution rate at the round or None: not reported, open alerts, overdue alert)
STANDING = {
    "loudi-louxing": ("52.00", 1, False),
    "shuangfeng": ("61.50", 0, False),
    "xinhua": ("83.30", 2, True),
    "lengshuijiang": ("76.10", 1, False),
    "lianyuan": (None, 3, True),
    "changsha-furong": ("88.00", 0, False),
    "changsha-tianxin": ("45.20", 1, False),
}


@pytest.fixture
def admin(committed: None) -> User:
    return bt_user("bt-hunan-admin", "hunan", Role.PROVINCE_ADMIN, "周敏")


@pytest.fixture(scope="module")
def cycle(django_db_setup: None, django_db_blocker: Any) -> None:
    """This year's cycle in the public tables (committed, idempotent: ``bt-`` rows and
    update_or_create on what other browser tests also write)."""
    with django_db_blocker.unblock():
        _write_cycle()


def _write_cycle() -> None:
    from backend.benchmarking.models import ExecutionFact, ProjectFact
    from backend.feedback.models import RectificationRequest
    from backend.oversight.models import AlertRecord, GoalSubmission, MonitoringRound
    from tenants.models import Procuratorate

    today = timezone.localdate()
    now = timezone.now()
    units = {u.code: u for u in Procuratorate.objects.all()}
    MonitoringRound.objects.get_or_create(
        province=units["hunan"],
        fiscal_year=YEAR,
        month=MONTH,
        defaults={
            "opens_on": today - datetime.timedelta(days=20),
            "closes_on": today - datetime.timedelta(days=5),
        },
    )
    for index, (code, (rate, alerts, overdue)) in enumerate(STANDING.items()):
        unit = units[code]
        for n in range(4):
            GoalSubmission.objects.update_or_create(
                unit=unit,
                goal_id=9_000_000 + n,
                defaults={
                    "project_code": f"bt-g{n}",
                    "project_name": ["办案业务经费", "检察信息化建设", "司法救助", "业务装备购置"][
                        n
                    ],
                    "fiscal_year": YEAR,
                    "status": "approved" if n < 3 - index % 2 else "submitted",
                    "submitted_at": now,
                },
            )
        if rate is not None:
            budget = D("2400000.00") + D(index * 150000)
            ExecutionFact.objects.update_or_create(
                unit=unit,
                fiscal_year=YEAR,
                month=MONTH,
                defaults={
                    "projects": 4,
                    "full_budget": budget,
                    "spent": (budget * D(rate) / 100).quantize(D("0.01")),
                    "execution_rate": D(rate),
                    "time_progress": D(MONTH * 100) / 12,
                },
            )
        for n in range(alerts):
            AlertRecord.objects.update_or_create(
                unit=unit,
                alert_id=9_000_000 + n,
                defaults={
                    "kind": "execution_lag",
                    "severity": "yellow",
                    "status": "open",
                    "fiscal_year": YEAR,
                    "month": MONTH,
                    "message": "预算执行进度落后时间进度",
                    "raised_at": now,
                    "answer_due": today - datetime.timedelta(days=2) if overdue else today,
                },
            )
        for n in range(3):
            ProjectFact.objects.update_or_create(
                unit=unit,
                project_id=9_000_000 + n,
                defaults={
                    "fiscal_year": YEAR - 1,
                    "project_code": f"bt-p{n}",
                    "project_name": "上年项目",
                    "category": "project",
                    "kind": "case",
                    "initial_budget": D(100000),
                    "full_budget": D(100000),
                    "goal_id": 9_000_000 + n,
                    "approved_at": now,
                    "finalised_at": now if n < 2 else None,
                },
            )
    if not RectificationRequest.objects.filter(title="bt-整改").exists():
        RectificationRequest.objects.create(
            unit=units["lengshuijiang"],
            issuer=units["hunan"],
            fiscal_year=YEAR - 1,
            origin="reviewer",
            title="bt-整改",
            requirement="规范项目支出",
            due_on=today - datetime.timedelta(days=10),
            overdue=True,
        )


def test_province_admin_home_and_units(
    page: Any, site: Site, admin: User, cycle: None, celery_worker_thread: None
) -> None:
    login(page, site, "bt-hunan-admin")

    # 首页: every city rolled up, late units marked, the execution charts drawn
    page.goto(site.url(None, "/console/"))
    assert "年度工作进展" in page.locator("h1").inner_text()
    table = page.get_by_test_id("cycle-table")
    loudi = table.get_by_test_id("row-loudi")
    assert "个单位逾期" in loudi.inner_text()
    page.wait_for_selector("[data-chart='chart-curve'] svg")
    page.wait_for_selector("[data-chart='chart-rows'] svg")
    shot(page, "console-home", guide=True)

    # drill into 娄底: its counties, 涟源 late for not reporting
    table.get_by_test_id("drill-loudi").click()
    page.wait_for_load_state("networkidle")
    assert "娄底市人民检察院" in page.locator("h1").inner_text()
    assert "监控未按期填报" in page.get_by_test_id("late-lianyuan").inner_text()
    assert page.get_by_test_id("row-lengshuijiang").is_visible()
    assert page.get_by_test_id("row-changsha").count() == 0
    page.wait_for_selector("[data-chart='chart-rows'] svg")
    shot(page, "console-home-city", guide=True)

    # 单位与用户: the tree, 湖南 → 娄底
    page.locator("#jx-sidebar").get_by_role("link", name="单位与用户").click()
    page.get_by_test_id("open-hunan").click()
    page.get_by_test_id("open-loudi").click()
    assert page.get_by_test_id("unit-lengshuijiang").is_visible()
    shot(page, "console-units-tree", guide=True)

    # 新建单位 under 娄底: a bad code named beside the field, fixed, then provisioned
    page.get_by_role("link", name="在此新建下级单位").click()
    assert page.get_by_label("上级院代码").input_value() == "loudi"
    page.get_by_label("单位代码").fill("BT Xinpu")
    page.get_by_label("单位名称").fill("新埔县人民检察院")
    page.get_by_label("行政区划").fill("新埔县")
    page.get_by_role("button", name="创建单位").click()
    error = page.locator("[data-field-error='code']")
    assert "只能使用小写字母" in error.inner_text()
    shot(page, "console-unit-create-error", guide=True)
    page.get_by_label("单位代码").fill("bt-xinpu")
    page.get_by_role("button", name="创建单位").click()
    progress = page.get_by_test_id("run-progress")
    progress.wait_for()
    page.wait_for_selector("[data-testid=run-progress][data-state=done]", timeout=60_000)
    assert "100%" in page.get_by_test_id("run-progress").inner_text()
    assert "新建 1 个" in page.get_by_test_id("run-report").inner_text()
    shot(page, "console-unit-created", guide=True)
    page.get_by_test_id("created-bt-xinpu").click()
    assert page.locator("h2", has_text="新埔县人民检察院").is_visible()

    # 新建用户 with a first role, then a second role granted on the user's page
    page.get_by_role("link", name="新建用户").click()
    assert page.get_by_label("所在单位").input_value() == "bt-xinpu"
    page.get_by_label("用户名").fill("bt-xinpu-finance")
    page.get_by_label("姓名").fill("陈静")
    page.get_by_label("初始密码").fill("Xinpu-2026-pass")
    page.get_by_label("角色").select_option(label="单位财务")
    page.get_by_role("button", name="创建用户").click()
    assert "已创建用户 bt-xinpu-finance" in page.locator(".jx-messages").inner_text()
    assert page.get_by_test_id("role-bt-xinpu-unit_finance").is_visible()
    grant = page.get_by_test_id("user-grant")
    grant.get_by_label("单位").fill("冷水江市人民检察院")
    grant.get_by_label("角色").select_option(label="单位负责人")
    grant.get_by_role("button", name="授予").click()
    assert "已授予“单位负责人”角色" in page.locator(".jx-messages").inner_text()
    assert page.get_by_test_id("role-lengshuijiang-unit_leader").is_visible()
    shot(page, "console-user", guide=True)


def test_deactivate_reactivate_and_anonymise_a_user(page: Any, site: Site, admin: User) -> None:
    from backend.accounts.models import Membership

    leaving = bt_user("bt-leaving", "lengshuijiang", Role.UNIT_FINANCE, "李离职")
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, site, admin.username)
    page.goto(site.url(None, f"/console/units/users/{leaving.pk}/"))

    page.get_by_test_id("user-active").get_by_role("button", name="停用").click()
    assert "已停用用户 bt-leaving" in page.locator(".jx-messages").inner_text()
    assert page.get_by_test_id("inactive").is_visible()
    page.get_by_test_id("user-active").get_by_role("button", name="启用").click()
    assert "已启用用户 bt-leaving" in page.locator(".jx-messages").inner_text()

    card = page.get_by_test_id("user-anonymise")
    card.get_by_label("确认用户名").fill("bt-leavin")
    card.get_by_role("button", name="匿名化").click()
    error = page.locator('[data-field-error="confirm"]')
    assert "请输入该用户的用户名“bt-leaving”" in error.inner_text()
    shot(page, "console-user-anonymise", guide=True)
    leaving.refresh_from_db()
    assert leaving.username == "bt-leaving" and leaving.is_active

    card = page.get_by_test_id("user-anonymise")
    card.get_by_label("确认用户名").fill("bt-leaving")
    card.get_by_role("button", name="匿名化").click()
    assert "已匿名化用户 bt-leaving" in page.locator(".jx-messages").inner_text()
    leaving.refresh_from_db()
    assert leaving.username == f"former-{leaving.pk}" and not leaving.is_active
    assert not Membership.objects.filter(user=leaving).exists()

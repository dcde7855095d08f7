"""The goal declaration and its review in a real browser: finance drafts a goal from the
pushed template, meets a field error and fixes it, previews and prints the form, submits; the
leader returns it with a comment on one indicator; finance fixes it and resubmits; the leader
approves. Screenshots at desktop and phone width; the print preview goes through Chromium's
PDF printer."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from backend.accounts.models import Role, User
from tests.browser.conftest import SCREENS, Site, bt_user, login, shot

UNIT = "lengshuijiang"
PROJECT = "bt-goals-ajjf"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def people(committed: None) -> dict[str, User]:
    return {
        "finance": bt_user("bt-goals-finance", UNIT, Role.UNIT_FINANCE, "李珺"),
        "leader": bt_user("bt-goals-leader", UNIT, Role.UNIT_LEADER, "赵堃"),
    }


@pytest.fixture
def pushed(committed: None, people: dict[str, User]) -> None:
    """The province's starter template for 办案业务经费 pushed to 冷水江 (run inline, as the
    worker would), a 2026 project of that kind, and last year's goal of the same project with
    its actual values."""
    from backend.budgets.models import Category, ProjectKind
    from backend.budgets.services import create_project
    from backend.goals.models import GoalStatus
    from backend.indicators.models import TemplateVersion
    from backend.indicators.services.push import TargetSpec, push_version, run_inline
    from backend.indicators.services.starter import load_starter_library
    from tests.goals.factories import GoalFactory, GoalIndicatorFactory

    versions = load_starter_library()
    case_funds: TemplateVersion = next(v for v in versions if v.template.code == "case-funds")
    push = push_version(
        case_funds, TargetSpec(kind="codes", codes=(UNIT,)), user=None, dispatch=False
    )
    run_inline(push)
    with schema_context(UNIT):
        from backend.budgets.models import Project

        if not Project.objects.filter(code=PROJECT).exists():
            for year, budget in ((2025, "1100000.00"), (2026, "1250000.00")):
                create_project(
                    code=PROJECT,
                    name="办案业务经费",
                    category=Category.PROJECT,
                    kind=ProjectKind.CASE_FUNDS,
                    fiscal_year=year,
                    initial_budget=Decimal(budget),
                    department="计划财务装备部",
                    person_in_charge="李珺",
                    user=people["finance"],
                )
            last = GoalFactory(
                project=Project.objects.get(code=PROJECT, fiscal_year=2025),
                overall_goal="保障2025年办案工作。",
                status=GoalStatus.APPROVED,
            )
            GoalIndicatorFactory(
                goal=last,
                code="cf-arrest-cases",
                name="审查逮捕案件数",
                target_value=Decimal("190"),
                actual_value=Decimal("212"),
            )
    connection.set_schema_to_public()


def new_page(chromium: Any, width: int = 1366, height: int = 900) -> Any:
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": width, "height": height}, device_scale_factor=1
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def row(page: Any, code: str) -> Any:
    return page.get_by_test_id(f"indicator-{code}")


def phone_shot(page: Any, name: str) -> None:
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    shot(page, name)
    page.set_viewport_size({"width": 1366, "height": 900})


def print_to_pdf(page: Any, name: str) -> list[Path]:
    """The page as Chromium prints it (A4, print media), rendered back to PNG pages."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENS / f"{name}.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    page.emulate_media(media="screen")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", str(pdf), str(SCREENS / name)], check=True, timeout=60
    )
    return sorted(SCREENS.glob(f"{name}-*.png"))


def test_a_goal_is_declared_returned_fixed_and_approved(
    page: Any, chromium: Any, site: Site, pushed: None
) -> None:
    # --- finance drafts the goal from the pushed template ---------------------------------------
    login(page, site, "bt-goals-finance", unit=UNIT)
    page.get_by_role("link", name="绩效目标").first.click()
    page.get_by_role("link", name="编制绩效目标").first.click()
    page.locator("tr", has_text=PROJECT).filter(has_text="2026").get_by_role(
        "link", name="编制绩效目标"
    ).click()
    page.get_by_label("年度总体目标").fill(
        "保障全院办案工作顺利开展，审查逮捕、审查起诉案件依法按期办结，公益诉讼案件稳步增长，"
        "提升办案质效和司法公信力。"
    )
    page.get_by_label("中期目标").fill("三年内建成规范高效的办案经费保障机制。")
    shot(page, "goal-create", guide=True)
    page.get_by_role("button", name="新建绩效目标").click()
    assert "已新建绩效目标，已加入模板的 5 个必选指标" in page.locator(".jx-messages").inner_text()
    goal_url = page.url

    # the template's mandatory indicators, locked ones read-only; last year's actual and warning
    arrest = row(page, "cf-arrest-cases")
    assert "必选" in arrest.inner_text() and "212件" in arrest.inner_text()
    assert "目标值低于上年实际完成值（上年 212）" in arrest.inner_text()
    closure = row(page, "cf-closure-rate")
    assert closure.locator(".jx-c-target .bi-lock-fill").count() == 1
    assert closure.locator(".jx-c-target input").count() == 0

    # add the rest of the template from the library picker
    page.get_by_test_id("open-picker").click()
    page.get_by_label("搜索指标库").fill("cf-")
    page.wait_for_timeout(600)
    results = page.get_by_test_id("picker-results")
    results.locator("tbody tr").first.wait_for()
    assert results.locator("tbody tr").count() == 10
    results.get_by_label("全选本页").check()
    shot(page, "goal-picker", guide=True)
    results.get_by_role("button", name="加入所选指标").click()
    assert "已从指标库加入 10 个指标" in page.locator(".jx-messages").inner_text()
    weights = page.get_by_test_id("weights")
    assert "合计 90 / 90" in weights.inner_text()

    # a field error next to the field, then fixed: the weights follow live
    target = row(page, "cf-arrest-cases").locator("input[name$='-target_value']")
    target.fill("2O0")
    target.press("Tab")
    error = row(page, "cf-arrest-cases").locator("[data-field-error='target_value']")
    error.wait_for()
    assert error.inner_text() == "指标值“2O0”不是有效的数字。"
    shot(page, "goal-field-error", guide=True)
    target = row(page, "cf-arrest-cases").locator("input[name$='-target_value']")
    target.fill("230")
    target.press("Tab")
    row(page, "cf-arrest-cases").locator(".jx-saved").wait_for()
    assert "目标值低于上年实际完成值" not in row(page, "cf-arrest-cases").inner_text()
    weight = row(page, "cf-training").locator("input[name$='-weight']")
    weight.fill("6")
    assert "合计 92 / 90" in weights.inner_text()  # summed as one types
    weight.press("Tab")
    row(page, "cf-training").locator(".jx-saved").wait_for()
    expect(page.get_by_test_id("weights")).to_contain_text("产出指标 52 / 50")
    weight = row(page, "cf-training").locator("input[name$='-weight']")
    weight.fill("4")
    weight.press("Tab")
    expect(page.get_by_test_id("weights")).to_contain_text("合计 90 / 90")
    shot(page, "goal-form", guide=True)
    phone_shot(page, "goal-form-phone")

    # the standard form downloaded, filled in Excel, uploaded: the changes listed, then applied
    with page.expect_download() as download:
        page.get_by_role("link", name="下载申报表（.xlsx）").click()
    assert download.value.suggested_filename == f"绩效目标申报表-{PROJECT}-2026.xlsx"
    filled = SCREENS / "bt-goal-form.xlsx"
    download.value.save_as(filled)
    book = openpyxl.load_workbook(filled)
    sheet = book["绩效目标申报表"]
    for (cell,) in sheet.iter_rows(min_row=11, min_col=4, max_col=4):
        if cell.value == "cf-training":
            sheet[f"G{cell.row}"] = 120
    book.save(filled)
    page.get_by_label("上传已填写的申报表").set_input_files(str(filled))
    page.get_by_role("button", name="上传并核对变更").click()
    changes = page.get_by_test_id("import-changes").inner_text()
    assert "业务培训人次" in changes and "100" in changes and "120" in changes
    assert page.get_by_test_id("change-count").inner_text() == "1"
    shot(page, "goal-import", guide=True)
    page.get_by_test_id("apply-import").click()
    assert "已按上传的申报表更新绩效目标" in page.locator(".jx-messages").inner_text()
    assert row(page, "cf-training").locator("input[name$='-target_value']").input_value() == "120"

    # 内容预览: the A4 form, printed by Chromium
    page.get_by_role("link", name="内容预览").first.click()
    paper = page.get_by_test_id("paper")
    assert "冷水江市人民检察院" in paper.inner_text()
    assert "125.00" in paper.inner_text()  # 全年预算数 in 万元
    assert "≥230件" in paper.inner_text() and "≥120人次" in paper.inner_text()
    shot(page, "goal-preview", guide=True)
    phone_shot(page, "goal-preview-phone")
    pages = print_to_pdf(page, "goal-preview-print")
    assert 1 <= len(pages) <= 3, pages

    # 上报送审
    page.goto(goal_url)
    page.get_by_test_id("submit-goal").click()
    assert "已上报送审" in page.locator(".jx-messages").inner_text()
    assert page.get_by_test_id("goal-status").first.inner_text() == "待单位审核"

    # --- the leader returns it with a comment on one indicator -----------------------------------
    leader = new_page(chromium)
    login(leader, site, "bt-goals-leader", unit=UNIT)
    leader.get_by_role("link", name="审核").first.click()
    awaiting = leader.get_by_test_id("awaiting-goals")
    awaiting.locator("tr", has_text="办案业务经费").get_by_role("link", name="审核").click()
    shot(leader, "review-inbox-open")
    row(leader, "cf-pil-cases").get_by_label("对该指标的意见").fill(
        "公益诉讼案件数目标低于上年实际办理数，请调高。"
    )
    leader.get_by_label("中：退回修改，修改后重新上报").check()
    shot(leader, "review-goal", guide=True)
    phone_shot(leader, "review-goal-phone")
    leader.get_by_test_id("decide").click()
    assert "退回" in leader.locator(".jx-messages").inner_text()

    # --- finance sees the comment, fixes the indicator, resubmits --------------------------------
    page.goto(goal_url)
    assert page.get_by_test_id("returned").is_visible()
    comment = row(page, "cf-pil-cases").get_by_test_id("review-comment")
    assert "请调高" in comment.inner_text()
    shot(page, "goal-returned", guide=True)
    target = row(page, "cf-pil-cases").locator("input[name$='-target_value']")
    target.fill("26")
    target.press("Tab")
    # the returned goal became a draft: the page redraws
    expect(page.get_by_test_id("goal-status").first).to_have_text("草稿")
    page.get_by_test_id("submit-goal").click()
    assert page.get_by_test_id("goal-status").first.inner_text() == "待单位审核"

    # --- the leader approves ----------------------------------------------------------------------
    leader.goto(site.url(UNIT, "/review/"))
    shot(leader, "review-inbox", guide=True)
    leader.get_by_test_id("awaiting-goals").get_by_role("link", name="审核").first.click()
    leader.get_by_label("优：通过").check()
    leader.get_by_test_id("decide").click()
    assert "通过" in leader.locator(".jx-messages").inner_text()
    leader.get_by_test_id("tab-done").click()
    assert "办案业务经费" in leader.get_by_test_id("decided").inner_text()
    shot(leader, "review-done")
    leader.context.close()

    page.goto(goal_url)
    assert page.get_by_test_id("goal-status").first.inner_text() == "已批复"
    history = page.get_by_test_id("reviews").inner_text()
    assert "退回" in history and "通过" in history and "请调高" in history
    shot(page, "goal-approved", guide=True)

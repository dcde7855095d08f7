"""A unit's whole year in a real browser, one project from start to end, as 冷水江's finance
officer and leader (issue 14's walk): log in → draft the goal from the template the province
pushed → a field error seen and fixed → 上报送审 → the leader returns it with a comment on one
indicator → fixed and resubmitted → approved → the monitoring entry of the open round → an
alert it raised answered → the self-evaluation, whose live total equals the scoring engine's to
the cent → the PDF report → a rectification answered with an evidence file.

Only what the province and the city do (push the template, open the round, require the
rectification) runs through the services; everything the unit does goes through the pages.
The screenshots (``year-NN-…``) are the ones ``docs/guide/unit.md`` shows."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect
from pypdf import PdfReader

from backend.accounts.models import Membership, Role, User
from backend.evaluation import scoring
from tests.browser.conftest import SCREENS, Site, bt_user, login, shot

D = Decimal
UNIT = "lengshuijiang"
UNIT_NAME = "冷水江市人民检察院"
PROJECT = "bt-year-ajjf"
PROJECT_NAME = "刑事检察办案业务经费"
YEAR = 2026
BUDGET = D("1250000.00")
SPENT = D("300000.00")  # by November: far behind the time progress, an alert follows
EXECUTED = D("1187654.32")  # the year's final spending, typed in the self-evaluation
DESKTOP = {"width": 1366, "height": 900}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Cast:
    finance: User
    leader: User
    province_admin: User
    reviewer: User


@pytest.fixture
def cast(committed: None) -> Iterator[Cast]:
    """The people, the province's template pushed to 冷水江 through the real push service (run
    inline, as the worker would), the November round open, and a 2026 project without a goal."""
    from backend.budgets.models import Category, Project, ProjectKind
    from backend.budgets.services import create_project
    from backend.indicators.services.push import TargetSpec, push_version, run_inline
    from backend.indicators.services.starter import load_starter_library
    from backend.oversight.services import open_round
    from tenants.models import Procuratorate

    people = Cast(
        finance=bt_user("bt-year-finance", UNIT, Role.UNIT_FINANCE, "刘璟"),
        leader=bt_user("bt-year-leader", UNIT, Role.UNIT_LEADER, "王垚"),
        province_admin=bt_user("bt-year-province", "hunan", Role.PROVINCE_ADMIN, "赵赟"),
        reviewer=bt_user("bt-year-loudi", "loudi", Role.CITY_REVIEWER, "陈镕"),
    )
    case_funds = next(v for v in load_starter_library() if v.template.code == "case-funds")
    run_inline(
        push_version(case_funds, TargetSpec(kind="codes", codes=(UNIT,)), user=None, dispatch=False)
    )
    today = timezone.localdate()
    open_round(
        Procuratorate.objects.get(code="hunan"),
        fiscal_year=YEAR,
        month=11,
        opens_on=today - datetime.timedelta(days=3),
        closes_on=today + datetime.timedelta(days=10),
        user=people.province_admin,
    )
    with schema_context(UNIT):
        assert not Project.objects.filter(code=PROJECT).exists(), "the walk runs once a session"
        create_project(
            code=PROJECT,
            name=PROJECT_NAME,
            category=Category.PROJECT,
            kind=ProjectKind.CASE_FUNDS,
            fiscal_year=YEAR,
            initial_budget=BUDGET,
            department="计划财务装备部",
            person_in_charge="刘璟",
            user=people.finance,
        )
    connection.set_schema_to_public()
    yield people
    Membership.objects.filter(user__username__startswith="bt-year-").delete()


def messages(page: Any) -> str:
    return page.locator(".jx-messages").inner_text()


def row(page: Any, code: str) -> Any:
    return page.get_by_test_id(f"indicator-{code}")


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")
    if page.locator(".jx-chart").count():
        page.wait_for_selector(".jx-chart svg")


def goal_indicators() -> list[Any]:
    """The approved goal's indicators as stored (codes, groups, types, targets, weights)."""
    from backend.goals.models import GoalIndicator

    with schema_context(UNIT):
        rows = list(
            GoalIndicator.objects.filter(
                goal__project__code=PROJECT, goal__fiscal_year=YEAR
            ).order_by("sort_order", "id")
        )
    connection.set_schema_to_public()
    return rows


def actual_of(indicator: Any) -> D:
    """The year's actual value typed for a quantitative indicator: most targets met, two
    missed by a little (so the scores have cents), the costs under their ceilings."""
    target = indicator.target_value
    if indicator.code == "cf-arrest-cases":
        return target - 19  # 211 of 230
    if indicator.code == "cf-12309-response":
        return D("96.7")  # of 98 %
    if indicator.direction == "lte":
        return (target * D("0.9")).quantize(D("0.01"))
    return target + 1


BANDS = {
    "cf-supervision-effect": ("achieved", D("7.2")),
    "cf-sustainable-mechanism": ("partly", D("5.5")),
}
EXPLANATIONS = {
    "cf-supervision-effect": "案件质量评查无重大瑕疵，个别案件释法说理不足，扣0.8分。",
    "cf-sustainable-mechanism": "经费保障制度已修订，执行台账尚未全面建立，扣2.5分。",
}
REASONS = {
    "cf-arrest-cases": "辖区刑事案件总量下降。",
    "cf-12309-response": "两件来信因地址不详未能按时答复。",
    "cf-sustainable-mechanism": "执行台账建设滞后，已列入下年度整改。",
}


def engine_total(evaluation: Any, indicators: list[Any]) -> D:
    """The pure scoring engine on the goal's indicators and the values the test types."""
    inputs = []
    for gi in indicators:
        if gi.value_type == "quantitative":
            inputs.append(
                scoring.IndicatorInput(
                    code=gi.code,
                    level1=gi.level1,
                    value_type="quantitative",
                    direction=gi.direction,
                    target=gi.target_value,
                    weight=gi.weight,
                    actual=actual_of(gi),
                )
            )
        else:
            band, points = BANDS[gi.code]
            inputs.append(
                scoring.IndicatorInput(
                    code=gi.code,
                    level1=gi.level1,
                    value_type="qualitative",
                    direction="",
                    target=None,
                    weight=gi.weight,
                    band=band,
                    band_score=points,
                )
            )
    sheet = scoring.score_project(
        scoring.ProjectInput(
            full_budget=BUDGET,
            executed=EXECUTED,
            layout=evaluation.layout,
            execution_weight=evaluation.execution_weight,
            group_weights=evaluation.group_weights or None,
            indicators=inputs,
        )
    )
    return sheet.total


def test_a_unit_walks_its_year_in_the_browser(
    page: Any, chromium: Any, site: Site, cast: Cast, tmp_path: Path, request: Any
) -> None:
    from backend.evaluation.models import SelfEvaluation
    from backend.feedback.models import RectificationStatus
    from backend.feedback.services import open_rectification
    from backend.monitoring.models import Alert, AlertStatus
    from tenants.models import Procuratorate

    page.on("dialog", lambda dialog: dialog.accept())

    # --- 登录 → 工作台: the project waits for its goal -------------------------------------------
    page.goto(site.url(UNIT, "/"))
    assert "/login/" in page.url
    shot(page, "year-01-login", guide=True)
    login(page, site, "bt-year-finance", unit=UNIT)
    assert page.locator("h1").inner_text() == "工作台"
    assert PROJECT_NAME in page.locator("main").inner_text()
    settle(page)
    shot(page, "year-02-home", guide=True)

    # --- 绩效目标申报表: drafted from the pushed template ---------------------------------------
    page.get_by_role("link", name="绩效目标").first.click()
    page.get_by_role("link", name="编制绩效目标").first.click()
    page.locator("tr", has_text=PROJECT).get_by_role("link", name="编制绩效目标").click()
    page.get_by_label("年度总体目标").fill(
        "保障刑事检察办案工作顺利开展，审查逮捕、审查起诉案件依法按期办结，提升办案质效。"
    )
    page.get_by_label("中期目标").fill("三年内建成规范高效的办案经费保障机制。")
    page.get_by_role("button", name="新建绩效目标").click()
    assert "已加入模板的 5 个必选指标" in messages(page)
    goal_url = page.url
    page.get_by_test_id("open-picker").click()
    page.get_by_label("搜索指标库").fill("cf-")
    results = page.get_by_test_id("picker-results")
    expect(results.locator("tbody tr")).to_have_count(10)
    results.get_by_label("全选本页").check()
    shot(page, "year-03-picker", guide=True)
    results.get_by_role("button", name="加入所选指标").click()
    assert "已从指标库加入 10 个指标" in messages(page)
    expect(page.get_by_test_id("weights")).to_contain_text("合计 90 / 90")

    # a field error beside its field, then fixed
    target = row(page, "cf-arrest-cases").locator("input[name$='-target_value']")
    target.fill("23O")
    target.press("Tab")
    error = row(page, "cf-arrest-cases").locator("[data-field-error='target_value']")
    error.wait_for()
    assert "不是有效的数字" in error.inner_text()
    shot(page, "year-04-field-error", guide=True)
    target = row(page, "cf-arrest-cases").locator("input[name$='-target_value']")
    target.fill("230")
    target.press("Tab")
    row(page, "cf-arrest-cases").locator(".jx-saved").wait_for()
    expect(row(page, "cf-arrest-cases").locator("[data-field-error='target_value']")).to_have_count(
        0
    )

    # 上报送审
    page.get_by_test_id("submit-goal").click()
    assert "已上报送审" in messages(page)
    assert page.get_by_test_id("goal-status").first.inner_text() == "待单位审核"
    shot(page, "year-05-submitted", guide=True)

    # --- 审核: the leader returns it with a comment on one indicator ------------------------------
    leader_context = chromium.new_context(locale="zh-CN", viewport=DESKTOP)
    leader_context.set_default_timeout(15_000)
    request.addfinalizer(leader_context.close)
    leader = leader_context.new_page()
    login(leader, site, "bt-year-leader", unit=UNIT)
    leader.get_by_role("link", name="审核").first.click()
    awaiting = leader.get_by_test_id("awaiting-goals")
    awaiting.locator("tr", has_text=PROJECT_NAME).get_by_role("link", name="审核").click()
    row(leader, "cf-pil-cases").get_by_label("对该指标的意见").fill(
        "公益诉讼案件数目标偏低，请结合上年办案情况调高。"
    )
    leader.get_by_label("中：退回修改，修改后重新上报").check()
    shot(leader, "year-06-review-return", guide=True)
    leader.get_by_test_id("decide").click()
    assert "退回" in messages(leader)

    # --- finance reads the comment, fixes the indicator, resubmits --------------------------------
    page.goto(goal_url)
    assert (
        "请结合上年办案情况调高"
        in row(page, "cf-pil-cases").get_by_test_id("review-comment").inner_text()
    )
    shot(page, "year-07-returned", guide=True)
    target = row(page, "cf-pil-cases").locator("input[name$='-target_value']")
    target.fill("26")
    target.press("Tab")
    expect(page.get_by_test_id("goal-status").first).to_have_text("草稿")
    page.get_by_test_id("submit-goal").click()
    assert page.get_by_test_id("goal-status").first.inner_text() == "待单位审核"

    # --- the leader approves ---------------------------------------------------------------------
    leader.goto(site.url(UNIT, "/review/"))
    leader.get_by_test_id("awaiting-goals").locator("tr", has_text=PROJECT_NAME).get_by_role(
        "link", name="审核"
    ).click()
    leader.get_by_label("优：通过").check()
    leader.get_by_test_id("decide").click()
    assert "通过" in messages(leader)
    page.goto(goal_url)
    assert page.get_by_test_id("goal-status").first.inner_text() == "已批复"
    shot(page, "year-08-approved", guide=True)
    indicators = goal_indicators()
    assert len(indicators) == 15
    assert {gi.code: gi.target_value for gi in indicators}["cf-pil-cases"] == D(26)

    # --- 运行监控: the entry of the open November round -----------------------------------------
    page.goto(site.url(UNIT, f"/monitoring/?year={YEAR}"))
    project_row = page.locator(f'[data-testid=project-row][data-project="{PROJECT}"]')
    project_row.get_by_role("button", name="填报").click()
    page.wait_for_load_state("networkidle")
    page.locator('[name="spent_to_date"]').fill(str(SPENT))
    for gi in indicators:
        if gi.value_type == "quantitative":
            page.locator(f'[name="{gi.code}-value_to_date"]').fill(
                str((gi.target_value * D("0.8")).quantize(D("0.01")))
            )
            page.locator(f'[name="{gi.code}-projected_value"]').fill(str(gi.target_value))
        else:
            page.locator(f'[name="{gi.code}-text_to_date"]').fill("按计划推进")
        page.locator(f'[name="{gi.code}-likelihood"]').select_option("certain")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "监控数据已保存" in messages(page)
    shot(page, "year-09-monitoring-entry", guide=True)
    page.get_by_test_id("submit-entry").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("entry-status").inner_text() == "已提交"

    # --- the alert the entry raised, answered -----------------------------------------------------
    with schema_context(UNIT):
        alert = Alert.objects.filter(project__code=PROJECT, status=AlertStatus.OPEN).first()
        assert alert is not None, "an entry 24 % spent in November raises an alert"
        alert_id = alert.pk
    connection.set_schema_to_public()
    page.goto(site.url(UNIT, f"/monitoring/?year={YEAR}"))
    settle(page)
    shot(page, "year-10-monitoring", guide=True)
    page.locator(f'a[href$="/monitoring/alerts/{alert_id}/"]').first.click()
    page.get_by_label("调整资金用途").check()
    page.locator('[name="note"]').fill("12月集中支付办案装备和鉴定费用，剩余资金调整用于办案业务。")
    shot(page, "year-11-alert", guide=True)
    page.get_by_role("button", name="提交反馈").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("alert-status").inner_text() == "已反馈"

    # --- 绩效自评: the live total is the engine's, to the cent -----------------------------------
    page.goto(site.url(UNIT, f"/evaluations/?year={YEAR}"))
    page.get_by_test_id("ready").locator("li", has_text=PROJECT).get_by_role(
        "button", name="开始自评"
    ).click()
    page.wait_for_load_state("networkidle")
    assert "/evaluations/" in page.url
    with schema_context(UNIT):
        evaluation = SelfEvaluation.objects.get(project__code=PROJECT, fiscal_year=YEAR)
    connection.set_schema_to_public()
    page.locator('[name="executed"]').fill(str(EXECUTED))
    for gi in indicators:
        if gi.value_type == "quantitative":
            page.locator(f'[name="{gi.code}-actual_value"]').fill(str(actual_of(gi)))
        else:
            band, points = BANDS[gi.code]
            page.locator(f'[name="{gi.code}-band"]').select_option(band)
            page.locator(f'[name="{gi.code}-band_score"]').fill(str(points))
            page.locator(f'[name="{gi.code}-explanation"]').fill(EXPLANATIONS[gi.code])
    for code, reason in REASONS.items():  # a missed target needs its reason
        page.locator(f'[name="{code}-deviation_reason"]').fill(reason)
    expected = engine_total(evaluation, indicators)
    total = page.get_by_test_id("live-total")
    expect(total).to_have_text(f"{expected:.2f}")
    assert total.inner_text() == f"{expected:.2f}"
    with schema_context(UNIT):  # typing computed, saved nothing
        assert SelfEvaluation.objects.get(pk=evaluation.pk).total != expected
    connection.set_schema_to_public()
    settle(page)  # the sticky total at its place in a full-page shot
    shot(page, "year-12-evaluation", guide=True)
    page.get_by_test_id("submit-sheet").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("sheet-status").inner_text() == "已提交"
    with schema_context(UNIT):
        assert SelfEvaluation.objects.get(pk=evaluation.pk).total == expected
    connection.set_schema_to_public()

    # --- the PDF report -------------------------------------------------------------------------
    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    report = SCREENS / "year-self-evaluation.pdf"
    SCREENS.mkdir(parents=True, exist_ok=True)
    download_info.value.save_as(str(report))
    data = report.read_bytes()
    assert data.startswith(b"%PDF-")
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
    assert UNIT_NAME in text and PROJECT_NAME in text
    assert f"{expected:.2f}" in text

    # --- 结果应用: the city requires a rectification; answered with an evidence file --------------
    due = timezone.localdate() + datetime.timedelta(days=30)
    open_rectification(
        Procuratorate.objects.get(code="loudi"),
        Procuratorate.objects.get(code=UNIT),
        cast.reviewer,
        fiscal_year=YEAR,
        title="办案经费支出进度整改",
        requirement="11月支出进度明显落后于时间进度，请说明原因并报送整改措施和支付计划。",
        due_on=due,
    )
    page.goto(site.url(UNIT, "/results/"))
    page.get_by_role("link", name="办案经费支出进度整改").click()
    page.wait_for_load_state("networkidle")
    evidence = tmp_path / "支付计划.pdf"
    evidence.write_bytes(PDF)
    page.locator('[name="text"]').fill("已制定12月支付计划，办案装备和鉴定费用于12月20日前支付。")
    page.locator('[name="files"]').set_input_files(str(evidence))
    shot(page, "year-13-rectification", guide=True)
    page.get_by_role("button", name="提交整改情况").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("rectification-status").inner_text() == "已反馈"
    assert page.get_by_role("link", name="支付计划.pdf").is_visible()
    shot(page, "year-14-rectification-answered", guide=True)
    from backend.feedback.models import RectificationRequest

    answered = RectificationRequest.objects.get(title="办案经费支出进度整改", unit__code=UNIT)
    assert answered.status == RectificationStatus.RESPONDED

"""运行监控, 绩效自评 and 结果应用 in a real browser, as the unit's finance officer and leader:
a monitoring entry, an alert answered, the self-evaluation score sheet whose live total equals
the engine's to the cent, submitted and finalised, the PDF report downloaded, a rectification
answered with an evidence file. Screenshots at desktop and phone width (390 px)."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect
from pypdf import PdfReader

from backend.accounts.models import Membership, Role, User
from backend.evaluation import scoring
from backend.evaluation.models import EvaluationStatus, SelfEvaluation
from backend.feedback.models import RectificationRequest, RectificationStatus
from backend.monitoring.models import Alert, AlertStatus, EntryStatus, MonitoringEntry
from tenants.models import Procuratorate
from tests.browser.conftest import SCREENS, Site, bt_user, login, shot

D = Decimal
UNIT = "lengshuijiang"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Year:
    finance: User
    leader: User
    monitored: Any  # the project whose entry the finance officer records
    evaluation: SelfEvaluation
    rectification: RectificationRequest
    alert: Alert


def both_widths(page: Any, name: str) -> None:
    """A screenshot at desktop width and one at phone width, both for the guide."""
    page.set_viewport_size(DESKTOP)
    settle(page)
    shot(page, name, guide=True)
    page.set_viewport_size(PHONE)
    settle(page)
    shot(page, f"{name}-phone", guide=True)
    page.set_viewport_size(DESKTOP)
    settle(page)


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")  # sticky parts at their place in a full-page shot
    if page.locator(".jx-chart").count():
        page.wait_for_selector(".jx-chart svg")
    page.wait_for_timeout(300)  # charts redraw on resize


@pytest.fixture
def year(committed: None) -> Iterator[Year]:
    """Committed, through the services: users, an open November round, a lagging project that
    raised alerts, a project to monitor, a draft self-evaluation, a rectification."""
    from backend.evaluation.services import start_self_evaluation
    from backend.feedback.services import open_rectification
    from backend.oversight.services import open_round
    from tests.evaluation.factories import STANDARD, approved_goal
    from tests.goals.factories import VALID_INDICATORS
    from tests.monitoring.test_entries import monitored_project, report

    finance = bt_user("bt-me-finance", UNIT, Role.UNIT_FINANCE, "李珺")
    leader = bt_user("bt-me-leader", UNIT, Role.UNIT_LEADER, "王喆")
    province_admin = bt_user("bt-me-province", "hunan", Role.PROVINCE_ADMIN, "赵赟")
    reviewer = bt_user("bt-me-loudi", "loudi", Role.CITY_REVIEWER, "陈璟")
    hunan = Procuratorate.objects.get(code="hunan")
    today = timezone.localdate()
    round = open_round(
        hunan,
        fiscal_year=2026,
        month=11,
        opens_on=today - datetime.timedelta(days=3),
        closes_on=today + datetime.timedelta(days=10),
        user=province_admin,
    )
    with schema_context(UNIT):
        lagging = monitored_project(code="bt-me-lag", name="检察技术装备购置")
        report(lagging, round, finance, spent=D("300000.00"), progress=D(40))
        alert = Alert.objects.filter(project=lagging, status=AlertStatus.OPEN).order_by("id")[0]
        monitored = monitored_project(
            code="bt-me-case", name="办案业务经费", indicators=VALID_INDICATORS
        )
        goal = approved_goal(
            indicators=STANDARD,
            project__code="bt-me-it",
            project__name="智慧检务信息化建设",
            project__person_in_charge="张堃",
            budget="1000000.00",
            spent="876543.21",
        )
        evaluation = start_self_evaluation(goal.project, 2026, finance)
    rectification = open_rectification(
        Procuratorate.objects.get(code="loudi"),
        Procuratorate.objects.get(code=UNIT),
        reviewer,
        fiscal_year=2026,
        title="规范政府采购验收程序",
        requirement="补齐2026年度政府采购项目的验收记录，并建立验收台账。",
        due_on=today + datetime.timedelta(days=30),
    )
    yield Year(finance, leader, monitored, evaluation, rectification, alert)
    Membership.objects.filter(user__username__startswith="bt-me-").delete()


def engine_total(evaluation: SelfEvaluation) -> D:
    """The engine on the values the test types below (its own inputs, not the stored rows)."""
    result = scoring.score_project(
        scoring.ProjectInput(
            full_budget=evaluation.full_budget,
            executed=D("876543.21"),
            indicators=[
                scoring.IndicatorInput(
                    code="q1", level1="产出指标", value_type="quantitative", direction="gte",
                    target=D(120), weight=D(30), actual=D(101), deviation_reason="两名检察官调离",
                ),
                scoring.IndicatorInput(
                    code="q2", level1="产出指标", value_type="quantitative", direction="gte",
                    target=D(95), weight=D(20), actual=D("96.5"), override=D(19),
                    override_reason="质量抽查发现1件瑕疵",
                ),
                scoring.IndicatorInput(
                    code="e1", level1="效益指标", value_type="qualitative", direction="",
                    target=None, weight=D(30), band="achieved", band_score=D("27.5"),
                ),
                scoring.IndicatorInput(
                    code="s1", level1="满意度指标", value_type="quantitative", direction="gte",
                    target=D(90), weight=D(10), actual=D("93.2"),
                ),
            ],
        )
    )  # fmt: skip
    return result.total


def fill(page: Any, name: str, value: str) -> None:
    page.locator(f'[name="{name}"]').fill(value)


def test_the_unit_monitors_evaluates_and_answers_in_the_browser(
    page: Any, chromium: Any, site: Site, year: Year, tmp_path: Path
) -> None:
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, site, "bt-me-finance", unit=UNIT)

    # --- 运行监控: the round, then the monitored project's entry -----------------------------
    page.goto(site.url(UNIT, "/monitoring/?year=2026"))
    assert "2026年11月监控" in page.locator("[data-testid=round]").inner_text()
    row = page.locator('[data-testid=project-row][data-project="bt-me-case"]')
    row.get_by_role("button", name="填报").click()
    page.wait_for_load_state("networkidle")
    assert "/monitoring/entries/" in page.url
    fill(page, "spent_to_date", "abc")
    page.get_by_role("button", name="保存", exact=True).click()
    assert "不是有效的数字" in page.locator('[data-field-error="spent_to_date"]').inner_text()
    fill(page, "spent_to_date", "880000.00")
    for code, done, projected in (("q1", "100", "125"), ("q2", "96", "96"), ("s1", "88", "91")):
        fill(page, f"{code}-value_to_date", done)
        fill(page, f"{code}-projected_value", projected)
    fill(page, "e1-text_to_date", "群众满意度调查已完成两轮")
    for code in ("q1", "q2", "e1"):
        page.locator(f'[name="{code}-likelihood"]').select_option("certain")
    page.locator('[name="s1-likelihood"]').select_option("possible")
    page.locator('[name="s1-deviation_cause"]').select_option("staffing")
    fill(page, "s1-corrective_measure", "增派人员开展回访")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "监控数据已保存" in page.locator(".jx-messages").inner_text()
    assert page.locator('[name="s1-deviation_cause"]').input_value() == "staffing"
    both_widths(page, "monitoring-entry")
    page.get_by_test_id("submit-entry").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("entry-status").inner_text() == "已提交"
    with schema_context(UNIT):
        entry = MonitoringEntry.objects.get(project=year.monitored)
        assert entry.status == EntryStatus.SUBMITTED and entry.spent_to_date == D("880000.00")
    page.goto(site.url(UNIT, "/monitoring/?year=2026"))
    both_widths(page, "monitoring")

    # --- an alert answered ---------------------------------------------------------------------
    page.goto(site.url(UNIT, f"/monitoring/alerts/{year.alert.pk}/"))
    page.get_by_label("调整资金用途").check()
    fill(page, "note", "将部分装备采购资金调整用于办案业务，11月底前完成合同签订。")
    both_widths(page, "monitoring-alert")
    page.get_by_role("button", name="提交反馈").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("alert-status").inner_text() == "已反馈"
    with schema_context(UNIT):
        assert Alert.objects.get(pk=year.alert.pk).response == "reallocate"

    # --- 绩效自评: the score sheet, live total = the engine's ------------------------------------
    page.goto(site.url(UNIT, f"/evaluations/{year.evaluation.pk}/"))
    total = page.get_by_test_id("live-total")
    fill(page, "executed", "876543.21")
    fill(page, "q1-actual_value", "101")
    # Playwright's own polling (no string eval: the pages' CSP forbids it)
    expect(page.locator("#score-q1 [data-testid=line-final]")).to_have_text("25.25")
    fill(page, "q1-deviation_reason", "两名检察官调离")
    fill(page, "q2-actual_value", "96.5")
    page.locator("#sheet-form details").nth(1).locator("summary").click()
    fill(page, "q2-override_score", "19")
    fill(page, "q2-override_reason", "质量抽查发现1件瑕疵")
    page.locator('[name="e1-band"]').select_option("achieved")
    fill(page, "e1-band_score", "27.5")
    fill(page, "e1-explanation", "群众评价较好，个别案件释法说理不足，扣2.5分")
    fill(page, "s1-actual_value", "93.2")
    expected = engine_total(year.evaluation)
    expect(total).to_have_text(f"{expected:.2f}")
    assert total.inner_text() == f"{expected:.2f}"
    assert "人工调整为19.00" in page.locator("#score-q2").inner_text()
    with schema_context(UNIT):  # typing saved nothing
        assert SelfEvaluation.objects.get(pk=year.evaluation.pk).total != expected
    both_widths(page, "evaluation-sheet")
    page.get_by_test_id("submit-sheet").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("sheet-status").inner_text() == "已提交"
    with schema_context(UNIT):
        stored = SelfEvaluation.objects.get(pk=year.evaluation.pk)
        assert (stored.status, stored.total) == (EvaluationStatus.SUBMITTED, expected)

    # --- the leader finalises --------------------------------------------------------------------
    context = chromium.new_context(locale="zh-CN", viewport=DESKTOP)
    boss = context.new_page()
    boss.on("dialog", lambda dialog: dialog.accept())
    try:
        login(boss, site, "bt-me-leader", unit=UNIT)
        boss.goto(site.url(UNIT, f"/evaluations/{year.evaluation.pk}/"))
        assert boss.get_by_test_id("decisions").is_visible()
        both_widths(boss, "evaluation-leader")
        boss.get_by_test_id("finalise").click()
        boss.wait_for_load_state("networkidle")
        assert boss.get_by_test_id("sheet-status").inner_text() == "已定稿"
    finally:
        context.close()
    with schema_context(UNIT):
        assert SelfEvaluation.objects.get(pk=year.evaluation.pk).status == "finalised"

    # --- the PDF report --------------------------------------------------------------------------
    page.goto(site.url(UNIT, f"/evaluations/{year.evaluation.pk}/"))
    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    report = SCREENS / "self-evaluation-report.pdf"
    SCREENS.mkdir(parents=True, exist_ok=True)
    download.save_as(str(report))
    text = "".join(PdfReader(io.BytesIO(report.read_bytes())).pages[0].extract_text().split())
    assert "智慧检务信息化建设" in text and "张堃" in text
    assert f"自评总分：{expected:.2f}分" in text

    # --- 结果应用: a rectification answered with an evidence file -------------------------------
    page.goto(site.url(UNIT, "/results/"))
    both_widths(page, "results")
    page.get_by_role("link", name="规范政府采购验收程序").click()
    page.wait_for_load_state("networkidle")
    evidence = tmp_path / "验收台账.pdf"
    evidence.write_bytes(PDF)
    wrong = tmp_path / "台账.exe"
    wrong.write_bytes(b"MZ")
    answer = "已补齐12个采购项目的验收记录，建立验收台账并指定专人管理。"
    fill(page, "text", answer)
    page.locator('[name="files"]').set_input_files(str(evidence))
    both_widths(page, "results-rectification")
    page.locator('[name="files"]').set_input_files(str(wrong))
    page.get_by_role("button", name="提交整改情况").click()
    page.wait_for_load_state("networkidle")
    assert "不支持上传" in page.locator('[data-field-error="files"]').inner_text()
    assert page.locator('[name="text"]').input_value() == answer  # kept for the next try
    page.locator('[name="files"]').set_input_files(str(evidence))
    page.get_by_role("button", name="提交整改情况").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("rectification-status").inner_text() == "已反馈"
    assert page.get_by_role("link", name="验收台账.pdf").is_visible()
    year.rectification.refresh_from_db()
    assert year.rectification.status == RectificationStatus.RESPONDED
    both_widths(page, "results-rectification-answered")
    assert re.search(r"\d", page.locator("main").inner_text())

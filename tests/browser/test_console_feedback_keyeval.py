"""反馈与整改, 重点评价, 我的评价任务 and 预算挂钩 in a real browser: the province admin sends a
feedback batch to the bottom decile of 自评得分, the unit answers on its own host (结果应用)
and the admin sees the answer arrive; an evaluator scores the key evaluation assigned to it and
cannot open another's; the admin reads the mean and spread and decides a budget linkage.

The benchmark facts are the year 2021's (no other test writes that year): seven counties, 新化
last."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from backend.accounts.models import Membership, Role, User
from backend.benchmarking.models import UnitYearFact
from backend.feedback.models import BudgetLinkage, FeedbackItem
from backend.key_evaluation.models import EvaluatorAssignment, KeyEvaluation
from tenants.models import Procuratorate
from tests.browser.conftest import Site, bt_user, login, shot

D = Decimal
YEAR = 2021
SCORES = {
    "loudi-louxing": D("92.50"),
    "shuangfeng": D("88.00"),
    "lengshuijiang": D("86.20"),
    "lianyuan": D("81.00"),
    "changsha-furong": D("90.10"),
    "changsha-tianxin": D("76.40"),
    "xinhua": D("58.30"),
}


@dataclass
class Data:
    admin: User
    finance: User
    evaluator: User
    other_evaluator: User
    mine: EvaluatorAssignment
    theirs: EvaluatorAssignment
    linkage: BudgetLinkage


def unit(code: str) -> Procuratorate:
    return Procuratorate.objects.get(code=code)


@pytest.fixture
def data(committed: None) -> Iterator[Data]:
    from backend.key_evaluation.services import assign_evaluators, select_for_key_evaluation
    from tests.key_evaluation.factories import finalised_project

    admin = bt_user("bt-fk-admin", "hunan", Role.PROVINCE_ADMIN, "周珩")
    finance = bt_user("bt-fk-xinhua", "xinhua", Role.UNIT_FINANCE, "刘瑾")
    evaluator = bt_user("bt-fk-expert", "hunan", Role.EVALUATOR, "吴昉")
    other = bt_user("bt-fk-expert2", "hunan", Role.EVALUATOR, "郑玥")
    for code, score in SCORES.items():
        UnitYearFact.objects.update_or_create(
            unit=unit(code),
            fiscal_year=YEAR,
            defaults={"project_score": score, "project_grade": "良", "evaluated_projects": 3},
        )
    # Both tests use the same committed rows: made once, found the second time.
    key_evals = []
    for code, expert in (("bt-fk-1", evaluator), ("bt-fk-2", other)):
        found = KeyEvaluation.objects.filter(project_code=code, fiscal_year=YEAR).first()
        if found is None:
            fact = finalised_project(unit("shuangfeng"), code=code, fiscal_year=YEAR)
            found = select_for_key_evaluation(
                unit("hunan"), admin, unit("shuangfeng"), fact.project_id, YEAR
            )
            assign_evaluators(found, admin, [expert.pk])
        key_evals.append(found)
    linkage, _ = BudgetLinkage.objects.get_or_create(
        unit=unit("xinhua"),
        fiscal_year=YEAR,
        project_id=None,
        defaults={
            "grade": "差",
            "score": D("58.30"),
            "base_budget": D("3200000.00"),
            "suggested_action": "reduce",
            "suggested_min_pct": D("-100"),
            "suggested_max_pct": D("-20"),
            "basis": {
                "rule": "差：压减至少 20% 或取消项目",
                "budget_range": ["0.00", "2560000.00"],
                "arithmetic": "3200000.00 × (1 − 100%) = 0.00；3200000.00 × (1 − 20%) = 2560000.00",
                "weighting": "按项目全年预算数加权平均（已定稿项目）",
                "projects": 3,
            },
        },
    )
    yield Data(
        admin,
        finance,
        evaluator,
        other,
        EvaluatorAssignment.objects.get(key_evaluation=key_evals[0]),
        EvaluatorAssignment.objects.get(key_evaluation=key_evals[1]),
        linkage,
    )
    Membership.objects.filter(user__username__startswith="bt-fk-").delete()


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(200)


def test_feedback_to_the_bottom_decile_and_the_answer_arrives(
    page: Any, chromium: Any, site: Site, data: Data
) -> None:
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, site, "bt-fk-admin")
    page.goto(site.url(None, "/console/feedback/new/"))
    page.get_by_label("对标指标").select_option("self_score")
    page.get_by_label("年度", exact=True).select_option(str(YEAR))
    page.get_by_label("百分位不高于").fill("10")
    page.get_by_role("button", name="选出单位").click()
    settle(page)
    rows = page.get_by_test_id("candidate-row")
    assert rows.count() == 1 and "新化县人民检察院" in rows.inner_text()
    assert page.get_by_label("新化县人民检察院").is_checked()
    page.get_by_label("标题").fill(f"{YEAR}年度绩效自评得分对标反馈")
    page.get_by_label("要求整改").check()
    due = timezone.localdate() + datetime.timedelta(days=30)
    page.get_by_label("整改期限").fill(due.isoformat())
    page.get_by_role("button", name="逐单位预览").click()
    settle(page)
    preview = page.get_by_test_id("preview").inner_text()
    assert "你院2021年度自评得分为58.30分" in preview and "第7名（共7个单位）" in preview
    shot(page, "console-feedback-new", guide=True)
    page.get_by_role("button", name="下发").click()
    settle(page)
    assert "反馈已下发至 1 个单位" in page.locator(".jx-messages").inner_text()
    assert "/console/feedback/batches/" in page.url
    batch_url = page.url
    assert page.get_by_test_id("item-row").get_by_text("未读").is_visible()

    # --- the unit answers on its own host (结果应用) ------------------------------------------
    unit_page = page.context.new_page()
    login(unit_page, site, "bt-fk-xinhua", unit="xinhua")
    unit_page.goto(site.url("xinhua", "/results/"))
    unit_page.get_by_test_id("feedback-row").get_by_role(
        "link", name=f"{YEAR}年度绩效自评得分对标反馈"
    ).click()
    unit_page.wait_for_load_state("networkidle")
    assert "新化县人民检察院：" in unit_page.locator("main").inner_text()
    assert "第7名（共7个单位）" in unit_page.locator("main").inner_text()
    unit_page.get_by_label("回复内容").fill(
        "已召开专题会议分析自评得分偏低的原因，将于下月底前完成整改。"
    )
    unit_page.get_by_role("button", name="提交回复").click()
    unit_page.wait_for_load_state("networkidle")
    assert "回复已提交" in unit_page.locator(".jx-messages").inner_text()
    unit_page.close()

    # --- the admin sees the answer arrive ------------------------------------------------------
    page.goto(batch_url)
    settle(page)
    assert "已召开专题会议" in page.get_by_test_id("answer").inner_text()
    assert page.get_by_test_id("batch-response-rate").inner_text() == "100.0%"
    item = FeedbackItem.objects.get(batch__title=f"{YEAR}年度绩效自评得分对标反馈")
    assert item.answered_by == data.finance
    shot(page, "console-feedback-batch", guide=True)
    page.goto(site.url(None, "/console/feedback/"))
    settle(page)
    rates = page.get_by_test_id("rates-chart")
    assert rates.locator("svg").count() == 1  # drawn by ECharts
    assert f"{YEAR}年度绩效自评得分对标反馈" in rates.inner_text()
    shot(page, "console-feedback", guide=True)
    page.goto(site.url(None, "/console/feedback/rectifications/?overdue=&year=2021"))
    settle(page)
    assert "新化县人民检察院" in page.get_by_test_id("rectifications").inner_text()
    areas = page.get_by_test_id("areas-chart")
    assert areas.locator("svg").count() == 1 and "娄底市" in areas.inner_text()
    shot(page, "console-feedback-rectifications", guide=True)


def test_an_evaluator_scores_its_own_assignment_only(
    page: Any, chromium: Any, site: Site, data: Data
) -> None:
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, site, "bt-fk-expert")
    page.goto(site.url(None, "/"))
    settle(page)
    assert page.url.endswith("/console/key-evaluations/my/")
    rows = page.get_by_test_id("assignment-row")
    assert rows.count() == 1 and "双峰县人民检察院" in rows.inner_text()
    rows.get_by_role("link").click()
    settle(page)
    page.locator('[name="indicators.0.actual_value"]').fill("abc")
    page.get_by_role("button", name="保存评分").click()
    settle(page)
    error = page.locator('[data-field-error="indicators.0.actual_value"]').inner_text()
    assert "不是有效的数字" in error
    page.locator('[name="indicators.0.actual_value"]').fill("80")
    page.locator('[name="indicators.1.actual_value"]').fill("95")
    page.locator('[name="indicators.2.band"]').select_option("partly")
    page.locator('[name="indicators.2.band_score"]').fill("21")
    page.locator('[name="indicators.3.actual_value"]').fill("90")
    page.get_by_label("总体意见").fill("实际办案数量未达目标，自评偏高。")
    page.get_by_role("button", name="保存评分").click()
    settle(page)
    assert page.get_by_test_id("total").inner_text() == "84.00"
    shot(page, "console-my-assignment", guide=True)
    page.get_by_role("button", name="提交评分").click()
    settle(page)
    assert page.get_by_test_id("status").inner_text() == "已提交"
    response = page.goto(site.url(None, f"/console/key-evaluations/my/{data.theirs.pk}/"))
    assert response.status == 404
    assert "bt-fk-2" not in page.content() and "郑玥" not in page.content()
    response = page.goto(site.url(None, "/console/key-evaluations/"))
    assert response.status == 403
    page.goto(site.url(None, "/console/key-evaluations/my/"))
    settle(page)
    shot(page, "console-my-assignments", guide=True)

    # --- the admin reads the scores and decides a budget linkage --------------------------------
    admin = page.context.browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 900}
    ).new_page()
    admin.on("dialog", lambda dialog: dialog.accept())
    login(admin, site, "bt-fk-admin")
    key_eval = KeyEvaluation.objects.get(project_code="bt-fk-1")
    admin.goto(site.url(None, f"/console/key-evaluations/?year={YEAR}"))
    settle(admin)
    assert "84.00" in admin.get_by_test_id("key-evaluations").inner_text()
    shot(admin, "console-key-evaluations", guide=True)
    admin.goto(site.url(None, f"/console/key-evaluations/{key_eval.pk}/"))
    settle(admin)
    assert admin.get_by_test_id("mean").inner_text() == "84.00"
    assert "+12.00" in admin.get_by_test_id("gap").inner_text()
    admin.get_by_label("评价结论").fill("自评得分偏高，办案数量指标未达目标。")
    admin.get_by_role("button", name="定稿").click()
    settle(admin)
    assert "自评虚高，已下达整改" in admin.locator("main").inner_text()
    shot(admin, "console-key-evaluation", guide=True)
    admin.goto(site.url(None, f"/console/linkage/{data.linkage.pk}/"))
    admin.get_by_label("决定", exact=True).select_option("reduce")
    admin.get_by_label("调整比例（%）").fill("30")
    admin.get_by_label("决定理由").fill("自评等级为差，压减三成。")
    admin.get_by_role("button", name="作出决定").click()
    settle(admin)
    assert (
        "压减预算时调整比例应在 -100 与 0 之间。"
        in admin.locator('[data-field-error="pct"]').inner_text()
    )
    admin.get_by_label("调整比例（%）").fill("-30")
    admin.get_by_role("button", name="作出决定").click()
    settle(admin)
    assert "2,240,000.00" in admin.get_by_test_id("decided").inner_text()
    shot(admin, "console-linkage-decide", guide=True)
    admin.goto(site.url(None, f"/console/linkage/?year={YEAR}"))
    settle(admin)
    shot(admin, "console-linkage", guide=True)
    admin.context.close()

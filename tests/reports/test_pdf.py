"""The PDF reports: rendered from a unit's evaluations, Chinese text extractable, reproducible."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from backend.reports import pdf, selectors
from tenants.models import Procuratorate
from tests.reports.factories import make_department, make_evaluation

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2027, 1, 20)


def text_of(document: bytes) -> str:
    reader = PdfReader(io.BytesIO(document))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_project_report_holds_every_part(lsj: Procuratorate) -> None:
    evaluation = make_evaluation(name="办案业务经费", code="ba-2026")
    report = selectors.project_report(evaluation, unit_name=lsj.name, today=TODAY)
    document = pdf.project_report_pdf(report)
    assert document.startswith(b"%PDF-")
    text = squeeze(text_of(document))
    for expected in (
        "2026年度项目支出绩效自评报告",
        "冷水江市人民检察院",
        "办案业务经费",
        "ba-2026",
        "已定稿",
        "年初预算数（元）",
        "500,000.00",
        "450,000.00",
        "90.00%",
        # the indicators, their levels, targets and actuals
        "产出指标",
        "数量指标",
        "办理案件数",
        "≥120件",
        "96件",
        "案件质量合格率",
        "司法公信力提升",
        "明显提升",
        "群众评价明显提升",
        "当事人满意度",
        # the override, its reason, the deviation
        "人工调整为25.00",
        "结转案件已于次年一月办结",
        "人员保障",
        # subtotals, total, grade
        "产出指标",
        "效益指标",
        "满意度指标",
        "偏差原因分析",
        "部分案件因人员调整结转下年办理",
        "加强办案力量统筹",
    ):
        assert squeeze(expected) in text, expected
    assert evaluation.total is not None
    assert f"自评总分：{evaluation.total:.2f}分" in text
    assert f"等级：{evaluation.grade}" in text
    # the engine's arithmetic for the missed indicator is printed
    (q1,) = [line for line in report.indicators if line.name == "办理案件数"]
    assert squeeze(q1.computation)[:20] in text


def test_project_report_is_reproducible(lsj: Procuratorate) -> None:
    evaluation = make_evaluation()
    report = selectors.project_report(evaluation, unit_name=lsj.name, today=TODAY)
    assert pdf.project_report_pdf(report) == pdf.project_report_pdf(report)


def test_unit_report_lists_the_project_evaluations(lsj: Procuratorate) -> None:
    make_evaluation(name="办案业务经费", code="ba-2026")
    make_evaluation(name="信息化建设", code="xx-2026", executed=Decimal("200000.00"))
    department = make_department()
    report = selectors.unit_report(department, unit_name=lsj.name, today=TODAY)
    text = squeeze(text_of(pdf.unit_report_pdf(report)))
    for expected in (
        "2026年度部门整体支出绩效自评报告",
        "冷水江市人民检察院",
        "部门重点工作完成数",
        "人民群众满意度",
        "项目支出绩效自评情况",
        "办案业务经费",
        "信息化建设",
        "ba-2026",
        "xx-2026",
        "88.75（良）",
        "部门整体预算执行良好",
    ):
        assert squeeze(expected) in text, expected
    assert f"自评总分：{department.total:.2f}分" in text


def test_reading_a_report_takes_a_fixed_number_of_queries(lsj: Procuratorate) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    evaluation = make_evaluation()
    make_evaluation()
    make_evaluation()
    department = make_department()
    with CaptureQueriesContext(connection) as queries:
        selectors.project_report(evaluation, unit_name=lsj.name, today=TODAY)
    assert len(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        report = selectors.unit_report(department, unit_name=lsj.name, today=TODAY)
    assert len(queries) == 2 and len(report.projects) == 3

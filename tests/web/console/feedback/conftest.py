"""Data of the console's 反馈与整改 page tests (public tables, through the services where
there is one): unit scores to benchmark, feedback batches, rectifications."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from backend.accounts.models import User
from backend.benchmarking.models import UnitYearFact
from backend.feedback.models import FeedbackBatch, FeedbackItem, RectificationRequest
from backend.feedback.services import issue_feedback
from tenants.models import Procuratorate
from tests.feedback.factories import RectificationFactory

D = Decimal
COUNTIES = ["loudi-louxing", "shuangfeng", "xinhua", "lengshuijiang", "lianyuan"]
# 冷水江 last among 娄底's counties; 芙蓉区 and 天心区 under 长沙.
SCORES = {
    "loudi-louxing": D("92.00"),
    "shuangfeng": D("88.00"),
    "xinhua": D("85.00"),
    "lianyuan": D("80.00"),
    "lengshuijiang": D("61.50"),
    "changsha-furong": D("90.00"),
    "changsha-tianxin": D("55.00"),
}


def unit(code: str) -> Procuratorate:
    return Procuratorate.objects.get(code=code)


def scores(values: dict[str, Decimal] | None = None, year: int = 2026) -> None:
    for code, score in (values or SCORES).items():
        UnitYearFact.objects.update_or_create(
            unit=unit(code),
            fiscal_year=year,
            defaults={"project_score": score, "project_grade": "良", "evaluated_projects": 1},
        )


def issue(
    actor: User,
    codes: list[str],
    *,
    issuer: str = "loudi",
    title: str = "2026年度自评得分对标反馈",
    body: str = "{单位}：请说明原因。",
    requires: bool = False,
) -> FeedbackBatch:
    return issue_feedback(
        unit(issuer),
        actor,
        fiscal_year=2026,
        title=title,
        body=body,
        unit_ids=[unit(c).pk for c in codes],
        requires_rectification=requires,
        due_on=timezone.localdate() + datetime.timedelta(days=30) if requires else None,
    )


def many_batches(n: int, issuer: str = "loudi", start: int = 0) -> None:
    """``n`` batches to 冷水江, each with one item (bulk, as the service writes them)."""
    batches = FeedbackBatch.objects.bulk_create(
        FeedbackBatch(issuer=unit(issuer), fiscal_year=2026, title=f"批次{start + i}", body="x")
        for i in range(n)
    )
    FeedbackItem.objects.bulk_create(
        FeedbackItem(batch=b, unit=unit("lengshuijiang")) for b in batches
    )


def many_rectifications(n: int, code: str = "lengshuijiang", overdue: bool = False) -> None:
    RectificationFactory.create_batch(n, unit=unit(code), issuer=unit("loudi"), overdue=overdue)


def responded(r: RectificationRequest, actor: User) -> RectificationRequest:
    from backend.feedback.services import respond_rectification

    return respond_rectification(r, actor, "已补齐采购合同和验收记录。")

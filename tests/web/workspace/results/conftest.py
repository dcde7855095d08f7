"""Data of the results page tests (public tables, through the services): a rectification the
city of 娄底 sends to 冷水江, a feedback batch with its item, budget linkage rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from backend.accounts.models import Membership, Role, User
from backend.feedback.models import BudgetLinkage, FeedbackItem, RectificationRequest
from backend.feedback.services import issue_feedback, open_rectification
from tenants.models import Procuratorate
from tests.factories import UserFactory
from tests.feedback.factories import RectificationFactory

D = Decimal


def unit(code: str) -> Procuratorate:
    return Procuratorate.objects.get(code=code)


def loudi_reviewer() -> User:
    user = User.objects.filter(username="results-loudi-reviewer").first()
    if user is None:
        user = UserFactory(username="results-loudi-reviewer")
        Membership.objects.create(user=user, unit=unit("loudi"), role=Role.CITY_REVIEWER)
    return user


def rectification(title: str = "规范政府采购程序") -> RectificationRequest:
    return open_rectification(
        unit("loudi"),
        unit("lengshuijiang"),
        loudi_reviewer(),
        fiscal_year=2026,
        title=title,
        requirement="补齐采购合同和验收记录。",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )


def feedback_item() -> FeedbackItem:
    batch = issue_feedback(
        unit("loudi"),
        loudi_reviewer(),
        fiscal_year=2026,
        title="2026年度绩效自评反馈意见",
        body="请对照问题清单逐项说明。",
        unit_ids=[unit("lengshuijiang").pk],
    )
    return batch.items.get()


def many_rectifications(n: int, code: str = "lengshuijiang") -> None:
    RectificationFactory.create_batch(n, unit=unit(code), issuer=unit("loudi"))


def many_linkages(n: int, start: int = 0) -> None:
    BudgetLinkage.objects.bulk_create(
        BudgetLinkage(
            unit=unit("lengshuijiang"),
            fiscal_year=2026,
            project_id=100_000 + start + i,
            project_code=f"p{start + i}",
            project_name=f"挂钩项目{start + i}",
            grade="良",
            score=D("85.00"),
            base_budget=D("100000.00"),
            suggested_action="keep",
            suggested_min_pct=D(0),
            suggested_max_pct=D(0),
        )
        for i in range(n)
    )

"""A project's history as the project page shows it: who, when, what, each field before →
after in Chinese, the computed full-year budget included."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.budgets import selectors
from backend.budgets.services import add_adjustment, create_project, update_project
from backend.goals.models import GoalStatus
from tests.factories import UserFactory
from tests.goals.factories import make_goal

pytestmark = pytest.mark.django_db


def test_every_change_with_its_author_in_chinese(lsj) -> None:
    user = UserFactory(username="lsj-hist", full_name="王璟")
    project = create_project(
        code="case", name="办案业务经费", category="project", kind="case_funds",
        fiscal_year=2026, initial_budget=Decimal("500000"), user=user,
    )  # fmt: skip
    add_adjustment(
        project, date=datetime.date(2026, 6, 1), amount=Decimal("-20000.5"), reason="压减",
        user=user,
    )  # fmt: skip
    update_project(project, {"funding_source": "transfer"}, user=user)
    goal = make_goal(project=project)
    goal.status, goal.approved_at = GoalStatus.APPROVED, timezone.now()
    goal._history_user = user
    goal.save()

    entries = selectors.project_history(project)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert {e.user for e in entries} <= {"王璟", "系统"}
    subjects = [e.subject for e in entries]
    assert "预算调整（2026年6月1日，-20,000.50 元）" in subjects and "项目" in subjects
    changes = {(c.field, c.before, c.after) for e in entries for c in e.changes}
    assert ("全年预算数（元）", "500,000.00", "479,999.50") in changes  # computed, not typed
    assert ("资金来源", "一般公共预算", "上级转移支付") in changes
    assert ("状态", "草稿", "已批复") in changes
    assert any(field == "批复时间" for field, _b, _a in changes)
    # no field is named in English
    assert not [c for c in changes if re.search(r"[A-Za-z]", c[0])]


@pytest.mark.parametrize("count", [3, 30])
def test_five_queries_whatever_the_history(lsj, count: int) -> None:
    user = UserFactory(username="lsj-hist2")
    project = create_project(
        code="p", name="项目", category="project", kind="case_funds", fiscal_year=2026,
        initial_budget=Decimal("100"), user=user,
    )  # fmt: skip
    for day in range(1, count + 1):
        add_adjustment(
            project, date=datetime.date(2026, 1, day % 28 + 1), amount=Decimal("1"), reason="追加",
            user=user,
        )  # fmt: skip
    make_goal(project=project)
    with CaptureQueriesContext(connection) as queries:
        entries = selectors.project_history(project)
    assert len(entries) >= 2 * count
    assert len(queries) == 5

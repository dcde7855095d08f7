"""登记支出 (ws:project-expenditure-add): one dated payment through ``record_expenditure``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from backend.accounts.models import User
from backend.budgets import services
from backend.budgets.models import Project
from tests.web.conftest import Browser
from tests.web.workspace.projects.conftest import (
    EDITORS,
    READERS,
    STRANGERS,
    YEAR,
    counts,
    field_errors,
    lsj,
)

pytestmark = pytest.mark.django_db
D = Decimal


def url(project: Project) -> str:
    return f"/projects/{project.pk}/expenditures/"


def data(**changes: Any) -> dict[str, Any]:
    values = {"date": f"{YEAR}-04-10", "amount": "3,500.50", "description": "办案差旅费"}
    values.update(changes)
    return values


@pytest.mark.parametrize("name", EDITORS)
def test_a_payment_is_recorded(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    page = browse(persona(name))
    response = page.post(url(project), data())
    assert response.status_code == 302
    assert counts(project) == (0, 1, D("800000.00"))
    shown = page.get(response["Location"]).content.decode()
    assert "已登记 4 月 10 日支出 3,500.50 元。" in shown and "办案差旅费" in shown


@pytest.mark.parametrize("name", [*READERS, *STRANGERS])
def test_nobody_else_records_one(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    assert browse(persona(name)).post(url(project), data()).status_code == 403
    assert counts(project) == (0, 0, D("800000.00"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "1e30"}, "amount", "超出允许范围"),
        ({"amount": "-100"}, "amount", "金额不能为负数。"),
        ({"amount": "0"}, "amount", "金额不能为零。"),
        ({"amount": "1.005"}, "amount", "最多保留 2 位小数"),
        ({"description": "摘\x00要"}, "description", "不能包含空字符"),
        ({"description": "要" * 301}, "description", "摘要不能超过 300 个字符。"),
        ({"date": f"{YEAR + 1}-01-01"}, "date", f"不在项目的预算年度 {YEAR} 年内"),
        ({"date": "yesterday"}, "date", "应为 YYYY-MM-DD"),
    ],
)
def test_bad_input_writes_nothing(
    changes: dict[str, str],
    field: str,
    message: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    project: Project,
) -> None:
    response = browse(persona("finance")).post(url(project), data(**changes))
    assert response.status_code == 200
    assert any(message in e for e in field_errors(response, field)), field_errors(response, field)
    assert counts(project) == (0, 0, D("800000.00"))


def test_a_month_given_as_a_total_takes_no_payment(
    persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    finance = persona("finance")
    with lsj():
        services.set_monthly_spending(project, month=4, amount=D("1000"), user=finance)
    response = browse(finance).post(url(project), data())
    assert field_errors(response, "date") == [
        f"{YEAR} 年 4 月已按月度汇总数登记支出，不能再登记单笔支出。"
    ]
    assert counts(project)[1] == 1

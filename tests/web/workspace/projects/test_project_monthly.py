"""月度支出合计 (ws:project-monthly-spending): ``set_monthly_spending`` replaces the month's
previous total."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from backend.accounts.models import User
from backend.budgets.models import Expenditure, Project
from tests.web.conftest import Browser
from tests.web.workspace.projects.conftest import (
    EDITORS,
    READERS,
    STRANGERS,
    counts,
    field_errors,
    lsj,
)

pytestmark = pytest.mark.django_db
D = Decimal


def url(project: Project) -> str:
    return f"/projects/{project.pk}/monthly/"


def data(**changes: Any) -> dict[str, Any]:
    values = {"month": "5", "amount": "20000"}
    values.update(changes)
    return values


@pytest.mark.parametrize("name", EDITORS)
def test_a_months_total_is_set_and_replaced(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    page = browse(persona(name))
    response = page.post(url(project), data())
    assert response.status_code == 302
    assert "已设置 5 月支出合计 20,000.00 元。" in page.get(response["Location"]).content.decode()
    page.post(url(project), data(amount="25,000.25"))
    with lsj():
        rows = list(Expenditure.objects.filter(project=project).values_list("amount", flat=True))
    assert rows == [D("25000.25")]


@pytest.mark.parametrize("name", [*READERS, *STRANGERS])
def test_nobody_else_sets_one(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    assert browse(persona(name)).post(url(project), data()).status_code == 403
    assert counts(project) == (0, 0, D("800000.00"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"month": "13"}, "month", "月份“13”无效，应为 1–12。"),
        ({"month": "-1"}, "month", "应为 1–12"),
        ({"month": "9" * 40}, "month", "应为 1–12"),
        ({"month": "五月"}, "month", "请选择月份。"),
        ({"amount": "1e30"}, "amount", "超出允许范围"),
        ({"amount": "-1"}, "amount", "不能为负数"),
        ({"amount": "\x00"}, "amount", "不能包含空字符"),
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

"""登记预算调整 (ws:project-adjustment-add): 追加 or 追减 with date and reason through
``add_adjustment``; the full-year budget follows; bad input named next to its field."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from backend.accounts.models import User
from backend.budgets.models import Project
from tests.web.conftest import Browser
from tests.web.workspace.projects.conftest import (
    EDITORS,
    READERS,
    STRANGERS,
    YEAR,
    counts,
    field_errors,
)

pytestmark = pytest.mark.django_db
D = Decimal


def url(project: Project) -> str:
    return f"/projects/{project.pk}/adjustments/"


def data(**changes: Any) -> dict[str, Any]:
    values = {
        "direction": "increase",
        "amount": "120,000",
        "date": f"{YEAR}-06-30",
        "reason": "年中追加办案经费",
    }
    values.update(changes)
    return values


@pytest.mark.parametrize("name", EDITORS)
def test_an_increase_and_a_cut(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    page = browse(persona(name))
    response = page.post(url(project), data())
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/?tab=budget"
    assert counts(project) == (1, 0, D("920000.00"))
    shown = page.get(response["Location"]).content.decode()
    assert "已登记预算追加 120,000.00 元，全年预算数为 920,000.00 元。" in shown
    page.post(url(project), data(direction="decrease", amount="20000.5", reason="压减公用经费"))
    assert counts(project) == (2, 0, D("899999.50"))
    shown = page.get(f"/projects/{project.pk}/?tab=budget").content.decode()
    assert "−20,000.50" in shown and "压减公用经费" in shown


@pytest.mark.parametrize("name", [*READERS, *STRANGERS])
def test_nobody_else_adjusts(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    assert browse(persona(name)).post(url(project), data()).status_code == 403
    assert counts(project) == (0, 0, D("800000.00"))


def test_a_get_is_not_an_action(
    persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    assert browse(persona("finance")).get(url(project)).status_code == 405


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "1e30"}, "amount", "超出允许范围"),
        ({"amount": "-5"}, "amount", "请填写正数金额"),
        ({"amount": "0"}, "amount", "金额不能为零。"),
        ({"amount": "abc"}, "amount", "不是有效的数字"),
        ({"amount": "5\x00"}, "amount", "不能包含空字符"),
        ({"reason": "原因\x00"}, "reason", "不能包含空字符"),
        ({"reason": "因" * 501}, "reason", "调整原因不能超过 500 个字符。"),
        ({"reason": "  "}, "reason", "调整原因不能为空。"),
        ({"date": f"{YEAR + 1}-01-02"}, "date", f"不在项目的预算年度 {YEAR} 年内"),
        ({"date": f"{YEAR - 1}-12-31"}, "date", f"不在项目的预算年度 {YEAR} 年内"),
        ({"date": f"{YEAR}-02-30"}, "date", "应为 YYYY-MM-DD"),
        ({"date": ""}, "date", "此项为必填项。"),
        ({"direction": "sideways"}, "direction", "请选择追加或追减。"),
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
    errors = field_errors(response, field)
    assert any(message in e for e in errors), errors
    assert 'data-testid="tab-budget"' in response.content.decode()
    assert counts(project) == (0, 0, D("800000.00"))


def test_a_cut_below_zero_is_refused(
    persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    response = browse(persona("finance")).post(
        url(project), data(direction="decrease", amount="800000.01")
    )
    assert field_errors(response, "amount") == [
        "调整后全年预算数为 -0.01 元，不能为负数"
        "（年初预算数 800,000.00 元，调整合计 -800,000.01 元）。"
    ]
    assert counts(project) == (0, 0, D("800000.00"))

"""新建项目 (ws:project-create): the unit's own people create a project through
``create_project``; every bad input is named next to its field in Chinese and nothing is
written."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from backend.accounts.models import User
from backend.budgets.models import Project
from tests.goals.factories import ProjectFactory
from tests.web.conftest import Browser
from tests.web.workspace.projects.conftest import (
    EDITORS,
    READERS,
    STRANGERS,
    YEAR,
    field_errors,
    lsj,
)

pytestmark = pytest.mark.django_db
URL = "/projects/new/"


def valid(**changes: Any) -> dict[str, Any]:
    data = {
        "code": "case-2026",
        "name": "办案业务经费",
        "fiscal_year": str(YEAR),
        "category": "project",
        "kind": "case_funds",
        "department": "计划财务装备处",
        "person_in_charge": "李珺",
        "funding_source": "general",
        "initial_budget": "1,250,000.50",
    }
    data.update(changes)
    return data


def stored() -> list[Project]:
    with lsj():
        return list(Project.objects.all())


@pytest.mark.parametrize("name", EDITORS)
def test_the_units_people_create_a_project(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    user = persona(name)
    page = browse(user)
    form = page.get(URL)
    assert form.status_code == 200 and "年初预算数（元）" in form.content.decode()
    response = page.post(URL, valid())
    [project] = stored()
    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
    assert (project.code, project.name, project.fiscal_year) == ("case-2026", "办案业务经费", YEAR)
    assert project.initial_budget == project.full_budget == Decimal("1250000.50")
    with lsj():
        assert project.history.get().history_user_id == user.pk
    after = page.get(response["Location"]).content.decode()
    assert "已创建项目“办案业务经费”。" in after


@pytest.mark.parametrize("name", [*READERS, *STRANGERS])
def test_nobody_else_creates_one(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona(name))
    assert page.get(URL).status_code == 403
    assert page.post(URL, valid()).status_code == 403
    assert stored() == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"initial_budget": "1e30"}, "initial_budget", "超出允许范围"),
        ({"initial_budget": "9" * 40}, "initial_budget", "超出允许范围"),
        ({"initial_budget": "100000000000000"}, "initial_budget", "超出允许范围"),
        ({"initial_budget": "-5"}, "initial_budget", "年初预算数不能为负数。"),
        ({"initial_budget": "12.345"}, "initial_budget", "最多保留 2 位小数"),
        ({"initial_budget": "一百万"}, "initial_budget", "不是有效的数字"),
        ({"initial_budget": "1\x002"}, "initial_budget", "不能包含空字符"),
        ({"name": "办案\x00经费"}, "name", "不能包含空字符"),
        ({"name": "经" * 201}, "name", "项目名称不能超过 200 个字符。"),
        ({"name": "   "}, "name", "项目名称不能为空。"),
        ({"department": "处" * 101}, "department", "不能超过 100 个字符"),
        ({"code": "bad code!"}, "code", "只能使用字母、数字、连字符和下划线"),
        ({"code": ""}, "code", "此项为必填项。"),
        ({"fiscal_year": "1999"}, "fiscal_year", "应为 2000–2100 的年份"),
        ({"fiscal_year": "9" * 30}, "fiscal_year", "应为 2000–2100 的年份"),
        ({"fiscal_year": "二〇二六"}, "fiscal_year", "请输入年份。"),
        ({"category": "nope"}, "category", "支出类别“nope”无效"),
        ({"funding_source": "bank"}, "funding_source", "资金来源“bank”无效"),
    ],
)
def test_bad_input_is_named_next_to_its_field_and_nothing_is_written(
    changes: dict[str, str],
    field: str,
    message: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
) -> None:
    response = browse(persona("finance")).post(URL, valid(**changes))
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert any(message in error for error in errors), (field, errors)
    assert stored() == []


def test_a_code_is_used_once_a_year(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    with lsj():
        ProjectFactory(code="case-2026", fiscal_year=YEAR)
    response = browse(persona("finance")).post(URL, valid())
    assert field_errors(response, "code") == [f"{YEAR} 年度已有项目编码“case-2026”。"]
    assert len(stored()) == 1

"""编辑项目 (ws:project-edit): ``update_project``; code and year fixed, the initial budget
frozen once a goal is approved."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from backend.accounts.models import User
from backend.budgets.models import Project
from tests.goals.factories import GoalFactory
from tests.web.conftest import Browser
from tests.web.workspace.projects.conftest import EDITORS, READERS, STRANGERS, field_errors, lsj

pytestmark = pytest.mark.django_db


def url(project: Project) -> str:
    return f"/projects/{project.pk}/edit/"


def data(**changes: Any) -> dict[str, Any]:
    values = {
        "name": "办案业务经费（调整）",
        "category": "project",
        "kind": "case_funds",
        "department": "办公室",
        "person_in_charge": "王赟",
        "funding_source": "transfer",
        "initial_budget": "900000",
    }
    values.update(changes)
    return values


def fresh(project: Project) -> Project:
    with lsj():
        return Project.objects.get(pk=project.pk)


@pytest.mark.parametrize("name", EDITORS)
def test_the_units_people_edit_a_project(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    page = browse(persona(name))
    form = page.get(url(project)).content.decode()
    assert 'value="办案业务经费"' in form and "case-funds" in form
    response = page.post(url(project), data())
    assert response.status_code == 302
    saved = fresh(project)
    assert (saved.name, saved.person_in_charge, saved.funding_source) == (
        "办案业务经费（调整）",
        "王赟",
        "transfer",
    )
    assert saved.initial_budget == saved.full_budget == Decimal("900000.00")
    assert saved.code == "case-funds"


@pytest.mark.parametrize("name", [*READERS, *STRANGERS])
def test_nobody_else_edits_it(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    page = browse(persona(name))
    assert page.get(url(project)).status_code == 403
    assert page.post(url(project), data()).status_code == 403
    assert fresh(project).name == "办案业务经费"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"initial_budget": "1e30"}, "initial_budget", "超出允许范围"),
        ({"initial_budget": "-1"}, "initial_budget", "不能为负数"),
        ({"name": "\x00"}, "name", "不能包含空字符"),
        ({"person_in_charge": "张" * 51}, "person_in_charge", "不能超过 50 个字符"),
        ({"kind": "spaceship"}, "kind", "项目类型“spaceship”无效"),
    ],
)
def test_bad_input_changes_nothing(
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
    saved = fresh(project)
    assert (saved.name, saved.initial_budget) == ("办案业务经费", Decimal("800000.00"))


def test_an_approved_goal_freezes_the_initial_budget(
    persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    with lsj():
        GoalFactory(project=project, status="approved")
    page = browse(persona("finance"))
    assert 'data-testid="frozen-note"' in page.get(url(project)).content.decode()
    response = page.post(url(project), data())
    assert field_errors(response, "initial_budget") == [
        "项目绩效目标已批复，年初预算数不能修改；请通过预算调整变更全年预算数。"
    ]
    assert fresh(project).name == "办案业务经费"  # nothing written, not even the name
    # the same budget is no change: the other fields save
    assert page.post(url(project), data(initial_budget="800,000.00")).status_code == 302
    assert fresh(project).name == "办案业务经费（调整）"


def test_an_unknown_project_is_not_found(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona("finance")).get("/projects/987654/edit/").status_code == 404

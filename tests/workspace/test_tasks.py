"""The workspace's to-do list (``backend.workspace.selectors.my_tasks``): what each role sees,
deadlines and overdue items, a reviewer's read-only view, and a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from backend.accounts import policy
from backend.accounts.models import Role, User
from backend.workspace.selectors import Group, Target, TaskKind, my_tasks
from tenants.models import Procuratorate
from tests.goals.factories import GoalFactory, ProjectFactory, make_goal
from tests.workspace.data import build_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def lengshuijiang(unit: Callable[[str], Procuratorate]) -> Procuratorate:
    return unit("lengshuijiang")


def tasks_of(user: User, unit: Procuratorate):  # type: ignore[no-untyped-def]
    with tenant_context(unit):
        return my_tasks(unit, policy.unit_access(user, unit))


def kinds(todo) -> list[tuple[TaskKind, str]]:  # type: ignore[no-untyped-def]
    return [(t.kind, t.subject) for t in todo.tasks]


def test_finance_sees_what_it_prepares_and_answers(
    lengshuijiang: Procuratorate, member: Callable[..., User]
) -> None:
    with tenant_context(lengshuijiang):
        year = build_year()
    todo = tasks_of(member("lengshuijiang", Role.UNIT_FINANCE), lengshuijiang)
    assert not todo.read_only
    found = {t.kind: t for t in todo.tasks}
    assert set(found) == {
        TaskKind.GOAL_TO_DRAFT,
        TaskKind.GOAL_DRAFT,
        TaskKind.GOAL_RETURNED,
        TaskKind.MONITORING_ENTRY,
        TaskKind.ALERT,
        TaskKind.EVALUATION_TO_START,
        TaskKind.EVALUATION_DRAFT,
        TaskKind.EVALUATION_RETURNED,
        TaskKind.RECTIFICATION,
        TaskKind.FEEDBACK,
    }
    # the project without a goal leads to it; the returned goal carries the reviewer's comment
    draft = found[TaskKind.GOAL_TO_DRAFT]
    assert (draft.target, draft.target_id, draft.subject) == (
        Target.PROJECT,
        year.no_goal.pk,
        year.no_goal.name,
    )
    assert found[TaskKind.GOAL_RETURNED].detail == "退回意见：办案数量指标偏低，请按上年实际调整。"
    # the open round: one project submitted, one in draft, one not started
    entries = [t for t in todo.tasks if t.kind == TaskKind.MONITORING_ENTRY]
    assert sorted((t.target, t.target_id) for t in entries) == sorted(
        [
            (Target.MONITORING_ENTRY, year.draft_entry.pk),
            (Target.MONITORING, year.round.pk),
        ]
    )
    assert {t.due_on for t in entries} == {year.round.closes_on}
    [round] = todo.rounds
    assert (round.expected, round.missing, round.closes_on) == (3, 2, year.round.closes_on)
    # deadlines: the overdue alert and rectification are marked, the others not
    alerts = {t.target_id: t for t in todo.tasks if t.kind == TaskKind.ALERT}
    assert alerts[year.alert_overdue.pk].overdue and not alerts[year.alert_due.pk].overdue
    assert found[TaskKind.RECTIFICATION].overdue
    assert found[TaskKind.RECTIFICATION].due_on == year.rectification.due_on
    assert not found[TaskKind.FEEDBACK].overdue
    assert todo.overdue == 2
    assert found[TaskKind.EVALUATION_TO_START].project_id == year.last_year_unevaluated.pk
    assert found[TaskKind.EVALUATION_RETURNED].detail == "退回意见：请补充偏差原因分析。"
    # grouped as the page shows them
    assert [t.kind for t in todo.in_group(Group.RESULTS)] == [
        TaskKind.RECTIFICATION,
        TaskKind.FEEDBACK,
    ]


def test_the_leader_sees_what_it_approves(
    lengshuijiang: Procuratorate, member: Callable[..., User]
) -> None:
    with tenant_context(lengshuijiang):
        year = build_year()
    todo = tasks_of(member("lengshuijiang", Role.UNIT_LEADER), lengshuijiang)
    found = {(t.kind, t.target_id) for t in todo.tasks}
    assert (TaskKind.GOAL_TO_APPROVE, year.submitted.pk) in found
    assert (TaskKind.EVALUATION_TO_FINALISE, year.evaluation_submitted.pk) in found
    assert {t.kind for t in todo.tasks} == {
        TaskKind.GOAL_TO_APPROVE,
        TaskKind.EVALUATION_TO_FINALISE,
        TaskKind.ALERT,
        TaskKind.RECTIFICATION,
        TaskKind.FEEDBACK,
    }
    # the leader does not fill in entries, but sees the round's state
    assert todo.rounds[0].missing == 2


def test_a_reviewer_above_reads_the_units_list(
    lengshuijiang: Procuratorate, member: Callable[..., User]
) -> None:
    with tenant_context(lengshuijiang):
        build_year()
        make_goal(
            project=ProjectFactory(code="waiting-city"), status="unit_approved"
        )  # awaiting the city
    reviewer = tasks_of(member("loudi", Role.CITY_REVIEWER), lengshuijiang)
    assert reviewer.read_only
    assert TaskKind.GOAL_TO_CITY_REVIEW in {t.kind for t in reviewer.tasks}
    assert {TaskKind.GOAL_TO_APPROVE, TaskKind.GOAL_DRAFT} <= {t.kind for t in reviewer.tasks}
    admin = tasks_of(member("hunan", Role.PROVINCE_ADMIN), lengshuijiang)
    assert admin.read_only
    assert TaskKind.GOAL_TO_CITY_REVIEW not in {t.kind for t in admin.tasks}


def test_another_units_items_never_show(
    unit: Callable[[str], Procuratorate], member: Callable[..., User]
) -> None:
    with tenant_context(unit("lianyuan")):
        build_year()
    todo = tasks_of(member("lengshuijiang", Role.UNIT_FINANCE), unit("lengshuijiang"))
    # the province's round is shared (open to every unit), nothing else of 涟源 shows
    assert [t.kind for t in todo.tasks] == []
    assert todo.rounds[0].expected == 0


@pytest.mark.parametrize("extra", [10, 200])
def test_the_list_takes_a_fixed_number_of_queries(
    lengshuijiang: Procuratorate, member: Callable[..., User], extra: int
) -> None:
    finance = member("lengshuijiang", Role.UNIT_FINANCE)
    access = policy.unit_access(finance, lengshuijiang)
    with tenant_context(lengshuijiang):
        build_year()
        for index in range(extra):
            GoalFactory(project=ProjectFactory(code=f"more-{index}"), status="returned")
        with CaptureQueriesContext(connection) as queries:
            todo = my_tasks(lengshuijiang, access)
    assert len([t for t in todo.tasks if t.kind == TaskKind.GOAL_RETURNED]) == extra + 1
    assert len(queries) == 13

"""``myTasks`` on a unit's host: the same to-do list as the 工作台, by the caller's roles; the
unit's own people and reviewers above read it, nobody else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django_tenants.utils import tenant_context
from graphql_relay import to_global_id

from backend.accounts.models import Role, User
from tenants.models import Procuratorate
from tests.conftest import GraphQLClient, error_codes
from tests.workspace.data import build_year

pytestmark = pytest.mark.django_db

LSJ = "lengshuijiang.localhost"
MY_TASKS = """
{ myTasks { readOnly overdueCount
    tasks { kind group groupLabel title subject detail targetType targetId projectId dueOn overdue }
    openRounds { roundId fiscalYear month kindLabel closesOn expected missing } } }
"""


def test_my_tasks_lists_the_callers_work(
    gql: GraphQLClient,
    member: Callable[..., User],
    token_for: Callable[[User], str],
    unit: Callable[[str], Procuratorate],
) -> None:
    with tenant_context(unit("lengshuijiang")):
        year = build_year()
    token = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    result = gql(MY_TASKS, host=LSJ, token=token)
    assert "errors" not in result, result
    data = result["data"]["myTasks"]
    assert (data["readOnly"], data["overdueCount"]) == (False, 2)
    by_kind = {t["kind"]: t for t in data["tasks"]}
    assert by_kind["GOAL_RETURNED"] == {
        "kind": "GOAL_RETURNED",
        "group": "GOALS",
        "groupLabel": "绩效目标",
        "title": "修改退回的绩效目标",
        "subject": year.returned.project.name,
        "detail": "退回意见：办案数量指标偏低，请按上年实际调整。",
        "targetType": "PerformanceGoal",
        "targetId": to_global_id("PerformanceGoal", year.returned.pk),
        "projectId": to_global_id("Project", year.returned.project_id),
        "dueOn": None,
        "overdue": False,
    }
    alert = next(
        t for t in data["tasks"] if t["targetId"] == to_global_id("Alert", year.alert_overdue.pk)
    )
    assert (alert["kind"], alert["overdue"], alert["dueOn"]) == (
        "ALERT",
        True,
        year.alert_overdue.answer_due.isoformat(),
    )
    assert by_kind["EVALUATION_TO_START"]["targetId"] is None
    assert by_kind["FEEDBACK"]["targetType"] == "FeedbackItem"
    assert data["openRounds"] == [
        {
            "roundId": to_global_id("MonitoringRound", year.round.pk),
            "fiscalYear": year.round.fiscal_year,
            "month": year.round.month,
            "kindLabel": "月度监控",
            "closesOn": year.round.closes_on.isoformat(),
            "expected": 3,
            "missing": 2,
        }
    ]
    # the leader's list is the leader's
    leader = gql(MY_TASKS, host=LSJ, token=token_for(member("lengshuijiang", Role.UNIT_LEADER)))
    assert "GOAL_TO_APPROVE" in {t["kind"] for t in leader["data"]["myTasks"]["tasks"]}
    assert "GOAL_DRAFT" not in {t["kind"] for t in leader["data"]["myTasks"]["tasks"]}


def test_my_tasks_is_refused_outside_the_units_reach(
    gql: GraphQLClient,
    member: Callable[..., User],
    token_for: Callable[[User], str],
    unit: Callable[[str], Procuratorate],
) -> None:
    with tenant_context(unit("lengshuijiang")):
        year = build_year()
    for stranger in (
        member("lianyuan", Role.UNIT_FINANCE),
        member("changsha", Role.CITY_REVIEWER),
        member("loudi", Role.UNIT_FINANCE, "loudi-own-finance"),
        member("hunan", Role.EVALUATOR),
    ):
        result = gql(MY_TASKS, host=LSJ, token=token_for(stranger))
        assert error_codes(result) == ["PERMISSION_DENIED"], stranger.username
        assert year.returned.project.name not in str(result)
    assert error_codes(gql(MY_TASKS, host=LSJ)) == ["UNAUTHENTICATED"]
    # on the public host there is no unit to read
    public = gql(MY_TASKS, token=token_for(member("hunan", Role.PROVINCE_ADMIN)))
    assert public.get("errors")
    # a reviewer above reads the unit's list, marked read-only
    reviewer = gql(MY_TASKS, host=LSJ, token=token_for(member("loudi", Role.CITY_REVIEWER)))
    assert reviewer["data"]["myTasks"]["readOnly"] is True

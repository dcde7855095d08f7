"""Optimistic versioning of goals, monitoring entries and self-evaluations: every write raises
the form's version (an indicator's change too), a stale ``version`` is refused with STALE and
nothing is written, the payload then carries the current values, no ``version`` keeps the
last-writer-wins behaviour, and of two concurrent writers holding the same version exactly one
wins (two threads on real connections, committed data)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from graphql_relay import to_global_id

from backend.accounts.models import Role, User
from backend.budgets.models import Project
from backend.core.errors import DomainError
from backend.core.versioning import Stale
from backend.evaluation import services as evaluation_services
from backend.evaluation.models import SelfEvaluation
from backend.goals.models import GoalIndicator, PerformanceGoal
from backend.goals.services import drafting, workflow
from backend.monitoring import services as monitoring_services
from backend.monitoring.models import MonitoringEntry
from tenants.models import Procuratorate
from tests.conftest import GraphQLClient
from tests.evaluation.factories import actors, approved_goal, project_of
from tests.goals.factories import VALID_INDICATORS, ProjectFactory, make_goal
from tests.monitoring.test_entries import make_actors, make_round, monitored_project

LSJ = "lengshuijiang.localhost"


def stale(call: Callable[[], Any]) -> DomainError:
    with pytest.raises(Stale) as caught:
        call()
    assert [(p.code, p.field) for p in caught.value.problems] == [("STALE", "version")]
    return caught.value


# --- services -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_goal_writes_raise_the_version_and_a_stale_one_writes_nothing(
    lsj: Procuratorate, member: Callable[..., User]
) -> None:
    user = member("lengshuijiang", Role.UNIT_FINANCE)
    goal = make_goal(indicators=VALID_INDICATORS)
    assert goal.version == 1
    drafting.update_goal(goal, {"overall_goal": "甲的修改"}, user=user, expected_version=1)
    assert PerformanceGoal.objects.get(pk=goal.pk).version == 2

    # An indicator is part of the goal's form: its change raises the goal's version.
    indicator = GoalIndicator.objects.filter(goal=goal).first()
    assert indicator is not None
    drafting.update_goal_indicator(
        indicator, {"target_value": "150"}, user=user, expected_version=2
    )
    assert PerformanceGoal.objects.get(pk=goal.pk).version == 3

    history = PerformanceGoal.history.filter(id=goal.pk).count()
    error = stale(
        lambda: drafting.update_goal(
            goal, {"overall_goal": "乙的修改"}, user=user, expected_version=2
        )
    )
    assert "绩效目标已被他人修改（当前版本为 3）" in error.problems[0].message
    stale(
        lambda: drafting.update_goal_indicator(
            indicator, {"target_value": "1"}, user=user, expected_version=1
        )
    )
    stale(lambda: drafting.remove_goal_indicator(indicator, user=user, expected_version=2))
    stale(lambda: workflow.submit(goal, user=user, expected_version=2))
    current = PerformanceGoal.objects.get(pk=goal.pk)
    assert (current.overall_goal, current.version, current.status) == ("甲的修改", 3, "draft")
    assert GoalIndicator.objects.get(pk=indicator.pk).target_value == Decimal("150")
    assert PerformanceGoal.history.filter(id=goal.pk).count() == history

    # No version: today's behaviour, the write goes through (and still raises the version).
    drafting.update_goal(goal, {"overall_goal": "丙的修改"}, user=user)
    current = PerformanceGoal.objects.get(pk=goal.pk)
    assert (current.overall_goal, current.version) == ("丙的修改", 4)
    workflow.submit(goal, user=user, expected_version=4)
    assert PerformanceGoal.objects.get(pk=goal.pk).version == 5


@pytest.mark.django_db
def test_monitoring_entries_are_versioned(lsj: Procuratorate, member: Callable[..., User]) -> None:
    users = make_actors(member)
    project = monitored_project()
    entry = monitoring_services.start_entry(project, make_round(9), user=users["finance"])
    assert entry.version == 1
    monitoring_services.record_entry(
        entry, user=users["finance"], spent_to_date=Decimal("100000.00"), expected_version=1
    )
    assert MonitoringEntry.objects.get(pk=entry.pk).version == 2
    stale(
        lambda: monitoring_services.record_entry(
            entry, user=users["finance"], spent_to_date=Decimal("1.00"), expected_version=1
        )
    )
    stale(
        lambda: monitoring_services.submit_entry(entry, user=users["finance"], expected_version=1)
    )
    current = MonitoringEntry.objects.get(pk=entry.pk)
    assert (current.spent_to_date, current.version, current.status) == (
        Decimal("100000.00"),
        2,
        "draft",
    )
    monitoring_services.record_entry(entry, user=users["finance"], spent_to_date=Decimal("5.00"))
    assert MonitoringEntry.objects.get(pk=entry.pk).version == 3


@pytest.mark.django_db
def test_self_evaluations_are_versioned(lsj: Procuratorate, member: Callable[..., User]) -> None:
    people = actors(member)
    goal = approved_goal()
    evaluation = evaluation_services.start_self_evaluation(
        project_of(goal), 2026, people["finance"]
    )
    assert evaluation.version == 1
    evaluation_services.record_self_evaluation(
        evaluation,
        people["finance"],
        indicators=[{"code": "q1", "actual_value": Decimal("130")}],
        expected_version=1,
    )
    assert SelfEvaluation.objects.get(pk=evaluation.pk).version == 2
    stale(
        lambda: evaluation_services.record_self_evaluation(
            evaluation,
            people["finance"],
            indicators=[{"code": "q1", "actual_value": Decimal("1")}],
            expected_version=1,
        )
    )
    stale(
        lambda: evaluation_services.submit_self_evaluation(
            evaluation, people["finance"], expected_version=1
        )
    )
    current = SelfEvaluation.objects.get(pk=evaluation.pk)
    assert current.version == 2 and current.status == "draft"
    assert current.indicators.get(code="q1").actual_value == Decimal("130")


# --- the API ------------------------------------------------------------------------------------


UPDATE_GOAL = """mutation($id: ID!, $text: String!, $v: Int) {
  updateGoal(id: $id, overallGoal: $text, version: $v) {
    goal { overallGoal version } errors { field code message } } }"""
UPDATE_INDICATOR = """mutation($id: ID!, $v: Int) {
  updateGoalIndicator(id: $id, input: { targetValue: "160" }, version: $v) {
    indicator { targetValue } goal { version } errors { field code message } } }"""
RECORD_ENTRY = """mutation($id: ID!, $v: Int) {
  recordMonitoringEntry(id: $id, spentToDate: "2000.00", version: $v) {
    entry { spentToDate version } errors { field code message } } }"""
RECORD_EVALUATION = """mutation($id: ID!, $v: Int) {
  recordSelfEvaluation(id: $id, deviationAnalysis: "乙的分析", version: $v) {
    evaluation { deviationAnalysis version } errors { field code message } } }"""


@pytest.mark.django_db
def test_a_stale_version_over_graphql_returns_stale_with_the_current_values(
    gql: GraphQLClient, member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    finance = member("lengshuijiang", Role.UNIT_FINANCE, "lsj-version")
    token = token_for(finance)
    with schema_context("lengshuijiang"):
        goal = make_goal(indicators=VALID_INDICATORS, overall_goal="原目标")
        indicator = GoalIndicator.objects.filter(goal=goal).first()
        assert indicator is not None
    goal_id = to_global_id("PerformanceGoal", goal.pk)

    first = gql(UPDATE_GOAL, host=LSJ, token=token, variables={"id": goal_id, "text": "甲", "v": 1})
    assert first["data"]["updateGoal"] == {
        "goal": {"overallGoal": "甲", "version": 2},
        "errors": [],
    }
    second = gql(
        UPDATE_GOAL, host=LSJ, token=token, variables={"id": goal_id, "text": "乙", "v": 1}
    )
    payload = second["data"]["updateGoal"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("version", "STALE")]
    assert "当前版本为 2" in payload["errors"][0]["message"]
    assert payload["goal"] == {"overallGoal": "甲", "version": 2}  # what the other wrote

    indicator_id = to_global_id("GoalIndicator", indicator.pk)
    changed = gql(UPDATE_INDICATOR, host=LSJ, token=token, variables={"id": indicator_id, "v": 2})
    assert changed["data"]["updateGoalIndicator"]["goal"] == {"version": 3}
    refused = gql(UPDATE_INDICATOR, host=LSJ, token=token, variables={"id": indicator_id, "v": 2})
    assert refused["data"]["updateGoalIndicator"]["errors"][0]["code"] == "STALE"
    assert refused["data"]["updateGoalIndicator"]["goal"] == {"version": 3}
    # Without a version the edit goes through, as before.
    blind = gql(UPDATE_GOAL, host=LSJ, token=token, variables={"id": goal_id, "text": "丙"})
    assert blind["data"]["updateGoal"]["goal"] == {"overallGoal": "丙", "version": 4}

    connection.set_schema_to_public()
    users = make_actors(member)
    with schema_context("lengshuijiang"):
        project = monitored_project()
        entry = monitoring_services.start_entry(project, make_round(9), user=users["finance"])
        people = actors(member)
        evaluation = evaluation_services.start_self_evaluation(
            project_of(approved_goal()), 2026, people["finance"]
        )
    entry_id = to_global_id("MonitoringEntry", entry.pk)
    entry_token = token_for(users["finance"])
    ok = gql(RECORD_ENTRY, host=LSJ, token=entry_token, variables={"id": entry_id, "v": 1})
    assert ok["data"]["recordMonitoringEntry"]["entry"]["version"] == 2
    late = gql(RECORD_ENTRY, host=LSJ, token=entry_token, variables={"id": entry_id, "v": 1})
    assert late["data"]["recordMonitoringEntry"]["errors"][0]["code"] == "STALE"
    assert late["data"]["recordMonitoringEntry"]["entry"] == {
        "spentToDate": "2000.00",
        "version": 2,
    }

    evaluation_id = to_global_id("SelfEvaluation", evaluation.pk)
    evaluation_token = token_for(people["finance"])
    variables = {"id": evaluation_id, "v": 1}
    ok = gql(RECORD_EVALUATION, host=LSJ, token=evaluation_token, variables=variables)
    assert ok["data"]["recordSelfEvaluation"]["evaluation"]["version"] == 2
    late = gql(RECORD_EVALUATION, host=LSJ, token=evaluation_token, variables=variables)
    assert late["data"]["recordSelfEvaluation"]["errors"][0]["code"] == "STALE"
    assert late["data"]["recordSelfEvaluation"]["evaluation"] == {
        "deviationAnalysis": "乙的分析",
        "version": 2,
    }


# --- two writers at once ------------------------------------------------------------------------


CODE = "version-race"


def _cleanup() -> None:
    connection.set_schema_to_public()
    with schema_context("lengshuijiang"):
        projects = Project.objects.filter(code=CODE)
        goals = PerformanceGoal.objects.filter(project__in=projects)
        PerformanceGoal.history.filter(id__in=list(goals.values_list("pk", flat=True))).delete()
        goals.delete()
        Project.history.filter(code=CODE).delete()
        projects.delete()


@pytest.fixture
def committed_goal(django_db_setup: None, django_db_blocker: Any) -> Iterator[int]:
    """A draft goal committed for real in 冷水江 (no test transaction), removed afterwards."""
    with django_db_blocker.unblock():
        _cleanup()
        try:
            with schema_context("lengshuijiang"):
                goal = PerformanceGoal.objects.create(
                    project=ProjectFactory(code=CODE, fiscal_year=2030),
                    fiscal_year=2030,
                    overall_goal="原目标",
                )
            yield goal.pk
        finally:
            _cleanup()


def test_of_two_concurrent_writers_with_the_same_version_exactly_one_wins(
    committed_goal: int,
) -> None:
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def write(text: str) -> None:
        try:
            with schema_context("lengshuijiang"):
                goal = PerformanceGoal.objects.get(pk=committed_goal)
                assert goal.version == 1  # both read the same version
                start.wait(timeout=10)
                try:
                    drafting.update_goal(
                        goal, {"overall_goal": text}, user=None, expected_version=1
                    )
                    outcomes[text] = "written"
                except Stale:
                    outcomes[text] = "STALE"
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=write, args=(text,)) for text in ("甲的目标", "乙的目标")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["STALE", "written"], outcomes
    (winner,) = [text for text, outcome in outcomes.items() if outcome == "written"]
    with schema_context("lengshuijiang"):
        current = PerformanceGoal.objects.get(pk=committed_goal)
    assert (current.overall_goal, current.version) == (winner, 2)

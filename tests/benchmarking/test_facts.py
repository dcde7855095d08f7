"""The public facts of approved goals: written in the transaction of the final approval (and
of an approved adjustment), only then, and the ``rebuild_facts`` command recomputes exactly
the same rows from the units' schemas."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from backend.accounts.models import User
from backend.benchmarking import selectors
from backend.benchmarking.models import IndicatorFact, ProjectFact
from backend.benchmarking.services import rebuild_facts, record_goal_facts
from backend.goals.models import GoalReview, GoalStatus, PerformanceGoal
from backend.goals.services import workflow
from backend.goals.services.workflow import (
    request_adjustment,
    review,
    review_adjustment,
    submit_adjustment,
)
from tenants.models import Procuratorate
from tests.goals.factories import VALID_INDICATORS, make_goal
from tests.goals.test_workflow import city_review, drive, make_actors

pytestmark = pytest.mark.django_db

D = Decimal
TEMPLATE = {"source": "library", "template_code": "tpl-case", "template_version": 2}
# q1, q2 and e1 come from the province's template; s1 was written for the goal alone.
STANDARD = [{**row, **TEMPLATE} for row in VALID_INDICATORS[:3]] + VALID_INDICATORS[3:]


@pytest.fixture
def users(member: Callable[..., User]) -> dict[str, User]:
    return make_actors(member)


def standard_goal(**fields: Any) -> PerformanceGoal:
    return make_goal(indicators=STANDARD, **fields)


def test_the_final_approval_records_the_project_and_its_standard_indicators(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    goal = standard_goal(project__initial_budget=D("820000.50"))
    drive(goal, GoalStatus.SUBMITTED, users)
    assert not ProjectFact.objects.exists()
    review(goal, user=users["leader"], decision="approve", grade="good")
    goal.refresh_from_db()
    project = goal.project

    fact = ProjectFact.objects.get()
    assert (fact.unit, fact.fiscal_year, fact.project_id, fact.goal_id) == (
        lsj,
        2026,
        project.pk,
        goal.pk,
    )
    assert (fact.project_code, fact.project_name, fact.category, fact.kind) == (
        project.code,
        project.name,
        "project",
        "case_funds",
    )
    assert (fact.initial_budget, fact.full_budget) == (D("820000.50"), D("820000.50"))
    assert (fact.goal_grade, fact.approved_at) == ("good", goal.approved_at)

    rows = {
        f.indicator_code: (f.template_code, f.template_version, f.level1, f.target_value, f.weight)
        for f in selectors.indicator_facts(unit=lsj)
    }
    assert rows == {
        "q1": ("tpl-case", 2, "产出指标", D("120"), D("30")),
        "q2": ("tpl-case", 2, "产出指标", D("95"), D("20")),
        "e1": ("tpl-case", 2, "效益指标", None, D("30")),
    }
    e1 = IndicatorFact.objects.get(indicator_code="e1")
    assert (e1.value_type, e1.direction, e1.unit_of_measure) == ("qualitative", "", "")
    assert {f.goal_id for f in IndicatorFact.objects.all()} == {goal.pk}


def test_no_facts_before_the_final_approval_nor_for_a_returned_or_rejected_goal(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    city_review(True)
    for state in ("submitted", "unit_approved", "returned", "rejected"):
        drive(standard_goal(), state, users)
    assert not ProjectFact.objects.exists() and not IndicatorFact.objects.exists()
    waiting = PerformanceGoal.objects.get(status=GoalStatus.UNIT_APPROVED)
    review(waiting, user=users["loudi_reviewer"], decision="approve", grade="excellent")
    assert list(ProjectFact.objects.values_list("goal_id", "goal_grade")) == [
        (waiting.pk, "excellent")
    ]
    assert IndicatorFact.objects.count() == 3


def test_a_failure_after_the_facts_are_written_rolls_everything_back(
    lsj: Procuratorate, users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    goal = standard_goal()
    drive(goal, GoalStatus.SUBMITTED, users)
    seen: dict[str, int] = {}

    def fail(unit: Procuratorate, goal: PerformanceGoal) -> None:
        seen["projects"] = ProjectFact.objects.count()
        seen["indicators"] = IndicatorFact.objects.count()
        raise RuntimeError("the public row could not be written")

    monkeypatch.setattr(workflow, "sync_submission", fail)
    with pytest.raises(RuntimeError):
        review(goal, user=users["leader"], decision="approve", grade="excellent")
    assert seen == {"projects": 1, "indicators": 3}  # written, then rolled back with the rest
    assert not ProjectFact.objects.exists() and not IndicatorFact.objects.exists()
    goal.refresh_from_db()
    assert (goal.status, goal.approved_at, goal.grade) == (GoalStatus.SUBMITTED, None, "")
    assert not GoalReview.objects.exists()
    assert not goal.history.filter(status=GoalStatus.APPROVED).exists()


def test_an_approved_adjustment_refreshes_the_facts(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    goal = drive(standard_goal(), GoalStatus.APPROVED, users)
    adjustment = request_adjustment(
        goal,
        reason="追加任务",
        changes=[{"indicator": "q1", "field": "target_value", "after": "150"}],
        user=users["finance"],
    )
    submit_adjustment(adjustment, user=users["finance"])
    assert IndicatorFact.objects.get(indicator_code="q1").target_value == D("120")
    review_adjustment(adjustment, user=users["leader"], decision="approve")
    assert IndicatorFact.objects.get(indicator_code="q1").target_value == D("150")
    assert IndicatorFact.objects.count() == 3


def test_recording_again_follows_the_project_and_the_goal(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    """What a budget adjustment of an approved goal's project calls in its transaction."""
    from backend.budgets.models import Project

    goal = drive(standard_goal(), GoalStatus.APPROVED, users)
    Project.objects.filter(pk=goal.project_id).update(full_budget=D("600000.00"))
    record_goal_facts(lsj, goal)  # goal.project as cached says 500000
    assert ProjectFact.objects.get().full_budget == D("600000.00")
    incremental = selectors.facts_of(lsj)
    rebuild_facts(lsj)
    assert selectors.facts_of(lsj) == incremental

    PerformanceGoal.objects.filter(pk=goal.pk).update(status=GoalStatus.REJECTED)
    goal.refresh_from_db()
    assert record_goal_facts(lsj, goal) is None
    assert not ProjectFact.objects.exists() and not IndicatorFact.objects.exists()


def test_recording_the_facts_takes_a_constant_number_of_queries(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    many = [
        *(
            {**VALID_INDICATORS[0], **TEMPLATE, "code": f"n{n}", "weight": D("1")}
            for n in range(30)
        ),
        *STANDARD[1:],
    ]
    counts = []
    for rows in (STANDARD, many):
        goal = drive(make_goal(indicators=rows), GoalStatus.APPROVED, users)
        with CaptureQueriesContext(connection) as queries:
            record_goal_facts(lsj, goal)
        counts.append(len([q for q in queries.captured_queries if not is_bookkeeping(q["sql"])]))
    assert counts[0] == counts[1] and counts[0] <= 6, counts
    assert IndicatorFact.objects.count() == 3 + 32


def is_bookkeeping(sql: str) -> bool:
    return sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "SET search_path"))


def approve_some(unit: Procuratorate, users: dict[str, User], *, adjust: bool) -> None:
    """A mix of goals in ``unit``: approved ones (one adjusted, one without template
    indicators), and submitted, returned and rejected ones."""
    with tenant_context(unit):
        for state in ("approved", "submitted", "returned", "rejected"):
            drive(standard_goal(), state, users)
        drive(make_goal(), GoalStatus.APPROVED, users)  # no standard indicator
        if adjust:
            goal = drive(standard_goal(), GoalStatus.APPROVED, users)
            adjustment = request_adjustment(
                goal,
                reason="调整",
                changes=[{"indicator": "q2", "field": "target_value", "after": "97"}],
                user=users["finance"],
            )
            submit_adjustment(adjustment, user=users["finance"])
            review_adjustment(adjustment, user=users["leader"], decision="approve")


def test_rebuild_facts_agrees_with_the_rows_written_as_goals_were_approved(
    unit: Callable[[str], Procuratorate], member: Callable[..., User]
) -> None:
    lengshuijiang, lianyuan = unit("lengshuijiang"), unit("lianyuan")
    approve_some(lengshuijiang, make_actors(member), adjust=True)
    lianyuan_people = {
        "finance": member("lianyuan", "unit_finance", "ly-finance"),
        "leader": member("lianyuan", "unit_leader", "ly-leader"),
    }
    approve_some(lianyuan, lianyuan_people, adjust=False)
    incremental = {u.code: selectors.facts_of(u) for u in (lengshuijiang, lianyuan)}
    assert [len(incremental["lengshuijiang"][k]) for k in ("projects", "indicators")] == [3, 6]
    assert [len(incremental["lianyuan"][k]) for k in ("projects", "indicators")] == [2, 3]

    out = StringIO()
    call_command("rebuild_facts", stdout=out, stderr=StringIO())
    assert "5 project facts, 9 indicator facts" in out.getvalue()
    assert {u.code: selectors.facts_of(u) for u in (lengshuijiang, lianyuan)} == incremental
    assert connection.schema_name == "public"

    # Stale, missing and stray rows of one unit are put right; the other unit is left alone.
    lianyuan_ids = set(ProjectFact.objects.filter(unit=lianyuan).values_list("id", flat=True))
    IndicatorFact.objects.filter(unit=lengshuijiang, indicator_code="q2").first().delete()
    ProjectFact.objects.filter(unit=lengshuijiang).update(full_budget=D("1"))
    ProjectFact.objects.create(**{**incremental["lengshuijiang"]["projects"][0], "project_id": 9})
    call_command("rebuild_facts", "--unit", "lengshuijiang", stdout=StringIO(), verbosity=0)
    assert selectors.facts_of(lengshuijiang) == incremental["lengshuijiang"]
    assert set(ProjectFact.objects.filter(unit=lianyuan).values_list("id", flat=True)) == (
        lianyuan_ids
    )

    with pytest.raises(CommandError):
        call_command("rebuild_facts", "--unit", "nowhere", stdout=StringIO())


def test_rebuild_of_a_unit_without_goals_clears_its_rows(
    unit: Callable[[str], Procuratorate],
) -> None:
    xinhua = unit("xinhua")
    ProjectFact.objects.create(
        unit=xinhua,
        fiscal_year=2026,
        project_id=1,
        project_code="x",
        project_name="x",
        category="project",
        kind="other",
        initial_budget=D(1),
        full_budget=D(1),
        goal_id=1,
        approved_at="2026-01-01T00:00:00Z",
    )
    result = rebuild_facts(xinhua)
    assert (result.projects, result.indicators) == (0, 0)
    assert not ProjectFact.objects.filter(unit=xinhua).exists()

"""The demo's projects and goals (``backend.demo.goals``), loaded for three session units:
a city and two of its counties, with the starter library adopted and the demo users."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django_tenants.utils import schema_context

from backend.benchmarking.models import ProjectFact
from backend.budgets.models import BudgetAdjustment, Project, ProjectKind
from backend.demo import goals as demo_goals
from backend.demo.services import load_users
from backend.goals.models import (
    GoalIndicator,
    GoalReview,
    GoalStatus,
    Grade,
    IndicatorComment,
    PerformanceGoal,
)
from backend.goals.services.checks import submission_problems
from backend.indicators.services.starter import load_starter_library
from backend.library.models import LibraryIndicator
from backend.library.services import adopt_version
from backend.oversight.models import GoalSubmission
from tenants.models import Procuratorate

pytestmark = pytest.mark.django_db

UNITS = ("loudi", "lengshuijiang", "lianyuan")
YEAR = 2026


@pytest.fixture
def demo(unit: Callable[[str], Procuratorate]) -> dict[str, Procuratorate]:
    """The three units with the starter library adopted, and every session unit's demo users."""
    versions = load_starter_library()
    units = {code: unit(code) for code in UNITS}
    for target in units.values():
        with schema_context(target.schema_name):
            for version in versions:
                adopt_version(version)
    load_users()
    return units


def snapshot(unit: Procuratorate) -> list[dict[str, Any]]:
    """Everything the demo generated in ``unit``, without ids and timestamps."""
    with schema_context(unit.schema_name):
        projects = []
        for project in Project.objects.filter(fiscal_year=YEAR).order_by("code"):
            goal = PerformanceGoal.objects.get(project=project)
            projects.append(
                {
                    "project": [
                        getattr(project, f)
                        for f in (
                            "code",
                            "name",
                            "category",
                            "kind",
                            "department",
                            "person_in_charge",
                            "funding_source",
                            "initial_budget",
                            "full_budget",
                        )
                    ],
                    "adjustments": list(
                        BudgetAdjustment.objects.filter(project=project).values_list(
                            "date", "amount", "reason"
                        )
                    ),
                    "goal": [goal.overall_goal, goal.midterm_goal, goal.status, goal.grade],
                    "indicators": list(
                        GoalIndicator.objects.filter(goal=goal)
                        .order_by("sort_order", "id")
                        .values_list(
                            "code", "source", "target_value", "target_text", "weight", "locked"
                        )
                    ),
                    "reviews": list(
                        GoalReview.objects.filter(goal=goal).values_list(
                            "decision", "grade", "comment", "reviewer__username"
                        )
                    ),
                    "comments": sorted(
                        IndicatorComment.objects.filter(review__goal=goal).values_list(
                            "indicator__code", "comment"
                        )
                    ),
                }
            )
        return projects


def test_each_unit_gets_its_planned_projects_with_goals_at_mixed_statuses(
    demo: dict[str, Procuratorate],
) -> None:
    seen: list[Procuratorate] = []
    created = demo_goals.load_goals(seed=2026, fiscal_year=YEAR, units=UNITS, progress=seen.append)

    assert [u.code for u in seen] == ["loudi", "lengshuijiang", "lianyuan"]  # by path
    plans = {
        code: demo_goals.plan_unit(unit, seed=2026, fiscal_year=YEAR) for code, unit in demo.items()
    }
    assert created == sum(len(p) for p in plans.values())
    statuses: Counter[str] = Counter()
    for code, unit in demo.items():
        with schema_context(unit.schema_name):
            projects = {p.code: p for p in Project.objects.filter(fiscal_year=YEAR)}
            assert 3 <= len(projects) <= 6
            assert f"case-funds-{YEAR}" in projects
            for plan in plans[code]:
                project = projects[plan.code]
                adjusted = plan.adjustment.amount if plan.adjustment else Decimal(0)
                assert (project.name, project.kind, project.initial_budget) == (
                    plan.name,
                    plan.kind,
                    plan.initial_budget,
                )
                assert project.full_budget == plan.initial_budget + adjusted
                low = 200_000 if unit.level == "county" else 600_000
                assert low <= project.initial_budget <= 50_000_000
                goal = PerformanceGoal.objects.prefetch_related("indicators").get(project=project)
                statuses[goal.status] += 1
                expected = {
                    "approved": GoalStatus.APPROVED,
                    "submitted": GoalStatus.SUBMITTED,
                    "returned": GoalStatus.RETURNED,
                    "draft": GoalStatus.DRAFT,
                    "rejected": GoalStatus.REJECTED,
                }[plan.outcome]
                assert goal.status == expected
                # every goal, drafts included, would pass the submission checks
                errors, _ = submission_problems(goal)
                assert errors == []
                assert sum(i.weight for i in goal.indicators.all()) == Decimal("90")
                if goal.status == GoalStatus.APPROVED:
                    assert goal.grade in (Grade.EXCELLENT, Grade.GOOD)
                    assert ProjectFact.objects.filter(unit=unit, goal_id=goal.pk).exists()
                if goal.status == GoalStatus.RETURNED:
                    assert goal.grade == Grade.FAIR
                    assert IndicatorComment.objects.filter(review__goal=goal).exists()
                if goal.status == GoalStatus.REJECTED:
                    assert goal.grade == Grade.POOR
                if goal.status != GoalStatus.DRAFT:
                    submission = GoalSubmission.objects.get(unit=unit, goal_id=goal.pk)
                    assert submission.status == goal.status
            # a goal of a templated kind carries the template's mandatory indicators
            case_goal = PerformanceGoal.objects.get(project=projects[f"case-funds-{YEAR}"])
            mandatory = set(
                LibraryIndicator.objects.filter(
                    template__code="case-funds", mandatory=True
                ).values_list("code", flat=True)
            )
            codes = set(case_goal.indicators.values_list("code", flat=True))
            assert mandatory <= codes and len(codes) > len(mandatory)
    assert len(statuses) >= 3, statuses
    assert statuses[GoalStatus.APPROVED] >= 1


def test_the_same_seed_gives_the_same_projects_and_goals(
    demo: dict[str, Procuratorate],
) -> None:
    lsj = demo["lengshuijiang"]
    assert demo_goals.plan_unit(lsj, seed=7, fiscal_year=YEAR) == demo_goals.plan_unit(
        lsj, seed=7, fiscal_year=YEAR
    )
    assert demo_goals.plan_unit(lsj, seed=7, fiscal_year=YEAR) != demo_goals.plan_unit(
        lsj, seed=8, fiscal_year=YEAR
    )

    demo_goals.load_goals(seed=7, fiscal_year=YEAR, units=["lengshuijiang"])
    first = snapshot(lsj)
    with schema_context(lsj.schema_name):
        Project.objects.filter(fiscal_year=YEAR).delete()
    assert demo_goals.load_goals(seed=7, fiscal_year=YEAR, units=["lengshuijiang"]) == len(first)
    assert snapshot(lsj) == first


def test_loading_again_is_a_no_op(demo: dict[str, Procuratorate]) -> None:
    created = demo_goals.load_goals(seed=2026, fiscal_year=YEAR, units=UNITS)
    assert created > 0
    before = {code: snapshot(unit) for code, unit in demo.items()}
    assert demo_goals.load_goals(seed=2026, fiscal_year=YEAR, units=UNITS) == 0
    assert demo_goals.load_goals(seed=99, fiscal_year=YEAR, units=UNITS) == 0
    assert {code: snapshot(unit) for code, unit in demo.items()} == before


def test_kinds_without_a_template_get_goals_written_for_them(
    demo: dict[str, Procuratorate],
) -> None:
    demo_goals.load_goals(seed=2026, fiscal_year=YEAR, units=UNITS)
    kinds: set[str] = set()
    for unit in demo.values():
        with schema_context(unit.schema_name):
            for goal in PerformanceGoal.objects.select_related("project").prefetch_related(
                "indicators"
            ):
                sources = {i.source for i in goal.indicators.all()}
                templated = goal.project.kind in (
                    ProjectKind.CASE_FUNDS,
                    ProjectKind.INFORMATISATION,
                    ProjectKind.EQUIPMENT,
                )
                assert sources == ({"library"} if templated else {"goal"})
                kinds.add(goal.project.kind)
    assert len(kinds) >= 4


def test_every_unit_needs_its_demo_users(unit: Callable[[str], Procuratorate]) -> None:
    with pytest.raises(RuntimeError, match="load_users"):
        demo_goals.load_goals(fiscal_year=YEAR, units=["lianyuan"])

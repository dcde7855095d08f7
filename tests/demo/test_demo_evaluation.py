"""The demo's past year (``backend.demo.evaluation``): last year's projects with approved goals,
evaluated and finalised through the services, for two session units."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django_tenants.utils import schema_context

from backend.benchmarking.models import ProjectFact, UnitYearFact
from backend.budgets.models import Project
from backend.demo import evaluation as demo_evaluation
from backend.demo.services import load_users
from backend.evaluation.models import DepartmentEvaluation, EvaluationStatus, SelfEvaluation
from backend.indicators.services.starter import load_department_templates, load_starter_library
from backend.library.services import adopt_version
from tenants.models import Procuratorate

pytestmark = pytest.mark.django_db

UNITS = ("lengshuijiang", "lianyuan")
YEAR = 2025


@pytest.fixture
def demo(unit: Callable[[str], Procuratorate]) -> dict[str, Procuratorate]:
    versions = [*load_starter_library(), *load_department_templates()]
    units = {code: unit(code) for code in UNITS}
    for target in units.values():
        with schema_context(target.schema_name):
            for version in versions:
                adopt_version(version)
    load_users()
    return units


def test_every_project_of_last_year_is_evaluated_and_the_facts_follow(
    demo: dict[str, Procuratorate],
) -> None:
    created = demo_evaluation.load_evaluations(seed=2026, fiscal_year=YEAR, units=UNITS)
    assert created > 0
    total = 0
    for target in demo.values():
        with schema_context(target.schema_name):
            projects = Project.objects.filter(fiscal_year=YEAR).count()
            evaluations = list(SelfEvaluation.objects.filter(fiscal_year=YEAR))
            department = DepartmentEvaluation.objects.get(fiscal_year=YEAR)
            unit_indicators = department.indicators.count()
        assert len(evaluations) == projects > 0
        total += len(evaluations)
        finalised = [e for e in evaluations if e.status == EvaluationStatus.FINALISED]
        assert len(finalised) >= len(evaluations) - 1
        for item in evaluations:
            assert item.total is not None and item.grade
            assert not [f for f in item.flags if f["code"] == "missing_actual"]
        facts = ProjectFact.objects.filter(
            unit=target, fiscal_year=YEAR, finalised_at__isnull=False
        )
        assert sorted(facts.values_list("self_score", flat=True)) == sorted(
            e.total for e in finalised
        )
        assert department.status == EvaluationStatus.FINALISED
        assert unit_indicators > 0
        year_fact = UnitYearFact.objects.get(unit=target, fiscal_year=YEAR)
        assert year_fact.department_score == department.total
        assert year_fact.evaluated_projects == len(finalised)
    assert created == total


def test_loading_again_changes_nothing(demo: dict[str, Procuratorate]) -> None:
    demo_evaluation.load_evaluations(seed=2026, fiscal_year=YEAR, units=["lengshuijiang"])
    with schema_context(demo["lengshuijiang"].schema_name):
        before = list(SelfEvaluation.objects.order_by("pk").values_list("pk", "total", "status"))
    assert (
        demo_evaluation.load_evaluations(seed=2026, fiscal_year=YEAR, units=["lengshuijiang"]) == 0
    )
    with schema_context(demo["lengshuijiang"].schema_name):
        after = list(SelfEvaluation.objects.order_by("pk").values_list("pk", "total", "status"))
    assert before == after


def test_the_province_runs_key_evaluation_sampling_and_feedback(
    demo: dict[str, Procuratorate],
) -> None:
    from backend.demo import results as demo_results
    from backend.feedback.models import FeedbackItem
    from backend.key_evaluation.models import KeyEvaluation, SamplingDraw

    demo_evaluation.load_evaluations(seed=2026, fiscal_year=YEAR, units=UNITS)
    loaded = demo_results.load_results(seed=2026, fiscal_year=YEAR)
    finalised = ProjectFact.objects.filter(fiscal_year=YEAR, finalised_at__isnull=False)
    assert loaded.key_evaluations == min(demo_results.KEY_PROJECTS, finalised.count())
    keyed = KeyEvaluation.objects.filter(fiscal_year=YEAR, kind="key")
    assert keyed.count() == loaded.key_evaluations
    assert all(k.status == "finalised" and k.key_score is not None for k in keyed)
    assert sorted(
        finalised.filter(key_score__isnull=False).values_list("project_id", flat=True)
    ) == sorted(keyed.values_list("project_id", flat=True))
    assert SamplingDraw.objects.filter(fiscal_year=YEAR).count() == 1
    weak = UnitYearFact.objects.filter(fiscal_year=YEAR, project_grade__in=["中", "差"])
    assert FeedbackItem.objects.count() == loaded.feedback_items == weak.count()
    # Loading again is a no-op.
    assert demo_results.load_results(seed=2026, fiscal_year=YEAR).key_evaluations == 0

"""The department-wide evaluation (部门整体支出绩效评价) on 冷水江's schema: the project part
(budget-weighted), the unit-level indicators of the adopted department template, the
workflow, and the unit's year fact."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from backend.accounts.models import User
from backend.benchmarking.models import UnitYearFact
from backend.core.errors import DomainError, PermissionDenied
from backend.evaluation.models import EvaluationStatus
from backend.evaluation.services import (
    finalise_department_evaluation,
    finalise_self_evaluation,
    record_department_evaluation,
    record_self_evaluation,
    return_department_evaluation,
    start_department_evaluation,
    start_self_evaluation,
    submit_department_evaluation,
    submit_self_evaluation,
)
from backend.indicators.services.starter import load_department_templates
from backend.library.services import adopt_version
from tenants.models import Procuratorate
from tests.evaluation.factories import MET, actors, approved_goal, project_of

pytestmark = pytest.mark.django_db
D = Decimal

# Every department indicator met except dp-procurement (90 of 95: 10 × 90 ÷ 95 = 9.47).
DEPARTMENT_RESULTS = [
    {"code": "dp-budget-accuracy", "actual_value": "93"},
    {"code": "dp-carryover", "actual_value": "6"},
    {"code": "dp-procurement", "actual_value": "90", "deviation_reason": "部分采购延至次年"},
    {"code": "dp-assets", "band": "achieved", "band_score": "10"},
    {"code": "dp-three-public", "actual_value": "88"},
    {"code": "dp-case-quality", "actual_value": "97"},
    {"code": "dp-satisfaction", "actual_value": "93"},
]


@pytest.fixture
def users(member: Callable[..., User]) -> dict[str, User]:
    return actors(member)


@pytest.fixture
def with_template(unit: Callable[[str], Procuratorate]) -> Iterator[Procuratorate]:
    versions = load_department_templates()
    lengshuijiang = unit("lengshuijiang")
    with tenant_context(lengshuijiang):
        for version in versions:
            adopt_version(version)
        yield lengshuijiang


def finalised_project(users: dict[str, User], budget: str = "1000000.00") -> None:
    evaluation = start_self_evaluation(
        project_of(approved_goal(budget=budget)), 2026, users["finance"]
    )
    record_self_evaluation(evaluation, users["finance"], indicators=MET)
    submit_self_evaluation(evaluation, users["finance"])
    finalise_self_evaluation(evaluation, users["leader"])


def test_the_department_template_is_published_with_the_pooled_layout(db: None) -> None:
    (version,) = load_department_templates()
    template = version.template
    assert (template.scope, template.layout, template.execution_weight) == (
        "department",
        "pooled",
        D("10.00"),
    )
    assert sum(i.weight for i in version.indicators.all()) == D("90")
    assert load_department_templates() == [version]  # idempotent


def test_with_unit_level_indicators_the_engine_scores_the_department(
    with_template: Procuratorate, users: dict[str, User]
) -> None:
    finalised_project(users)  # 96.00, executed 900,000 of 1,000,000
    evaluation = start_department_evaluation(2026, users["finance"])
    assert (evaluation.template_code, evaluation.layout) == ("department", "pooled")
    assert [r.code for r in evaluation.indicators.order_by("sort_order")][:2] == [
        "dp-budget-accuracy",
        "dp-carryover",
    ]
    assert (evaluation.evaluated_projects, evaluation.project_score, evaluation.project_grade) == (
        1,
        D("96.00"),
        "优",
    )
    record_department_evaluation(
        evaluation, users["finance"], summary="总体良好", indicators=DEPARTMENT_RESULTS
    )
    # execution 90.00 % → 9.00; indicators 15 + 10 + 9.47 + 10 + 10 + 20 + 15 = 89.47.
    assert (evaluation.execution_score, evaluation.total, evaluation.grade) == (
        D("9.00"),
        D("98.47"),
        "优",
    )
    submit_department_evaluation(evaluation, users["finance"])
    with pytest.raises(PermissionDenied):
        finalise_department_evaluation(evaluation, users["finance"])
    return_department_evaluation(evaluation, users["leader"], "请补充说明")
    assert evaluation.status == EvaluationStatus.DRAFT
    submit_department_evaluation(evaluation, users["finance"])
    finalise_department_evaluation(evaluation, users["leader"])
    year = UnitYearFact.objects.get(unit=with_template, fiscal_year=2026)
    assert (year.department_score, year.department_grade, year.project_score) == (
        D("98.47"),
        "优",
        D("96.00"),
    )
    assert year.department_finalised_at == evaluation.finalised_at
    with pytest.raises(DomainError) as error:
        record_department_evaluation(evaluation, users["finance"], summary="再改")
    assert [p.code for p in error.value.problems] == ["INVALID_TRANSITION"]
    # A finalised one is returned as it is by a new start.
    assert start_department_evaluation(2026, users["finance"]).status == "finalised"


def test_without_a_department_template_the_score_is_the_project_average(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    evaluation = start_department_evaluation(2026, users["finance"])
    with pytest.raises(DomainError) as error:
        submit_department_evaluation(evaluation, users["finance"])
    assert [p.code for p in error.value.problems] == ["NO_FINALISED_PROJECTS"]
    finalised_project(users, "1000000.00")
    finalised_project(users, "3000000.00")
    evaluation = start_department_evaluation(2026, users["finance"])  # refreshed
    assert evaluation.indicators.count() == 0
    # 96.00 and (900,000 of 3,000,000: execution 3.00 + 87) 90.00:
    # (96 × 1,000,000 + 90 × 3,000,000) ÷ 4,000,000 = 91.50; execution 1.8 M ÷ 4 M = 45.00 %.
    assert (evaluation.total, evaluation.grade, evaluation.execution_rate) == (
        D("91.50"),
        "优",
        D("45.00"),
    )
    submit_department_evaluation(evaluation, users["finance"])
    finalise_department_evaluation(evaluation, users["leader"])
    year = UnitYearFact.objects.get(unit=lsj, fiscal_year=2026)
    assert (year.evaluated_projects, year.department_score, year.department_grade) == (
        2,
        D("91.50"),
        "优",
    )


def test_unit_level_indicators_must_be_reported_before_submission(
    with_template: Procuratorate, users: dict[str, User]
) -> None:
    finalised_project(users)
    evaluation = start_department_evaluation(2026, users["finance"])
    with pytest.raises(DomainError) as error:
        submit_department_evaluation(evaluation, users["finance"])
    assert [p.code for p in error.value.problems] == ["ACTUAL_REQUIRED"] * 6 + [
        "BAND_REQUIRED"
    ] or len(error.value.problems) == 7

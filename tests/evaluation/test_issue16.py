"""Issue 16 on 冷水江's schema: an indicator scored by the evaluator (ScoringMethod.MANUAL) end
to end, deductions without a written reason accepted and flagged, funding-source sub-rows."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from backend.accounts.models import User
from backend.core.errors import DomainError
from backend.evaluation.models import EvaluationStatus, IndicatorScore
from backend.evaluation.services import (
    record_self_evaluation,
    start_self_evaluation,
    submit_self_evaluation,
)
from tenants.models import Procuratorate
from tests.evaluation.factories import actors, approved_goal, project_of

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def users(member: Callable[..., User]) -> dict[str, User]:
    return actors(member)


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in error.value.problems]


def test_manual_scoring_end_to_end(lsj: Procuratorate, users: dict[str, User]) -> None:
    evaluation = start_self_evaluation(project_of(approved_goal()), 2026, users["finance"])
    IndicatorScore.objects.filter(evaluation=evaluation, code="s1").update(scoring_method="manual")
    base = [
        {"code": "q1", "actual_value": "120"},
        {"code": "q2", "actual_value": "95"},
        {"code": "e1", "band": "achieved", "band_score": "30"},
    ]
    # a manual score needs a reason, stays within the weight, only on a manual indicator
    with pytest.raises(DomainError) as error:
        record_self_evaluation(
            evaluation,
            users["finance"],
            indicators=[
                {"code": "s1", "manual_score": "8"},
                {"code": "q1", "manual_score": "8", "manual_reason": "x"},
            ],
        )
    assert codes(error) == [
        ("MANUAL_REASON_REQUIRED", "indicators[0].manualReason"),
        ("NOT_MANUAL", "indicators[1].manualScore"),
    ]
    with pytest.raises(DomainError) as error:
        record_self_evaluation(
            evaluation,
            users["finance"],
            indicators=[{"code": "s1", "manual_score": "10.5", "manual_reason": "x"}],
        )
    assert codes(error) == [("MANUAL_SCORE_OUT_OF_RANGE", "indicators[0].manualScore")]
    # not scored yet: submission names it
    record_self_evaluation(evaluation, users["finance"], indicators=base)
    with pytest.raises(DomainError) as error:
        submit_self_evaluation(evaluation, users["finance"])
    assert codes(error) == [("MANUAL_SCORE_REQUIRED", "indicators.s1.manualScore")]
    record_self_evaluation(
        evaluation,
        users["finance"],
        indicators=[{"code": "s1", "manual_score": "8.5", "manual_reason": "问卷抽样不足"}],
    )
    s1 = evaluation.indicators.get(code="s1")
    assert (s1.rule, s1.final_score) == ("manual", D("8.50"))
    assert s1.computation == "评价人打分8.5（分值10），得8.50，理由：问卷抽样不足"
    # 9 (execution) + 30 + 20 + 30 + 8.5
    evaluation.refresh_from_db()
    assert evaluation.total == D("97.50")
    submit_self_evaluation(evaluation, users["finance"])
    assert evaluation.status == EvaluationStatus.SUBMITTED


def test_deduction_without_reason_is_accepted_and_flagged(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    evaluation = start_self_evaluation(project_of(approved_goal()), 2026, users["finance"])
    record_self_evaluation(
        evaluation,
        users["finance"],
        indicators=[
            {"code": "q1", "actual_value": "120"},
            {"code": "q2", "actual_value": "95"},
            {"code": "e1", "band": "achieved", "band_score": "30"},
            {"code": "s1", "actual_value": "90"},
        ],
    )
    # q1 met (30 points) deducted to 27 without a reason: accepted
    record_self_evaluation(
        evaluation, users["finance"], indicators=[{"code": "q1", "override_score": "27"}]
    )
    q1 = evaluation.indicators.get(code="q1")
    assert q1.final_score == D("27.00") and q1.computation.endswith("未说明原因")
    assert [f["code"] for f in q1.flags] == ["deduction_without_reason"]
    # raising a score still needs a reason
    with pytest.raises(DomainError) as error:
        record_self_evaluation(
            evaluation,
            users["finance"],
            indicators=[{"code": "q1", "override_score": "30.5"}],
        )
    assert codes(error) == [("OVERRIDE_OUT_OF_RANGE", "indicators[0].overrideScore")]
    submit_self_evaluation(evaluation, users["finance"])
    assert "deduction_without_reason" in [f["code"] for f in evaluation.flags]


def test_funding_sources(lsj: Procuratorate, users: dict[str, User]) -> None:
    evaluation = start_self_evaluation(project_of(approved_goal()), 2026, users["finance"])
    with pytest.raises(DomainError) as error:
        record_self_evaluation(
            evaluation,
            users["finance"],
            funding=[
                {"name": "财政拨款", "budget": "-1", "executed": "0"},
                {"name": "", "budget": "1", "executed": "0"},
            ],
        )
    assert [p.field for p in error.value.problems] == ["funding[0].budget", "funding[1].name"]
    record_self_evaluation(
        evaluation,
        users["finance"],
        funding=[
            {"name": "财政拨款", "budget": "800000", "executed": "760000"},
            {"name": "其他资金", "budget": "200000", "executed": "140000"},
        ],
    )
    evaluation.refresh_from_db()
    assert evaluation.funding == [
        {"name": "财政拨款", "budget": "800000.00", "executed": "760000.00"},
        {"name": "其他资金", "budget": "200000.00", "executed": "140000.00"},
    ]
    assert "funding_mismatch" not in [f["code"] for f in evaluation.flags]
    record_self_evaluation(
        evaluation,
        users["finance"],
        funding=[{"name": "财政拨款", "budget": "800000", "executed": "760000"}],
    )
    messages = [f["message"] for f in evaluation.flags if f["code"] == "funding_mismatch"]
    assert messages == [
        "资金来源（财政拨款）预算数合计800000元，与全年预算数1000000元不符",
        "资金来源（财政拨款）执行数合计760000元，与全年执行数900000元不符",
    ]


def test_findings_are_counted_in_the_facts(lsj: Procuratorate, users: dict[str, User]) -> None:
    from backend.benchmarking.models import ProjectFact
    from backend.evaluation.services import finalise_self_evaluation

    evaluation = start_self_evaluation(project_of(approved_goal()), 2026, users["finance"])
    record_self_evaluation(
        evaluation,
        users["finance"],
        indicators=[
            {"code": "q1", "actual_value": "60", "deviation_reason": "人员不足",
             "override_score": "30", "override_reason": "领导认可"},
            {"code": "q2", "actual_value": "95"},
            {"code": "e1", "band": "achieved", "band_score": "30"},
            {"code": "s1", "actual_value": "90"},
        ],
    )  # fmt: skip
    submit_self_evaluation(evaluation, users["finance"])
    finalise_self_evaluation(evaluation, users["leader"])
    fact = ProjectFact.objects.get(unit=lsj, project_code=evaluation.project.code)
    assert fact.evaluation_findings == 1


def test_poor_projects_behind_the_department_score(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    from backend.evaluation.selectors import poor_projects
    from backend.evaluation.services import finalise_self_evaluation

    evaluation = start_self_evaluation(project_of(approved_goal()), 2026, users["finance"])
    reason = {"deviation_reason": "未完成"}
    record_self_evaluation(
        evaluation,
        users["finance"],
        indicators=[
            {"code": "q1", "actual_value": "10", **reason},
            {"code": "q2", "actual_value": "10", **reason},
            {"code": "e1", "band": "not_achieved", "band_score": "5", **reason},
            {"code": "s1", "actual_value": "10", **reason},
        ],
    )
    assert poor_projects(2026) == []  # a draft is not behind the score
    submit_self_evaluation(evaluation, users["finance"])
    finalise_self_evaluation(evaluation, users["leader"])
    assert evaluation.grade == "差"
    assert poor_projects(2026) == [evaluation]

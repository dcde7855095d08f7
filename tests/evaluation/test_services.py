"""The self-evaluation services on 冷水江's schema: start, record, submit, return, finalise,
each refusal, overrides, the frozen state, history, and the facts of a finalised one."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from backend.accounts.models import Role, User
from backend.benchmarking.models import IndicatorFact, ProjectFact, UnitYearFact
from backend.core.errors import DomainError, PermissionDenied
from backend.documents.models import Document
from backend.evaluation.models import EvaluationStatus, IndicatorScore, SelfEvaluation
from backend.evaluation.services import (
    finalise_self_evaluation,
    record_self_evaluation,
    return_self_evaluation,
    start_self_evaluation,
    submit_self_evaluation,
)
from backend.goals.models import GoalStatus
from tenants.models import Procuratorate
from tests.evaluation.factories import MET, actors, approved_goal, project_of
from tests.goals.factories import make_goal

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def users(member: Callable[..., User]) -> dict[str, User]:
    return actors(member)


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in error.value.problems]


def started(users: dict[str, User], **goal: Any) -> SelfEvaluation:
    g = approved_goal(**goal)
    return start_self_evaluation(project_of(g), 2026, users["finance"])


def test_start_snapshots_the_goal_and_the_spending(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    evaluation = started(users)
    assert evaluation.status == EvaluationStatus.DRAFT
    assert (evaluation.full_budget, evaluation.executed) == (D("1000000.00"), D("900000.00"))
    assert (evaluation.layout, evaluation.execution_weight) == ("split", D("10"))
    rows = list(evaluation.indicators.order_by("sort_order"))
    assert [(r.code, r.weight, r.target_value, r.template_code) for r in rows] == [
        ("q1", D("30.00"), D("120.0000"), "tpl-case"),
        ("q2", D("20.00"), D("95.0000"), "tpl-case"),
        ("e1", D("30.00"), None, "tpl-case"),
        ("s1", D("10.00"), D("90.0000"), ""),
    ]
    # Nothing reported yet: the execution part only, every indicator flagged as missing.
    assert (evaluation.execution_rate, evaluation.execution_score, evaluation.total) == (
        D("90.00"),
        D("9.00"),
        D("9.00"),
    )
    assert [f["code"] for f in evaluation.flags].count("missing_actual") == 4
    # Idempotent.
    again = start_self_evaluation(evaluation.project, 2026, users["leader"])
    assert again.pk == evaluation.pk
    assert SelfEvaluation.objects.count() == 1


def test_start_needs_an_approved_goal_and_a_role_at_the_unit(
    lsj: Procuratorate, users: dict[str, User], member: Callable[..., User]
) -> None:
    goal = make_goal(status=GoalStatus.SUBMITTED)
    with pytest.raises(DomainError) as error:
        start_self_evaluation(project_of(goal), 2026, users["finance"])
    assert codes(error) == [("GOAL_NOT_APPROVED", "projectId")]
    approved = approved_goal()
    reviewer = member("loudi", Role.CITY_REVIEWER)
    with pytest.raises(PermissionDenied):
        start_self_evaluation(project_of(approved), 2026, reviewer)
    other = member("lianyuan", Role.UNIT_FINANCE)
    with pytest.raises(PermissionDenied):
        start_self_evaluation(project_of(approved), 2026, other)


def test_a_project_without_recorded_spending_starts_with_none(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    evaluation = started(users, spent=None)
    assert evaluation.executed is None
    assert evaluation.flags[0]["code"] == "missing_executed"


def test_record_scores_every_write(lsj: Procuratorate, users: dict[str, User]) -> None:
    evaluation = started(users)
    record_self_evaluation(
        evaluation,
        users["finance"],
        executed="950000.00",
        deviation_analysis="部分案件延期",
        indicators=[
            {
                "code": "q1",
                "actual_value": "90",
                "deviation_cause": "staffing",
                "deviation_reason": "人员不足",
            },
            {"code": "q2", "actual_value": D("200")},
            {"code": "e1", "band": "partly", "band_score": "20"},
            {"code": "s1", "actual_value": D("92"), "actual_text": "问卷调查"},
        ],
    )
    evaluation.refresh_from_db()
    rows = {r.code: r for r in evaluation.indicators.all()}
    # execution 95.00 % → 9.50; q1 30 × 90 ÷ 120 = 22.50; q2 200 ≥ 95 → 20.00 (flag: > 1.5 ×);
    # e1 partly 20 (band 18–24); s1 10.00. Total 9.50 + 22.50 + 20 + 20 + 10 = 82.00 (良).
    assert rows["q1"].final_score == D("22.50")
    assert rows["q1"].rule == "gte" and "30 × 90 ÷ 120 = 22.50" in rows["q1"].computation
    assert rows["e1"].final_score == D("20.00")
    assert (evaluation.execution_score, evaluation.total, evaluation.grade) == (
        D("9.50"),
        D("82.00"),
        "良",
    )
    assert evaluation.group_scores == {
        "output": "42.50",
        "effect": "20.00",
        "satisfaction": "10.00",
    }
    flag_codes = [f["code"] for f in evaluation.flags]
    assert "target_too_low" in flag_codes
    # e1 partly achieved without a deviation reason: flagged (and it blocks the submission).
    assert {"code": "missing_deviation_reason", "indicator": "e1"}.items() <= next(
        f for f in evaluation.flags if f["code"] == "missing_deviation_reason"
    ).items()
    assert evaluation.deviation_analysis == "部分案件延期"


def test_record_reports_every_bad_input_and_saves_nothing(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    evaluation = started(users)
    with pytest.raises(DomainError) as error:
        record_self_evaluation(
            evaluation,
            users["finance"],
            executed="-1",
            indicators=[
                {"code": "q1", "actual_value": "many"},
                {"code": "nope", "actual_value": "1"},
                {"code": "e1", "band": "achieved", "band_score": "12"},
                {"code": "q2", "band": "achieved", "band_score": "20"},
                {"code": "s1", "override_score": "11", "override_reason": "x"},
                {"code": "q1", "actual_value": "1"},
            ],
        )
    assert codes(error) == [
        ("NEGATIVE_AMOUNT", "executed"),
        ("INVALID_NUMBER", "indicators[0].actualValue"),
        ("UNKNOWN_INDICATOR", "indicators[1].code"),
        ("BAND_SCORE_OUT_OF_RANGE", "indicators[2].bandScore"),
        ("NOT_QUALITATIVE", "indicators[3].band"),
        ("OVERRIDE_OUT_OF_RANGE", "indicators[4].overrideScore"),
        ("DUPLICATE_INDICATOR", "indicators[5].code"),
    ]
    evaluation.refresh_from_db()
    assert evaluation.executed == D("900000.00")
    assert not IndicatorScore.objects.filter(actual_value__isnull=False).exists()


def test_an_override_needs_a_reason_and_keeps_both_scores(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    evaluation = started(users)
    with pytest.raises(DomainError) as error:
        record_self_evaluation(
            evaluation, users["finance"], indicators=[{"code": "q1", "override_score": "27"}]
        )
    assert codes(error) == [("OVERRIDE_REASON_REQUIRED", "indicators[0].overrideReason")]
    record_self_evaluation(
        evaluation,
        users["finance"],
        indicators=[
            {
                "code": "q1",
                "actual_value": "130",
                "override_score": "27",
                "override_reason": "案件质量抽查发现问题",
            },
        ],
    )
    q1 = evaluation.indicators.get(code="q1")
    assert (q1.computed_score, q1.override_score, q1.final_score) == (
        D("30.00"),
        D("27.00"),
        D("27.00"),
    )
    assert "人工调整为27.00（计算得分30.00），理由：案件质量抽查发现问题" in q1.computation
    # Clearing the override goes back to the computed score.
    record_self_evaluation(
        evaluation, users["finance"], indicators=[{"code": "q1", "override_score": None}]
    )
    q1.refresh_from_db()
    assert (q1.override_score, q1.override_reason, q1.final_score) == (None, "", D("30.00"))


def test_evidence_must_be_documents_of_the_unit(lsj: Procuratorate, users: dict[str, User]) -> None:
    evaluation = started(users)
    doc = Document.objects.create(title="台账", file="documents/x.pdf", size=10)
    with pytest.raises(DomainError) as error:
        record_self_evaluation(
            evaluation, users["finance"], indicators=[{"code": "q1", "evidence_ids": [doc.pk + 99]}]
        )
    assert codes(error) == [("UNKNOWN_DOCUMENT", "indicators[0].evidenceIds")]
    record_self_evaluation(
        evaluation, users["finance"], indicators=[{"code": "q1", "evidence_ids": [doc.pk]}]
    )
    assert list(evaluation.indicators.get(code="q1").evidence.all()) == [doc]


def test_submit_reports_every_blocking_problem(lsj: Procuratorate, users: dict[str, User]) -> None:
    evaluation = started(users, spent=None)
    record_self_evaluation(
        evaluation,
        users["finance"],
        indicators=[
            {"code": "q1", "actual_value": "60"},
            {"code": "e1", "band": "achieved", "band_score": "25"},
        ],
    )
    with pytest.raises(DomainError) as error:
        submit_self_evaluation(evaluation, users["finance"])
    assert codes(error) == [
        ("EXECUTED_REQUIRED", "executed"),
        ("DEVIATION_REASON_REQUIRED", "indicators.q1.deviationReason"),
        ("ACTUAL_REQUIRED", "indicators.q2.actualValue"),
        ("ACTUAL_REQUIRED", "indicators.s1.actualValue"),
    ]
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.DRAFT
    # 达成 scored 25 of its weight without a written reason no longer blocks: marked, flagged
    e1 = evaluation.indicators.get(code="e1")
    assert e1.final_score == Decimal("25.00") and "未说明原因" in e1.computation
    assert [f["code"] for f in e1.flags] == ["deduction_without_reason"]


def test_the_whole_workflow_and_its_illegal_transitions(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    evaluation = started(users)
    record_self_evaluation(evaluation, users["finance"], indicators=MET)
    with pytest.raises(DomainError) as error:
        finalise_self_evaluation(evaluation, users["leader"])
    assert codes(error) == [("INVALID_TRANSITION", "status")]
    submit_self_evaluation(evaluation, users["finance"])
    assert evaluation.status == EvaluationStatus.SUBMITTED
    # Read-only once submitted.
    with pytest.raises(DomainError) as error:
        record_self_evaluation(evaluation, users["finance"], executed="1.00")
    assert codes(error) == [("INVALID_TRANSITION", "status")]
    # Only the leader returns or finalises; a return needs a comment.
    with pytest.raises(PermissionDenied):
        return_self_evaluation(evaluation, users["finance"], "请补充")
    with pytest.raises(DomainError) as error:
        return_self_evaluation(evaluation, users["leader"], " ")
    assert codes(error) == [("COMMENT_REQUIRED", "comment")]
    return_self_evaluation(evaluation, users["leader"], "请补充佐证材料")
    assert (evaluation.status, evaluation.return_comment) == ("draft", "请补充佐证材料")
    submit_self_evaluation(evaluation, users["finance"])
    with pytest.raises(PermissionDenied):
        finalise_self_evaluation(evaluation, users["finance"])
    finalise_self_evaluation(evaluation, users["leader"])
    assert evaluation.status == EvaluationStatus.FINALISED
    assert (evaluation.total, evaluation.grade) == (D("96.00"), "优")
    # Frozen: every write refused.
    for action in (
        lambda: record_self_evaluation(evaluation, users["finance"], executed="1.00"),
        lambda: submit_self_evaluation(evaluation, users["finance"]),
        lambda: return_self_evaluation(evaluation, users["leader"], "再改"),
        lambda: finalise_self_evaluation(evaluation, users["leader"]),
    ):
        with pytest.raises(DomainError) as error:
            action()
        assert codes(error) == [("INVALID_TRANSITION", "status")]


def test_history_keeps_every_change_with_its_author(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    evaluation = started(users)
    record_self_evaluation(
        evaluation,
        users["finance"],
        indicators=[{"code": "q1", "actual_value": "100", "deviation_reason": "案源减少"}],
    )
    record_self_evaluation(
        evaluation, users["finance"], indicators=[{"code": "q1", "actual_value": "110"}]
    )
    q1 = evaluation.indicators.get(code="q1")
    versions = list(q1.history.order_by("history_date", "history_id"))
    assert [(v.actual_value, v.final_score) for v in versions] == [
        (None, D("0.00")),
        (D("100.0000"), D("25.00")),
        (D("110.0000"), D("27.50")),
    ]
    assert {v.history_user for v in versions} == {users["finance"]}
    record_self_evaluation(evaluation, users["finance"], indicators=MET)
    submit_self_evaluation(evaluation, users["finance"])
    finalise_self_evaluation(evaluation, users["leader"])
    statuses = [(h.status, h.history_user) for h in evaluation.history.order_by("history_id")]
    assert statuses[-2:] == [("submitted", users["finance"]), ("finalised", users["leader"])]


def test_finalise_writes_the_facts_in_the_same_transaction(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    evaluation = started(users)
    rows = [dict(r) for r in MET]
    rows[0] = {
        "code": "q1",
        "actual_value": "90",
        "deviation_cause": "staffing",
        "deviation_reason": "人员不足",
    }
    record_self_evaluation(evaluation, users["finance"], indicators=rows)
    submit_self_evaluation(evaluation, users["finance"])
    finalise_self_evaluation(evaluation, users["leader"])
    fact = ProjectFact.objects.get(unit=lsj, project_id=evaluation.project_id)
    # 9.00 + 22.50 + 20 + 27 + 10 = 88.50 (良).
    assert (fact.executed, fact.execution_rate, fact.self_score, fact.self_grade) == (
        D("900000.00"),
        D("90.00"),
        D("88.50"),
        "良",
    )
    assert fact.finalised_at == evaluation.finalised_at
    facts = {f.indicator_code: f for f in IndicatorFact.objects.filter(unit=lsj)}
    assert set(facts) == {"q1", "q2", "e1"}  # s1 is not a template indicator
    assert (facts["q1"].actual_value, facts["q1"].achievement, facts["q1"].score) == (
        D("90.0000"),
        D("75.00"),
        D("22.50"),
    )
    assert (facts["q1"].met, facts["q1"].deviation_cause) == (False, "staffing")
    assert (facts["e1"].band, facts["e1"].achievement, facts["e1"].met) == (
        "achieved",
        D("90.00"),
        True,
    )
    year = UnitYearFact.objects.get(unit=lsj, fiscal_year=2026)
    assert (year.evaluated_projects, year.evaluated_budget, year.evaluated_executed) == (
        1,
        D("1000000.00"),
        D("900000.00"),
    )
    assert (year.project_score, year.project_grade) == (D("88.50"), "良")


def test_the_unit_year_is_budget_weighted(lsj: Procuratorate, users: dict[str, User]) -> None:
    for budget, rows in (("1000000.00", MET), ("3000000.00", None)):
        evaluation = started(users, budget=budget)
        if rows is None:  # every actual at half its target, reasons given: a poor project
            rows = [
                {"code": "q1", "actual_value": "60", "deviation_reason": "案源减少"},
                {"code": "q2", "actual_value": "47.5", "deviation_reason": "质量不达标"},
                {
                    "code": "e1",
                    "band": "not_achieved",
                    "band_score": "10",
                    "deviation_reason": "效果不明显",
                },
                {"code": "s1", "actual_value": "45", "deviation_reason": "满意度低"},
            ]
        record_self_evaluation(evaluation, users["finance"], indicators=rows)
        submit_self_evaluation(evaluation, users["finance"])
        finalise_self_evaluation(evaluation, users["leader"])
    # Second project: execution 900000 ÷ 3000000 = 30.00 % → 3.00; q1 30 × 60 ÷ 120 = 15.00;
    # q2 20 × 47.5 ÷ 95 = 10.00; e1 10.00; s1 10 × 45 ÷ 90 = 5.00: total 43.00 (差).
    # (96.00 × 1,000,000 + 43.00 × 3,000,000) ÷ 4,000,000 = 56.25 → 差.
    year = UnitYearFact.objects.get(unit=lsj, fiscal_year=2026)
    assert (year.evaluated_projects, year.project_score, year.project_grade) == (
        2,
        D("56.25"),
        "差",
    )
    assert year.evaluated_executed == D("1800000.00")

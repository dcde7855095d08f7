"""Key evaluation services: selection with its snapshot, evaluators, their scores (by the
engine), finalising by the province's rule, the facts, and every illegal transition.

Hand-computed sheets (budget 100,000, executed 90,000: rate 90.00 %, execution 9.00; the
unit's self-score is 9 + 30 + 20 + 27 + 10 = 96.00):

    evaluator A: q1 80/100 -> 30×80/100 = 24.00; q2 95 -> 20.00; e1 partly 21 -> 21.00;
                 s1 90 -> 10.00                                    total 84.00
    evaluator B: q1 90 -> 27.00; q2 90/95 -> 20×90/95 = 18.947 -> 18.95; e1 partly 20 -> 20.00;
                 s1 85/90 -> 10×85/90 = 9.444 -> 9.44              total 84.39
    evaluator C: q1 50 -> 15.00; q2 95 -> 20.00; e1 not achieved 15 -> 15.00; s1 90 -> 10.00
                                                                   total 69.00
    mean    (84.00 + 84.39 + 69.00) / 3 = 237.39 / 3 = 79.13  中, gap 16.87 > 10: overrated
    median  84.00                                             良, gap 12.00: overrated
    trimmed 84.00 (drop 84.39 and 69.00)                      良
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from backend.accounts.models import Role, User
from backend.benchmarking.models import ProjectFact
from backend.core.errors import DomainError, PermissionDenied
from backend.feedback.models import RectificationRequest
from backend.key_evaluation import selectors, services
from backend.key_evaluation.models import (
    AssignmentStatus,
    EvaluatorAssignment,
    KeyEvaluation,
    KeyEvaluationStatus,
)
from backend.oversight.models import ProvincePolicy
from tenants.models import Procuratorate
from tests.key_evaluation.factories import finalised_project

pytestmark = pytest.mark.django_db

D = Decimal

SHEETS: dict[str, list[dict[str, Any]]] = {
    "A": [
        {"code": "q1", "actual_value": D("80")},
        {"code": "q2", "actual_value": D("95")},
        {"code": "e1", "band": "partly", "band_score": D("21")},
        {"code": "s1", "actual_value": D("90")},
    ],
    "B": [
        {"code": "q1", "actual_value": D("90")},
        {"code": "q2", "actual_value": D("90")},
        {"code": "e1", "band": "partly", "band_score": D("20")},
        {"code": "s1", "actual_value": D("85")},
    ],
    "C": [
        {"code": "q1", "actual_value": D("50")},
        {"code": "q2", "actual_value": D("95")},
        {"code": "e1", "band": "not_achieved", "band_score": D("15")},
        {"code": "s1", "actual_value": D("90")},
    ],
}


@pytest.fixture
def people(member: Callable[..., User]) -> dict[str, User]:
    return {
        "admin": member("hunan", Role.PROVINCE_ADMIN),
        "loudi": member("loudi", Role.CITY_REVIEWER),
        "changsha": member("changsha", Role.CITY_REVIEWER),
        "A": member("hunan", Role.EVALUATOR, username="eval-a"),
        "B": member("hunan", Role.EVALUATOR, username="eval-b"),
        "C": member("loudi", Role.EVALUATOR, username="eval-c"),
        "lsj": member("lengshuijiang", Role.UNIT_FINANCE),
    }


@pytest.fixture
def fact(unit: Callable[[str], Procuratorate]) -> ProjectFact:
    return finalised_project(unit("lengshuijiang"))


def select(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact, **kw: Any
) -> KeyEvaluation:
    issuer = kw.pop("issuer", "loudi")
    actor = kw.pop("actor", people["loudi"])
    return services.select_for_key_evaluation(
        unit(issuer), actor, fact.unit, fact.project_id, fact.fiscal_year, kw.pop("kind", "key")
    )


def codes(excinfo: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return [p.code for p in excinfo.value.problems]


def evaluate(
    key_eval: KeyEvaluation, people: dict[str, User], names: str = "ABC", submit: bool = True
) -> dict[str, EvaluatorAssignment]:
    assignments = services.assign_evaluators(
        key_eval, people["loudi"], [people[n].pk for n in names]
    )
    by_user = {a.evaluator_id: a for a in assignments}
    done = {}
    for name in names:
        a = by_user[people[name].pk]
        services.record_evaluator_scores(a, people[name], SHEETS[name], comment=f"{name}的意见")
        if submit:
            services.submit_evaluator_scores(a, people[name])
        done[name] = a
    return done


def test_selection_copies_the_finalised_self_evaluation(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact
) -> None:
    key_eval = select(unit, people, fact)
    assert connection.schema_name == "public"
    assert key_eval.status == KeyEvaluationStatus.SELECTED
    assert (key_eval.unit.code, key_eval.issuer.code, key_eval.kind) == (
        "lengshuijiang",
        "loudi",
        "key",
    )
    assert key_eval.self_score == D("96.00") and key_eval.self_grade == "优"
    assert (key_eval.execution_rate, key_eval.execution_score) == (D("90.00"), D("9.00"))
    assert (key_eval.full_budget, key_eval.executed) == (D("100000.00"), D("90000.00"))
    assert key_eval.project_code == "prj-key"
    rows = list(key_eval.indicators.values_list("code", "weight", "self_score"))
    assert rows == [
        ("q1", D("30.00"), D("30.00")),
        ("q2", D("20.00"), D("20.00")),
        ("e1", D("30.00"), D("27.00")),
        ("s1", D("10.00"), D("10.00")),
    ]
    e1 = key_eval.indicators.get(code="e1")
    assert (e1.self_band, e1.self_band_score, e1.target_text) == (
        "achieved",
        D("27.00"),
        "明显提升",
    )


def test_the_province_may_select_too(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact
) -> None:
    key_eval = select(unit, people, fact, issuer="hunan", actor=people["admin"])
    assert key_eval.issuer.code == "hunan"


def test_only_finalised_self_evaluations_can_be_selected(
    unit: Callable[[str], Procuratorate], people: dict[str, User]
) -> None:
    draft = finalised_project(unit("lengshuijiang"), code="draft", status="submitted")
    with pytest.raises(DomainError) as excinfo:
        select(unit, people, draft)
    assert codes(excinfo) == ["NOT_FINALISED"]


def test_a_city_cannot_select_another_citys_unit(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact
) -> None:
    # Changsha's reviewer acting as Changsha: 冷水江 is not below Changsha.
    with pytest.raises(DomainError) as excinfo:
        select(unit, people, fact, issuer="changsha", actor=people["changsha"])
    assert codes(excinfo) == ["NOT_IN_SUBTREE"]
    # ... nor acting as Loudi or as the province, which they hold no role for.
    for issuer in ("loudi", "hunan"):
        with pytest.raises(PermissionDenied):
            select(unit, people, fact, issuer=issuer, actor=people["changsha"])
    # A unit's own people and evaluators do not select.
    for name in ("lsj", "A"):
        with pytest.raises(PermissionDenied):
            select(unit, people, fact, actor=people[name])
    # A county is no issuer; a unit does not key-evaluate itself.
    with pytest.raises(DomainError) as excinfo:
        select(unit, people, fact, issuer="lengshuijiang", actor=people["admin"])
    assert codes(excinfo) == ["INVALID_ISSUER"]
    assert not KeyEvaluation.objects.exists()


def test_a_project_is_selected_once(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact
) -> None:
    select(unit, people, fact)
    with pytest.raises(DomainError) as excinfo:
        select(unit, people, fact, issuer="hunan", actor=people["admin"], kind="sample")
    assert codes(excinfo) == ["ALREADY_SELECTED"]


def test_evaluators_must_hold_the_role_at_the_issuer_or_above(
    unit: Callable[[str], Procuratorate],
    people: dict[str, User],
    fact: ProjectFact,
    member: Callable[..., User],
) -> None:
    key_eval = select(unit, people, fact, issuer="hunan", actor=people["admin"])
    conflicted = member("hunan", Role.EVALUATOR, username="eval-lsj")
    member("lengshuijiang", Role.UNIT_LEADER, username="eval-lsj")
    with pytest.raises(DomainError) as excinfo:
        # C is an evaluator at Loudi, not at the province; lsj is no evaluator; the third
        # evaluates for the province but works at the unit evaluated.
        services.assign_evaluators(
            key_eval,
            people["admin"],
            [people["A"].pk, people["C"].pk, people["lsj"].pk, conflicted.pk],
        )
    assert [(p.code, p.field) for p in excinfo.value.problems] == [
        ("NOT_AN_EVALUATOR", "userIds.1"),
        ("NOT_AN_EVALUATOR", "userIds.2"),
        ("CONFLICT_OF_INTEREST", "userIds.3"),
    ]
    assignments = services.assign_evaluators(key_eval, people["admin"], [people["A"].pk])
    assert [a.evaluator for a in assignments] == [people["A"]]
    key_eval.refresh_from_db()
    assert key_eval.status == KeyEvaluationStatus.EVALUATING


def test_evaluator_scores_are_scored_by_the_engine(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact
) -> None:
    key_eval = select(unit, people, fact)
    done = evaluate(key_eval, people, submit=False)
    totals = {name: a.total for name, a in done.items()}
    assert totals == {"A": D("84.00"), "B": D("84.39"), "C": D("69.00")}
    b = done["B"]
    assert b.execution_score == D("9.00") and b.grade == "良"
    scores = {s.indicator.code: s for s in b.scores.select_related("indicator")}
    assert scores["q2"].final_score == D("18.95")
    assert scores["q2"].computation == "实际值90 < 目标值95：20 × 90 ÷ 95 = 18.95"
    assert scores["s1"].final_score == D("9.44")
    assert b.comment == "B的意见"


def test_recording_again_replaces_only_the_given_indicators_and_keeps_the_override(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact
) -> None:
    key_eval = select(unit, people, fact)
    a = evaluate(key_eval, people, names="A", submit=False)["A"]
    services.record_evaluator_scores(
        a,
        people["A"],
        [
            {
                "code": "q2",
                "actual_value": D("95"),
                "override_score": D("19"),
                "override_reason": "部分案件质量存在瑕疵",
                "comment": "抽查案卷3件有瑕疵",
            }
        ],
    )
    a.refresh_from_db()
    q2 = a.scores.get(indicator__code="q2")
    assert (q2.computed_score, q2.final_score, q2.override_reason) == (
        D("20.00"),
        D("19.00"),
        "部分案件质量存在瑕疵",
    )
    assert a.total == D("83.00")  # 84.00 - 1
    assert a.scores.count() == 4


def test_bad_scores_are_all_reported_and_nothing_saved(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact
) -> None:
    key_eval = select(unit, people, fact)
    a = services.assign_evaluators(key_eval, people["loudi"], [people["A"].pk])[0]
    with pytest.raises(DomainError) as excinfo:
        services.record_evaluator_scores(
            a,
            people["A"],
            [
                {"code": "q1", "actual_value": D("-1")},
                {"code": "e1", "band": "achieved", "band_score": D("20")},  # 达成 is 24–30
                {"code": "s1", "actual_value": D("90"), "override_score": D("8")},
                {
                    "code": "q2",
                    "actual_value": D("90"),
                    "override_score": D("21"),
                    "override_reason": "x",
                },
                {"code": "zz", "actual_value": D("1")},
            ],
        )
    assert [(p.code, p.field) for p in excinfo.value.problems] == [
        ("NEGATIVE", "indicators.0.actualValue"),
        ("OUT_OF_BAND", "indicators.1.bandScore"),
        ("REASON_REQUIRED", "indicators.2.overrideReason"),
        ("OUT_OF_RANGE", "indicators.3.overrideScore"),
        ("UNKNOWN_INDICATOR", "indicators.4.code"),
    ]
    assert not a.scores.exists()


@pytest.mark.parametrize(
    ("rule", "score", "grade", "gap", "explained"),
    [
        ("mean", D("79.13"), "中", D("16.87"), "÷ 3 = 79.13"),
        ("median", D("84.00"), "良", D("12.00"), "中位数"),
        ("trimmed", D("84.00"), "良", D("12.00"), "去掉最高分84.39和最低分69.00"),
    ],
)
def test_finalising_applies_the_province_rule_and_writes_the_facts(
    unit: Callable[[str], Procuratorate],
    people: dict[str, User],
    fact: ProjectFact,
    rule: str,
    score: Decimal,
    grade: str,
    gap: Decimal,
    explained: str,
) -> None:
    services.set_key_evaluation_policy(unit("hunan"), people["admin"], key_score_rule=rule)
    key_eval = select(unit, people, fact)
    evaluate(key_eval, people)
    key_eval = services.finalise_key_evaluation(key_eval, people["loudi"], conclusion="自评偏高")
    assert (key_eval.key_score, key_eval.key_grade, key_eval.gap) == (score, grade, gap)
    assert key_eval.overrated is True and key_eval.overrate_points == D("10.00")
    assert key_eval.rule == rule and explained in key_eval.score_explanation
    assert key_eval.status == KeyEvaluationStatus.FINALISED
    fact.refresh_from_db()
    assert (fact.key_score, fact.key_grade) == (score, grade)
    assert selectors.key_results(fact.unit) == {fact.project_id: (score, grade)}
    # Each indicator's evaluators' scores combined by the same rule, for reading.
    q1 = key_eval.indicators.get(code="q1")
    assert q1.key_score == {"mean": D("22.00"), "median": D("24.00"), "trimmed": D("24.00")}[rule]
    # Overrated: the issuer's rectification request, once.
    request = RectificationRequest.objects.get(unit=fact.unit, project_id=fact.project_id)
    assert (request.origin, request.issuer.code, request.status) == (
        "key_evaluation",
        "loudi",
        "open",
    )
    assert f"相差 {gap} 分" in request.requirement


def test_restoring_the_facts_keeps_the_key_score(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact
) -> None:
    """``rebuild_facts`` recreates the rows from the unit's schema, where key scores are not
    kept; ``restore_public_results`` puts them back from the finalised key evaluations."""
    from backend.benchmarking.services import restore_public_results

    key_eval = select(unit, people, fact)
    evaluate(key_eval, people)
    key_eval = services.finalise_key_evaluation(key_eval, people["loudi"])
    ProjectFact.objects.filter(pk=fact.pk).update(key_score=None, key_grade="")  # as rebuilt
    restore_public_results(fact.unit)
    fact.refresh_from_db()
    assert (fact.key_score, fact.key_grade) == (key_eval.key_score, key_eval.key_grade)


def test_the_overrate_threshold_is_the_provinces(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact
) -> None:
    services.set_key_evaluation_policy(unit("hunan"), people["admin"], overrate_points=D("20"))
    key_eval = select(unit, people, fact)
    evaluate(key_eval, people)
    key_eval = services.finalise_key_evaluation(key_eval, people["loudi"])
    assert key_eval.gap == D("16.87") and key_eval.overrated is False
    assert not RectificationRequest.objects.filter(unit=fact.unit).exists()


def test_a_fair_self_evaluation_is_not_flagged(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact
) -> None:
    key_eval = select(unit, people, fact)
    evaluate(key_eval, people, names="A")  # 84.00: gap 12.00
    services.assign_evaluators(key_eval, people["loudi"], [people["A"].pk, people["B"].pk])
    a = key_eval.assignments.get(evaluator=people["B"])
    services.record_evaluator_scores(
        a,
        people["B"],
        [
            {"code": "q1", "actual_value": D("100")},
            {"code": "q2", "actual_value": D("95")},
            {"code": "e1", "band": "achieved", "band_score": D("27")},
            {"code": "s1", "actual_value": D("90")},
        ],
    )
    services.submit_evaluator_scores(a, people["B"])  # 96.00
    key_eval = services.finalise_key_evaluation(key_eval, people["loudi"])
    # (84.00 + 96.00) / 2 = 90.00, gap 6.00
    assert (key_eval.key_score, key_eval.gap, key_eval.overrated) == (D("90.00"), D("6.00"), False)


def test_illegal_transitions(
    unit: Callable[[str], Procuratorate], people: dict[str, User], fact: ProjectFact
) -> None:
    key_eval = select(unit, people, fact)
    with pytest.raises(DomainError) as excinfo:
        services.finalise_key_evaluation(key_eval, people["loudi"])
    assert codes(excinfo) == ["NO_EVALUATORS"]
    with pytest.raises(DomainError) as excinfo:
        services.assign_evaluators(key_eval, people["loudi"], [])
    assert codes(excinfo) == ["REQUIRED"]

    done = evaluate(key_eval, people, names="AB", submit=False)
    a, b = done["A"], done["B"]
    # Only the evaluator scores their own sheet: not another evaluator, not the manager.
    for actor in (people["B"], people["loudi"]):
        with pytest.raises(PermissionDenied):
            services.record_evaluator_scores(a, actor, SHEETS["A"])
        with pytest.raises(PermissionDenied):
            services.submit_evaluator_scores(a, actor)
    # Submitting needs every indicator assessed.
    services.assign_evaluators(
        key_eval, people["loudi"], [people["A"].pk, people["B"].pk, people["C"].pk]
    )
    c = key_eval.assignments.get(evaluator=people["C"])
    services.record_evaluator_scores(c, people["C"], SHEETS["C"][:2])
    with pytest.raises(DomainError) as excinfo:
        services.submit_evaluator_scores(c, people["C"])
    assert [(p.code, p.field) for p in excinfo.value.problems] == [
        ("MISSING_ACTUAL", "indicators.e1"),
        ("MISSING_ACTUAL", "indicators.s1"),
    ]
    services.assign_evaluators(key_eval, people["loudi"], [people["A"].pk, people["B"].pk])
    assert not EvaluatorAssignment.objects.filter(evaluator=people["C"]).exists()

    services.submit_evaluator_scores(a, people["A"])
    with pytest.raises(DomainError) as excinfo:
        services.submit_evaluator_scores(a, people["A"])
    assert codes(excinfo) == ["ALREADY_SUBMITTED"]
    with pytest.raises(DomainError) as excinfo:
        services.record_evaluator_scores(a, people["A"], SHEETS["A"])
    assert codes(excinfo) == ["ALREADY_SUBMITTED"]
    # A submitted evaluator cannot be removed; finalising waits for B.
    with pytest.raises(DomainError) as excinfo:
        services.assign_evaluators(key_eval, people["loudi"], [people["B"].pk])
    assert codes(excinfo) == ["EVALUATOR_SUBMITTED"]
    with pytest.raises(DomainError) as excinfo:
        services.finalise_key_evaluation(key_eval, people["loudi"])
    assert codes(excinfo) == ["PENDING_EVALUATORS"]
    assert "eval-b" in excinfo.value.problems[0].message or b.evaluator.full_name in str(
        excinfo.value
    )
    # Only a manager finalises.
    services.submit_evaluator_scores(b, people["B"])
    for actor in (people["A"], people["changsha"], people["lsj"]):
        with pytest.raises(PermissionDenied):
            services.finalise_key_evaluation(key_eval, actor)
    services.finalise_key_evaluation(key_eval, people["loudi"])
    b.refresh_from_db()
    assert b.status == AssignmentStatus.SUBMITTED
    # A finalised key evaluation is frozen.
    with pytest.raises(DomainError) as excinfo:
        services.finalise_key_evaluation(key_eval, people["loudi"])
    assert codes(excinfo) == ["ALREADY_FINALISED"]
    with pytest.raises(DomainError) as excinfo:
        services.assign_evaluators(key_eval, people["loudi"], [people["A"].pk])
    assert codes(excinfo) == ["ALREADY_FINALISED"]


def test_policy_settings(unit: Callable[[str], Procuratorate], people: dict[str, User]) -> None:
    policy = services.set_key_evaluation_policy(
        unit("hunan"),
        people["admin"],
        sampling_share=D("20"),
        key_score_rule="median",
        overrate_points=D("8"),
    )
    assert (policy.sampling_share, policy.key_score_rule, policy.overrate_points) == (
        D("20.00"),
        "median",
        D("8.00"),
    )
    with pytest.raises(DomainError) as excinfo:
        services.set_key_evaluation_policy(
            unit("hunan"), people["admin"], sampling_share=D("101"), key_score_rule="mode"
        )
    assert codes(excinfo) == ["OUT_OF_RANGE", "INVALID_CHOICE"]
    with pytest.raises(PermissionDenied):
        services.set_key_evaluation_policy(unit("hunan"), people["loudi"], sampling_share=D(1))
    with pytest.raises(DomainError) as excinfo:
        services.set_key_evaluation_policy(unit("loudi"), people["admin"], sampling_share=D(1))
    assert codes(excinfo) == ["NOT_A_PROVINCE"]
    assert ProvincePolicy.objects.get().sampling_share == D("20.00")

"""Applying a finalised self-evaluation: the budget linkage suggestion per project and per unit
(hand-computed numbers for every grade), the fact mirror, the automatic rectification for a 差
(exactly once), the 中 suggestion; and a person's linkage decision."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from backend.accounts.models import Role, User
from backend.benchmarking.models import ProjectFact
from backend.core.errors import DomainError
from backend.feedback import selectors, services
from backend.feedback.models import BudgetLinkage, RectificationOrigin, RectificationRequest
from backend.feedback.services import EvaluationResult, apply_evaluation_result
from backend.oversight.models import ProvincePolicy
from tenants.models import Procuratorate
from tests.feedback.factories import ProjectFactFactory, finalised

pytestmark = pytest.mark.django_db

D = Decimal


def result(
    unit: Procuratorate, fact: ProjectFact, total: str, grade: str, **kw
) -> EvaluationResult:
    return EvaluationResult(
        unit=unit,
        fiscal_year=fact.fiscal_year,
        evaluation_id=kw.pop("evaluation_id", fact.project_id + 1),
        project_id=fact.project_id,
        project_code=fact.project_code,
        project_name=fact.project_name,
        full_budget=fact.full_budget,
        total=D(total),
        grade=grade,
        actor=kw.pop("actor", None),
    )


def linkage_of(unit: Procuratorate, project_id: int | None) -> BudgetLinkage:
    return BudgetLinkage.objects.get(unit=unit, fiscal_year=2026, project_id=project_id)


@pytest.mark.parametrize(
    ("total", "grade", "action", "low", "high", "budget_range"),
    [
        ("95.50", "优", "increase", "0", "10", ["1000000.00", "1100000.00"]),
        ("85.00", "良", "keep", "0", "0", ["1000000.00", "1000000.00"]),
        ("72.30", "中", "reduce", "-10", "0", ["900000.00", "1000000.00"]),
        ("41.00", "差", "reduce", "-100", "-20", ["0.00", "800000.00"]),
    ],
)
def test_default_linkage_for_each_grade(unit, total, grade, action, low, high, budget_range):
    lsj = unit("lengshuijiang")
    fact = finalised(unit=lsj, self_score=D(total), self_grade=grade)
    apply_evaluation_result(result(lsj, fact, total, grade))

    linkage = linkage_of(lsj, fact.project_id)
    assert (linkage.suggested_action, linkage.grade, linkage.score) == (action, grade, D(total))
    assert (linkage.suggested_min_pct, linkage.suggested_max_pct) == (D(low), D(high))
    assert linkage.base_budget == D("1000000.00")
    assert linkage.basis["budget_range"] == budget_range
    assert linkage.basis["score"] == total and linkage.basis["grade"] == grade
    assert linkage.basis["policy"] == {
        "linkage_increase_max": "10",
        "linkage_fair_reduce_max": "10",
        "linkage_poor_reduce_min": "20",
    }
    fact.refresh_from_db()
    assert fact.linkage_suggestion == action and fact.linkage_decision == ""


def test_the_provinces_settings_drive_the_numbers(unit):
    hunan, lsj = unit("hunan"), unit("lengshuijiang")
    ProvincePolicy.objects.update_or_create(
        province=hunan,
        defaults={
            "linkage_increase_max": D("15"),
            "linkage_fair_reduce_max": D("8"),
            "linkage_poor_reduce_min": D("30"),
        },
    )
    good = finalised(unit=lsj, full_budget=D("480000.00"), self_score=D(93), self_grade="优")
    fair = finalised(unit=lsj, full_budget=D("250000.00"), self_score=D(65), self_grade="中")
    poor = finalised(unit=lsj, full_budget=D("123456.78"), self_score=D(50), self_grade="差")
    apply_evaluation_result(result(lsj, good, "93", "优"))
    apply_evaluation_result(result(lsj, fair, "65", "中"))
    apply_evaluation_result(result(lsj, poor, "50", "差"))
    # 480,000 × 1.15 = 552,000; 250,000 × 0.92 = 230,000; 123,456.78 × 0.70 = 86,419.746 → .75
    assert linkage_of(lsj, good.project_id).basis["budget_range"] == ["480000.00", "552000.00"]
    assert linkage_of(lsj, fair.project_id).basis["budget_range"] == ["230000.00", "250000.00"]
    assert linkage_of(lsj, poor.project_id).basis["budget_range"] == ["0.00", "86419.75"]
    assert linkage_of(lsj, poor.project_id).suggested_max_pct == D("-30")


def test_the_unit_linkage_is_budget_weighted_over_finalised_projects(unit):
    lsj = unit("lengshuijiang")
    a = finalised(unit=lsj, full_budget=D("300000.00"), self_score=D(92), self_grade="优")
    ProjectFactFactory(unit=lsj, full_budget=D("900000.00"))  # not evaluated: left out
    # B's fact has no score yet (the finalisation may write the fact after calling us).
    b = ProjectFactFactory(unit=lsj, full_budget=D("100000.00"))
    apply_evaluation_result(result(lsj, b, "50", "差"))
    # (300,000 × 92 + 100,000 × 50) ÷ 400,000 = 32,600,000 ÷ 400,000 = 81.50 → 良, keep
    unit_linkage = linkage_of(lsj, None)
    assert (unit_linkage.score, unit_linkage.grade) == (D("81.50"), "良")
    assert unit_linkage.base_budget == D("400000.00")
    assert unit_linkage.suggested_action == "keep"
    assert unit_linkage.basis["projects"] == 2
    b.self_score, b.self_grade, b.finalised_at = D(50), "差", timezone.now()  # as finalised
    b.save()
    # A re-scored: 300,000 × 60 + 100,000 × 50 = 23,000,000 ÷ 400,000 = 57.50 → 差
    a.self_score, a.self_grade = D(60), "中"
    a.save()
    apply_evaluation_result(result(lsj, a, "60", "中"))
    unit_linkage.refresh_from_db()
    assert (unit_linkage.score, unit_linkage.grade) == (D("57.50"), "差")
    assert unit_linkage.suggested_action == "reduce"
    assert BudgetLinkage.objects.filter(unit=lsj, fiscal_year=2026).count() == 3


def test_a_poor_grade_opens_one_rectification_however_often_it_is_applied(unit):
    lsj, hunan = unit("lengshuijiang"), unit("hunan")
    fact = finalised(unit=lsj, self_score=D("55.00"), self_grade="差")
    for _ in range(3):
        apply_evaluation_result(result(lsj, fact, "55.00", "差", evaluation_id=77))
    requests = RectificationRequest.objects.filter(unit=lsj, evaluation_id=77)
    assert requests.count() == 1
    request = requests.get()
    assert request.origin == RectificationOrigin.GRADE and request.issuer == hunan
    assert request.status == "open" and request.project_id == fact.project_id
    assert request.due_on == timezone.localdate() + datetime.timedelta(days=60)
    assert "55.00" in request.requirement
    assert BudgetLinkage.objects.filter(unit=lsj, project_id=fact.project_id).count() == 1


def test_the_deadline_follows_the_province_and_it_works_on_the_units_schema(unit):
    lsj, hunan = unit("lengshuijiang"), unit("hunan")
    ProvincePolicy.objects.update_or_create(province=hunan, defaults={"rectification_days": 30})
    fact = finalised(unit=lsj, self_score=D(40), self_grade="差")
    with tenant_context(lsj):  # where the finalisation calls it
        apply_evaluation_result(result(lsj, fact, "40", "差"))
    request = RectificationRequest.objects.get(unit=lsj)
    assert request.due_on == timezone.localdate() + datetime.timedelta(days=30)


def test_a_fair_grade_is_only_suggested_until_a_reviewer_opens_it(unit, member):
    lsj = unit("lengshuijiang")
    admin = member("hunan", Role.PROVINCE_ADMIN)
    loudi = member("loudi", Role.CITY_REVIEWER)
    changsha = member("changsha", Role.CITY_REVIEWER)
    fair = finalised(unit=lsj, self_score=D(70), self_grade="中")
    finalised(unit=unit("changsha-furong"), self_score=D(75), self_grade="中")
    finalised(unit=lsj, self_score=D(88), self_grade="良")
    apply_evaluation_result(result(lsj, fair, "70", "中"))
    assert not RectificationRequest.objects.filter(unit=lsj).exists()

    def suggested(user: User) -> set[tuple[str, int]]:
        return {(f.unit.code, f.project_id) for f in selectors.suggested_rectifications(user)}

    assert ("lengshuijiang", fair.project_id) in suggested(admin)
    assert {code for code, _ in suggested(admin)} == {"lengshuijiang", "changsha-furong"}
    assert {code for code, _ in suggested(loudi)} == {"lengshuijiang"}
    assert {code for code, _ in suggested(changsha)} == {"changsha-furong"}
    assert suggested(member("lengshuijiang", Role.UNIT_FINANCE)) == set()

    request = services.open_rectification(
        unit("loudi"),
        lsj,
        loudi,
        fiscal_year=2026,
        title="中等级项目整改",
        requirement="请分析偏差原因",
        due_on=timezone.localdate() + datetime.timedelta(days=20),
        project_id=fair.project_id,
    )
    assert request.project_code == fair.project_code and request.origin == "reviewer"
    assert ("lengshuijiang", fair.project_id) not in suggested(admin)


def test_a_decision_on_other_numbers_is_cleared_by_a_refinalisation(unit, member):
    lsj = unit("lengshuijiang")
    admin = member("hunan", Role.PROVINCE_ADMIN)
    fact = finalised(unit=lsj, self_score=D(70), self_grade="中")
    apply_evaluation_result(result(lsj, fact, "70", "中"))
    services.decide_linkage(
        linkage_of(lsj, fact.project_id), admin, action="reduce", pct="-5", reason="压减 5%"
    )
    apply_evaluation_result(result(lsj, fact, "70", "中"))  # same numbers: decision stays
    assert linkage_of(lsj, fact.project_id).decided_action == "reduce"
    apply_evaluation_result(result(lsj, fact, "91", "优"))
    linkage = linkage_of(lsj, fact.project_id)
    assert linkage.decided_action == "" and linkage.decided_budget is None
    assert linkage.suggested_action == "increase"


def test_an_unknown_grade_is_refused(unit):
    lsj = unit("lengshuijiang")
    fact = finalised(unit=lsj, self_score=D(70), self_grade="中")
    with pytest.raises(DomainError) as error:
        apply_evaluation_result(result(lsj, fact, "70", "C"))
    assert error.value.problems[0].code == "INVALID_GRADE"


# --- decisions ---------------------------------------------------------------------------------


@pytest.fixture
def lsj_linkage(unit: Callable[[str], Procuratorate]) -> BudgetLinkage:
    lsj = unit("lengshuijiang")
    fact = finalised(unit=lsj, self_score=D(70), self_grade="中")
    apply_evaluation_result(result(lsj, fact, "70", "中"))
    return linkage_of(lsj, fact.project_id)


@pytest.mark.parametrize(
    ("action", "pct", "budget", "stored_pct"),
    [
        ("reduce", "-15", "850000.00", "-15.00"),
        ("reduce", "-7.25", "927500.00", "-7.25"),
        ("increase", "7.5", "1075000.00", "7.50"),
        ("keep", None, "1000000.00", "0.00"),
        ("stop", None, "0.00", "-100.00"),
    ],
)
def test_a_decision_records_the_budget(lsj_linkage, member, action, pct, budget, stored_pct):
    admin = member("hunan", Role.PROVINCE_ADMIN)
    linkage = services.decide_linkage(
        lsj_linkage, admin, action=action, pct=pct, reason="党组会研究决定"
    )
    linkage.refresh_from_db()
    assert linkage.decided_budget == D(budget) and linkage.decided_pct == D(stored_pct)
    assert linkage.decided_by == admin and linkage.decision_reason == "党组会研究决定"
    fact = ProjectFact.objects.get(unit=linkage.unit, project_id=linkage.project_id)
    assert fact.linkage_decision == action and fact.linkage_suggestion == "reduce"


@pytest.mark.parametrize(
    ("action", "pct", "reason", "codes"),
    [
        ("reduce", "5", "x", {"PCT_MISMATCH"}),
        ("reduce", "-100", "x", {"PCT_MISMATCH"}),
        ("increase", "0", "x", {"PCT_MISMATCH"}),
        ("increase", None, "x", {"REQUIRED"}),
        ("keep", "3", "x", {"PCT_MISMATCH"}),
        ("stop", "-50", "", {"PCT_MISMATCH", "REASON_REQUIRED"}),
        ("reduce", "-10", "  ", {"REASON_REQUIRED"}),
        ("grow", "1", "x", {"INVALID_ACTION"}),
        ("reduce", "abc", "x", {"INVALID_PCT"}),
    ],
)
def test_a_bad_decision_is_refused_with_every_problem(
    lsj_linkage, member, action, pct, reason, codes
):
    admin = member("hunan", Role.PROVINCE_ADMIN)
    with pytest.raises(DomainError) as error:
        services.decide_linkage(lsj_linkage, admin, action=action, pct=pct, reason=reason)
    assert {p.code for p in error.value.problems} == codes
    lsj_linkage.refresh_from_db()
    assert lsj_linkage.decided_action == ""


def test_who_may_decide(lsj_linkage, member, unit):
    loudi_reviewer = member("loudi", Role.CITY_REVIEWER)
    assert services.can_decide_linkage(member("hunan", Role.PROVINCE_ADMIN), lsj_linkage.unit)
    assert services.can_decide_linkage(loudi_reviewer, lsj_linkage.unit)
    assert not services.can_decide_linkage(loudi_reviewer, unit("loudi"))  # its own budget
    assert not services.can_decide_linkage(loudi_reviewer, unit("changsha-furong"))
    for user in (
        member("changsha", Role.CITY_REVIEWER),
        member("lengshuijiang", Role.UNIT_LEADER),
        member("loudi", Role.UNIT_FINANCE),
        None,
    ):
        with pytest.raises(DomainError) as error:
            services.decide_linkage(lsj_linkage, user, action="keep", pct=None, reason="x")
        assert error.value.problems[0].code == "PERMISSION_DENIED"
    services.decide_linkage(lsj_linkage, loudi_reviewer, action="keep", pct=None, reason="维持")


def test_a_later_decision_keeps_the_earlier_one_in_history(lsj_linkage, member):
    admin = member("hunan", Role.PROVINCE_ADMIN)
    loudi_reviewer = member("loudi", Role.CITY_REVIEWER)
    services.decide_linkage(lsj_linkage, loudi_reviewer, action="keep", pct=None, reason="维持")
    services.decide_linkage(lsj_linkage, admin, action="reduce", pct="-10", reason="压减一成")
    decisions = [
        (h.decided_action, h.decision_reason, h.history_user)
        for h in lsj_linkage.history.order_by("history_date", "history_id")
        if h.decided_action
    ]
    assert decisions == [("keep", "维持", loudi_reviewer), ("reduce", "压减一成", admin)]

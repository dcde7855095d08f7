"""The goal review workflow: every transition allowed and refused by role and by state, the
grades, the history, and adjustment requests of approved goals. Runs in 冷水江 (a county
under 娄底) inside the test transaction; the reviewers above it are real memberships.

The helpers at the top (``ACTORS``, ``make_actors``, ``drive``) are shared with the oversight
and benchmarking tests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from backend.accounts.models import Role, User
from backend.core.errors import DomainError
from backend.goals.models import (
    AdjustmentRequest,
    AdjustmentStatus,
    GoalIndicator,
    GoalReview,
    GoalStatus,
    IndicatorComment,
    PerformanceGoal,
)
from backend.goals.services import workflow
from backend.goals.services.workflow import (
    request_adjustment,
    review,
    review_adjustment,
    submit,
    submit_adjustment,
)
from backend.oversight.models import GoalSubmission
from backend.oversight.services import set_policy
from tenants.models import Procuratorate
from tests.factories import UserFactory
from tests.goals.factories import VALID_INDICATORS, make_goal

pytestmark = pytest.mark.django_db

D = Decimal

# name → (unit code, role). 冷水江 and 涟源 are counties of 娄底; 长沙 is another city.
ACTORS: dict[str, tuple[str, str]] = {
    "finance": ("lengshuijiang", Role.UNIT_FINANCE),
    "leader": ("lengshuijiang", Role.UNIT_LEADER),
    "other_finance": ("lianyuan", Role.UNIT_FINANCE),
    "other_leader": ("lianyuan", Role.UNIT_LEADER),
    "city_leader": ("loudi", Role.UNIT_LEADER),
    "loudi_reviewer": ("loudi", Role.CITY_REVIEWER),
    "changsha_reviewer": ("changsha", Role.CITY_REVIEWER),
    "province_admin": ("hunan", Role.PROVINCE_ADMIN),
}

# The decision each test reviewer takes, with its matching grade and comment.
DECISIONS: dict[str, dict[str, Any]] = {
    "approve": {"decision": "approve", "grade": "excellent"},
    "return": {"decision": "return", "grade": "fair", "comment": "指标值偏低，请修改。"},
    "reject": {"decision": "reject", "grade": "poor", "comment": "项目依据不足。"},
}


def make_actors(member: Callable[..., User]) -> dict[str, User]:
    return {name: member(code, role) for name, (code, role) in ACTORS.items()}


def city_review(required: bool) -> None:
    """Set the province's policy (as its administrator)."""
    hunan = Procuratorate.objects.get(code="hunan")
    admin = UserFactory(username="policy-staff", is_staff=True)
    set_policy(hunan, require_city_review=required, user=admin)


def drive(goal: PerformanceGoal, state: str, users: dict[str, User]) -> PerformanceGoal:
    """Take a draft goal to ``state`` through the real transitions, as the right people
    (``unit_approved`` needs the city review policy on)."""
    if state == GoalStatus.DRAFT:
        return goal
    submit(goal, user=users["finance"])
    if state == GoalStatus.SUBMITTED:
        return goal
    outcome = {
        GoalStatus.RETURNED: "return",
        GoalStatus.REJECTED: "reject",
        GoalStatus.UNIT_APPROVED: "approve",
        GoalStatus.APPROVED: "approve",
    }[GoalStatus(state)]
    review(goal, user=users["leader"], **{"grade": None, **DECISIONS[outcome]})
    goal.refresh_from_db()
    if state == GoalStatus.APPROVED and goal.status == GoalStatus.UNIT_APPROVED:
        review(goal, user=users["loudi_reviewer"], **DECISIONS["approve"])
        goal.refresh_from_db()
    assert goal.status == state, (goal.status, state)
    return goal


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return [p.code for p in error.value.problems]


@pytest.fixture
def users(member: Callable[..., User]) -> dict[str, User]:
    return make_actors(member)


@pytest.fixture
def goal(lsj: Procuratorate) -> PerformanceGoal:
    return make_goal()


# --- the transition table -----------------------------------------------------------------------

OK_SUBMITTED = GoalStatus.SUBMITTED
DENIED = "PERMISSION_DENIED"
INVALID = "INVALID_TRANSITION"

TRANSITIONS = [
    # action, from state, actor, province requires city review, expected status or error code
    ("submit", "draft", "finance", False, OK_SUBMITTED),
    ("submit", "returned", "finance", False, OK_SUBMITTED),
    ("submit", "draft", "leader", False, DENIED),
    ("submit", "draft", "other_finance", False, DENIED),
    ("submit", "draft", "loudi_reviewer", False, DENIED),
    ("submit", "submitted", "finance", False, INVALID),
    ("submit", "unit_approved", "finance", True, INVALID),
    ("submit", "approved", "finance", False, INVALID),
    ("submit", "rejected", "finance", False, INVALID),
    # unit stage: the unit's own leader
    ("approve", "submitted", "leader", False, GoalStatus.APPROVED),
    ("approve", "submitted", "leader", True, GoalStatus.UNIT_APPROVED),
    ("return", "submitted", "leader", False, GoalStatus.RETURNED),
    ("return", "submitted", "leader", True, GoalStatus.RETURNED),
    ("reject", "submitted", "leader", False, GoalStatus.REJECTED),
    ("approve", "submitted", "finance", False, DENIED),
    ("approve", "submitted", "other_leader", False, DENIED),
    ("approve", "submitted", "city_leader", False, DENIED),
    ("approve", "submitted", "loudi_reviewer", True, DENIED),
    ("approve", "submitted", "province_admin", False, DENIED),
    # city stage: the reviewer of the parent city, only there
    ("approve", "unit_approved", "loudi_reviewer", True, GoalStatus.APPROVED),
    ("return", "unit_approved", "loudi_reviewer", True, GoalStatus.RETURNED),
    ("reject", "unit_approved", "loudi_reviewer", True, GoalStatus.REJECTED),
    ("approve", "unit_approved", "changsha_reviewer", True, DENIED),
    ("approve", "unit_approved", "leader", True, DENIED),
    ("approve", "unit_approved", "finance", True, DENIED),
    ("approve", "unit_approved", "city_leader", True, DENIED),
    ("approve", "unit_approved", "province_admin", True, DENIED),
    # nothing to review in these states
    ("approve", "draft", "leader", False, INVALID),
    ("approve", "returned", "leader", False, INVALID),
    ("approve", "approved", "leader", False, INVALID),
    ("approve", "approved", "loudi_reviewer", False, INVALID),  # no city stage without policy
    ("approve", "rejected", "leader", False, INVALID),
    ("reject", "rejected", "loudi_reviewer", True, INVALID),
]


@pytest.mark.parametrize(("action", "state", "actor", "city", "expected"), TRANSITIONS)
def test_transitions_by_role_and_state(
    lsj: Procuratorate,
    goal: PerformanceGoal,
    users: dict[str, User],
    action: str,
    state: str,
    actor: str,
    city: bool,
    expected: str,
) -> None:
    city_review(city)
    drive(goal, state, users)
    reviews_before = GoalReview.objects.count()
    row_before = GoalSubmission.objects.filter(unit=lsj, goal_id=goal.pk).first()

    def act() -> Any:
        if action == "submit":
            return submit(goal, user=users[actor])
        return review(goal, user=users[actor], **{"grade": None, **DECISIONS[action]})

    if expected in (DENIED, INVALID):
        with pytest.raises(DomainError) as error:
            act()
        assert codes(error) == [expected]
        goal.refresh_from_db()
        assert goal.status == state
        assert GoalReview.objects.count() == reviews_before
        row = GoalSubmission.objects.filter(unit=lsj, goal_id=goal.pk).first()
        assert (row and (row.status, row.updated_at)) == (
            row_before and (row_before.status, row_before.updated_at)
        )
        return

    act()
    goal.refresh_from_db()
    assert goal.status == expected
    row = GoalSubmission.objects.get(unit=lsj, goal_id=goal.pk)
    assert (row.status, row.project_code, row.fiscal_year) == (
        expected,
        goal.project.code,
        goal.fiscal_year,
    )
    last = goal.history.order_by("-history_date", "-history_id").first()
    assert (last.status, last.history_user) == (expected, users[actor])
    if action != "submit":
        record = GoalReview.objects.latest("id")
        stage_unit = "loudi" if state == GoalStatus.UNIT_APPROVED else "lengshuijiang"
        assert (record.reviewer, record.reviewer_unit_code, record.decision) == (
            users[actor],
            stage_unit,
            action,
        )
        assert record.stage == ("city" if state == GoalStatus.UNIT_APPROVED else "unit")


def test_without_the_policy_the_leaders_approval_is_final(
    lsj: Procuratorate, goal: PerformanceGoal, users: dict[str, User]
) -> None:
    drive(goal, GoalStatus.SUBMITTED, users)
    review(goal, user=users["leader"], decision="approve", grade="good")
    goal.refresh_from_db()
    assert (goal.status, goal.grade) == (GoalStatus.APPROVED, "good")
    assert goal.approved_at is not None
    with pytest.raises(DomainError) as error:
        review(goal, user=users["loudi_reviewer"], decision="approve", grade="excellent")
    assert codes(error) == [INVALID]


def test_a_city_approves_its_own_goals_without_a_city_stage(
    unit: Callable[[str], Procuratorate], member: Callable[..., User]
) -> None:
    """The policy asks for the parent city's review; a city's own goal has no parent city."""
    city_review(True)
    finance, leader = member("loudi", Role.UNIT_FINANCE), member("loudi", Role.UNIT_LEADER)
    with schema_context(unit("loudi").schema_name):  # connection.tenant: a FakeTenant
        goal = make_goal()
        submit(goal, user=finance)
        review(goal, user=leader, decision="approve", grade="excellent")
        goal.refresh_from_db()
        assert goal.status == GoalStatus.APPROVED


def test_the_unit_is_read_off_a_schema_context_too(
    unit: Callable[[str], Procuratorate], users: dict[str, User]
) -> None:
    with schema_context(unit("lengshuijiang").schema_name):
        assert workflow.current_unit() == unit("lengshuijiang")
        goal = make_goal()
        submit(goal, user=users["finance"])
    assert GoalSubmission.objects.get(goal_id=goal.pk).unit == unit("lengshuijiang")


# --- grades and decisions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "grade", "comment", "indicator_comments", "expected"),
    [
        ("approve", None, "", None, ["GRADE_REQUIRED"]),
        ("approve", "fair", "", None, ["GRADE_MISMATCH"]),
        ("approve", "poor", "", None, ["GRADE_MISMATCH"]),
        ("return", "excellent", "改", None, ["GRADE_MISMATCH"]),
        ("return", "fair", " ", None, ["COMMENT_REQUIRED"]),
        ("return", "fair", "", {"q1": "  "}, ["COMMENT_REQUIRED"]),
        ("reject", "good", "x", None, ["GRADE_MISMATCH"]),
        ("reject", None, "x", None, ["GRADE_REQUIRED"]),
        ("maybe", "excellent", "", None, ["INVALID_CHOICE"]),
        ("approve", "great", "", None, ["INVALID_CHOICE"]),
        # every problem at once
        (
            "return",
            "poor",
            "",
            {"nope": "请补充", "q1": "偏低"},
            ["GRADE_MISMATCH", "UNKNOWN_INDICATOR"],
        ),
        ("return", "good", "", None, ["GRADE_MISMATCH", "COMMENT_REQUIRED"]),
    ],
)
def test_decision_and_grade_must_agree(
    lsj: Procuratorate,
    goal: PerformanceGoal,
    users: dict[str, User],
    decision: str,
    grade: str | None,
    comment: str,
    indicator_comments: dict[str, str] | None,
    expected: list[str],
) -> None:
    drive(goal, GoalStatus.SUBMITTED, users)
    with pytest.raises(DomainError) as error:
        review(
            goal,
            user=users["leader"],
            decision=decision,
            grade=grade,
            comment=comment,
            indicator_comments=indicator_comments,
        )
    assert codes(error) == expected
    goal.refresh_from_db()
    assert goal.status == GoalStatus.SUBMITTED
    assert not GoalReview.objects.exists()


def test_fair_returns_with_comments_per_indicator_and_the_goal_comes_back(
    lsj: Procuratorate, goal: PerformanceGoal, users: dict[str, User]
) -> None:
    drive(goal, GoalStatus.SUBMITTED, users)
    record = review(
        goal,
        user=users["leader"],
        decision="return",
        grade="fair",
        indicator_comments={"q1": "案件数目标偏低", "e1": " 请量化 ", "s1": ""},
    )
    goal.refresh_from_db()
    assert (goal.status, goal.grade) == (GoalStatus.RETURNED, "fair")
    assert (record.grade, record.comment, record.reviewer_unit_code) == (
        "fair",
        "",
        "lengshuijiang",
    )
    comments = {c.indicator.code: c.comment for c in IndicatorComment.objects.filter(review=record)}
    assert comments == {"q1": "案件数目标偏低", "e1": "请量化"}
    assert GoalSubmission.objects.get(goal_id=goal.pk).grade == "fair"

    # The preparer edits and submits again; the next review grades afresh.
    GoalIndicator.objects.filter(goal=goal, code="q1").update(target_value=D("140"))
    submit(goal, user=users["finance"])
    goal.refresh_from_db()
    assert (goal.status, goal.grade) == (GoalStatus.SUBMITTED, "")
    review(goal, user=users["leader"], decision="approve", grade="excellent")
    goal.refresh_from_db()
    assert (goal.status, goal.grade) == (GoalStatus.APPROVED, "excellent")
    assert list(goal.reviews.values_list("decision", "grade")) == [
        ("return", "fair"),
        ("approve", "excellent"),
    ]


def test_poor_keeps_the_goal_out_of_the_budget_for_good(
    lsj: Procuratorate, goal: PerformanceGoal, users: dict[str, User]
) -> None:
    city_review(True)
    drive(goal, GoalStatus.UNIT_APPROVED, users)
    review(goal, user=users["loudi_reviewer"], decision="reject", grade="poor")
    goal.refresh_from_db()
    assert (goal.status, goal.grade, goal.approved_at) == (GoalStatus.REJECTED, "poor", None)
    assert goal.is_frozen
    for attempt in (
        lambda: submit(goal, user=users["finance"]),
        lambda: review(goal, user=users["leader"], decision="approve", grade="good"),
        lambda: request_adjustment(
            goal,
            reason="x",
            changes=[{"indicator": "q1", "field": "target_value", "after": "1"}],
            user=users["finance"],
        ),
    ):
        with pytest.raises(DomainError) as error:
            attempt()
        assert codes(error) == [INVALID]


def test_submission_checks_block_and_warnings_are_kept(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    bad = make_goal(
        indicators=[{**VALID_INDICATORS[0], "weight": D("5")}, {**VALID_INDICATORS[1], "unit": ""}]
    )
    with pytest.raises(DomainError) as error:
        submit(bad, user=users["finance"])
    assert len(error.value.problems) >= 2  # every problem at once
    bad.refresh_from_db()
    assert bad.status == GoalStatus.DRAFT
    assert not GoalSubmission.objects.filter(goal_id=bad.pk).exists()

    last_year = make_goal(fiscal_year=2025, project__fiscal_year=2025, project__code="case-x")
    GoalIndicator.objects.filter(goal=last_year, code="q1").update(actual_value=D("150"))
    goal = make_goal(project__code="case-x")
    submit(goal, user=users["finance"])
    goal.refresh_from_db()
    assert goal.status == GoalStatus.SUBMITTED and goal.submitted_at is not None
    assert [(w["indicator"], w["code"]) for w in goal.warnings] == [
        ("q1", "TARGET_BELOW_LAST_YEAR")
    ]
    assert "150" in goal.warnings[0]["message"]
    assert GoalSubmission.objects.get(unit=lsj, goal_id=goal.pk).warnings == 1


def test_an_approved_goal_is_frozen(
    lsj: Procuratorate, goal: PerformanceGoal, users: dict[str, User]
) -> None:
    from backend.goals.services.drafting import update_goal, update_goal_indicator

    drive(goal, GoalStatus.APPROVED, users)
    with pytest.raises(DomainError) as error:
        submit(goal, user=users["finance"])
    assert codes(error) == [INVALID]
    with pytest.raises(DomainError) as error:
        update_goal_indicator(
            goal.indicators.get(code="q1"), {"target_value": "200"}, user=users["finance"]
        )
    assert codes(error) == ["NOT_EDITABLE"]
    with pytest.raises(DomainError) as error:
        update_goal(goal, {"overall_goal": "改写"}, user=users["finance"])
    assert codes(error) == ["NOT_EDITABLE"]
    assert goal.indicators.get(code="q1").target_value == D("120")


def test_every_transition_is_in_the_history(
    lsj: Procuratorate, goal: PerformanceGoal, users: dict[str, User]
) -> None:
    city_review(True)
    submit(goal, user=users["finance"])
    review(goal, user=users["leader"], decision="return", grade="fair", comment="改")
    submit(goal, user=users["finance"])
    review(goal, user=users["leader"], decision="approve", grade="good")
    review(goal, user=users["loudi_reviewer"], decision="approve", grade="excellent")
    history = goal.history.order_by("history_date", "history_id")
    assert [(h.status, h.grade, h.history_user, h.history_change_reason) for h in history] == [
        ("draft", "", None, None),  # made by the factory
        ("submitted", "", users["finance"], "提交审核"),
        ("returned", "fair", users["leader"], "单位审核：退回"),
        ("submitted", "", users["finance"], "提交审核"),
        ("unit_approved", "good", users["leader"], "单位审核：通过"),
        ("approved", "excellent", users["loudi_reviewer"], "市院审核：通过"),
    ]


def test_a_review_takes_a_constant_number_of_queries(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    # 30 quantity indicators of 1 point instead of one of 30: the same weights per group.
    many = [
        *({**VALID_INDICATORS[0], "code": f"n{n}", "weight": D("1")} for n in range(30)),
        *VALID_INDICATORS[1:],
    ]
    counts = []
    for rows in (VALID_INDICATORS, many):
        goal = make_goal(indicators=rows)
        submit(goal, user=users["finance"])
        with CaptureQueriesContext(connection) as queries:
            review(goal, user=users["leader"], decision="approve", grade="excellent")
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- adjustment requests ------------------------------------------------------------------------


@pytest.fixture
def approved(lsj: Procuratorate, users: dict[str, User]) -> PerformanceGoal:
    rows = [{**VALID_INDICATORS[0], "locked": True}, *VALID_INDICATORS[1:]]
    return drive(make_goal(indicators=rows), GoalStatus.APPROVED, users)


def change(code: str, field: str, after: Any) -> dict[str, Any]:
    return {"indicator": code, "field": field, "after": after}


def test_an_adjustment_needs_an_approved_goal(
    lsj: Procuratorate, goal: PerformanceGoal, users: dict[str, User]
) -> None:
    for state in (GoalStatus.DRAFT, GoalStatus.SUBMITTED):
        drive(goal, state, users)
        with pytest.raises(DomainError) as error:
            request_adjustment(
                goal, reason="x", changes=[change("q2", "weight", "25")], user=users["finance"]
            )
        assert codes(error) == [INVALID]


def test_an_adjustment_request_is_checked_whole(
    approved: PerformanceGoal, users: dict[str, User]
) -> None:
    with pytest.raises(DomainError) as error:
        request_adjustment(
            approved,
            reason=" ",
            changes=[
                change("nope", "target_value", "1"),
                change("q2", "name", "新名称"),
                change("q1", "target_value", "150"),  # q1 is locked
                change("q2", "target_value", "abc"),
                change("s1", "target_value", "90"),  # unchanged
                change("s1", "unit", "x" * 21),
                change("e1", "target_text", "显著提升"),
                change("e1", "target_text", "大幅提升"),
                change("s1", "weight", "-1"),
            ],
            user=users["finance"],
        )
    assert [(p.code, p.field) for p in error.value.problems] == [
        ("REQUIRED", "reason"),
        ("UNKNOWN_INDICATOR", "changes.0.indicator"),
        ("NOT_ADJUSTABLE", "changes.1.field"),
        ("LOCKED", "changes.2.field"),
        ("INVALID_NUMBER", "changes.3.after"),
        ("UNCHANGED", "changes.4.after"),
        ("TOO_LONG", "changes.5.after"),
        ("DUPLICATE", "changes.7.field"),
        ("NEGATIVE_NUMBER", "changes.8.after"),
    ]
    with pytest.raises(DomainError) as error:
        request_adjustment(approved, reason="x", changes=[], user=users["finance"])
    assert codes(error) == ["REQUIRED"]
    with pytest.raises(DomainError) as error:
        request_adjustment(
            approved, reason="x", changes=[change("q2", "unit", "件")], user=users["leader"]
        )
    assert codes(error) == [DENIED]
    assert not AdjustmentRequest.objects.exists()


def test_an_adjustment_goes_through_review_and_applies_on_approval(
    lsj: Procuratorate, approved: PerformanceGoal, users: dict[str, User]
) -> None:
    city_review(True)
    adjustment = request_adjustment(
        approved,
        reason="年中追加办案任务",
        changes=[change("q2", "target_value", "98.5"), change("e1", "target_text", "显著提升")],
        user=users["finance"],
    )
    assert adjustment.status == AdjustmentStatus.DRAFT
    assert adjustment.changes == [
        {"indicator": "q2", "field": "target_value", "before": "95.0000", "after": "98.5000"},
        {"indicator": "e1", "field": "target_text", "before": "明显提升", "after": "显著提升"},
    ]
    row = GoalSubmission.objects.get(unit=lsj, goal_id=approved.pk)
    assert (row.status, row.adjustment_status) == ("approved", "draft")

    with pytest.raises(DomainError) as error:
        review_adjustment(adjustment, user=users["leader"], decision="approve")
    assert codes(error) == [INVALID]
    with pytest.raises(DomainError) as error:
        submit_adjustment(adjustment, user=users["leader"])
    assert codes(error) == [DENIED]
    submit_adjustment(adjustment, user=users["finance"])
    with pytest.raises(DomainError) as error:
        request_adjustment(
            approved, reason="再调", changes=[change("q2", "unit", "件")], user=users["finance"]
        )
    assert codes(error) == ["ADJUSTMENT_OPEN"]

    for actor in ("finance", "other_leader", "loudi_reviewer"):
        with pytest.raises(DomainError) as error:
            review_adjustment(adjustment, user=users[actor], decision="approve")
        assert codes(error) == [DENIED]
    review_adjustment(adjustment, user=users["leader"], decision="approve")
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.UNIT_APPROVED
    assert approved.indicators.get(code="q2").target_value == D("95")  # not yet
    row.refresh_from_db()
    assert row.adjustment_status == "unit_approved"

    for actor in ("changsha_reviewer", "leader"):
        with pytest.raises(DomainError) as error:
            review_adjustment(adjustment, user=users[actor], decision="approve")
        assert codes(error) == [DENIED]
    record = review_adjustment(
        adjustment, user=users["loudi_reviewer"], decision="approve", comment="同意"
    )
    assert (record.stage, record.adjustment, record.reviewer_unit_code) == (
        "city",
        adjustment,
        "loudi",
    )
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.APPROVED and adjustment.decided_at is not None
    q2, e1 = approved.indicators.get(code="q2"), approved.indicators.get(code="e1")
    assert (q2.target_value, e1.target_text) == (D("98.5"), "显著提升")
    approved.refresh_from_db()
    assert approved.status == GoalStatus.APPROVED

    # The indicator's history keeps before and after, with who approved it.
    before, after = list(q2.history.order_by("history_date", "history_id"))[-2:]
    assert (before.target_value, after.target_value) == (D("95"), D("98.5"))
    assert after.history_user == users["loudi_reviewer"]
    assert after.history_change_reason == f"目标调整申请 {adjustment.pk}"
    assert list(
        adjustment.history.order_by("history_date", "history_id").values_list(
            "status", "history_user"
        )
    ) == [
        ("draft", users["finance"].pk),
        ("submitted", users["finance"].pk),
        ("unit_approved", users["leader"].pk),
        ("approved", users["loudi_reviewer"].pk),
    ]
    row.refresh_from_db()
    assert (row.status, row.adjustment_status) == ("approved", "approved")


def test_a_returned_adjustment_is_revised_and_a_rejected_one_changes_nothing(
    approved: PerformanceGoal, users: dict[str, User]
) -> None:
    adjustment = request_adjustment(
        approved, reason="调整", changes=[change("s1", "unit", "分")], user=users["finance"]
    )
    submit_adjustment(adjustment, user=users["finance"])
    with pytest.raises(DomainError) as error:
        review_adjustment(adjustment, user=users["leader"], decision="return")
    assert codes(error) == ["COMMENT_REQUIRED"]
    review_adjustment(adjustment, user=users["leader"], decision="return", comment="单位不对")
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.RETURNED

    revised = request_adjustment(
        approved,
        reason="调整计量单位",
        changes=[change("s1", "unit", "百分比")],
        user=users["finance"],
    )
    assert (revised.pk, revised.status, revised.reason) == (
        adjustment.pk,
        AdjustmentStatus.DRAFT,
        "调整计量单位",
    )
    submit_adjustment(revised, user=users["finance"])
    review_adjustment(revised, user=users["leader"], decision="reject", comment="无需调整")
    revised.refresh_from_db()
    assert revised.status == AdjustmentStatus.REJECTED and revised.decided_at is not None
    assert approved.indicators.get(code="s1").unit == "%"
    with pytest.raises(DomainError) as error:
        submit_adjustment(revised, user=users["finance"])
    assert codes(error) == [INVALID]

    # A closed request makes room for a new one.
    again = request_adjustment(
        approved, reason="再次调整", changes=[change("s1", "unit", "分")], user=users["finance"]
    )
    assert again.pk != revised.pk


def test_an_adjustment_must_leave_a_goal_that_passes_the_checks(
    approved: PerformanceGoal, users: dict[str, User]
) -> None:
    adjustment = request_adjustment(
        approved, reason="提高分值", changes=[change("q2", "weight", "40")], user=users["finance"]
    )
    with pytest.raises(DomainError) as error:
        submit_adjustment(adjustment, user=users["finance"])
    assert {p.field for p in error.value.problems} == {"indicators"}
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.DRAFT
    assert approved.indicators.get(code="q2").weight == D("20")  # the check wrote nothing
    assert approved.indicators.get(code="q2").history.count() == 1

    # The draft is revised into one that passes, and goes through.
    revised = request_adjustment(
        approved,
        reason="提高目标",
        changes=[change("q2", "target_value", "97")],
        user=users["finance"],
    )
    assert revised.pk == adjustment.pk
    submit_adjustment(revised, user=users["finance"])
    review_adjustment(revised, user=users["leader"], decision="approve")
    q2 = approved.indicators.get(code="q2")
    assert (q2.target_value, q2.weight) == (D("97"), D("20"))


# --- withdrawing, what the reviewer saw, long texts ---------------------------------------------


@pytest.mark.parametrize(
    ("state", "actor", "expected"),
    [
        ("submitted", "finance", GoalStatus.DRAFT),
        ("submitted", "leader", DENIED),
        ("submitted", "other_finance", DENIED),
        ("draft", "finance", INVALID),
        ("returned", "finance", INVALID),
        ("unit_approved", "finance", INVALID),  # the leader has reviewed it
        ("approved", "finance", INVALID),
    ],
)
def test_a_submitted_goal_is_withdrawn_before_review(
    lsj: Procuratorate,
    goal: PerformanceGoal,
    users: dict[str, User],
    state: str,
    actor: str,
    expected: str,
) -> None:
    city_review(state == GoalStatus.UNIT_APPROVED)
    drive(goal, state, users)
    if expected in (DENIED, INVALID):
        with pytest.raises(DomainError) as error:
            workflow.withdraw(goal, user=users[actor])
        assert codes(error) == [expected]
        goal.refresh_from_db()
        assert goal.status == state
        return
    workflow.withdraw(goal, user=users[actor])
    goal.refresh_from_db()
    assert (goal.status, goal.submitted_at) == (GoalStatus.DRAFT, None)
    last = goal.history.order_by("-history_date", "-history_id").first()
    assert (last.status, last.history_user, last.history_change_reason) == (
        "draft",
        users["finance"],
        "撤回",
    )
    assert GoalSubmission.objects.get(unit=lsj, goal_id=goal.pk).status == "draft"
    # and it can be submitted again
    submit(goal, user=users["finance"])
    goal.refresh_from_db()
    assert goal.status == GoalStatus.SUBMITTED


def test_a_review_keeps_what_the_reviewer_saw(
    lsj: Procuratorate, goal: PerformanceGoal, users: dict[str, User]
) -> None:
    from backend.goals.services.drafting import update_goal_indicator

    drive(goal, GoalStatus.SUBMITTED, users)
    record = review(
        goal,
        user=users["leader"],
        decision="return",
        grade="fair",
        indicator_comments={"q1": "案件数目标偏低"},
    )
    # The preparer raises the target afterwards: the review still shows what was judged.
    update_goal_indicator(goal.indicators.get(code="q1"), {"target_value": "140"}, user=None)
    record.refresh_from_db()
    seen = {row["code"]: row for row in record.snapshot["indicators"]}
    assert list(seen) == ["q1", "q2", "e1", "s1"]
    assert (seen["q1"]["target_value"], seen["q1"]["weight"], seen["q1"]["unit"]) == (
        "120.0000",
        "30.00",
        "件",
    )
    assert seen["e1"]["target_text"] == "明显提升"
    assert record.snapshot["overall_goal"] == goal.overall_goal
    assert goal.indicators.get(code="q1").target_value == D("140")


def test_an_adjustment_review_keeps_the_changes_it_decided(
    lsj: Procuratorate, approved: PerformanceGoal, users: dict[str, User]
) -> None:
    adjustment = request_adjustment(
        approved,
        reason="年中追加办案任务",
        changes=[change("q2", "target_value", "98")],
        user=users["finance"],
    )
    submit_adjustment(adjustment, user=users["finance"])
    record = review_adjustment(adjustment, user=users["leader"], decision="approve")
    assert record.snapshot == {
        "reason": "年中追加办案任务",
        "changes": [
            {"indicator": "q2", "field": "target_value", "before": "95.0000", "after": "98.0000"}
        ],
    }


def test_overlong_review_texts_are_refused(
    lsj: Procuratorate, goal: PerformanceGoal, users: dict[str, User]
) -> None:
    drive(goal, GoalStatus.SUBMITTED, users)
    with pytest.raises(DomainError) as error:
        review(
            goal,
            user=users["leader"],
            decision="return",
            grade="fair",
            comment="长" * 2001,
            indicator_comments={"q1": "长" * 2001},
        )
    assert [(p.code, p.field) for p in error.value.problems] == [
        ("TOO_LONG", "comment"),
        ("TOO_LONG", "indicator_comments.q1"),
    ]
    assert not GoalReview.objects.exists()


def test_a_huge_requested_value_is_a_problem_not_a_crash(
    approved: PerformanceGoal, users: dict[str, User]
) -> None:
    with pytest.raises(DomainError) as error:
        request_adjustment(
            approved,
            reason="x",
            changes=[change("q2", "target_value", "1e30"), change("q2", "weight", "9e99")],
            user=users["finance"],
        )
    assert [(p.code, p.field) for p in error.value.problems] == [
        ("INVALID_NUMBER", "changes.0.after"),
        ("INVALID_NUMBER", "changes.1.after"),
    ]

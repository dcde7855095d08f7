"""Drafting a goal: the template's mandatory indicators added automatically, library and
goal-only indicators, locked and fixed fields, the editable states, and the history. Runs in a
unit's schema (``schema_context``) inside the test transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import User
from backend.core.errors import DomainError
from backend.goals import selectors
from backend.goals.models import GoalIndicator, GoalStatus, IndicatorSource, PerformanceGoal
from backend.goals.services.drafting import (
    add_goal_indicator,
    add_library_indicator,
    create_goal,
    remove_goal_indicator,
    update_goal,
    update_goal_indicator,
)
from backend.indicators.models import TemplateVersion
from backend.library.models import LibraryIndicator, Source
from backend.library.services import add_local_indicator, adopt_version
from tests.factories import UserFactory
from tests.goals.factories import GoalFactory, GoalIndicatorFactory, ProjectFactory
from tests.indicators.push_factories import TemplateFactory, make_version, next_version

pytestmark = pytest.mark.django_db

D = Decimal

CASE_TEMPLATE = [
    {
        "code": "t-cases",
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "办理案件数",
        "mandatory": True,
        "locked": True,
        "target_value": D("100"),
        "weight": D("20"),
    },
    {
        "code": "t-quality",
        "level1": "产出指标",
        "level2": "质量指标",
        "name": "案件质量合格率",
        "unit": "%",
        "mandatory": True,
        "target_value": D("95"),
        "weight": D("30"),
    },
    {
        "code": "t-effect",
        "level1": "效益指标",
        "level2": "社会效益指标",
        "name": "司法公信力",
        "value_type": "qualitative",
        "direction": "",
        "unit": "",
        "target_value": None,
        "target_text": "提升",
        "scoring_method": "bands",
        "weight": D("40"),
    },
    {
        "code": "t-old",
        "level1": "产出指标",
        "level2": "时效指标",
        "name": "按时办结率",
        "unit": "%",
        "mandatory": True,
        "weight": D("5"),
    },
]

GOAL_ONLY = {
    "code": "own-1",
    "level1": "产出指标",
    "level2": "时效指标",
    "name": "12309 按时答复率",
    "value_type": "quantitative",
    "direction": "gte",
    "unit": "%",
    "target_value": "98",
    "weight": "5",
}


@pytest.fixture
def user() -> User:
    return UserFactory(username="lsj-finance")


@pytest.fixture
def template(lsj) -> TemplateVersion:
    """办案业务经费 template adopted at v2: v1 had t-old (mandatory), v2 dropped it."""
    first = make_version(
        template=TemplateFactory(code="case-tpl", project_kind="办案业务经费"),
        indicators=CASE_TEMPLATE,
    )
    adopt_version(first)
    second = next_version(first, drop=("t-old",))
    adopt_version(second)
    return second


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in error.value.problems]


def indicators(goal: PerformanceGoal) -> dict[str, GoalIndicator]:
    return {i.code: i for i in GoalIndicator.objects.filter(goal=goal)}


def goal_of_kind(user: User, kind: str = "case_funds", **kwargs: Any) -> PerformanceGoal:
    return create_goal(ProjectFactory(kind=kind), overall_goal="保障办案", user=user, **kwargs)


# --- creating a goal ----------------------------------------------------------------------------


def test_mandatory_template_indicators_are_added_automatically(template, user) -> None:
    goal = goal_of_kind(user, midterm_goal="三年内提升办案质效")
    assert (goal.status, goal.fiscal_year, goal.created_by_id) == ("draft", 2026, user.pk)
    assert goal.midterm_goal == "三年内提升办案质效"
    rows = indicators(goal)
    # mandatory and current only: not the optional t-effect, not the retired t-old
    assert set(rows) == {"t-cases", "t-quality"}
    library = {i.code: i for i in LibraryIndicator.objects.filter(source=Source.TEMPLATE)}
    for code, row in rows.items():
        assert row.source == IndicatorSource.LIBRARY
        assert row.library_indicator_id == library[code].pk
        assert (row.template_code, row.template_version) == ("case-tpl", 2)
        assert row.mandatory
    assert rows["t-cases"].locked and rows["t-cases"].target_value == D("100")
    assert rows["t-quality"].unit == "%"
    # the history records who added them
    assert {r.history_user_id for r in GoalIndicator.history.filter(goal_id=goal.pk)} == {user.pk}
    assert goal.history.get().history_user_id == user.pk


def test_a_project_of_another_kind_gets_no_template(template, user) -> None:
    goal = goal_of_kind(user, kind="training")
    assert indicators(goal) == {}


def test_a_template_can_be_named_and_must_be_adopted(template, user) -> None:
    goal = goal_of_kind(user, kind="training", template_code="case-tpl")
    assert set(indicators(goal)) == {"t-cases", "t-quality"}
    TemplateFactory(code="not-adopted")
    with pytest.raises(DomainError) as error:
        goal_of_kind(user, template_code="not-adopted")
    assert codes(error) == [("TEMPLATE_NOT_ADOPTED", "template_code")]


def test_one_goal_per_project_and_year_and_an_overall_goal_is_required(template, user) -> None:
    project = ProjectFactory()
    create_goal(project, overall_goal="目标", user=user)
    with pytest.raises(DomainError) as error:
        create_goal(project, overall_goal=" ", user=user)
    assert sorted(codes(error)) == [("GOAL_EXISTS", "project"), ("REQUIRED", "overall_goal")]
    assert PerformanceGoal.objects.filter(project=project).count() == 1


def test_goal_texts_have_a_length_limit(template, user) -> None:
    with pytest.raises(DomainError) as error:
        create_goal(ProjectFactory(), overall_goal="长" * 2001, midterm_goal="长" * 2001, user=user)
    assert codes(error) == [("TOO_LONG", "overall_goal"), ("TOO_LONG", "midterm_goal")]
    goal = create_goal(ProjectFactory(), overall_goal="长" * 2000, user=user)
    with pytest.raises(DomainError) as error:
        update_goal(goal, {"midterm_goal": "长" * 2001}, user=user)
    assert codes(error) == [("TOO_LONG", "midterm_goal")]


def test_creating_a_goal_takes_a_constant_number_of_queries(lsj, user) -> None:
    counts = []
    for size, kind, name in ((2, "case_funds", "办案业务经费"), (25, "equipment", "检察技术装备")):
        rows = [
            {"code": f"m{i}", "level1": "产出指标", "level2": "数量指标", "mandatory": True}
            for i in range(size)
        ]
        adopt_version(make_version(template=TemplateFactory(project_kind=name), indicators=rows))
        project = ProjectFactory(kind=kind)
        with CaptureQueriesContext(connection) as queries:
            goal = create_goal(project, overall_goal="目标", user=user)
        assert len(indicators(goal)) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- library indicators -------------------------------------------------------------------------


def test_library_indicators_are_copied_with_their_template_link(template, user) -> None:
    goal = goal_of_kind(user)
    optional = LibraryIndicator.objects.get(code="t-effect")
    row = add_library_indicator(goal, optional, user=user)
    assert (row.source, row.template_code, row.template_version) == ("library", "case-tpl", 2)
    assert (row.target_text, row.scoring_method, row.mandatory) == ("提升", "bands", False)
    local = add_local_indicator(
        {
            "code": "local-1",
            "level1": "满意度指标",
            "level2": "服务对象满意度指标",
            "name": "当事人满意度",
            "value_type": "quantitative",
            "direction": "gte",
            "unit": "%",
            "target_value": "90",
            "weight": "10",
        }
    )
    copied = add_library_indicator(goal, local, user=user)
    assert (copied.source, copied.template_code, copied.template_version) == ("library", "", None)
    assert copied.library_indicator_id == local.pk

    with pytest.raises(DomainError) as error:
        add_library_indicator(goal, optional, user=user)
    assert codes(error) == [("DUPLICATE_CODE", "code")]
    retired = LibraryIndicator.objects.get(code="t-old")
    with pytest.raises(DomainError) as error:
        add_library_indicator(goal, retired, user=user)
    assert codes(error) == [("RETIRED", "library_indicator")]


def test_mandatory_indicators_cannot_be_removed(template, user) -> None:
    goal = goal_of_kind(user)
    mandatory = GoalIndicator.objects.get(goal=goal, code="t-quality")
    with pytest.raises(DomainError) as error:
        remove_goal_indicator(mandatory, user=user)
    assert codes(error) == [("MANDATORY", "indicators.t-quality")]
    assert GoalIndicator.objects.filter(pk=mandatory.pk).exists()
    optional = add_library_indicator(goal, LibraryIndicator.objects.get(code="t-effect"), user=user)
    remove_goal_indicator(optional, user=user)
    assert set(indicators(goal)) == {"t-cases", "t-quality"}
    deleted = GoalIndicator.history.filter(id=optional.pk, history_type="-").get()
    assert deleted.history_user_id == user.pk


def test_a_locked_indicator_keeps_its_target_and_weight(template, user) -> None:
    goal = goal_of_kind(user)
    locked = GoalIndicator.objects.get(goal=goal, code="t-cases")
    with pytest.raises(DomainError) as error:
        update_goal_indicator(
            locked, {"target_value": "120", "weight": "25", "guidance": "说明"}, user=user
        )
    assert sorted(codes(error)) == [("LOCKED", "target_value"), ("LOCKED", "weight")]
    locked.refresh_from_db()
    assert (locked.target_value, locked.weight, locked.guidance) == (D("100"), D("20"), "")
    # the same values are no change; the other fields stay editable
    update_goal_indicator(
        locked, {"target_value": "100.00", "weight": 20, "guidance": "说明"}, user=user
    )
    locked.refresh_from_db()
    assert locked.guidance == "说明"


def test_a_library_indicator_keeps_its_code_levels_and_flags(template, user) -> None:
    goal = goal_of_kind(user)
    row = GoalIndicator.objects.get(goal=goal, code="t-quality")
    with pytest.raises(DomainError) as error:
        update_goal_indicator(
            row,
            {"code": "x", "level2": "时效指标", "mandatory": False, "locked": True},
            user=user,
        )
    assert sorted(codes(error)) == [
        ("NOT_EDITABLE", "code"),
        ("NOT_EDITABLE", "level2"),
        ("NOT_EDITABLE", "locked"),
        ("NOT_EDITABLE", "mandatory"),
    ]
    updated = update_goal_indicator(row, {"target_value": "97", "weight": "30"}, user=user)
    assert updated.target_value == D("97")


# --- goal-only indicators -----------------------------------------------------------------------


def test_goal_only_indicators(lsj, user) -> None:
    goal = GoalFactory()
    row = add_goal_indicator(goal, GOAL_ONLY, user=user)
    assert (row.source, row.library_indicator_id, row.template_code) == ("goal", None, "")
    assert (row.target_value, row.weight, row.scoring_method) == (D("98"), D("5"), "proportional")
    qualitative = add_goal_indicator(
        goal,
        {
            "code": "own-2",
            "level1": "效益指标",
            "level2": "社会效益",  # the short form is normalised
            "name": "社会满意",
            "value_type": "qualitative",
            "target_text": "明显提升",
            "weight": "30",
        },
        user=user,
    )
    assert (qualitative.level2, qualitative.scoring_method) == ("社会效益指标", "bands")
    assert qualitative.sort_order == row.sort_order + 1
    # a goal-only indicator may change its code and levels, not the province's flags
    changed = update_goal_indicator(row, {"code": "own-3", "level2": "数量指标"}, user=user)
    assert (changed.code, changed.level2) == ("own-3", "数量指标")
    with pytest.raises(DomainError) as error:
        update_goal_indicator(row, {"code": "own-2", "mandatory": True}, user=user)
    assert sorted(codes(error)) == [("DUPLICATE_CODE", "code"), ("NOT_EDITABLE", "mandatory")]
    # switching the value type switches the default scoring method
    switched = update_goal_indicator(
        row, {"value_type": "qualitative", "direction": "", "target_text": "好"}, user=user
    )
    assert switched.scoring_method == "bands"
    remove_goal_indicator(row, user=user)
    assert set(indicators(goal)) == {"own-2"}


def test_every_problem_of_a_goal_only_indicator_is_reported_at_once(lsj, user) -> None:
    goal = GoalFactory()
    add_goal_indicator(goal, GOAL_ONLY, user=user)
    with pytest.raises(DomainError) as error:
        add_goal_indicator(
            goal,
            {
                **GOAL_ONLY,
                "level1": "产出",
                "weight": "abc",
                "direction": ">",
                "locked": True,
                "actual_value": 3,
            },
            user=user,
        )
    assert sorted(codes(error)) == [
        ("DUPLICATE_CODE", "code"),
        ("INVALID_CHOICE", "direction"),
        ("INVALID_LEVEL", "level1"),
        ("INVALID_NUMBER", "weight"),
        ("NOT_EDITABLE", "locked"),
        ("UNKNOWN_FIELD", "actual_value"),
    ]
    with pytest.raises(DomainError) as error:
        add_goal_indicator(goal, {"code": "x"}, user=user)
    assert {c for c, _ in codes(error)} == {"REQUIRED"}
    assert len(indicators(goal)) == 1


# --- states and history -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [GoalStatus.SUBMITTED, GoalStatus.UNIT_APPROVED, GoalStatus.APPROVED, GoalStatus.REJECTED],
)
def test_only_drafts_and_returned_goals_are_edited(lsj, user, status: str) -> None:
    goal = GoalFactory(status=status)
    row = GoalIndicatorFactory(goal=goal, code="g1")
    local = add_local_indicator(
        {
            "code": "local-x",
            "level1": "产出指标",
            "level2": "数量指标",
            "name": "本院",
            "value_type": "quantitative",
            "weight": "1",
        }
    )
    attempts = [
        lambda: update_goal(goal, {"overall_goal": "新目标"}, user=user),
        lambda: add_goal_indicator(goal, GOAL_ONLY, user=user),
        lambda: add_library_indicator(goal, local, user=user),
        lambda: update_goal_indicator(row, {"name": "新名"}, user=user),
        lambda: remove_goal_indicator(row, user=user),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as error:
            attempt()
        assert codes(error) == [("NOT_EDITABLE", "status")]
    before = goal.overall_goal
    goal.refresh_from_db()
    assert (goal.status, goal.overall_goal) == (status, before)
    assert set(indicators(goal)) == {"g1"}


@pytest.mark.parametrize(
    "edit",
    [
        lambda goal, row, user: update_goal(goal, {"overall_goal": "改后的目标"}, user=user),
        lambda goal, row, user: add_goal_indicator(goal, GOAL_ONLY, user=user),
        lambda goal, row, user: update_goal_indicator(row, {"target_value": "5"}, user=user),
        lambda goal, row, user: remove_goal_indicator(row, user=user),
    ],
    ids=["goal", "add", "update", "remove"],
)
def test_editing_a_returned_goal_makes_it_a_draft(lsj, user, edit) -> None:
    goal = GoalFactory(status=GoalStatus.RETURNED)
    row = GoalIndicatorFactory(goal=goal, code="g1")
    edit(goal, row, user)
    assert goal.status == GoalStatus.DRAFT  # the caller's object follows
    goal.refresh_from_db()
    assert goal.status == GoalStatus.DRAFT
    record = goal.history.first()
    assert (record.status, record.history_user_id) == ("draft", user.pk)


def test_an_edit_without_a_change_leaves_a_returned_goal_returned(lsj, user) -> None:
    goal = GoalFactory(status=GoalStatus.RETURNED)
    row = GoalIndicatorFactory(goal=goal, code="g1", target_value=D("5"))
    update_goal_indicator(row, {"target_value": "5.0"}, user=user)
    update_goal(goal, {"overall_goal": goal.overall_goal}, user=user)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.RETURNED


def test_history_records_who_changed_what(lsj, user) -> None:
    goal = GoalFactory()
    row = add_goal_indicator(goal, GOAL_ONLY, user=user)
    other = UserFactory(username="lsj-leader")
    update_goal_indicator(row, {"target_value": "99", "unit": "％"}, user=other)
    update_goal(goal, {"midterm_goal": "中期"}, user=other)

    first, latest = row.history.order_by("history_date", "history_id")
    assert (first.history_type, first.history_user_id) == ("+", user.pk)
    assert (latest.history_type, latest.history_user_id) == ("~", other.pk)
    delta = latest.diff_against(first)
    assert {c.field: (c.old, c.new) for c in delta.changes} == {
        "target_value": (D("98.0000"), D("99.0000")),
        "unit": ("%", "％"),
    }
    assert goal.history.first().history_user_id == other.pk
    assert goal.history.first().midterm_goal == "中期"


def test_goals_read_with_their_indicators_in_constant_queries(lsj) -> None:
    counts = []
    for count in (2, 20):
        GoalIndicator.objects.all().delete()
        PerformanceGoal.objects.all().delete()
        for _ in range(count):
            goal = GoalFactory()
            GoalIndicatorFactory.create_batch(3, goal=goal)
        with CaptureQueriesContext(connection) as queries:
            rows = list(selectors.goals(fiscal_year=2026, status="draft"))
            names = [(g.project.code, i.code) for g in rows for i in g.indicators.all()]
        assert len(names) == 3 * count
        counts.append(len(queries))
    assert counts == [2, 2]
    one = selectors.goal_with_indicators(rows[0].pk)
    assert [i.sort_order for i in one.indicators.all()] == sorted(
        i.sort_order for i in one.indicators.all()
    )
    assert list(selectors.goals(project=rows[0].project)) == [rows[0]]

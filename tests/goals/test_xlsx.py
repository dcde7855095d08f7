"""The goal declaration form (绩效目标申报表): export, import, and every bad cell named. Runs in
冷水江's schema with the starter library adopted, inside the test transaction."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from backend.accounts.models import User
from backend.budgets.models import Category, Project, ProjectKind
from backend.budgets.services import add_adjustment, create_project
from backend.core.errors import DomainError
from backend.goals.models import (
    Decision,
    GoalIndicator,
    GoalReview,
    GoalStatus,
    IndicatorComment,
    IndicatorSource,
    PerformanceGoal,
    ReviewStage,
)
from backend.goals.services import drafting, xlsx
from backend.indicators.services.starter import load_starter_library
from backend.library.models import LibraryIndicator
from backend.library.services import adopt_version
from tenants.models import Procuratorate
from tests import hostile_xlsx as hostile
from tests import sheet_layout as layout
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHEET = "绩效目标申报表"
FIRST = xlsx.HEADER_ROW + 1  # the first indicator row
FIELDS = (
    "code",
    *(f for f in GoalIndicator.CONTENT_FIELDS if f != "sort_order"),
    "source",
    "library_indicator_id",
    "template_code",
    "template_version",
)


@pytest.fixture
def lsj(unit: Callable[[str], Procuratorate]) -> Iterator[None]:
    """冷水江's schema, with the three starter templates adopted."""
    versions = load_starter_library()
    with schema_context(unit("lengshuijiang").schema_name):
        for version in versions:
            adopt_version(version)
        yield


@pytest.fixture
def user() -> User:
    return UserFactory(username="lengshuijiang-finance")


def library(code: str) -> LibraryIndicator:
    return LibraryIndicator.objects.get(code=code)


def indicator(goal: PerformanceGoal, code: str) -> GoalIndicator:
    return GoalIndicator.objects.get(goal=goal, code=code)


@pytest.fixture
def project(lsj: None, user: User) -> Project:
    project = create_project(
        code="ajjf-2026",
        name="2026年办案业务经费",
        category=Category.PROJECT,
        kind=ProjectKind.CASE_FUNDS,
        fiscal_year=2026,
        initial_budget=Decimal("1200000.00"),
        user=user,
        department="计划财务装备部",
        person_in_charge="李明",
    )
    add_adjustment(
        project,
        date=datetime.date(2026, 6, 30),
        amount=Decimal("150000.50"),
        reason="追加办案专项经费",
        user=user,
    )
    return project


@pytest.fixture
def goal(project: Project, user: User) -> PerformanceGoal:
    """A case-funds goal: the template's mandatory indicators (two locked), three more from
    the library (one locked, one qualitative), one written for the goal, a changed target."""
    goal = drafting.create_goal(
        project,
        overall_goal="保障全院办案工作顺利开展，审查逮捕、审查起诉案件按期办结。\n提升办案质效。",
        midterm_goal="三年内建成规范高效的办案经费保障机制。",
        user=user,
    )
    for code in ("cf-12309-response", "cf-supervision-effect", "cf-complaint-rate"):
        drafting.add_library_indicator(goal, library(code), user=user)
    drafting.add_goal_indicator(
        goal,
        {
            "code": "lsj-mediation",
            "level1": "效益指标",
            "level2": "社会效益指标",
            "name": "矛盾纠纷化解率",
            "value_type": "quantitative",
            "direction": "gte",
            "polarity": "positive",
            "unit": "%",
            "target_value": Decimal("87.5"),
            "weight": Decimal("2.25"),
            "target_basis": "history",
            "guidance": "化解件数 ÷ 受理件数。",
        },
        user=user,
    )
    drafting.update_goal_indicator(
        indicator(goal, "cf-arrest-cases"), {"target_value": Decimal("180")}, user=user
    )
    goal.refresh_from_db()
    return goal


def snapshot(goal: PerformanceGoal) -> dict[str, Any]:
    goal = PerformanceGoal.objects.get(pk=goal.pk)
    return {
        "overall_goal": goal.overall_goal,
        "midterm_goal": goal.midterm_goal,
        "status": goal.status,
        "indicators": [
            {name: getattr(i, name) for name in FIELDS}
            for i in GoalIndicator.objects.filter(goal=goal).order_by("sort_order", "id")
        ],
    }


def history_count() -> int:
    return GoalIndicator.history.count() + PerformanceGoal.history.count()


def book(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(BytesIO(content))


def saved(workbook: openpyxl.Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_of(sheet: Any, code: str) -> int:
    for (cell,) in sheet.iter_rows(min_row=FIRST, min_col=4, max_col=4):
        if cell.value == code:
            return int(cell.row)
    raise KeyError(code)


def edited(content: bytes, edit: Callable[[Any], None]) -> bytes:
    workbook = book(content)
    edit(workbook[SHEET])
    return saved(workbook)


def fields_of(error: pytest.ExceptionInfo[DomainError]) -> dict[str, str]:
    return {p.field or "": p.code for p in error.value.problems}


# --- export -------------------------------------------------------------------------------------


def test_export_writes_the_standard_form(goal: PerformanceGoal) -> None:
    sheet = book(xlsx.export_goal(goal))[SHEET]
    assert book(xlsx.export_goal(goal)).sheetnames == [SHEET]
    assert sheet["A1"].value == "2026年度项目支出绩效目标申报表"
    assert sheet["B2"].value == "冷水江市人民检察院"
    facts = {
        sheet[f"{col}{row}"].value: sheet[f"{chr(ord(col) + 1)}{row}"].value
        for row in range(3, 8)
        for col in ("A", "G")
    }
    assert facts == {
        "项目名称": "2026年办案业务经费",
        "项目编码": "ajjf-2026",
        "预算年度": 2026,
        "支出类别": "项目支出",
        "项目类型": "办案业务经费",
        "主管处室": "计划财务装备部",
        "项目负责人": "李明",
        "资金来源": "一般公共预算",
        "年初预算数（元）": 1200000,
        "全年预算数（元）": 1350000.5,
    }
    assert sheet["A8"].value == "年度总体目标" and sheet["B8"].value == goal.overall_goal
    assert sheet["A9"].value == "中期目标" and sheet["B9"].value == goal.midterm_goal
    assert [c.value for c in sheet[xlsx.HEADER_ROW]] == [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标编码",
        "指标性质",
        "运算符",
        "指标值",
        "计量单位",
        "分值",
        "指标方向",
        "目标值依据",
        "评分方法",
        "指标解释",
    ]
    rows = {
        row[3]: row
        for row in sheet.iter_rows(min_row=FIRST, values_only=True)
        if row[3] is not None
    }
    assert len(rows) == GoalIndicator.objects.filter(goal=goal).count() == 9
    assert rows["cf-arrest-cases"][:12] == (
        "产出指标",
        "数量指标",
        "审查逮捕案件数",
        "cf-arrest-cases",
        "定量",
        "≥",
        180,
        "件",
        6,
        "正向",
        "历史标准",
        "比例计分",
    )
    assert rows["cf-supervision-effect"][4:7] == (
        "定性",
        None,
        "法律监督质效明显提升，案件质量评查无重大瑕疵",
    )
    assert rows["lsj-mediation"][6] == 87.5 and rows["lsj-mediation"][8] == 2.25
    closure = row_of(sheet, "cf-closure-rate")  # locked and mandatory: shaded
    assert sheet[f"G{closure}"].fill.fgColor.rgb.endswith("D9D9D9")
    assert sheet[f"D{closure}"].fill.fgColor.rgb.endswith("FFF2CC")


# --- round trip ---------------------------------------------------------------------------------


def test_export_then_import_gives_the_same_goal(goal: PerformanceGoal, user: User) -> None:
    before = snapshot(goal)
    records = history_count()
    content = xlsx.export_goal(goal)

    imported = xlsx.import_goal(goal.project, content, user=user)

    assert imported.pk == goal.pk
    assert snapshot(goal) == before
    assert history_count() == records  # an unchanged form writes nothing


def test_an_exported_form_recreates_the_goal(goal: PerformanceGoal, user: User) -> None:
    before = snapshot(goal)
    project = goal.project
    content = xlsx.export_goal(goal)
    goal.delete()

    created = xlsx.import_goal(project, content, user=user)

    after = snapshot(created)
    assert after == before
    assert created.fiscal_year == 2026 and created.created_by == user
    mediation = indicator(created, "lsj-mediation")
    assert (mediation.source, mediation.guidance) == (IndicatorSource.GOAL, "化解件数 ÷ 受理件数。")
    closure = indicator(created, "cf-closure-rate")
    assert (closure.mandatory, closure.locked, closure.template_code, closure.template_version) == (
        True,
        True,
        "case-funds",
        1,
    )
    assert closure.library_indicator == library("cf-closure-rate")


def test_an_import_replaces_the_indicators_and_keeps_history(
    goal: PerformanceGoal, user: User
) -> None:
    def edit(sheet: Any) -> None:
        sheet["B8"] = "新的年度总体目标"
        sheet[f"G{row_of(sheet, 'cf-arrest-cases')}"] = 210
        sheet[f"I{row_of(sheet, 'lsj-mediation')}"] = "3.5"
        sheet.delete_rows(row_of(sheet, "cf-complaint-rate"))
        last = sheet.max_row + 1
        # a library indicator typed by its code, its guidance left blank
        for letter, value in zip(
            "ABCDEFGHIJKL",
            ["产出指标", "数量指标", "业务培训人次", "cf-training", "定量", "≥", 120, "人次", 4],
            strict=False,
        ):
            sheet[f"{letter}{last}"] = value
        # one for this goal alone, choices left to their defaults
        for letter, value in zip(
            "ABCDEFGHI",
            [
                "满意度指标",
                "服务对象满意度指标",
                "群众满意度",
                "lsj-public",
                "定性",
                None,
                "较满意",
            ],
            strict=False,
        ):
            sheet[f"{letter}{last + 1}"] = value
        sheet[f"I{last + 1}"] = 1

    content = edited(xlsx.export_goal(goal), edit)
    xlsx.import_goal(goal.project, content, user=user)

    goal.refresh_from_db()
    assert goal.overall_goal == "新的年度总体目标"
    codes = list(
        GoalIndicator.objects.filter(goal=goal)
        .order_by("sort_order")
        .values_list("code", flat=True)
    )
    assert "cf-complaint-rate" not in codes
    assert codes[-2:] == ["cf-training", "lsj-public"]
    assert indicator(goal, "cf-arrest-cases").target_value == Decimal("210")
    assert indicator(goal, "lsj-mediation").weight == Decimal("3.5")
    training = indicator(goal, "cf-training")
    assert training.source == IndicatorSource.LIBRARY
    assert training.library_indicator == library("cf-training")
    assert (training.template_code, training.template_version) == ("case-funds", 1)
    assert training.guidance == library("cf-training").guidance != ""
    public = indicator(goal, "lsj-public")
    assert public.source == IndicatorSource.GOAL and public.library_indicator is None
    assert (public.value_type, public.target_text, public.scoring_method, public.polarity) == (
        "qualitative",
        "较满意",
        "bands",
        "positive",
    )
    changed = GoalIndicator.history.filter(code="cf-arrest-cases").latest("history_date")
    assert changed.history_user == user and changed.target_value == Decimal("210")
    removed = GoalIndicator.history.filter(code="cf-complaint-rate", history_type="-")
    assert removed.get().history_user == user
    assert GoalIndicator.history.get(code="lsj-public").history_user == user


def test_importing_a_returned_goal_makes_it_a_draft_and_keeps_review_comments(
    goal: PerformanceGoal, user: User
) -> None:
    content = xlsx.export_goal(goal)
    PerformanceGoal.objects.filter(pk=goal.pk).update(status=GoalStatus.RETURNED)
    review = GoalReview.objects.create(
        goal=goal,
        stage=ReviewStage.UNIT,
        decision=Decision.RETURN,
        comment="请调整目标",
        reviewer_unit_code="lengshuijiang",
    )
    comment = IndicatorComment.objects.create(
        review=review, indicator=indicator(goal, "cf-arrest-cases"), comment="目标偏低"
    )

    imported = xlsx.import_goal(goal.project, content, user=user)

    assert imported.status == GoalStatus.DRAFT
    assert PerformanceGoal.objects.get(pk=goal.pk).status == GoalStatus.DRAFT
    assert IndicatorComment.objects.filter(pk=comment.pk).exists()


# --- refusals -----------------------------------------------------------------------------------


def test_three_bad_cells_are_all_named_and_nothing_changes(
    goal: PerformanceGoal, user: User
) -> None:
    before = snapshot(goal)
    records = history_count()
    rows: dict[str, int] = {}

    def edit(sheet: Any) -> None:
        sheet["B8"] = "不应保存的总体目标"
        rows["a"] = row_of(sheet, "cf-prosecution-cases")
        rows["b"] = row_of(sheet, "lsj-mediation")
        rows["c"] = row_of(sheet, "cf-complaint-rate")
        sheet[f"G{rows['a']}"] = "很多"  # a text where a number belongs
        sheet[f"I{rows['b']}"] = "十分"  # not a weight
        sheet[f"E{rows['c']}"] = "半定量"  # not a value type

    content = edited(xlsx.export_goal(goal), edit)
    with pytest.raises(DomainError) as error:
        xlsx.import_goal(goal.project, content, user=user)

    problems = {p.field: p for p in error.value.problems}
    assert set(problems) == {
        f"{SHEET}!G{rows['a']}",
        f"{SHEET}!I{rows['b']}",
        f"{SHEET}!E{rows['c']}",
    }
    assert "指标值" in problems[f"{SHEET}!G{rows['a']}"].message
    assert "分值" in problems[f"{SHEET}!I{rows['b']}"].message
    assert "指标性质" in problems[f"{SHEET}!E{rows['c']}"].message
    assert all(
        f"第 {r} 行" in problems[f"{SHEET}!{c}{r}"].message
        for c, r in (("G", rows["a"]), ("I", rows["b"]), ("E", rows["c"]))
    )
    assert snapshot(goal) == before
    assert history_count() == records


def test_locked_targets_and_weights_cannot_change(goal: PerformanceGoal, user: User) -> None:
    rows: dict[str, int] = {}

    def edit(sheet: Any) -> None:
        rows["closure"] = row_of(sheet, "cf-closure-rate")
        rows["satisfaction"] = row_of(sheet, "cf-satisfaction")
        rows["arrests"] = row_of(sheet, "cf-arrest-cases")
        sheet[f"G{rows['closure']}"] = 90  # locked at 95
        sheet[f"I{rows['satisfaction']}"] = 8  # locked at 10
        sheet[f"B{rows['arrests']}"] = "质量指标"  # a library indicator's level 2

    content = edited(xlsx.export_goal(goal), edit)
    with pytest.raises(DomainError) as error:
        xlsx.import_goal(goal.project, content, user=user)
    assert fields_of(error) == {
        f"{SHEET}!G{rows['closure']}": "LOCKED",
        f"{SHEET}!I{rows['satisfaction']}": "LOCKED",
        f"{SHEET}!B{rows['arrests']}": "NOT_EDITABLE",
    }
    messages = " ".join(p.message for p in error.value.problems)
    assert "锁定为 95%" in messages and "锁定为 10" in messages


def test_mandatory_indicators_cannot_be_left_out(goal: PerformanceGoal, user: User) -> None:
    def edit(sheet: Any) -> None:
        sheet.delete_rows(row_of(sheet, "cf-pil-cases"))
        sheet.delete_rows(row_of(sheet, "cf-complaint-rate"))  # optional: fine

    content = edited(xlsx.export_goal(goal), edit)
    with pytest.raises(DomainError) as error:
        xlsx.import_goal(goal.project, content, user=user)
    assert fields_of(error) == {"indicators.cf-pil-cases": "MANDATORY"}
    assert "公益诉讼案件数" in error.value.problems[0].message
    assert indicator(goal, "cf-complaint-rate")  # nothing saved


def test_a_new_goal_needs_its_templates_mandatory_indicators(
    goal: PerformanceGoal, user: User
) -> None:
    project = goal.project
    content = edited(
        xlsx.export_goal(goal), lambda sheet: sheet.delete_rows(row_of(sheet, "cf-satisfaction"))
    )
    goal.delete()
    with pytest.raises(DomainError) as error:
        xlsx.import_goal(project, content, user=user)
    assert fields_of(error) == {"indicators.cf-satisfaction": "MANDATORY"}
    assert not PerformanceGoal.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    "status", [GoalStatus.APPROVED, GoalStatus.SUBMITTED, GoalStatus.UNIT_APPROVED]
)
def test_a_goal_under_review_or_approved_is_refused(
    goal: PerformanceGoal, user: User, status: str
) -> None:
    content = xlsx.export_goal(goal)
    PerformanceGoal.objects.filter(pk=goal.pk).update(status=status)
    with pytest.raises(DomainError) as error:
        xlsx.import_goal(goal.project, content, user=user)
    assert [p.code for p in error.value.problems] == ["NOT_EDITABLE"]
    assert "只有草稿或已退回" in error.value.problems[0].message


def test_the_form_must_be_this_projects(goal: PerformanceGoal, user: User) -> None:
    def edit(sheet: Any) -> None:
        sheet["H3"] = "other-2026"
        sheet["B4"] = 2025

    content = edited(xlsx.export_goal(goal), edit)
    with pytest.raises(DomainError) as error:
        xlsx.import_goal(goal.project, content, user=user)
    assert fields_of(error) == {f"{SHEET}!H3": "MISMATCH", f"{SHEET}!B4": "MISMATCH"}
    assert "项目编码" in error.value.problems[0].message


def test_budgets_and_other_facts_are_not_imported(goal: PerformanceGoal, user: User) -> None:
    def edit(sheet: Any) -> None:
        sheet["B3"] = "改过的名称"
        sheet["B7"] = 1
        sheet["H7"] = 2

    xlsx.import_goal(goal.project, edited(xlsx.export_goal(goal), edit), user=user)
    project = Project.objects.get(pk=goal.project_id)
    assert project.name == "2026年办案业务经费"
    assert (project.initial_budget, project.full_budget) == (
        Decimal("1200000.00"),
        Decimal("1350000.50"),
    )


def test_a_file_that_is_not_a_form_is_refused(goal: PerformanceGoal, user: User) -> None:
    with pytest.raises(DomainError) as error:
        xlsx.import_goal(goal.project, b"not a workbook", user=user)
    assert fields_of(error) == {"file": "INVALID_FILE"}

    def rename(sheet: Any) -> None:
        sheet[f"G{xlsx.HEADER_ROW}"] = "目标值"
        sheet[f"I{xlsx.HEADER_ROW}"] = None

    content = edited(xlsx.export_goal(goal), rename)
    with pytest.raises(DomainError) as error:
        xlsx.import_goal(goal.project, content, user=user)
    assert fields_of(error) == {
        f"{SHEET}!G{xlsx.HEADER_ROW}": "INVALID_HEADER",
        f"{SHEET}!I{xlsx.HEADER_ROW}": "INVALID_HEADER",
    }


def test_a_library_code_that_is_retired_is_refused(goal: PerformanceGoal, user: User) -> None:
    LibraryIndicator.objects.filter(code="cf-training").update(retired_at=timezone.now())

    def edit(sheet: Any) -> None:
        last = sheet.max_row + 1
        for letter, value in zip(
            "ABCDEFGHI",
            ["产出指标", "数量指标", "业务培训人次", "cf-training", "定量", "≥", 120, "人次", 4],
            strict=True,
        ):
            sheet[f"{letter}{last}"] = value

    content = edited(xlsx.export_goal(goal), edit)
    with pytest.raises(DomainError) as error:
        xlsx.import_goal(goal.project, content, user=user)
    assert list(fields_of(error).values()) == ["RETIRED"]


# --- hostile files and formula-looking text --------------------------------------------------


def test_hostile_forms_are_answered_quickly_with_a_typed_error(
    goal: PerformanceGoal, user: User
) -> None:
    before = snapshot(goal)
    exported = xlsx.export_goal(goal)
    project = goal.project

    far = hostile.refused(
        lambda: xlsx.import_goal(project, hostile.far_away(exported, SHEET), user=user)
    )
    assert [(p.code, p.field) for p in far.problems] == [("TOO_MANY_ROWS", "file")]
    bomb = hostile.refused(lambda: xlsx.import_goal(project, hostile.zip_bomb(exported), user=user))
    assert hostile.codes(bomb) == ["FILE_TOO_LARGE"]

    # 100,000 bad cells: 4,990 indicator rows of 20 bad cells under a good header.
    head = [[xlsx.CODE, "ajjf-2026"], [xlsx.YEAR, 2026], [xlsx.OVERALL, "目标"], xlsx.HEADERS]
    bad = hostile.grid(SHEET, head, 4_990, lambda i: ["坏"] * 3 + [f"x{i}"] + ["坏"] * 16)
    many = hostile.refused(lambda: xlsx.import_goal(project, bad, user=user))
    assert len(many.problems) == 101 and many.problems[-1].code == "TOO_MANY_PROBLEMS"
    over = hostile.grid(SHEET, head, 6_000, lambda i: ["坏"] * 20)
    assert hostile.codes(hostile.refused(lambda: xlsx.import_goal(project, over, user=user))) == [
        "TOO_MANY_ROWS"
    ]
    assert snapshot(goal) == before


def test_formula_looking_text_round_trips_as_text(goal: PerformanceGoal, user: User) -> None:
    goal = drafting.update_goal(
        goal,
        {
            "overall_goal": '=HYPERLINK("http://example.org/x","点击查看")',
            "midterm_goal": "@SUM(A1:A2)",
        },
        user=user,
    )
    drafting.update_goal_indicator(
        indicator(goal, "lsj-mediation"),
        {
            "name": "=cmd|' /C calc'!A0",
            "guidance": "-2+3",
            "unit": "+元",
            "target_value": Decimal("72890.10"),
            "weight": Decimal("2.25"),
        },
        user=user,
    )
    before = snapshot(goal)
    exported = xlsx.export_goal(goal)
    assert hostile.formulas(exported) == []
    assert hostile.text_cells(exported) == {}

    goal.delete()
    created = xlsx.import_goal(Project.objects.get(code="ajjf-2026"), exported, user=user)
    assert snapshot(created) == before
    mediation = indicator(created, "lsj-mediation")
    assert (mediation.name, mediation.guidance, mediation.unit) == (
        "=cmd|' /C calc'!A0",
        "-2+3",
        "+元",
    )
    assert (mediation.target_value, mediation.weight) == (Decimal("72890.10"), Decimal("2.25"))


# --- dry run ------------------------------------------------------------------------------------


def test_a_dry_run_lists_every_change_by_cell_and_writes_nothing(
    goal: PerformanceGoal, user: User
) -> None:
    def edit(sheet: Any) -> None:
        sheet["B8"] = "新的年度总体目标"
        sheet[f"G{row_of(sheet, 'cf-arrest-cases')}"] = 150  # below last year's 190
        sheet[f"I{row_of(sheet, 'lsj-mediation')}"] = "3.5"
        sheet.delete_rows(row_of(sheet, "cf-complaint-rate"))
        last = sheet.max_row + 1
        for letter, value in zip(
            "ABCDEFGHI",
            ["产出指标", "数量指标", "业务培训人次", "cf-training", "定量", "≥", 120, "人次", 4],
            strict=True,
        ):
            sheet[f"{letter}{last}"] = value

    last_year = Project.objects.create(
        code=goal.project.code,
        name="2025年办案业务经费",
        category=Category.PROJECT,
        kind=ProjectKind.CASE_FUNDS,
        fiscal_year=2025,
        initial_budget=Decimal("1000000"),
        full_budget=Decimal("1000000"),
    )
    previous = PerformanceGoal.objects.create(
        project=last_year, fiscal_year=2025, overall_goal="上年目标", status=GoalStatus.APPROVED
    )
    copy = indicator(goal, "cf-arrest-cases")
    copy.pk, copy.goal, copy.actual_value = None, previous, Decimal("190")
    copy.save()
    before = snapshot(goal)
    records = history_count()

    content = edited(xlsx.export_goal(goal), edit)
    rows = {
        code: row_of(book(content)[SHEET], code)
        for code in ("cf-arrest-cases", "lsj-mediation", "cf-training")
    }
    preview = xlsx.preview_import(goal.project, content)

    assert snapshot(goal) == before
    assert history_count() == records
    seen = {(c.kind, c.cell, c.code, c.field, c.before, c.after) for c in preview.changes}
    assert seen == {
        ("goal", f"{SHEET}!B8", "", "年度总体目标", goal.overall_goal, "新的年度总体目标"),
        (
            "changed",
            f"{SHEET}!G{rows['cf-arrest-cases']}",
            "cf-arrest-cases",
            "指标值",
            "180",
            "150",
        ),
        ("changed", f"{SHEET}!I{rows['lsj-mediation']}", "lsj-mediation", "分值", "2.25", "3.5"),
        ("removed", "", "cf-complaint-rate", "指标", "当事人投诉率", ""),
        (
            "added",
            f"{SHEET}!D{rows['cf-training']}",
            "cf-training",
            "指标",
            "",
            "产出指标/数量指标，≥120人次，分值 4",
        ),
    }
    assert (
        preview.rows == {code: row_of(book(content)[SHEET], code) for code in preview.rows}
        and preview.rows["cf-training"] == rows["cf-training"]
    )
    assert [(w.code, w.field) for w in preview.warnings] == [
        ("TARGET_BELOW_LAST_YEAR", "indicators.cf-arrest-cases.target_value")
    ]
    # the weights no longer add up: the goal would still need work before submission
    assert {p.code for p in preview.errors} >= {"GROUP_WEIGHT_MISMATCH"}

    # Applying what was previewed writes exactly that, once.
    xlsx.import_goal(goal.project, content, user=user, expected=preview.digest)
    assert indicator(goal, "cf-arrest-cases").target_value == Decimal("150")
    assert xlsx.preview_import(goal.project, content).changes == []


def test_an_unchanged_form_previews_no_change(goal: PerformanceGoal) -> None:
    preview = xlsx.preview_import(goal.project, xlsx.export_goal(goal))
    assert preview.changes == [] and preview.goal == goal


def test_a_dry_run_reports_bad_cells_like_the_import(goal: PerformanceGoal) -> None:
    content = edited(
        xlsx.export_goal(goal),
        lambda sheet: sheet.__setitem__(f"G{row_of(sheet, 'cf-arrest-cases')}", "很多"),
    )
    with pytest.raises(DomainError) as error:
        xlsx.preview_import(goal.project, content)
    assert [p.code for p in error.value.problems] == ["INVALID_NUMBER"]


def test_an_import_after_the_goal_changed_since_the_preview_is_stale(
    goal: PerformanceGoal, user: User
) -> None:
    content = edited(
        xlsx.export_goal(goal),
        lambda sheet: sheet.__setitem__(f"G{row_of(sheet, 'cf-arrest-cases')}", 210),
    )
    preview = xlsx.preview_import(goal.project, content)
    drafting.update_goal_indicator(
        indicator(goal, "lsj-mediation"), {"weight": Decimal("3")}, user=user
    )
    before = snapshot(goal)
    with pytest.raises(DomainError) as error:
        xlsx.import_goal(goal.project, content, user=user, expected=preview.digest)
    assert [p.code for p in error.value.problems] == ["STALE"]
    assert snapshot(goal) == before


# --- cells as people write them (issue 16) ------------------------------------------------------


def test_cells_written_as_people_write_them_are_read_and_said(
    goal: PerformanceGoal, user: User
) -> None:
    def edit(sheet: Any) -> None:
        arrest, mediation = row_of(sheet, "cf-arrest-cases"), row_of(sheet, "lsj-mediation")
        sheet[f"F{arrest}"], sheet[f"G{arrest}"] = None, "不少于１５０件"
        sheet[f"F{mediation}"], sheet[f"G{mediation}"] = "﹦", "约90%"
        sheet[f"I{mediation}"] = "2.25分"
        sheet[f"A{mediation}"] = "效益指標（30分）"
        sheet[f"B{mediation}"] = "社會效益指標"

    content = edited(xlsx.export_goal(goal), edit)
    preview = xlsx.preview_import(goal.project, content)
    by_field = {(c.code, c.field): (c.before, c.after) for c in preview.changes}
    assert by_field == {
        ("cf-arrest-cases", "指标值"): ("180", "150"),
        ("lsj-mediation", "运算符"): ("≥", "="),
        ("lsj-mediation", "指标值"): ("87.5", "90"),
    }
    notes = {w.field: w.message for w in preview.warnings if w.code == "READ_AS"}
    arrest = row_of(book(content)[SHEET], "cf-arrest-cases")
    mediation = row_of(book(content)[SHEET], "lsj-mediation")
    assert "运算符取指标值中的“≥”" in notes[f"{SHEET}!G{arrest}"]
    assert "“约”字已忽略" in notes[f"{SHEET}!G{mediation}"]
    xlsx.import_goal(goal.project, content, user=user, expected=preview.digest)
    mediated = indicator(goal, "lsj-mediation")
    assert (mediated.direction, mediated.target_value, mediated.level1, mediated.level2) == (
        "eq",
        Decimal("90"),
        "效益指标",
        "社会效益指标",
    )
    assert indicator(goal, "cf-arrest-cases").direction == "gte"


def test_a_target_in_another_unit_is_converted_or_named(goal: PerformanceGoal) -> None:
    def money(sheet: Any) -> None:
        row = row_of(sheet, "lsj-mediation")
        sheet[f"H{row}"], sheet[f"G{row}"] = "元", "7.29万元"

    preview = xlsx.preview_import(goal.project, edited(xlsx.export_goal(goal), money))
    by_field = {(c.code, c.field): (c.before, c.after) for c in preview.changes}
    assert by_field[("lsj-mediation", "指标值")] == ("87.5", "72900")
    assert by_field[("lsj-mediation", "计量单位")] == ("%", "元")

    def wrong(sheet: Any) -> None:
        row = row_of(sheet, "lsj-mediation")
        sheet[f"G{row}"] = "≤3天"  # the unit column still says %

    with pytest.raises(DomainError) as error:
        xlsx.preview_import(goal.project, edited(xlsx.export_goal(goal), wrong))
    (problem,) = error.value.problems
    row = row_of(book(edited(xlsx.export_goal(goal), wrong))[SHEET], "lsj-mediation")
    assert (problem.code, problem.field) == ("INCOMPATIBLE_UNIT", f"{SHEET}!G{row}")
    assert problem.message.startswith(f"第 {row} 行“指标值”：")
    assert "“天”" in problem.message and "“%”" in problem.message

    def conflict(sheet: Any) -> None:
        row = row_of(sheet, "lsj-mediation")
        sheet[f"G{row}"] = "≤90%"  # the operator column says ≥

    with pytest.raises(DomainError) as error:
        xlsx.preview_import(goal.project, edited(xlsx.export_goal(goal), conflict))
    assert [p.code for p in error.value.problems] == ["CONFLICT"]


def test_budget_figures_in_wanyuan_are_compared_not_imported(goal: PerformanceGoal) -> None:
    project = Project.objects.get(pk=goal.project_id)

    def edit(sheet: Any) -> None:
        sheet["A7"] = "年初预算数（万元）"
        sheet["B7"] = float(project.initial_budget / 10_000)  # the same figure in 万元
        sheet["H7"] = "7.29万元"  # not the project's

    preview = xlsx.preview_import(goal.project, edited(xlsx.export_goal(goal), edit))
    budget = [(w.code, w.field) for w in preview.warnings if w.code.startswith("BUDGET")]
    assert budget == [("BUDGET_DIFFERS", f"{SHEET}!H7")]
    assert preview.changes == []


def test_the_same_goal_written_by_hand_changes_nothing(goal: PerformanceGoal, user: User) -> None:
    """The goal typed into a form the way units fill it in: traditional headings carrying their
    weights, operators inside the target (`不低于`, `≥`, `﹦`), full-width digits, the budget
    in 万元 — and the dry run finds nothing to change."""
    from tests.fixtures.real_tables import GoalRow, full_width, goal_xlsx, traditional

    words = {"gte": "不低于", "lte": "≤", "eq": "﹦"}
    labels = {"positive": "正向", "reverse": "反向"}
    rows = []
    for item in GoalIndicator.objects.filter(goal=goal).order_by("sort_order", "id"):
        quantitative = item.value_type == "quantitative"
        number = format(item.target_value.normalize(), "f") if quantitative else ""
        rows.append(
            GoalRow(
                level1=f"{traditional(item.level1)}（{format(item.weight.normalize(), 'f')}分）",
                level2=traditional(item.level2),
                name=item.name,
                code=item.code,
                value_type="定量" if quantitative else "定性",
                direction=None,
                target=full_width(f"{words[item.direction]}{number}{item.unit}")
                if quantitative
                else item.target_text,
                unit=item.unit or None,
                weight=f"{format(item.weight.normalize(), 'f')}分",
                polarity=labels[item.polarity],
                basis=str(xlsx.TargetBasis(item.target_basis).label),
                method=str(xlsx.ScoringMethod(item.scoring_method).label),
                guidance=item.guidance,
            )
        )
    project = Project.objects.get(pk=goal.project_id)
    content = goal_xlsx(
        rows,
        code=project.code,
        overall=goal.overall_goal,
        initial=f"{project.initial_budget / 10_000}",
        full=f"{project.full_budget / 10_000}万元",
        budget_heading="（万元）",
    )
    book_ = book(content)
    book_[SHEET]["B9"] = goal.midterm_goal
    content = saved(book_)
    preview = xlsx.preview_import(goal.project, content)
    assert preview.changes == []
    assert not [w for w in preview.warnings if w.code.startswith("BUDGET")]
    assert {w.code for w in preview.warnings} >= {"READ_AS"}


def test_the_form_prints_like_the_official_one(goal: PerformanceGoal) -> None:
    """A4 landscape one page wide, header frozen and printed on every page, merged title and
    facts, protected: facts locked, goal texts and indicator rows open, a locked indicator's
    target and weight locked."""
    sheet = layout.load(xlsx.export_goal(goal), SHEET)
    layout.assert_official_form(
        sheet,
        header_row=xlsx.HEADER_ROW,
        orientation="landscape",
        columns=len(xlsx.HEADERS),
        merged=["A1:M1", "B2:F2", "H2:M2", "B3:F3", "H7:M7", "B8:M8", "B9:M9"],
        locked=["A1", "A3", "B3", "H3", "B7"],
        open_cells=["B8", "B9"],
    )
    assert sheet["A1"].font.size == 16
    indicators = GoalIndicator.objects.filter(goal=goal).order_by("sort_order", "id")
    assert any(i.locked for i in indicators) and not all(i.locked for i in indicators)
    for row, indicator in enumerate(indicators, start=FIRST):
        assert sheet[f"D{row}"].value == indicator.code
        assert not sheet[f"A{row}"].protection.locked and not sheet[f"M{row}"].protection.locked
        assert sheet[f"G{row}"].protection.locked == indicator.locked
        assert sheet[f"I{row}"].protection.locked == indicator.locked
    # Rows added below the form are open: the columns' own style.
    assert not sheet.column_dimensions["A"].protection.locked

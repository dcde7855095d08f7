"""The self-evaluation table (项目支出绩效自评表) against hostile files, and text that looks like a
formula: exported as text, imported back unchanged, numbers to the cent. On 冷水江's schema."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest

from backend.accounts.models import User
from backend.evaluation import xlsx
from backend.evaluation.models import SelfEvaluation
from backend.evaluation.services import record_self_evaluation, start_self_evaluation
from backend.evaluation.services.common import RESULT_FIELDS
from tenants.models import Procuratorate
from tests import hostile_xlsx as hostile
from tests import sheet_layout as layout
from tests.evaluation.factories import STANDARD, actors, approved_goal, project_of

pytestmark = pytest.mark.django_db

D = Decimal
SHEET = xlsx.SHEET


@pytest.fixture
def users(member: Callable[..., User]) -> dict[str, User]:
    return actors(member)


def started(users: dict[str, User], indicators: list[dict[str, Any]] = STANDARD) -> SelfEvaluation:
    goal = approved_goal(indicators=indicators)
    return start_self_evaluation(project_of(goal), 2026, users["finance"])


def snapshot(evaluation: SelfEvaluation) -> dict[str, Any]:
    evaluation = SelfEvaluation.objects.get(pk=evaluation.pk)
    return {
        "executed": evaluation.executed,
        "deviation_analysis": evaluation.deviation_analysis,
        "improvement_measures": evaluation.improvement_measures,
        "total": evaluation.total,
        "indicators": [
            {name: getattr(row, name) for name in ("code", *RESULT_FIELDS)}
            for row in evaluation.indicators.order_by("sort_order", "id")
        ],
    }


def test_hostile_tables_are_answered_quickly_with_a_typed_error(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    evaluation = started(users)
    before = snapshot(evaluation)
    exported = xlsx.export_self_evaluation(evaluation)
    finance = users["finance"]

    def load(content: bytes) -> Callable[[], object]:
        return lambda: xlsx.import_self_evaluation(evaluation, content, finance)

    far = hostile.refused(load(hostile.far_away(exported, SHEET)))
    assert [(p.code, p.field) for p in far.problems] == [("TOO_MANY_ROWS", "fileBase64")]
    assert hostile.codes(hostile.refused(load(hostile.zip_bomb(exported)))) == ["FILE_TOO_LARGE"]
    assert hostile.codes(hostile.refused(load(b"PK\x03\x04 broken"))) == ["INVALID_FILE"]

    # 100,000 bad cells: 4,990 rows of 20 under the table's header, every code unknown and
    # every number a word.
    head = [[xlsx.BUDGET_LABEL, 1, 1, "坏", 10, 90, 9], xlsx.HEADERS]
    bad = hostile.grid(SHEET, head, 4_990, lambda i: [f"x{i}"] + ["坏"] * 19)
    many = hostile.refused(load(bad))
    assert len(many.problems) == 101
    assert many.problems[0].code == "INVALID_NUMBER"  # 全年执行数
    assert many.problems[-1].code == "TOO_MANY_PROBLEMS"
    assert snapshot(evaluation) == before


def test_formula_looking_text_round_trips_as_text(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    rows = [dict(row) for row in STANDARD]
    # A target "= 72890 元" is written "=72890元": text, not a broken formula.
    rows[0].update(
        name='=HYPERLINK("http://example.org/x","点击查看")',
        direction="eq",
        unit="元",
        target_value=D("72890"),
    )
    evaluation = started(users, rows)
    evaluation = record_self_evaluation(
        evaluation,
        users["finance"],
        executed=D("876543.21"),
        deviation_analysis="=cmd|' /C calc'!A0",
        improvement_measures="+1+2",
        indicators=[
            {"code": "q1", "actual_value": D("72890.10"), "deviation_reason": "@SUM(A1:A2)"},
            {"code": "q2", "actual_value": D("96.25"), "deviation_reason": "-2+3"},
            {"code": "e1", "band": "achieved", "band_score": D("27.5"), "explanation": "#N/A"},
            {"code": "s1", "actual_value": D("92")},
        ],
    )
    before = snapshot(evaluation)
    exported = xlsx.export_self_evaluation(evaluation)
    assert hostile.formulas(exported) == []
    assert hostile.text_cells(exported) == {}
    sheet = openpyxl.load_workbook(BytesIO(exported))[SHEET]
    targets = [sheet.cell(r, 5).value for r in range(1, sheet.max_row + 1)]
    assert "=72890元" in targets

    result = xlsx.import_self_evaluation(evaluation, exported, users["finance"])
    after = snapshot(result.evaluation)
    assert after == before
    assert (after["executed"], after["deviation_analysis"], after["improvement_measures"]) == (
        D("876543.21"),
        "=cmd|' /C calc'!A0",
        "+1+2",
    )
    q1 = after["indicators"][0]
    assert (q1["actual_value"], q1["deviation_reason"]) == (D("72890.10"), "@SUM(A1:A2)")


def test_the_table_prints_like_the_official_form(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    """A4 landscape, the indicator header frozen and printed on every page, merged headings;
    protected: what the engine computes (执行率, its score, 总分, 自评等级) is locked, what a
    unit fills in is open."""
    evaluation = started(users)
    sheet = layout.load(xlsx.export_self_evaluation(evaluation), SHEET)
    layout.assert_official_form(
        sheet,
        header_row=8,
        orientation="landscape",
        columns=len(xlsx.HEADERS),
        merged=["A1:K1", "B2:C2", "E2:F2", "H2:K2", "B5:K5", "B6:K6", "B7:K7"],
        locked=["A1", "B4", "C4", "E4", "F4", "G4", "B5", "A9", "E9", "G9"],
        open_cells=["D4", "B6", "B7", "F9", "H9", "I9", "J9", "K9"],
    )
    assert sheet["D4"].number_format == "#,##0.00"
    total = next(r for r in range(9, sheet.max_row + 1) if sheet[f"A{r}"].value == "总分")
    assert sheet[f"A{total + 1}"].value == "自评等级"
    assert f"A{total}:F{total}" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet[f"H{total}"].protection.locked and sheet[f"H{total + 1}"].protection.locked
    assert not sheet.column_dimensions["F"].protection.locked  # rows added below stay open
    assert sheet.column_dimensions["G"].protection.locked

"""The self-evaluation table as units fill it in (issue 16): cells written as people write
them, the budget row in 万元, a qualitative score without actual value, a 0 in the spending
cell; the dry run and the apply; export → import to the cent. On 冷水江's schema; the tables
are built by ``tests/fixtures/real_tables.py``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest

from backend.accounts.models import User
from backend.core.errors import DomainError
from backend.evaluation import xlsx
from backend.evaluation.models import SelfEvaluation
from backend.evaluation.services import record_self_evaluation, start_self_evaluation
from tenants.models import Procuratorate
from tests.evaluation.factories import MET, STANDARD, actors, approved_goal, project_of
from tests.evaluation.test_xlsx import snapshot
from tests.fixtures import real_tables
from tests.fixtures.real_tables import Line, self_evaluation_xlsx, standard_table

pytestmark = pytest.mark.django_db

D = Decimal
SHEET = xlsx.SHEET
FIRST = 9  # the first indicator row of the fixtures' tables


@pytest.fixture
def users(member: Callable[..., User]) -> dict[str, User]:
    return actors(member)


@pytest.fixture
def evaluation(lsj: Procuratorate, users: dict[str, User]) -> SelfEvaluation:
    goal = approved_goal(indicators=STANDARD)
    return start_self_evaluation(project_of(goal), 2026, users["finance"])


def lines(**changes: dict[str, Any]) -> list[Line]:
    result = []
    for line in real_tables.STANDARD_LINES:
        values = dict(vars(line))
        values.update(changes.get(line.code, {}))
        result.append(Line(**values))
    return result


def test_a_table_as_units_fill_it_in_imports_every_line(
    evaluation: SelfEvaluation, users: dict[str, User]
) -> None:
    content = self_evaluation_xlsx(standard_table())
    result = xlsx.import_self_evaluation(evaluation, content, users["finance"])
    saved = SelfEvaluation.objects.get(pk=evaluation.pk)
    rows = {r.code: r for r in saved.indicators.all()}
    # 90万元 under 项目资金（万元）is 900,000.00 yuan: a 90 % execution rate, not 0.009 %.
    assert saved.executed == D("900000.00")
    assert saved.execution_rate == D("90.00")
    assert (rows["q1"].actual_value, rows["q2"].actual_value, rows["s1"].actual_value) == (
        D("130"),
        D("96"),
        D("92"),
    )
    # The qualitative line scored 27 with neither actual value nor band is kept: band from
    # the score, and the table's total of 96 comes back (69 when it was dropped).
    assert (rows["e1"].band, rows["e1"].final_score) == ("achieved", D("27.00"))
    assert saved.total == D("96.00")
    codes = {w.code for w in result.notices}
    assert "BAND_FROM_SCORE" in codes
    assert not {"EXECUTION_SCORE_MISMATCH", "TOTAL_MISMATCH"} & codes


def test_a_row_in_wanyuan_under_a_heading_that_says_yuan_is_read_in_wanyuan(
    evaluation: SelfEvaluation, users: dict[str, User]
) -> None:
    table = standard_table(money_heading="项目资金（元）", executed=90)
    result = xlsx.import_self_evaluation(evaluation, self_evaluation_xlsx(table), users["finance"])
    assert SelfEvaluation.objects.get(pk=evaluation.pk).executed == D("900000.00")
    (note,) = [w for w in result.notices if w.code == "READ_AS_WANYUAN"]
    assert note.field == f"{SHEET}!C4"


@pytest.mark.parametrize("written", [0, "0", "０", None, ""])
def test_a_zero_or_empty_spending_cell_keeps_the_recorded_spending(
    evaluation: SelfEvaluation, users: dict[str, User], written: Any
) -> None:
    assert evaluation.executed == D("900000.00")
    preview = xlsx.preview_import(
        evaluation, self_evaluation_xlsx(standard_table(executed=written))
    )
    assert "全年执行数" not in {c.field for c in preview.changes}
    (kept,) = [w for w in preview.warnings if w.code == "EXECUTED_KEPT"]
    assert kept.field == f"{SHEET}!D4" and "900,000.00 元" in kept.message
    xlsx.import_self_evaluation(
        evaluation, self_evaluation_xlsx(standard_table(executed=written)), users["finance"]
    )
    assert SelfEvaluation.objects.get(pk=evaluation.pk).executed == D("900000.00")


def test_the_dry_run_lists_every_change_and_writes_nothing(
    evaluation: SelfEvaluation, users: dict[str, User]
) -> None:
    before = snapshot(evaluation)
    version = SelfEvaluation.objects.get(pk=evaluation.pk).version
    content = self_evaluation_xlsx(standard_table(executed="约91万元"))
    preview = xlsx.preview_import(evaluation, content)
    assert snapshot(evaluation) == before
    assert SelfEvaluation.objects.get(pk=evaluation.pk).version == version
    seen = {(c.kind, c.cell, c.code, c.field): (c.before, c.after) for c in preview.changes}
    assert seen[("evaluation", f"{SHEET}!D4", "", "全年执行数")] == (
        "900,000.00 元",
        "910,000.00 元",
    )
    assert seen[("changed", f"{SHEET}!F{FIRST}", "q1", "实际完成值")] == ("", "130")
    assert seen[("changed", f"{SHEET}!J{FIRST + 2}", "e1", "完成档次")] == ("", "达成")
    assert seen[("result", f"{SHEET}!H{FIRST + 4}", "", "总分")][1] == "96.1"
    assert preview.total == D("96.10") and preview.grade == "优"
    assert {w.code for w in preview.warnings} >= {"READ_AS", "BAND_FROM_SCORE"}

    # Applying what was previewed writes it; a second dry run then finds nothing to change.
    result = xlsx.import_self_evaluation(
        evaluation, content, users["finance"], expected=preview.digest
    )
    assert result.changes == preview.changes
    again = xlsx.preview_import(result.evaluation, content)
    assert [c for c in again.changes if c.kind != "result"] == []


def test_an_apply_after_a_change_since_the_dry_run_is_stale(
    evaluation: SelfEvaluation, users: dict[str, User]
) -> None:
    content = self_evaluation_xlsx(standard_table())
    preview = xlsx.preview_import(evaluation, content)
    record_self_evaluation(evaluation, users["finance"], executed=D("800000"))
    before = snapshot(evaluation)
    with pytest.raises(DomainError) as error:
        xlsx.import_self_evaluation(evaluation, content, users["finance"], expected=preview.digest)
    assert [p.code for p in error.value.problems] == ["STALE"]
    assert snapshot(evaluation) == before


def test_an_incompatible_unit_is_named_by_its_cell(
    evaluation: SelfEvaluation, users: dict[str, User]
) -> None:
    table = standard_table(lines=lines(q1={"actual": "130次"}, q2={"actual": "96天"}))
    before = snapshot(evaluation)
    with pytest.raises(DomainError) as error:
        xlsx.preview_import(evaluation, self_evaluation_xlsx(table))
    problems = [(p.code, p.field) for p in error.value.problems]
    assert problems == [
        ("INCOMPATIBLE_UNIT", f"{SHEET}!F{FIRST}"),
        ("INCOMPATIBLE_UNIT", f"{SHEET}!F{FIRST + 1}"),
    ]
    assert "“次”" in error.value.problems[0].message
    assert "“件”" in error.value.problems[0].message
    with pytest.raises(DomainError):
        xlsx.import_self_evaluation(evaluation, self_evaluation_xlsx(table), users["finance"])
    assert snapshot(evaluation) == before


def test_a_quantitative_score_without_actual_value_is_kept_as_an_adjustment(
    evaluation: SelfEvaluation, users: dict[str, User]
) -> None:
    table = standard_table(lines=lines(q1={"actual": None, "score": 25}))
    result = xlsx.import_self_evaluation(evaluation, self_evaluation_xlsx(table), users["finance"])
    q1 = result.evaluation.indicators.get(code="q1")
    assert (q1.actual_value, q1.final_score, q1.override_score) == (None, D("25.00"), D("25.00"))
    assert q1.override_reason
    assert "SCORE_WITHOUT_ACTUAL" in {w.code for w in result.notices}


def test_a_formula_error_cell_is_named_not_taken(
    evaluation: SelfEvaluation, users: dict[str, User]
) -> None:
    book = openpyxl.load_workbook(BytesIO(self_evaluation_xlsx(standard_table())))
    book[SHEET][f"I{FIRST}"] = "#NAME?"  # "=案源减少" typed into Excel
    buffer = BytesIO()
    book.save(buffer)
    with pytest.raises(DomainError) as error:
        xlsx.preview_import(evaluation, buffer.getvalue())
    assert [(p.code, p.field) for p in error.value.problems] == [
        ("FORMULA_ERROR", f"{SHEET}!I{FIRST}")
    ]


def test_export_import_round_trip_gives_back_text_and_numbers_to_the_cent(
    evaluation: SelfEvaluation, users: dict[str, User]
) -> None:
    evaluation = record_self_evaluation(
        evaluation,
        users["finance"],
        executed=D("876543.21"),
        deviation_analysis="=72890元的差额已说明",
        indicators=[*MET[:3], {"code": "s1", "actual_value": D("92.5"), "deviation_reason": "=1"}],
    )
    before = snapshot(evaluation)
    exported = xlsx.export_self_evaluation(evaluation)
    preview = xlsx.preview_import(evaluation, exported)
    assert preview.changes == []
    result = xlsx.import_self_evaluation(evaluation, exported, users["finance"])
    assert snapshot(result.evaluation) == before
    # The imported table exports to the same table.
    assert _cells(xlsx.export_self_evaluation(result.evaluation)) == _cells(exported)
    # The units' own table imports, exports and imports again to the same numbers.
    xlsx.import_self_evaluation(
        result.evaluation, self_evaluation_xlsx(standard_table()), users["finance"]
    )
    first = snapshot(result.evaluation)
    again = xlsx.export_self_evaluation(SelfEvaluation.objects.get(pk=evaluation.pk))
    xlsx.import_self_evaluation(
        SelfEvaluation.objects.get(pk=evaluation.pk), again, users["finance"]
    )
    assert snapshot(result.evaluation) == first


def _cells(content: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(BytesIO(content))[SHEET]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_wanyuan_to_the_fen(evaluation: SelfEvaluation, users: dict[str, User]) -> None:
    table = standard_table(executed="87.654321万元")
    xlsx.import_self_evaluation(evaluation, self_evaluation_xlsx(table), users["finance"])
    assert SelfEvaluation.objects.get(pk=evaluation.pk).executed == D("876543.21")
    with pytest.raises(DomainError) as error:
        xlsx.preview_import(
            evaluation, self_evaluation_xlsx(standard_table(executed="1.2345678万元"))
        )
    assert [(p.code, p.field) for p in error.value.problems] == [("INVALID_NUMBER", f"{SHEET}!D4")]

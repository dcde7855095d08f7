"""The standard project self-evaluation table (项目支出绩效自评表): export an evaluation, import
a filled one into a draft.

One sheet, ``项目支出绩效自评表``::

    row 1        the title (merged)
    row 2        项目名称 | 主管部门 | 实施单位
    row 3        the budget header: 项目资金（元）, 年初预算数, 全年预算数, 全年执行数, 分值,
                 执行率（%）, 得分
    row 4        年度资金总额 and the figures
    rows 5–7     年度总体目标 (the goal's), 偏差原因分析, 改进措施 (value merged over B:K)
    row 8        the indicator header (``HEADERS``)
    rows 9–      one row per level-3 indicator
    then         总分 and 自评等级 (the score in column H)

On import the label rows are found by their first cell, the indicator rows by the header's
``指标编码``. Imported: 全年执行数 (D4), 偏差原因分析, 改进措施 and per indicator 实际完成值
(a number for a quantitative indicator; for a qualitative one its 完成档次 in column J and its
score in H), 得分 (for a quantitative indicator, a score other than the computed one and other than
the score exported is a person's override and needs 调整理由 in K; the exported score left
as it was changes nothing), 偏差原因分析及改进措施 (the deviation reason).
Every bad cell is named (``项目支出绩效自评表!F14``); nothing is saved when one is bad. The
consistency checks of domain.md run on the numbers as typed in the table: the execution
score must match the rate, the parts must add up to the total (warnings), plus the engine's
flags on the imported results (a missed indicator without a deviation reason, not credible).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import openpyxl
from django.db import transaction
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.worksheet.worksheet import Worksheet

from backend.core import sheets
from backend.core.errors import DomainError, Problem
from backend.core.versioning import Stale
from backend.evaluation import scoring
from backend.evaluation.models import Band, EvaluationStatus, SelfEvaluation
from backend.evaluation.services import common
from backend.evaluation.services.project import record_self_evaluation
from backend.indicators.models import Direction, ValueType

SHEET = "项目支出绩效自评表"
HEADERS = (
    "指标编码",
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
    "完成档次",
    "调整理由",
)
BUDGET_LABEL = "年度资金总额"
TOTAL_LABEL = "总分"
GRADE_LABEL = "自评等级"
TEXT_LABELS = {"偏差原因分析": "deviation_analysis", "改进措施": "improvement_measures"}
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_BANDS_BY_LABEL = {label: value for value, label in Band.choices}
_SYMBOL = {Direction.GTE: "≥", Direction.LTE: "≤", Direction.EQ: "="}


def _target(row: Any) -> str:
    if row.value_type == ValueType.QUALITATIVE:
        return row.target_text
    return f"{_SYMBOL.get(row.direction, '')}{common.number(row.target_value)}{row.unit}"


def export_self_evaluation(evaluation: SelfEvaluation) -> bytes:
    """The table of ``evaluation`` as XLSX bytes."""
    from tenants.selectors import current_unit

    project = evaluation.project
    book = openpyxl.Workbook()
    sheet: Worksheet = book.active
    sheet.title = SHEET
    sheets.append(sheet, [f"项目支出绩效自评表（{evaluation.fiscal_year}年度）"])
    sheet.merge_cells("A1:K1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheets.append(
        sheet,
        [
            "项目名称",
            project.name,
            "",
            "主管部门",
            project.department,
            "",
            "实施单位",
            current_unit().name,
        ],
    )
    sheets.append(
        sheet,
        ["项目资金（元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率（%）", "得分"],
    )
    sheets.append(
        sheet,
        [
            BUDGET_LABEL,
            project.initial_budget,
            evaluation.full_budget,
            evaluation.executed,
            evaluation.execution_weight,
            evaluation.execution_rate,
            evaluation.execution_score,
        ],
    )
    goal_text = evaluation.goal.overall_goal if evaluation.goal_id else ""
    for label, value in (
        ("年度总体目标", goal_text),
        ("偏差原因分析", evaluation.deviation_analysis),
        ("改进措施", evaluation.improvement_measures),
    ):
        sheets.append(sheet, [label, value])
        sheet.merge_cells(f"B{sheet.max_row}:K{sheet.max_row}")
        sheet[f"B{sheet.max_row}"].alignment = _WRAP
    sheets.append(sheet, list(HEADERS))
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    for row in evaluation.indicators.order_by("sort_order", "id"):
        qualitative = row.value_type == ValueType.QUALITATIVE
        actual = row.actual_text if qualitative else row.actual_value
        sheets.append(
            sheet,
            [
                row.code,
                row.level1,
                row.level2,
                row.name,
                _target(row),
                actual,
                row.weight,
                row.final_score,
                row.deviation_reason,
                Band(row.band).label if row.band else "",
                row.override_reason,
            ],
        )
    sheets.append(sheet, [TOTAL_LABEL, "", "", "", "", "", Decimal(100), evaluation.total])
    sheets.append(sheet, [GRADE_LABEL, "", "", "", "", "", "", evaluation.grade])
    for column, width in {"A": 16, "B": 14, "C": 16, "D": 28, "E": 14, "I": 36, "K": 24}.items():
        sheet.column_dimensions[column].width = width
    return sheets.workbook_bytes(book)


@dataclass
class ImportResult:
    evaluation: SelfEvaluation
    warnings: list[str] = field(default_factory=list)


def _address(ref: str) -> str:
    return f"{SHEET}!{ref}"


def _find_row(sheet: sheets.Grid, label: str) -> int | None:
    for cells in sheet.rows(min_row=1, max_row=400):
        value = cells[0].value
        if isinstance(value, str) and value.strip() == label:
            return cells[0].row
    return None


def _at(sheet: sheets.Grid, ref: str) -> Any:
    """The value of cell ``ref`` ("D4")."""
    letter, row = coordinate_from_string(ref)
    return sheet.value(row, column_index_from_string(letter))


def _num(value: Any, ref: str, label: str, problems: list[Problem]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return common.to_decimal(value)
    except ValueError:
        problems.append(
            Problem("INVALID_NUMBER", f"{label}“{value}”不是有效的数字。", _address(ref))
        )
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@transaction.atomic
def import_self_evaluation(
    evaluation: SelfEvaluation,
    content: bytes,
    actor: common.AnyUser,
    *,
    expected_version: int | None = None,
) -> ImportResult:
    """Fill the draft ``evaluation`` from a filled table (see the module docstring).
    ``expected_version``: the evaluation's version the caller read (``STALE`` when it
    changed since)."""
    if evaluation.status != EvaluationStatus.DRAFT:
        raise common.invalid(evaluation.status, "导入")
    book = sheets.open_workbook(content, field="fileBase64", what="项目支出绩效自评表")
    sheet = sheets.read_sheet(
        sheets.require_sheet(book, SHEET, field="fileBase64", code="SHEET_MISSING"),
        max_columns=len(HEADERS),
        field="fileBase64",
    )
    problems: list[Problem] = []
    warnings: list[str] = []
    header = _find_row(sheet, HEADERS[0])
    budget_row = _find_row(sheet, BUDGET_LABEL)
    if header is None or budget_row is None:
        raise DomainError.single(
            "LAYOUT", "表格不是标准的项目支出绩效自评表（找不到指标表头或资金行）。", "fileBase64"
        )
    fields: dict[str, Any] = {}
    executed = _num(_at(sheet, f"D{budget_row}"), f"D{budget_row}", "全年执行数", problems)
    fields["executed"] = executed
    weight_in = _num(_at(sheet, f"E{budget_row}"), f"E{budget_row}", "分值", problems)
    rate_in = _num(_at(sheet, f"F{budget_row}"), f"F{budget_row}", "执行率", problems)
    exec_in = _num(_at(sheet, f"G{budget_row}"), f"G{budget_row}", "得分", problems)
    for label, name in TEXT_LABELS.items():
        row = _find_row(sheet, label)
        if row is not None:
            fields[name] = _text(_at(sheet, f"B{row}"))

    indicators = {r.code: r for r in evaluation.indicators.all()}
    rows: list[dict[str, Any]] = []
    where_of: list[dict[str, str]] = []  # input field -> cell, per row
    typed_scores: list[Decimal] = []
    total_in: Decimal | None = None
    for cells in sheet.rows(min_row=header + 1):
        r = cells[0].row
        code = _text(cells[0].value)
        if code == TOTAL_LABEL:
            total_in = _num(_at(sheet, f"H{r}"), f"H{r}", "总分", problems)
            break
        if not code:
            continue
        ind = indicators.get(code)
        if ind is None:
            problems.append(
                Problem("UNKNOWN_INDICATOR", f"该自评没有编码为“{code}”的指标。", _address(f"A{r}"))
            )
            continue
        score = _num(_at(sheet, f"H{r}"), f"H{r}", "得分", problems)
        if score is not None:
            typed_scores.append(score)
        row: dict[str, Any] = {"code": code, "deviation_reason": _text(_at(sheet, f"I{r}"))}
        where = {
            "code": f"A{r}",
            "actualValue": f"F{r}",
            "actualText": f"F{r}",
            "band": f"J{r}",
            "bandScore": f"H{r}",
            "overrideScore": f"H{r}",
            "overrideReason": f"K{r}",
            "deviationReason": f"I{r}",
        }
        reason = _text(_at(sheet, f"K{r}"))
        if ind.value_type == ValueType.QUALITATIVE:
            row["actual_text"] = _text(_at(sheet, f"F{r}"))
            label = _text(_at(sheet, f"J{r}"))
            if label and label not in _BANDS_BY_LABEL:
                problems.append(
                    Problem(
                        "INVALID_CHOICE",
                        "完成档次须为“达成”“部分达成并具有一定效果”或“未达成且效果较差”。",
                        _address(f"J{r}"),
                    )
                )
            elif label:
                row["band"], row["band_score"] = _BANDS_BY_LABEL[label], score
                row["explanation"] = reason or ind.explanation
        else:
            row["actual_value"] = _num(_at(sheet, f"F{r}"), f"F{r}", "实际完成值", problems)
            if row["actual_value"] is not None and score is not None:
                computed = scoring.score_indicator(
                    replace(common.indicator_input(ind), actual=row["actual_value"], override=None)
                ).computed
                if score == computed:
                    row["override_score"] = None
                elif score != ind.final_score:  # typed by a person, not the exported score
                    row["override_score"], row["override_reason"] = score, reason
        rows.append(row)
        where_of.append(where)
    if problems:
        raise sheets.fail(problems, field="fileBase64")

    # Consistency of the numbers as typed.
    if rate_in is not None and exec_in is not None:
        expected = scoring.execution_score(rate_in, weight_in or evaluation.execution_weight)
        if expected != exec_in.quantize(scoring.CENT):
            warnings.append(
                f"{_address(f'G{budget_row}')}：预算执行率得分{common.number(exec_in)}与执行率"
                f"{common.number(rate_in)}%不符（应为{expected}）。"
            )
    if total_in is not None and exec_in is not None:
        parts = exec_in + sum(typed_scores, Decimal(0))
        if parts != total_in:
            warnings.append(
                f"总分{common.number(total_in)}与各项得分之和{common.number(parts)}不符。"
            )
    try:
        evaluation = record_self_evaluation(
            evaluation, actor, indicators=rows, expected_version=expected_version, **fields
        )
    except Stale:
        raise  # names no cell: the whole evaluation changed
    except DomainError as error:
        raise DomainError(
            *sheets.capped(
                [_to_cell(p, where_of, f"D{budget_row}") for p in error.problems],
                field="fileBase64",
            )
        ) from error
    warnings += [
        f["message"]
        for f in evaluation.flags
        if f["code"]
        in (scoring.MISSING_DEVIATION_REASON, scoring.NOT_CREDIBLE, scoring.TARGET_TOO_LOW)
    ]
    return ImportResult(evaluation=evaluation, warnings=warnings)


def _to_cell(problem: Problem, cells: list[dict[str, str]], executed_ref: str) -> Problem:
    """A service problem on ``indicators[i].field`` (or ``executed``) as the cell it came from."""
    name = problem.field or ""
    if name == "executed":
        return Problem(problem.code, problem.message, _address(executed_ref))
    if name.startswith("indicators["):
        index, _, key = name[len("indicators[") :].partition("].")
        try:
            ref = cells[int(index)].get(key)
        except (ValueError, IndexError):
            ref = None
        if ref:
            return Problem(problem.code, problem.message, _address(ref))
    return problem

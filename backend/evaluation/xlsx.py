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

Cells are read as people write them (``cleaning.human_quantity``: ``１３０件``, ``96%``,
``90万元``) in the indicator's unit; the budget row in the unit its heading names
(``项目资金（万元）``) or, when the heading says 元, in 万元 if its 全年预算数 is the budget ÷
10,000. Nothing is dropped or overwritten without a word: an empty or 0 全年执行数 keeps the
recorded spending, a qualitative line with a score and no band takes the band of its score, a
quantitative score without actual value is kept as an adjustment. ``preview_import`` is the dry
run (changes cell by cell, warnings by cell, a digest), ``import_self_evaluation`` the apply
(``expected=digest``); docs/imports.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import openpyxl
from django.db import transaction

from backend.core import cleaning, sheets
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.core.numbers import VALUE, DecimalSize
from backend.core.versioning import Stale
from backend.evaluation import scoring
from backend.evaluation.errors import EvaluationErrorCode
from backend.evaluation.models import Band, EvaluationStatus, SelfEvaluation
from backend.evaluation.services import common
from backend.evaluation.services.project import preview_self_evaluation, record_self_evaluation
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
_BANDS_BY_LABEL = {label: value for value, label in Band.choices}
_SYMBOL = {Direction.GTE: "≥", Direction.LTE: "≤", Direction.EQ: "="}


def _target(row: Any) -> str:
    if row.value_type == ValueType.QUALITATIVE:
        return row.target_text
    return f"{_SYMBOL.get(row.direction, '')}{common.number(row.target_value)}{row.unit}"


_WIDTHS = (16, 14, 16, 28, 14, 14, 10, 10, 36, 16, 24)
_COMPUTED = sheets.writing.COMPUTED_FILL


def export_self_evaluation(evaluation: SelfEvaluation) -> bytes:
    """The table of ``evaluation`` as XLSX bytes: A4 landscape, one page wide, the indicator
    header frozen and printed on every page. The sheet is protected: what is filled in (全年执行数,
    the analysis texts, per indicator 实际完成值, 得分, the reasons and 完成档次, and the columns
    below the table) is open; what the engine computes (执行率, its score, 总分, 自评等级) and what
    comes from the goal and the budget is locked."""
    from tenants.selectors import current_unit

    project = evaluation.project
    book = openpyxl.Workbook()
    form = sheets.FormSheet(
        book.active, title=SHEET, widths=_WIDTHS, orientation=sheets.writing.LANDSCAPE
    )
    width = len(HEADERS)
    title = f"项目支出绩效自评表（{evaluation.fiscal_year}年度）"
    form.title(title)
    for label, column, value, last in (
        ("项目名称", 1, project.name, 3),
        ("主管部门", 4, project.department, 6),
        ("实施单位", 7, current_unit().name, width),
    ):
        form.label(2, column, label)
        form.merged(2, column + 1, last, value)

    money, rate, score = sheets.writing.MONEY, sheets.writing.RATE, sheets.writing.SCORE
    for column, label in enumerate(
        ("项目资金（元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率（%）", "得分"),
        start=1,
    ):
        form.label(3, column, label)
    form.merged(3, 8, width, None)
    form.row(
        4,
        [
            BUDGET_LABEL,
            project.initial_budget,
            evaluation.full_budget,
            evaluation.executed,
            evaluation.execution_weight,
            evaluation.execution_rate,
            evaluation.execution_score,
        ],
        entry=[4],
        formats={2: money, 3: money, 4: money, 5: score, 6: rate, 7: score},
        fills={6: _COMPUTED, 7: _COMPUTED},
    )
    form.label(4, 1, BUDGET_LABEL)
    form.merged(4, 8, width, None)
    goal_text = evaluation.goal.overall_goal if evaluation.goal_id else ""
    for row, (label, value, entry) in enumerate(
        (
            ("年度总体目标", goal_text, False),
            ("偏差原因分析", evaluation.deviation_analysis, True),
            ("改进措施", evaluation.improvement_measures, True),
        ),
        start=5,
    ):
        form.label(row, 1, label)
        form.merged(row, 2, width, value, entry=entry)
        form.sheet.row_dimensions[row].height = 48
    header = form.header(8, HEADERS, height=30)
    row = header
    # 实际完成值, 得分, 偏差原因分析及改进措施, 完成档次, 调整理由: what a unit fills in.
    entry_columns = [6, 8, 9, 10, 11]
    for line in evaluation.indicators.order_by("sort_order", "id"):
        row += 1
        qualitative = line.value_type == ValueType.QUALITATIVE
        actual = line.actual_text if qualitative else line.actual_value
        form.row(
            row,
            [
                line.code,
                line.level1,
                line.level2,
                line.name,
                _target(line),
                actual,
                line.weight,
                line.final_score,
                line.deviation_reason,
                Band(line.band).label if line.band else "",
                line.override_reason,
            ],
            entry=entry_columns,
            formats={1: sheets.writing.TEXT, 7: score, 8: score},
        )
    if row > header:
        form.validation([str(label) for label in Band.labels], 10, header + 1, row)
    for label, points, figure, number_format in (
        (TOTAL_LABEL, Decimal(100), evaluation.total, score),
        (GRADE_LABEL, None, evaluation.grade, None),
    ):
        row += 1
        form.merged(row, 1, 6, label, bold=True, fill=sheets.writing.LABEL_FILL)
        form.cell(row, 7, points, number_format=score)
        form.cell(row, 8, figure, number_format=number_format, fill=_COMPUTED)
        form.merged(row, 9, width, None)
    form.finish(print_title=f"{project.name} {title}")
    form.protect(open_columns=entry_columns)
    return sheets.workbook_bytes(book)


@dataclass
class ImportResult:
    evaluation: SelfEvaluation
    warnings: list[str] = field(default_factory=list)
    changes: list[sheets.Change] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)  # the warnings, each naming its cell


@dataclass(frozen=True)
class ImportPreview:
    """What ``import_self_evaluation`` would do with a file, writing nothing: every change
    cell by cell (``sheets.Change``), the warnings naming their cells, the total and grade the
    evaluation would have, and the ``digest`` an apply may be held to."""

    changes: list[sheets.Change]
    warnings: list[Problem]
    total: Decimal | None
    grade: str
    digest: str


def _address(ref: str) -> str:
    return f"{SHEET}!{ref}"


def _find_row(sheet: sheets.Grid, label: str) -> int | None:
    for cells in sheet.rows(min_row=1, max_row=400):
        value = cells[0].value
        if isinstance(value, str) and cleaning.normal_text(value) == cleaning.normal_text(label):
            return cells[0].row
    return None


def _at(sheet: sheets.Grid, ref: str) -> Any:
    """The value of cell ``ref`` ("D4")."""
    return sheet.at(ref).value


def _quantity(
    sheet: sheets.Grid,
    ref: str,
    label: str,
    unit: str,
    problems: list[Problem],
    size: DecimalSize | None = None,
) -> cleaning.Quantity | None:
    """The cell ``ref`` read as people write it, in ``unit`` (``sheets.quantity``)."""
    quantity, problem = sheets.quantity(
        sheet.at(ref), _address(ref), label, unit=unit, size=size or VALUE
    )
    if problem is not None:
        problems.append(problem)
    return quantity


def _num(sheet: sheets.Grid, ref: str, label: str, unit: str, problems: list[Problem]) -> Any:
    quantity = _quantity(sheet, ref, label, unit, problems)
    return None if quantity is None else quantity.value


def _yuan(value: Decimal | None) -> str:
    return "空" if value is None else f"{value:,.2f} 元"


def _band_of(score: Decimal, weight: Decimal, current: str | None) -> str:
    """The band a qualitative score falls in (the current band when it still fits; on a
    boundary the higher band)."""
    share = score * scoring.HUNDRED / weight if weight else Decimal(0)
    if current is not None and current in scoring.BANDS:
        low, high = scoring.BANDS[current]
        if low <= share <= high:
            return current
    for band in (scoring.ACHIEVED, scoring.PARTLY, scoring.NOT_ACHIEVED):
        if share >= scoring.BANDS[band][0]:
            return band
    return scoring.NOT_ACHIEVED


@dataclass
class _Read:
    """What a table says, cleaned, before anything is checked against the engine."""

    fields: dict[str, Any]
    rows: list[dict[str, Any]]
    where_of: list[dict[str, str]]
    problems: list[Problem]
    notes: list[Problem]
    budget_row: int
    total_row: int | None
    consistency: list[Problem]


def _read(evaluation: SelfEvaluation, content: bytes) -> _Read:
    book = sheets.open_workbook(content, field="fileBase64", what="项目支出绩效自评表")
    sheet = sheets.read_sheet(
        sheets.require_sheet(
            book, SHEET, field="fileBase64", code=EvaluationErrorCode.SHEET_MISSING
        ),
        max_columns=len(HEADERS),
        field="fileBase64",
    )
    problems: list[Problem] = sheet.error_problems(_address)
    notes: list[Problem] = []
    header = _find_row(sheet, HEADERS[0])
    budget_row = _find_row(sheet, BUDGET_LABEL)
    if header is None or budget_row is None:
        raise DomainError.single(
            EvaluationErrorCode.LAYOUT,
            "表格不是标准的项目支出绩效自评表（找不到指标表头或资金行）。",
            "fileBase64",
        )
    fields: dict[str, Any] = {}
    unit = _money_unit(sheet, evaluation, budget_row, notes)
    executed = _quantity(
        sheet, f"D{budget_row}", "全年执行数", unit, problems, size=cleaning.WANYUAN
    )
    _take_executed(evaluation, executed, f"D{budget_row}", fields, notes)
    weight_in = _num(sheet, f"E{budget_row}", "分值", "分", problems)
    rate_in = _num(sheet, f"F{budget_row}", "执行率", "%", problems)
    exec_in = _num(sheet, f"G{budget_row}", "得分", "分", problems)
    for label, name in TEXT_LABELS.items():
        text_row = _find_row(sheet, label)
        if text_row is not None:
            fields[name] = sheets.text(_at(sheet, f"B{text_row}"))

    indicators = {r.code: r for r in evaluation.indicators.all()}
    rows: list[dict[str, Any]] = []
    where_of: list[dict[str, str]] = []  # input field -> cell, per row
    typed_scores: list[Decimal] = []
    total_in: Decimal | None = None
    total_row: int | None = None
    for cells in sheet.rows(min_row=header + 1):
        r = cells[0].row
        code = sheets.text(cells[0].value)
        if cleaning.normal_text(code) == TOTAL_LABEL:
            total_in = _num(sheet, f"H{r}", "总分", "分", problems)
            total_row = r
            break
        if not code:
            continue
        ind = indicators.get(code)
        if ind is None:
            problems.append(
                Problem(
                    CoreErrorCode.UNKNOWN_INDICATOR,
                    f"该自评没有编码为“{code}”的指标。",
                    _address(f"A{r}"),
                )
            )
            continue
        score = _num(sheet, f"H{r}", "得分", "分", problems)
        if score is not None:
            typed_scores.append(score)
        row: dict[str, Any] = {"code": code, "deviation_reason": sheets.text(_at(sheet, f"I{r}"))}
        where = {
            "code": f"A{r}",
            "actualValue": f"F{r}",
            "actualText": f"F{r}",
            "band": f"J{r}",
            "bandScore": f"H{r}",
            "overrideScore": f"H{r}",
            "overrideReason": f"K{r}",
            "deviationReason": f"I{r}",
            "explanation": f"K{r}",
        }
        reason = sheets.text(_at(sheet, f"K{r}"))
        if ind.value_type == ValueType.QUALITATIVE:
            _qualitative(sheet, ind, r, score, reason, row, problems, notes)
        else:
            _quantitative(sheet, ind, r, score, reason, row, problems, notes)
        rows.append(row)
        where_of.append(where)

    # Consistency of the numbers as typed.
    consistency: list[Problem] = []
    if rate_in is not None and exec_in is not None:
        expected = scoring.execution_score(rate_in, weight_in or evaluation.execution_weight)
        if expected != exec_in.quantize(scoring.CENT):
            consistency.append(
                Problem(
                    EvaluationErrorCode.EXECUTION_SCORE_MISMATCH,
                    f"{_address(f'G{budget_row}')}：预算执行率得分{common.number(exec_in)}与"
                    f"执行率{common.number(rate_in)}%不符（应为{expected}）。",
                    _address(f"G{budget_row}"),
                )
            )
    if total_in is not None and exec_in is not None:
        parts = exec_in + sum(typed_scores, Decimal(0))
        if parts != total_in:
            consistency.append(
                Problem(
                    EvaluationErrorCode.TOTAL_MISMATCH,
                    f"总分{common.number(total_in)}与各项得分之和{common.number(parts)}不符。",
                    _address(f"H{total_row}"),
                )
            )
    return _Read(fields, rows, where_of, problems, notes, budget_row, total_row, consistency)


def _money_unit(
    sheet: sheets.Grid, evaluation: SelfEvaluation, budget_row: int, notes: list[Problem]
) -> str:
    """The unit of the budget row: the heading's (``项目资金（万元）``), else 元 — unless the
    row's 全年预算数 is the evaluation's budget divided by 10,000 exactly, a row in 万元 under a
    heading that says 元 (then read as 万元, and said)."""
    above = _at(sheet, f"A{budget_row - 1}") if budget_row > 1 else None
    heading = cleaning.normal_text(sheets.text(above))
    if "万元" in heading:
        return "万元"
    written = _at(sheet, f"C{budget_row}")
    if isinstance(written, int | float | Decimal) and not isinstance(written, bool):
        try:
            figure = cleaning.to_decimal(written)
        except ValueError:
            return "元"
        full = evaluation.full_budget
        if full and figure != full and figure * 10_000 == full:
            notes.append(
                Problem(
                    EvaluationErrorCode.READ_AS_WANYUAN,
                    f"资金行的全年预算数 {common.number(figure)} 正好是预算 {_yuan(full)} 的"
                    "万分之一：该行按万元读取。",
                    _address(f"C{budget_row}"),
                )
            )
            return "万元"
    return "元"


def _take_executed(
    evaluation: SelfEvaluation,
    executed: cleaning.Quantity | None,
    ref: str,
    fields: dict[str, Any],
    notes: list[Problem],
) -> None:
    """全年执行数: converted to 元; an empty cell keeps the spending recorded, and so does a 0
    where spending is recorded (a blank typed as 0 must not wipe the year's spending) —
    both said in the warnings."""
    recorded = evaluation.executed
    if executed is None:
        if recorded is not None:
            notes.append(
                Problem(
                    EvaluationErrorCode.EXECUTED_KEPT,
                    f"全年执行数未填写：保留已记录的 {_yuan(recorded)}。",
                    _address(ref),
                )
            )
        return
    value = cleaning.convert(executed.value, executed.unit, "元")
    assert value is not None
    if value.is_zero() and recorded:
        notes.append(
            Problem(
                EvaluationErrorCode.EXECUTED_KEPT,
                f"全年执行数填写为 0：保留已记录的 {_yuan(recorded)}，不以 0 覆盖。"
                "如全年确实未支出，请在自评页面修改。",
                _address(ref),
            )
        )
        return
    if executed.unit != "元" and value != executed.value:
        notes.append(
            Problem(
                CoreErrorCode.READ_AS,
                f"全年执行数 {common.number(executed.written_value)}"
                f"{executed.written_unit or executed.unit} 按 {_yuan(value)} 读取。",
                _address(ref),
            )
        )
    fields["executed"] = value


def _qualitative(
    sheet: sheets.Grid,
    ind: Any,
    r: int,
    score: Decimal | None,
    reason: str,
    row: dict[str, Any],
    problems: list[Problem],
    notes: list[Problem],
) -> None:
    """A qualitative line: 完成档次 (J) and its score (H); without a band, the band follows from
    the score typed (a real table has only the score column): never dropped."""
    actual = sheets.text(_at(sheet, f"F{r}"))
    row["actual_text"] = actual
    label = cleaning.normal_text(sheets.text(_at(sheet, f"J{r}")))
    if not label and cleaning.normal_text(actual) in _BANDS_BY_LABEL:
        label = cleaning.normal_text(actual)  # the band written as the actual value
    if label and label not in _BANDS_BY_LABEL:
        problems.append(
            Problem(
                CoreErrorCode.INVALID_CHOICE,
                "完成档次须为“达成”“部分达成并具有一定效果”或“未达成且效果较差”。",
                _address(f"J{r}"),
            )
        )
        return
    if label:
        row["band"], row["band_score"] = _BANDS_BY_LABEL[label], score
        row["explanation"] = reason or ind.explanation
        return
    if score is None or (score == ind.final_score and ind.band is None):
        return  # nothing assessed, or the score an unassessed line was exported with
    if ind.band is not None and score == ind.final_score:
        return  # as exported
    band = _band_of(score, ind.weight, ind.band)
    row["band"], row["band_score"] = band, score
    row["explanation"] = reason or ind.explanation
    notes.append(
        Problem(
            EvaluationErrorCode.BAND_FROM_SCORE,
            f"定性指标“{ind.name}”未填写完成档次：按得分 {common.number(score)}"
            f"（分值 {common.number(ind.weight)}）记为“{scoring.BAND_LABELS[band]}”。",
            _address(f"H{r}"),
        )
    )


def _quantitative(
    sheet: sheets.Grid,
    ind: Any,
    r: int,
    score: Decimal | None,
    reason: str,
    row: dict[str, Any],
    problems: list[Problem],
    notes: list[Problem],
) -> None:
    """A quantitative line: 实际完成值 in the indicator's unit; a typed score other than the
    computed and the exported one is an override (with 调整理由)."""
    quantity = _quantity(sheet, f"F{r}", "实际完成值", ind.unit, problems)
    actual = None if quantity is None else quantity.value
    if quantity is not None and (quantity.converted or quantity.approximate):
        notes.append(
            Problem(
                CoreErrorCode.READ_AS,
                f"实际完成值“{sheets.text(_at(sheet, f'F{r}'))}”按 {common.number(actual)}"
                f"{ind.unit} 读取。",
                _address(f"F{r}"),
            )
        )
    if _at(sheet, f"F{r}") is None and ind.actual_value is not None:
        notes.append(
            Problem(
                EvaluationErrorCode.ACTUAL_KEPT,
                f"指标“{ind.name}”的实际完成值未填写：保留已记录的 "
                f"{common.number(ind.actual_value)}{ind.unit}。",
                _address(f"F{r}"),
            )
        )
        actual = ind.actual_value
    else:
        row["actual_value"] = actual
    if score is None:
        return
    if actual is not None:
        computed = scoring.score_indicator(
            replace(common.indicator_input(ind), actual=actual, override=None)
        ).computed
        if score == computed:
            row["override_score"] = None
        elif score != ind.final_score:  # typed by a person, not the exported score
            row["override_score"], row["override_reason"] = score, reason
        return
    if score == ind.final_score:
        return
    # A score without an actual value: kept as the line's score (an override), never dropped.
    row["override_score"] = score
    row["override_reason"] = reason or "自评表填写了得分但未填写实际完成值，按表中得分导入。"
    notes.append(
        Problem(
            EvaluationErrorCode.SCORE_WITHOUT_ACTUAL,
            f"指标“{ind.name}”未填写实际完成值：保留表中得分 {common.number(score)} 作为人工"
            "调整得分；提交前仍须填写实际完成值。",
            _address(f"H{r}"),
        )
    )


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return common.number(value)
    return str(value)


_CHANGE_FIELDS: tuple[tuple[str, str, str], ...] = (
    # (IndicatorScore field, label, input key naming the cell)
    ("actual_value", "实际完成值", "actualValue"),
    ("actual_text", "实际完成值", "actualText"),
    ("band", "完成档次", "band"),
    ("band_score", "得分", "bandScore"),
    ("override_score", "得分（人工调整）", "overrideScore"),
    ("override_reason", "调整理由", "overrideReason"),
    ("explanation", "评分说明", "explanation"),
    ("deviation_reason", "偏差原因分析及改进措施", "deviationReason"),
    ("final_score", "得分", "bandScore"),
)


def _preview(evaluation: SelfEvaluation, read: _Read) -> tuple[Any, list[sheets.Change]]:
    """The engine's sheet as the import would leave it (nothing saved) and the changes."""
    fresh = SelfEvaluation.objects.get(pk=evaluation.pk)
    before = {r.code: r for r in fresh.indicators.all()}
    before_eval = SelfEvaluation.objects.get(pk=evaluation.pk)
    preview = preview_self_evaluation(fresh, indicators=read.rows, **read.fields)
    if preview.problems:
        raise DomainError(
            *sheets.capped(
                [_to_cell(p, read.where_of, f"D{read.budget_row}") for p in preview.problems],
                field="fileBase64",
            )
        )
    changes: list[sheets.Change] = []
    ref = f"D{read.budget_row}"
    for name, label, value_ref in (
        ("executed", "全年执行数", ref),
        ("deviation_analysis", "偏差原因分析", ""),
        ("improvement_measures", "改进措施", ""),
    ):
        old, new = getattr(before_eval, name), getattr(preview.evaluation, name)
        if (old or "") != (new or ""):
            show = _yuan if name == "executed" else _shown
            changes.append(
                sheets.Change(
                    "evaluation",
                    read.budget_row if value_ref else None,
                    _address(value_ref) if value_ref else "",
                    "",
                    "",
                    label,
                    show(old),
                    show(new),
                )
            )
    cells = {row["code"]: where for row, where in zip(read.rows, read.where_of, strict=True)}
    for after in preview.rows:
        old_row = before[after.code]
        where = cells.get(after.code, {})
        for name, label, key in _CHANGE_FIELDS:
            old, new = getattr(old_row, name), getattr(after, name)
            if (old if old is not None else "") == (new if new is not None else ""):
                continue
            if name == "band":
                old = scoring.BAND_LABELS.get(old or "", old)
                new = scoring.BAND_LABELS.get(new or "", new)
            cell = where.get(key, "")
            changes.append(
                sheets.Change(
                    "result" if name == "final_score" else "changed",
                    int(cell[1:]) if cell else None,
                    _address(cell) if cell else "",
                    after.code,
                    after.name,
                    label,
                    _shown(old),
                    _shown(new),
                )
            )
    for name, label in (
        ("execution_score", "预算执行率得分"),
        ("total", "总分"),
        ("grade", "自评等级"),
    ):
        old, new = getattr(before_eval, name), getattr(preview.evaluation, name)
        if (old if old is not None else "") != (new if new is not None else ""):
            row = read.total_row if name != "execution_score" else read.budget_row
            letter = "H" if name != "execution_score" else "G"
            if name == "grade" and row is not None:
                row += 1
            changes.append(
                sheets.Change(
                    "result",
                    row,
                    _address(f"{letter}{row}") if row else "",
                    "",
                    "",
                    label,
                    _shown(old),
                    _shown(new),
                )
            )
    return preview, changes


def _warnings(read: _Read, flags: list[dict[str, Any]]) -> list[Problem]:
    engine = [
        Problem(f["code"].upper(), f["message"], None)
        for f in flags
        if f["code"]
        in (scoring.MISSING_DEVIATION_REASON, scoring.NOT_CREDIBLE, scoring.TARGET_TOO_LOW)
    ]
    return [*read.notes, *read.consistency, *engine]


def preview_import(evaluation: SelfEvaluation, content: bytes) -> ImportPreview:
    """A dry run of ``import_self_evaluation``: the same reading and checks (every bad cell at
    once, as a ``DomainError``), then every change cell by cell and the warnings. Writes
    nothing."""
    if evaluation.status != EvaluationStatus.DRAFT:
        raise common.invalid(evaluation.status, "导入")
    read = _read(evaluation, content)
    if read.problems:
        raise sheets.fail(read.problems, field="fileBase64")
    preview, changes = _preview(evaluation, read)
    return ImportPreview(
        changes=changes,
        warnings=_warnings(read, preview.evaluation.flags),
        total=preview.evaluation.total,
        grade=preview.evaluation.grade,
        digest=sheets.digest(changes),
    )


@transaction.atomic
def import_self_evaluation(
    evaluation: SelfEvaluation,
    content: bytes,
    actor: common.AnyUser,
    *,
    expected_version: int | None = None,
    expected: str | None = None,
) -> ImportResult:
    """Fill the draft ``evaluation`` from a filled table (see the module docstring), in one
    transaction. ``expected_version``: the evaluation's version the caller read (``STALE``
    when it changed since). ``expected``: the ``digest`` of the ``preview_import`` the user
    confirmed; when the import would now change something else, nothing is saved
    (``STALE``)."""
    if evaluation.status != EvaluationStatus.DRAFT:
        raise common.invalid(evaluation.status, "导入")
    common.lock(evaluation)
    read = _read(evaluation, content)
    if read.problems:
        raise sheets.fail(read.problems, field="fileBase64")
    _, changes = _preview(evaluation, read)
    if expected is not None and sheets.digest(changes) != expected:
        raise DomainError.single(
            CoreErrorCode.STALE,
            "核对变更后自评已被修改，导入结果会与预览不同：请重新上传自评表并核对。",
            "file",
        )
    try:
        evaluation = record_self_evaluation(
            evaluation,
            actor,
            indicators=read.rows,
            expected_version=expected_version,
            **read.fields,
        )
    except Stale:
        raise  # names no cell: the whole evaluation changed
    except DomainError as error:
        raise DomainError(
            *sheets.capped(
                [_to_cell(p, read.where_of, f"D{read.budget_row}") for p in error.problems],
                field="fileBase64",
            )
        ) from error
    notices = _warnings(read, evaluation.flags)
    return ImportResult(
        evaluation=evaluation,
        warnings=[w.message for w in notices],
        changes=changes,
        notices=notices,
    )


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

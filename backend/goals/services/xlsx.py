"""The standard goal declaration form (绩效目标申报表): export a goal, import a filled form.

One sheet, ``绩效目标申报表``::

    row 1        the title (merged)
    row 2        填报单位 · 填表说明
    rows 3–7     project facts and budget, two label/value pairs a row (A|B:F, G|H:M)
    rows 8–9     年度总体目标, 中期目标 (value merged over B:M)
    row 10       the indicator header (``HEADERS``)
    rows 11–     one row per level-3 indicator, in display order

On import the labels are found by their text (a row inserted above the indicators does not
break the form) and the header row by its first cell ``一级指标``. Only the 项目编码 and 预算年度
of the facts are checked against the project (``MISMATCH``); the other facts and the budget
are the project's and are not imported. Every bad cell is reported by its address
(``绩效目标申报表!G14``) with a message naming its column; nothing is saved unless every cell is
good.

The indicator rows replace the goal's indicators: a row whose 指标编码 is on the goal updates
that indicator in place (so review comments on it are kept), a new code adds one, a missing
code removes one. A code found in the unit's library links the row to the library indicator
(``source=library``, template code and version copied, mandatory and locked taken from it,
its guidance when the 指标解释 cell is blank); other rows are written for this goal alone
(``source=goal``). Mandatory library indicators may not be left out (``MANDATORY``), locked
ones keep their target and weight (``LOCKED``), and the level 1/2 of a library indicator are
the library's (``NOT_EDITABLE``). The columns are those of the standard form plus 指标解释
(the template sheet's), so that an export imports back to the same goal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import openpyxl
from django.db import connection, transaction
from openpyxl.utils import column_index_from_string, get_column_letter
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from backend.budgets.models import Category, FundingSource, Project, ProjectKind
from backend.core import cleaning, sheets
from backend.core.errors import BaseErrorCode, CoreErrorCode, DomainError, Problem
from backend.core.history import set_history_user
from backend.core.schemas import current_schema
from backend.core.versioning import bump, check_version
from backend.goals.errors import GoalErrorCode
from backend.goals.models import GoalIndicator, IndicatorSource, PerformanceGoal
from backend.goals.services import drafting, edit_policy
from backend.indicators.models import (
    Direction,
    Polarity,
    ScoringMethod,
    TargetBasis,
    ValueType,
)
from backend.indicators.services import validation
from backend.indicators.services.xlsx import parse_indicator_row
from backend.library.models import LibraryIndicator
from backend.library.models import Source as LibrarySource
from tenants.models import Procuratorate

SHEET = "绩效目标申报表"
EDITABLE_STATUSES = edit_policy.EDITABLE_STATUSES

# (header, key): the key is a GoalIndicator field, or "target" for 指标值 (target_value of a
# quantitative indicator, target_text of a qualitative one).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("一级指标", "level1"),
    ("二级指标", "level2"),
    ("三级指标", "name"),
    ("指标编码", "code"),
    ("指标性质", "value_type"),
    ("运算符", "direction"),
    ("指标值", "target"),
    ("计量单位", "unit"),
    ("分值", "weight"),
    ("指标方向", "polarity"),
    ("目标值依据", "target_basis"),
    ("评分方法", "scoring_method"),
    ("指标解释", "guidance"),
)
HEADERS: tuple[str, ...] = tuple(header for header, _ in COLUMNS)
COLUMN_OF: dict[str, str] = {
    key: get_column_letter(index) for index, (_, key) in enumerate(COLUMNS, start=1)
}
COLUMN_OF["target_value"] = COLUMN_OF["target_text"] = COLUMN_OF["target"]
HEADER_OF: dict[str, str] = {
    get_column_letter(index): header for index, (header, _) in enumerate(COLUMNS, start=1)
}
LAST_COLUMN = get_column_letter(len(COLUMNS))  # M

# Labels of the facts block, as written; on import a label is matched without spaces, a
# trailing colon or its "（元）".
UNIT_LABEL = "填报单位"
NOTE_LABEL = "填表说明"
NAME, CODE, YEAR = "项目名称", "项目编码", "预算年度"
CATEGORY, KIND, DEPARTMENT = "支出类别", "项目类型", "主管处室"
PERSON, FUNDING = "项目负责人", "资金来源"
INITIAL, FULL = "年初预算数（元）", "全年预算数（元）"
OVERALL, MIDTERM = "年度总体目标", "中期目标"
NOTE = (
    "灰色单元格为省院锁定的指标值和分值，不得修改；黄色指标编码为必选指标，不得删除。"
    "指标编码与本院指标库一致的指标按指标库关联，其余为本项目自设指标。"
    "项目信息和预算数以预算系统为准，导入时不更新。"
)
# (label, value, label, value) rows of the facts block.
_FACT_ROWS = (
    (NAME, CODE),
    (YEAR, CATEGORY),
    (KIND, DEPARTMENT),
    (PERSON, FUNDING),
    (INITIAL, FULL),
)
FIRST_FACT_ROW = 3
OVERALL_ROW = FIRST_FACT_ROW + len(_FACT_ROWS)  # 8
MIDTERM_ROW = OVERALL_ROW + 1  # 9
HEADER_ROW = MIDTERM_ROW + 1  # 10
# How far down the facts block and the header row are looked for on import.
_SEARCH_ROWS = 40

_WIDTHS = {"A": 12, "B": 16, "C": 30, "D": 24, "E": 9, "F": 8, "G": 22, "H": 10, "M": 40}


# --------------------------------------------------------------------------------- export


def _unit_name() -> str:
    """The name of the unit whose schema the connection is on ("" outside a unit)."""
    tenant = getattr(connection, "tenant", None)
    name = getattr(tenant, "name", None)
    if name:
        return str(name)
    return (
        Procuratorate.objects.filter(schema_name=current_schema())
        .values_list("name", flat=True)
        .first()
        or ""
    )


def _target_cell(indicator: GoalIndicator) -> Any:
    if indicator.value_type == ValueType.QUALITATIVE:
        return indicator.target_text or None
    if indicator.target_value is None:
        return None
    return sheets.number(indicator.target_value)


def _row(indicator: GoalIndicator) -> list[Any]:
    return [
        indicator.level1,
        indicator.level2,
        indicator.name,
        indicator.code,
        ValueType(indicator.value_type).label,
        Direction(indicator.direction).label if indicator.direction else None,
        _target_cell(indicator),
        indicator.unit or None,
        sheets.number(indicator.weight),
        Polarity(indicator.polarity).label,
        TargetBasis(indicator.target_basis).label,
        ScoringMethod(indicator.scoring_method).label,
        indicator.guidance or None,
    ]


def _facts(project: Project) -> dict[str, Any]:
    return {
        NAME: project.name,
        CODE: project.code,
        YEAR: project.fiscal_year,
        CATEGORY: Category(project.category).label if project.category else None,
        KIND: ProjectKind(project.kind).label if project.kind else None,
        DEPARTMENT: project.department or None,
        PERSON: project.person_in_charge or None,
        FUNDING: FundingSource(project.funding_source).label if project.funding_source else None,
        INITIAL: project.initial_budget,
        FULL: project.full_budget,
    }


def export_goal(goal: PerformanceGoal) -> bytes:
    """The goal as a filled 绩效目标申报表 (XLSX). Runs in the goal's unit schema; three queries
    (project, indicators, unit name when the connection has no tenant object).

    A4 landscape, one page wide, the indicator header frozen and printed on every page. The
    sheet is protected: the goal texts and the indicator rows are open (and the columns below
    them, for added rows) except a locked indicator's 指标值 and 分值; the project facts and the
    budget come from the budget system and are locked."""
    project = Project.objects.get(pk=goal.project_id)
    indicators = list(GoalIndicator.objects.filter(goal_id=goal.pk).order_by("sort_order", "id"))

    workbook = openpyxl.Workbook()
    form = sheets.FormSheet(
        workbook.active,
        title=SHEET,
        widths=[_WIDTHS.get(letter, 12) for letter in HEADER_OF],
        orientation=sheets.writing.LANDSCAPE,
    )
    width = len(COLUMNS)
    title = f"{project.fiscal_year}年度项目支出绩效目标申报表"
    form.title(title)

    form.label(2, 1, UNIT_LABEL)
    form.merged(2, 2, 6, _unit_name())
    form.label(2, 7, NOTE_LABEL)
    form.merged(2, 8, width, NOTE)
    form.sheet.row_dimensions[2].height = 48

    facts = _facts(project)
    for offset, (left, right) in enumerate(_FACT_ROWS):
        row = FIRST_FACT_ROW + offset
        for label, first, last in ((left, 2, 6), (right, 8, width)):
            value = facts[label]
            form.label(row, first - 1, label)
            money = sheets.writing.MONEY if isinstance(value, Decimal) else None
            # A code stays text when edited.
            text = sheets.writing.TEXT if label in (NAME, CODE) else None
            form.merged(row, first, last, value, number_format=money or text)

    for row, label, text_value in (
        (OVERALL_ROW, OVERALL, goal.overall_goal),
        (MIDTERM_ROW, MIDTERM, goal.midterm_goal or None),
    ):
        form.label(row, 1, label)
        form.merged(row, 2, width, text_value, entry=True)
        form.sheet.row_dimensions[row].height = 60

    form.header(HEADER_ROW, HEADERS, height=30)
    code, target, weight = (
        column_index_from_string(COLUMN_OF[key]) for key in ("code", "target", "weight")
    )
    for offset, indicator in enumerate(indicators, start=1):
        fills = {}
        closed: set[int] = set()
        if indicator.locked:
            fills[target] = fills[weight] = sheets.writing.LOCKED_FILL
            closed = {target, weight}
        if indicator.mandatory:
            fills[code] = sheets.writing.MANDATORY_FILL
        form.row(
            HEADER_ROW + offset,
            _row(indicator),
            entry=set(range(1, width + 1)) - closed,
            formats={code: sheets.writing.TEXT},
            fills=fills,
        )

    last = max(HEADER_ROW + len(indicators), HEADER_ROW + 200)
    for options, key in (
        ([str(label) for label in ValueType.labels], "value_type"),
        (["≥", "≤", "="], "direction"),
        ([str(label) for label in Polarity.labels], "polarity"),
        ([str(label) for label in TargetBasis.labels], "target_basis"),
        ([str(label) for label in ScoringMethod.labels], "scoring_method"),
    ):
        form.validation(options, column_index_from_string(COLUMN_OF[key]), HEADER_ROW + 1, last)
    form.finish(print_title=f"{project.name} {title}")
    form.protect(open_columns=range(1, width + 1))
    return sheets.workbook_bytes(workbook)


# --------------------------------------------------------------------------------- import


@dataclass
class FormRow:
    """One indicator row of the form: its row number and cleaned field values."""

    row: int
    data: dict[str, Any]


@dataclass
class Form:
    """What a form says, cleaned, and every problem found in it."""

    facts: dict[str, Any] = field(default_factory=dict)  # label → raw value
    fact_cells: dict[str, str] = field(default_factory=dict)  # label → value cell ("B4")
    overall_goal: str = ""
    midterm_goal: str = ""
    rows: list[FormRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # How cells written as people write them were read ("≥95%", "7.29万元"): dry-run warnings.
    notes: list[Problem] = field(default_factory=list)
    fact_units: dict[str, str] = field(default_factory=dict)  # label → unit its heading names


def _address(ref: str) -> str:
    return f"{SHEET}!{ref}"


def _cell_problem(code: BaseErrorCode, letter: str, row: int, message: str) -> Problem:
    return Problem(code, f"第 {row} 行“{HEADER_OF[letter]}”：{message}", _address(f"{letter}{row}"))


def _fact_problem(code: BaseErrorCode, label: str, ref: str, message: str) -> Problem:
    return Problem(code, f"“{_plain(label)}”（{ref}）：{message}", _address(ref))


def _plain(label: str) -> str:
    """A label as matched: no spaces, no trailing colon, no "（元）"."""
    text = cleaning.normal_text(label).rstrip(":：")
    for suffix in ("(元)", "(万元)"):
        text = text.removesuffix(suffix)
    return text


_KNOWN_LABELS = {
    _plain(label): label
    for label in (
        UNIT_LABEL,
        NOTE_LABEL,
        NAME,
        CODE,
        YEAR,
        CATEGORY,
        KIND,
        DEPARTMENT,
        PERSON,
        FUNDING,
        INITIAL,
        FULL,
        OVERALL,
        MIDTERM,
    )
}


def _load(content: bytes) -> sheets.Grid:
    """The form's sheet, read within the bounds of ``backend.core.sheets``."""
    workbook = sheets.open_workbook(content, field="file", what="绩效目标申报表")
    sheet = sheets.require_sheet(workbook, SHEET, field="file")
    return sheets.read_sheet(sheet, max_columns=len(COLUMNS), field="file")


def _find_header(sheet: sheets.Grid) -> int | None:
    for cells in sheet.rows(min_row=1, max_row=_SEARCH_ROWS):
        if sheets.text(cells[0].value) == HEADERS[0]:
            return cells[0].row
    return None


def _read_facts(sheet: sheets.Grid, header_row: int, form: Form) -> None:
    """The labelled values above the header: each value is the cell right of its label."""
    for cells in sheet.rows(min_row=1, max_row=header_row - 1):
        for index, cell in enumerate(cells):
            label = _KNOWN_LABELS.get(_plain(sheets.text(cell.value)))
            if label is None or label in form.facts or index + 1 >= len(cells):
                continue
            value_cell = cells[index + 1]
            form.facts[label] = value_cell.value
            form.fact_cells[label] = value_cell.coordinate
            form.fact_units[label] = "万元" if "万元" in sheets.text(cell.value) else "元"


def _parse_row(
    cells: Sequence[Any], row: int, notes: list[Problem] | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """One indicator row, read like the template sheet's rows. The form states a whole
    indicator, so what a row leaves blank takes the default rather than keeping an old value."""
    data, problems = parse_indicator_row(
        cells, row, columns=COLUMNS, column_of=COLUMN_OF, cell_problem=_cell_problem, notes=notes
    )
    data.setdefault("polarity", Polarity.POSITIVE)
    data.setdefault("target_basis", TargetBasis.PLAN)
    if data.get("value_type") == ValueType.QUANTITATIVE:
        data.setdefault("target_text", "")
    elif data.get("value_type") == ValueType.QUALITATIVE:
        data.setdefault("target_value", None)
    return data, problems


def read_form(content: bytes) -> Form:
    """The facts, goal texts and indicator rows of a form, cleaned, with every problem found
    (each naming its cell). Raises ``DomainError`` (``INVALID_FILE``) when the file cannot be
    read at all. Checks nothing against a project or library: ``import_goal`` does."""
    sheet = _load(content)
    form = Form()
    header_row = _find_header(sheet)
    if header_row is None:
        raise DomainError.single(
            CoreErrorCode.INVALID_FILE,
            f"“{SHEET}”工作表中没有找到指标表头（第一列为“{HEADERS[0]}”的行）。",
            SHEET,
        )
    header = [sheets.text(c.value) for c in sheet.row(header_row)]
    for index, expected in enumerate(HEADERS):
        if header[index] != expected:
            letter = get_column_letter(index + 1)
            form.problems.append(
                Problem(
                    CoreErrorCode.INVALID_HEADER,
                    f"第 {header_row} 行 {letter} 列应为“{expected}”，实际为“{header[index]}”。",
                    _address(f"{letter}{header_row}"),
                )
            )
    if form.problems:  # the columns cannot be trusted: stop here
        return form

    form.problems.extend(sheet.error_problems(_address))
    _read_facts(sheet, header_row, form)
    for label in (CODE, YEAR, OVERALL):
        if label not in form.facts:
            form.problems.append(
                Problem(GoalErrorCode.MISSING_FIELD, f"申报表缺少“{_plain(label)}”栏。", SHEET)
            )
    if OVERALL in form.facts:
        form.overall_goal = sheets.text(form.facts[OVERALL])
        if not form.overall_goal:
            form.problems.append(
                _fact_problem(
                    CoreErrorCode.REQUIRED, OVERALL, form.fact_cells[OVERALL], "不能为空。"
                )
            )
    form.midterm_goal = sheets.text(form.facts.get(MIDTERM))

    first_row_of: dict[str, int] = {}
    for cells in sheet.rows(min_row=header_row + 1):
        if all(sheets.text(cell.value) == "" for cell in cells):
            continue
        row = int(cells[0].row)
        data, cell_problems = _parse_row(cells, row, form.notes)
        cleaned, field_problems = validation.clean_indicator_fields(data)
        bad = {p.field for p in cell_problems}
        for problem in field_problems:
            letter = COLUMN_OF.get(problem.field or "code", COLUMN_OF["code"])
            if _address(f"{letter}{row}") not in bad:
                cell_problems.append(_cell_problem(problem.code, letter, row, problem.message))
                bad.add(_address(f"{letter}{row}"))
        code = cleaned.get("code")
        if code:
            if code in first_row_of:
                cell_problems.append(
                    _cell_problem(
                        CoreErrorCode.DUPLICATE_CODE,
                        COLUMN_OF["code"],
                        row,
                        f"指标编码“{code}”与第 {first_row_of[code]} 行重复。",
                    )
                )
            else:
                first_row_of[code] = row
        form.problems.extend(cell_problems)
        form.rows.append(FormRow(row=row, data=cleaned))
    if not form.rows and not form.problems:
        form.problems.append(
            Problem(
                CoreErrorCode.NO_INDICATORS,
                f"“{SHEET}”工作表中没有指标。",
                _address(f"A{header_row}"),
            )
        )
    return form


def _year_of(value: Any) -> int | None:
    text = sheets.text(value).removesuffix("年").removesuffix("年度")
    try:
        return int(text)
    except ValueError:
        return None


def _fact_problems(project: Project, form: Form) -> list[Problem]:
    problems: list[Problem] = []
    if CODE in form.facts:
        code = sheets.text(form.facts[CODE])
        if code != project.code:
            problems.append(
                _fact_problem(
                    GoalErrorCode.MISMATCH,
                    CODE,
                    form.fact_cells[CODE],
                    f"表中为“{code}”，与项目“{project.name}”的编码“{project.code}”不一致。",
                )
            )
    if YEAR in form.facts:
        year = _year_of(form.facts[YEAR])
        if year != project.fiscal_year:
            problems.append(
                _fact_problem(
                    GoalErrorCode.MISMATCH,
                    YEAR,
                    form.fact_cells[YEAR],
                    f"表中为“{sheets.text(form.facts[YEAR])}”，与项目的预算年度 "
                    f"{project.fiscal_year} 不一致。",
                )
            )
    return problems


def _kind_template_id(project: Project) -> int | None:
    """The template a new goal of the project follows (the one ``create_goal`` uses)."""
    adopted, _ = drafting._adopted_template(project, None)
    return adopted.template_id if adopted is not None else None


def _pick(
    candidates: list[LibraryIndicator], *, linked: int | None, template_id: int | None
) -> LibraryIndicator:
    """The library indicator a code means: the one the goal already links to, else a current
    one of the project's template, else a current local one, else any current, else retired."""

    def rank(candidate: LibraryIndicator) -> tuple[int, int, int, int]:
        return (
            0 if candidate.pk == linked else 1,
            0 if candidate.retired_at is None else 1,
            0 if template_id is not None and candidate.template_id == template_id else 1,
            0 if candidate.source == LibrarySource.LOCAL else 1,
        )

    return min(candidates, key=lambda c: (*rank(c), c.pk))


def _refusals(
    row: int, values: dict[str, Any], reference: Any, readable: Callable[[str, int], bool]
) -> list[Problem]:
    """What the edit policy refuses in a row linked to a library indicator: the values the
    row changes that ``edit_policy`` keeps (levels: ``NOT_EDITABLE``; a locked target or
    weight: ``LOCKED``), each on its cell, the value that stays said. ``reference`` holds the
    values the library fixes (the goal's copy, or the library indicator)."""
    flags = edit_policy.Flags(from_library=True, locked=bool(reference.locked))
    changed: list[tuple[str, str, str]] = []  # (policy field, column key, value that stays)
    for key in ("level1", "level2"):
        if readable(key, row) and values[key] != getattr(reference, key):
            changed.append((key, key, f"“{getattr(reference, key)}”"))
    if (
        values["value_type"] in ValueType.values
        and readable("value_type", row)
        and readable("target", row)
        and (
            not _same_number(values["target_value"], reference.target_value)
            or values["target_text"] != (reference.target_text or "")
        )
    ):
        field = "target_text" if values["value_type"] == ValueType.QUALITATIVE else "target_value"
        changed.append((field, "target", _shown_target(reference)))
    if readable("weight", row) and not _same_number(values["weight"], reference.weight):
        changed.append(("weight", "weight", str(sheets.number(reference.weight))))
    problems: list[Problem] = []
    for field, key, stays in changed:
        code = edit_policy.field_refusal(edit_policy.Route.EDIT, flags, field)
        if code is None:
            continue
        letter = COLUMN_OF[key]
        said = edit_policy.problem(
            code, label=HEADER_OF[letter], field=None, indicator=reference.name, value=stays
        )
        problems.append(_cell_problem(code, letter, row, said.message))
    return problems


@dataclass
class _Planned:
    """What one row becomes: the cleaned values plus its link."""

    row: FormRow
    values: dict[str, Any]
    existing: GoalIndicator | None


# Written on every indicator from a row (besides goal and code).
_WRITTEN_FIELDS = (
    *GoalIndicator.CONTENT_FIELDS,  # everything but the code, sort order included
    "source",
    "library_indicator",
    "template_code",
    "template_version",
)


def _plan(
    form: Form,
    existing: dict[str, GoalIndicator],
    required: dict[str, str],
    template_id: int | None,
) -> tuple[list[_Planned], list[Problem]]:
    """The indicator each row becomes, and the library rules it breaks (a rule is not checked
    on a cell already reported as unreadable)."""
    problems: list[Problem] = []
    bad = {problem.field for problem in form.problems}

    def readable(key: str, row: int) -> bool:
        return _address(f"{COLUMN_OF[key]}{row}") not in bad

    codes = [row.data["code"] for row in form.rows if row.data.get("code")]
    candidates: dict[str, list[LibraryIndicator]] = {}
    for indicator in LibraryIndicator.objects.filter(code__in=codes).select_related(
        "template", "version"
    ):
        candidates.setdefault(indicator.code, []).append(indicator)

    planned: list[_Planned] = []
    for row in form.rows:
        code = row.data.get("code")
        if not code:
            continue
        current = existing.get(code)
        values: dict[str, Any] = {
            "level1": row.data.get("level1", ""),
            "level2": row.data.get("level2", ""),
            "name": row.data.get("name", ""),
            "value_type": row.data.get("value_type", ""),
            "direction": row.data.get("direction", ""),
            "polarity": row.data.get("polarity", Polarity.POSITIVE),
            "unit": row.data.get("unit", ""),
            "target_value": row.data.get("target_value"),
            "target_text": row.data.get("target_text", ""),
            "weight": row.data.get("weight"),
            "scoring_method": row.data.get("scoring_method", ScoringMethod.PROPORTIONAL),
            "target_basis": row.data.get("target_basis", TargetBasis.PLAN),
            "guidance": row.data.get("guidance", ""),
        }
        found = candidates.get(code)
        if found:
            linked = current.library_indicator_id if current is not None else None
            library = _pick(found, linked=linked, template_id=template_id)
            if library.retired_at is not None and library.pk != linked:
                problems.append(
                    _cell_problem(
                        CoreErrorCode.RETIRED,
                        COLUMN_OF["code"],
                        row.row,
                        f"指标库中的指标“{library.name}”（{code}）已停用，不能选用。",
                    )
                )
                continue
            # The values the library fixes: those of the goal's own copy when it has one
            # (a later library upgrade does not reach a goal being edited), else the library's.
            reference: Any = current if linked == library.pk else library
            problems.extend(_refusals(row.row, values, reference, readable))
            values.update(
                source=IndicatorSource.LIBRARY,
                library_indicator=library,
                template_code=library.template.code if library.template is not None else "",
                template_version=library.version.number if library.version is not None else None,
                guidance=values["guidance"] or reference.guidance,
                mandatory=reference.mandatory,
                locked=reference.locked,
            )
        else:
            values.update(
                source=IndicatorSource.GOAL,
                library_indicator=None,
                template_code="",
                template_version=None,
                mandatory=False,
                locked=False,
            )
        planned.append(_Planned(row=row, values=values, existing=current))

    present = {row.data.get("code") for row in form.rows}
    for code, name in required.items():
        if code not in present:
            problems.append(
                Problem(
                    GoalErrorCode.MANDATORY,
                    f"必选指标“{name}”（{code}）不能删除，请在申报表中保留该行。",
                    f"indicators.{code}",
                )
            )
    return planned, problems


def _same_number(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return Decimal(a) == Decimal(b)


def _shown_target(indicator: GoalIndicator | LibraryIndicator) -> str:
    if indicator.value_type == ValueType.QUALITATIVE:
        return f"“{indicator.target_text}”"
    if indicator.target_value is None:
        return "空"
    return f"{sheets.number(indicator.target_value)}{indicator.unit}"


def _required(
    goal: PerformanceGoal | None, existing: dict[str, GoalIndicator], template_id: int | None
) -> dict[str, str]:
    """Codes (→ names) that must stay: the goal's mandatory indicators, or for a new goal the
    mandatory indicators ``create_goal`` adds from the project's template."""
    if goal is not None:
        return {code: i.name for code, i in existing.items() if i.mandatory}
    if template_id is None:
        return {}
    return dict(
        LibraryIndicator.objects.filter(
            source=LibrarySource.TEMPLATE,
            template_id=template_id,
            mandatory=True,
            retired_at__isnull=True,
        )
        .order_by("sort_order", "id")
        .values_list("code", "name")
    )


def _changed(indicator: GoalIndicator, values: dict[str, Any]) -> bool:
    for key, value in values.items():
        if key == "library_indicator":
            if indicator.library_indicator_id != (value.pk if value is not None else None):
                return True
        elif key in ("target_value", "weight"):
            if not _same_number(getattr(indicator, key), value):
                return True
        elif getattr(indicator, key) != value:
            return True
    return False


def _write_indicators(
    goal: PerformanceGoal, planned: list[_Planned], existing: dict[str, GoalIndicator], user: Any
) -> None:
    """Replace the goal's indicators by the planned ones, with history for every change."""
    keep = {p.row.data["code"] for p in planned}
    to_delete = [i for code, i in existing.items() if code not in keep]
    for removed in to_delete:
        set_history_user(removed, user)
        removed.delete()

    to_create: list[GoalIndicator] = []
    to_update: list[GoalIndicator] = []
    previous = -1
    for plan in planned:
        # Sheet order, keeping the current sort order where it already fits (an unchanged
        # form changes nothing, rows added at the end leave the others alone).
        indicator = plan.existing
        if indicator is not None and indicator.sort_order > previous:
            previous = indicator.sort_order
        else:
            previous += 1
        values = {**plan.values, "sort_order": previous}
        if indicator is None:
            to_create.append(GoalIndicator(goal=goal, code=plan.row.data["code"], **values))
        elif _changed(indicator, values):
            for key, value in values.items():
                setattr(indicator, key, value)
            to_update.append(indicator)
    if to_update:
        bulk_update_with_history(to_update, GoalIndicator, list(_WRITTEN_FIELDS), default_user=user)
    if to_create:
        bulk_create_with_history(to_create, GoalIndicator, default_user=user)


@dataclass
class _Prepared:
    """An import checked and planned, nothing written yet."""

    goal: PerformanceGoal | None
    form: Form
    existing: dict[str, GoalIndicator]
    planned: list[_Planned]


def _prepare(project: Project, content: bytes, *, lock: bool) -> _Prepared:
    """Read, check and plan an import of ``content`` into the project's goal: every problem
    at once (``DomainError``), or what each row becomes."""
    goals = PerformanceGoal.objects.filter(project=project, fiscal_year=project.fiscal_year)
    goal = (goals.select_for_update() if lock else goals).first()
    refusal = goal and edit_policy.goal_problem(edit_policy.Route.EDIT, goal.status, "导入")
    if refusal:
        raise DomainError(refusal)
    form = read_form(content)
    if form.problems and not form.rows and not form.facts:
        raise sheets.fail(form.problems, field="file")  # the header is wrong: nothing else

    problems = [*form.problems, *_fact_problems(project, form)]
    existing: dict[str, GoalIndicator] = {}
    if goal is not None:
        existing = {i.code: i for i in GoalIndicator.objects.filter(goal=goal)}
    template_id = _kind_template_id(project)
    required = _required(goal, existing, template_id)
    planned, library_problems = _plan(form, existing, required, template_id)
    problems.extend(library_problems)
    if problems:
        raise sheets.fail(problems, field="file")
    return _Prepared(goal=goal, form=form, existing=existing, planned=planned)


@transaction.atomic
def import_goal(
    project: Project,
    content: bytes,
    *,
    user: Any,
    expected: str | None = None,
    expected_version: int | None = None,
) -> PerformanceGoal:
    """Create or update the project's goal for its fiscal year from a filled form.

    The goal must be a draft or returned (``NOT_EDITABLE`` otherwise); an import is an edit,
    so a returned goal becomes a draft again. Every bad cell is reported (sheet, row and
    column), together with the facts that do not match the project (``MISMATCH``), missing
    mandatory indicators (``MANDATORY``) and changed locked targets or weights (``LOCKED``);
    nothing is saved unless there is no problem at all. ``expected``: the ``digest`` of the
    ``preview_import`` the user confirmed; if the import would now change something else
    (the goal was edited meanwhile), nothing is saved (``STALE``). ``expected_version``: the
    version of the existing goal the caller read (``STALE`` when it changed since; ignored when
    the import creates the goal). The import raises the goal's version."""
    prepared = _prepare(project, content, lock=True)
    if prepared.goal is not None:
        check_version(prepared.goal, expected_version, "绩效目标")
    if expected is not None and _digest(_changes(prepared)) != expected:
        raise DomainError.single(
            CoreErrorCode.STALE,
            "核对变更后绩效目标已被修改，导入结果会与预览不同：请重新上传申报表并核对。",
            "file",
        )
    goal, form = prepared.goal, prepared.form
    existing, planned = prepared.existing, prepared.planned

    texts = {"overall_goal": form.overall_goal, "midterm_goal": form.midterm_goal}
    if goal is None:
        goal = drafting.create_goal(project, user=user, **texts)
        # create_goal added the template's mandatory indicators: the rows update them.
        existing = {i.code: i for i in GoalIndicator.objects.filter(goal=goal)}
        planned = [
            _Planned(row=p.row, values=p.values, existing=existing.get(p.row.data["code"]))
            for p in planned
        ]
    else:
        version = goal.version
        goal = drafting.update_goal(goal, texts, user=user)
        if goal.version == version:
            bump(goal)  # an import is an edit, even of indicators only
    _write_indicators(goal, planned, existing, user)
    drafting._back_to_draft(goal, user=user)  # an import is an edit, even of indicators only
    return goal


# --------------------------------------------------------------------------------- dry run


# One change an import would make (``sheets.Change``: the same shape for every import).
Change = sheets.Change


@dataclass(frozen=True)
class ImportPreview:
    """What ``import_goal`` would do with a file: every change, the problems the goal would
    still have at submission (``errors``) and the reviewer's warnings; ``digest`` names this
    exact set of changes for ``import_goal(expected=...)``."""

    goal: PerformanceGoal | None
    changes: list[Change]
    errors: list[Problem]
    warnings: list[Problem]
    digest: str
    rows: dict[str, int]  # indicator code → its sheet row


# The fields an import writes that a person reads on the form, in column order.
_REPORTED: tuple[tuple[str, str], ...] = (
    ("level1", "一级指标"),
    ("level2", "二级指标"),
    ("name", "三级指标"),
    ("value_type", "指标性质"),
    ("direction", "运算符"),
    ("target_value", "指标值"),
    ("target_text", "指标值"),
    ("unit", "计量单位"),
    ("weight", "分值"),
    ("polarity", "指标方向"),
    ("target_basis", "目标值依据"),
    ("scoring_method", "评分方法"),
    ("guidance", "指标解释"),
    ("source", "指标来源"),
)
_CHOICE_LABELS: dict[str, Any] = {
    "value_type": ValueType,
    "direction": Direction,
    "polarity": Polarity,
    "target_basis": TargetBasis,
    "scoring_method": ScoringMethod,
    "source": IndicatorSource,
}


def _shown(key: str, value: Any) -> str:
    """A value as the form writes it (labels for choices, numbers without trailing zeros)."""
    if value is None or value == "":
        return ""
    if key in _CHOICE_LABELS:
        choices = _CHOICE_LABELS[key]
        return str(choices(value).label) if value in choices.values else str(value)
    if isinstance(value, Decimal):
        return str(sheets.number(value))
    return str(value)


def _summary(values: dict[str, Any]) -> str:
    target = values.get("target_text") or ""
    if values.get("value_type") == ValueType.QUANTITATIVE:
        target = f"{_shown('direction', values.get('direction'))}"
        target += f"{_shown('target_value', values.get('target_value'))}{values.get('unit') or ''}"
    return f"{values.get('level1')}/{values.get('level2')}，{target}，分值 " + _shown(
        "weight", values.get("weight")
    )


def _changes(prepared: _Prepared) -> list[Change]:
    """Every difference between the goal and what the import would make of it."""
    goal, form = prepared.goal, prepared.form
    changes: list[Change] = []
    for key, label, cell_label in (
        ("overall_goal", OVERALL, OVERALL),
        ("midterm_goal", MIDTERM, MIDTERM),
    ):
        before = getattr(goal, key) if goal is not None else ""
        after = getattr(form, key)
        if before != after:
            ref = form.fact_cells.get(cell_label, "")
            row = int("".join(c for c in ref if c.isdigit())) if ref else None
            changes.append(
                Change("goal", row, _address(ref) if ref else "", "", "", label, before, after)
            )
    for plan in prepared.planned:
        code, row = plan.row.data["code"], plan.row.row
        current = plan.existing
        name = plan.values.get("name", "")
        if current is None:
            changes.append(
                Change(
                    "added",
                    row,
                    _address(f"{COLUMN_OF['code']}{row}"),
                    code,
                    name,
                    "指标",
                    "",
                    _summary(plan.values),
                )
            )
            continue
        for key, label in _REPORTED:
            after = plan.values.get(key)
            before = getattr(current, key)
            if key in ("target_value", "weight"):
                same = _same_number(before, after)
            else:
                same = (before or "") == (after or "")
            if same:
                continue
            changes.append(
                Change(
                    "changed",
                    row,
                    _address(f"{COLUMN_OF.get(key, COLUMN_OF['code'])}{row}"),
                    code,
                    name or current.name,
                    label,
                    _shown(key, before),
                    _shown(key, after),
                )
            )
    kept = {plan.row.data["code"] for plan in prepared.planned}
    for code, indicator in prepared.existing.items():
        if code not in kept:
            changes.append(
                Change("removed", None, "", code, indicator.name, "指标", indicator.name, "")
            )
    return changes


def _budget_notes(project: Project, form: Form) -> list[Problem]:
    """The form's budget figures where they differ from the project's (read in the unit its
    heading or its cell names: ``年初预算数（万元）``, ``7.29万元``). The budget is the
    budget system's and is not imported; a difference is said, never taken."""
    notes: list[Problem] = []
    for label, recorded in ((INITIAL, project.initial_budget), (FULL, project.full_budget)):
        if label not in form.facts or sheets.text(form.facts[label]) == "":
            continue
        ref, unit = form.fact_cells[label], form.fact_units.get(label, "元")
        quantity, problem = cleaning.human_quantity(
            form.facts[label], "", _plain(label), unit=unit, size=cleaning.WANYUAN
        )
        if problem is not None or quantity is None:
            message = problem.message if problem is not None else ""
            notes.append(
                _fact_problem(GoalErrorCode.BUDGET_UNREADABLE, label, ref, f"{message}未导入。")
            )
            continue
        yuan = cleaning.convert(quantity.value, unit, "元")
        if yuan is None or recorded is None or yuan.quantize(Decimal("0.01")) != recorded:
            notes.append(
                _fact_problem(
                    GoalErrorCode.BUDGET_DIFFERS,
                    label,
                    ref,
                    f"表中为 {sheets.number(quantity.value)} {unit}，预算系统中为 "
                    f"{sheets.number(recorded) if recorded is not None else '空'} 元；"
                    "预算数以预算系统为准，导入时不更新。",
                )
            )
    return notes


def _digest(changes: list[Change]) -> str:
    return sheets.digest(changes)


def preview_import(project: Project, content: bytes) -> ImportPreview:
    """A dry run of ``import_goal``: the same reading and checks (every problem at once as a
    ``DomainError``), then what it would change, cell by cell, and the submission problems
    and warnings of the goal as it would stand. Writes nothing."""
    from backend.goals.services.checks import submission_problems

    prepared = _prepare(project, content, lock=False)
    changes = _changes(prepared)
    goal = prepared.goal or PerformanceGoal(project=project, fiscal_year=project.fiscal_year)
    after = [
        GoalIndicator(goal=goal if goal.pk else None, code=plan.row.data["code"], **plan.values)
        for plan in prepared.planned
    ]
    errors, warnings = submission_problems(goal, after)
    warnings = [*prepared.form.notes, *_budget_notes(project, prepared.form), *warnings]
    return ImportPreview(
        goal=prepared.goal,
        changes=changes,
        errors=errors,
        warnings=warnings,
        digest=_digest(changes),
        rows={plan.row.data["code"]: plan.row.row for plan in prepared.planned},
    )

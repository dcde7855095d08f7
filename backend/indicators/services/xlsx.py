"""The indicator-library sheet (指标库): export a version to XLSX, import a sheet as a new draft.

Sheet ``指标库``: row 1 holds ``HEADERS``, then one row per level-3 indicator, in display
order. Sheet ``模板信息`` describes the template and version; it is written on export and
ignored on import. An import checks every cell first and reports each bad one by its address
(``指标库!J7``) and column; it saves nothing unless every cell is good.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
from django.db import transaction
from openpyxl.utils import column_index_from_string, get_column_letter

from backend.accounts.models import User
from backend.core import cleaning, sheets
from backend.core.errors import BaseErrorCode, CoreErrorCode, Problem
from backend.indicators import selectors
from backend.indicators.errors import IndicatorErrorCode
from backend.indicators.models import (
    Direction,
    Layout,
    Polarity,
    ScoringMethod,
    TargetBasis,
    Template,
    TemplateIndicator,
    TemplateVersion,
    ValueType,
    VersionStatus,
)
from backend.indicators.services import authoring, validation
from backend.indicators.system import ScoringGroup

SHEET = "指标库"
INFO_SHEET = "模板信息"

# (header, key): the key is an indicator field, or "target" for 指标值 (target_value of a
# quantitative indicator, target_text of a qualitative one).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("指标编码", "code"),
    ("一级指标", "level1"),
    ("二级指标", "level2"),
    ("三级指标", "name"),
    ("指标性质", "value_type"),
    ("运算符", "direction"),
    ("指标方向", "polarity"),
    ("计量单位", "unit"),
    ("指标值", "target"),
    ("分值", "weight"),
    ("评分方法", "scoring_method"),
    ("目标值依据", "target_basis"),
    ("指标解释", "guidance"),
    ("必选", "mandatory"),
    ("锁定", "locked"),
)
HEADERS: tuple[str, ...] = tuple(header for header, _ in COLUMNS)
COLUMN_OF: dict[str, str] = {
    key: get_column_letter(index) for index, (_, key) in enumerate(COLUMNS, start=1)
}
COLUMN_OF["target_value"] = COLUMN_OF["target_text"] = COLUMN_OF["target"]
HEADER_OF: dict[str, str] = {
    get_column_letter(index): header for index, (header, _) in enumerate(COLUMNS, start=1)
}

YES, NO = "是", "否"
_BOOLEANS = {YES: True, NO: False, "Y": True, "N": False, "TRUE": True, "FALSE": False}
_WIDTHS = {"A": 24, "B": 12, "C": 16, "D": 30, "H": 10, "I": 24, "K": 12, "L": 12, "M": 40}


def _choice_map(choices: Any) -> dict[str, str]:
    """Label and value of each choice, and the label without its trailing 标准 (行业)."""
    mapping: dict[str, str] = {}
    for value, label in choices.choices:
        mapping[value] = value
        mapping[str(label)] = value
        if str(label).endswith("标准"):
            mapping[str(label).removesuffix("标准")] = value
    return mapping


_VALUE_TYPES = _choice_map(ValueType)
_POLARITIES = _choice_map(Polarity)
_SCORING_METHODS = _choice_map(ScoringMethod)
_TARGET_BASES = _choice_map(TargetBasis)
# The labels a bad cell's message lists (computed once: an enum's ``labels`` is rebuilt on
# every access, which a sheet of 5,000 bad rows would pay 20,000 times).
_VALUE_TYPE_LABELS = [str(label) for label in ValueType.labels]
_POLARITY_LABELS = [str(label) for label in Polarity.labels]
_SCORING_METHOD_LABELS = [str(label) for label in ScoringMethod.labels]
_TARGET_BASIS_LABELS = [str(label) for label in TargetBasis.labels]


# --------------------------------------------------------------------------------- export


def _target_cell(indicator: TemplateIndicator) -> Any:
    if indicator.value_type == ValueType.QUALITATIVE:
        return indicator.target_text or None
    if indicator.target_value is None:
        return None
    return sheets.number(indicator.target_value)


def _row(indicator: TemplateIndicator) -> list[Any]:
    return [
        indicator.code,
        indicator.level1,
        indicator.level2,
        indicator.name,
        ValueType(indicator.value_type).label,
        Direction(indicator.direction).label if indicator.direction else None,
        Polarity(indicator.polarity).label,
        indicator.unit or None,
        _target_cell(indicator),
        sheets.number(indicator.weight),
        ScoringMethod(indicator.scoring_method).label,
        TargetBasis(indicator.target_basis).label,
        indicator.guidance or None,
        YES if indicator.mandatory else NO,
        YES if indicator.locked else NO,
    ]


def _group_weights_text(template: Template) -> str:
    weights = template.group_weights or {}
    if not weights:
        return "默认（产出指标 50、效益指标 30、满意度指标 10）"
    return "、".join(
        f"{validation.GROUP_LABELS[ScoringGroup(key)]} {value}" for key, value in weights.items()
    )


def export_version(version: TemplateVersion) -> bytes:
    """The version as an XLSX workbook: the indicator sheet (header in row 1, as imported) and
    the template information. A4 landscape, the header frozen and printed on every page; the
    sheet is protected with the header locked and every indicator column open for editing."""
    template = version.template
    indicators = list(selectors.indicators_of(version))
    workbook = openpyxl.Workbook()
    form = sheets.FormSheet(
        workbook.active,
        title=SHEET,
        widths=[_WIDTHS.get(letter, 10) for letter in HEADER_OF],
        orientation=sheets.writing.LANDSCAPE,
    )
    form.header(1, HEADERS, height=30)
    code_column = HEADERS.index("指标编码") + 1
    for row, indicator in enumerate(indicators, start=2):
        form.row(row, _row(indicator), entry=True, formats={code_column: sheets.writing.TEXT})
    last = max(len(indicators) + 1, 500)
    for options, key in (
        (_VALUE_TYPE_LABELS, "value_type"),
        (["≥", "≤", "="], "direction"),
        (_POLARITY_LABELS, "polarity"),
        (_SCORING_METHOD_LABELS, "scoring_method"),
        (_TARGET_BASIS_LABELS, "target_basis"),
        ([YES, NO], "mandatory"),
        ([YES, NO], "locked"),
    ):
        form.validation(options, column_index_from_string(COLUMN_OF[key]), 2, last)
    title = f"{template.name}（{template.code}）第 {version.number} 版 指标库"
    form.finish(print_title=title)
    form.protect(open_columns=range(1, len(HEADERS) + 1))

    published = version.published_at.strftime("%Y-%m-%d %H:%M") if version.published_at else ""
    sheets.info_sheet(
        workbook,
        INFO_SHEET,
        [
            ("模板编码", template.code),
            ("模板名称", template.name),
            ("适用项目", template.project_kind),
            ("版本号", version.number),
            ("状态", str(VersionStatus(version.status).label)),
            ("变更说明", version.changelog),
            ("计分结构", str(Layout(template.layout).label)),
            ("预算执行率分值", template.execution_weight),
            ("分组分值", _group_weights_text(template)),
            ("发布时间", published),
            ("指标数", len(indicators)),
        ],
        heading=title,
    )
    return sheets.workbook_bytes(workbook)


# --------------------------------------------------------------------------------- import


@dataclass
class SheetRow:
    """One indicator row of a sheet: its row number and cleaned field values."""

    row: int
    data: dict[str, Any]


def _cell(letter: str, row: int) -> str:
    return f"{SHEET}!{letter}{row}"


def _cell_problem(code: BaseErrorCode, letter: str, row: int, message: str) -> Problem:
    return Problem(code, f"第 {row} 行“{HEADER_OF[letter]}”：{message}", _cell(letter, row))


def _quantitative_target(
    cell: Any,
    row: int,
    data: dict[str, Any],
    problems: list[Problem],
    notes: list[Problem] | None,
    column_of: Mapping[str, str],
    cell_problem: Callable[[BaseErrorCode, str, int, str], Problem],
) -> None:
    """The 指标值 of a quantitative row: number, unit and operator as written."""
    letter = column_of["target"]
    quantity, problem = sheets.quantity(cell, "target_value", "指标值", unit=data["unit"] or None)
    if problem is not None:
        message = problem.message.removeprefix("指标值")
        if problem.code == CoreErrorCode.INVALID_NUMBER and "不是有效的数字" in message:
            message += "（定量指标的指标值应为数字，可带单位和“≥”“≤”等比较符）"
        problems.append(cell_problem(problem.code, letter, row, message))
        return
    if quantity is None:
        data["target_value"] = None
        return
    said: list[str] = []
    data["target_value"] = quantity.value
    if not data["unit"] and quantity.unit:
        data["unit"] = quantity.unit
        said.append(f"计量单位取指标值中的“{quantity.unit}”")
    if quantity.converted and quantity.written_value is not None:
        said.append(
            f"按计量单位“{quantity.unit}”换算为 {sheets.number(quantity.value)}"
            f"（表中为 {sheets.number(quantity.written_value)}{quantity.written_unit}）"
        )
    if quantity.comparator:
        symbol = cleaning.COMPARATOR_SYMBOL[quantity.comparator]
        if not data.get("direction"):
            data["direction"] = quantity.comparator
            said.append(f"运算符取指标值中的“{symbol}”")
        elif data["direction"] != quantity.comparator:
            problems.append(
                cell_problem(
                    IndicatorErrorCode.CONFLICT,
                    letter,
                    row,
                    f"指标值中的比较符“{symbol}”与运算符列的"
                    f"“{cleaning.COMPARATOR_SYMBOL.get(data['direction'], data['direction'])}”"
                    "不一致。",
                )
            )
            return
        if quantity.strict:
            said.append(f"“大于/小于”按“{symbol}”处理")
    if quantity.approximate:
        said.append("“约”字已忽略，按数值处理")
    if said and notes is not None:
        notes.append(cell_problem(CoreErrorCode.READ_AS, letter, row, "；".join(said) + "。"))


def parse_indicator_row(
    cells: Sequence[Any],
    row: int,
    *,
    columns: Sequence[tuple[str, str]] = (),
    column_of: Mapping[str, str] | None = None,
    cell_problem: Callable[[BaseErrorCode, str, int, str], Problem] | None = None,
    notes: list[Problem] | None = None,
) -> tuple[dict[str, Any], list[Problem]]:
    """The values of one indicator row as ``clean_indicator_fields`` input, and the problems of
    the cells that could not be read (an unknown label, a text where a number belongs).

    Shared by every sheet with indicator rows: ``columns`` / ``column_of`` give the sheet's
    layout (this sheet's by default) and ``cell_problem`` names its cells. The 必选 and 锁定
    columns are read only where the layout has them.

    Cells are read as people write them (``cleaning.human_quantity``, ``cleaning.heading``):
    a 指标值 ``≥95%`` gives the operator and the number, ``7.29万元`` under 计量单位 元 is
    72900, a blank 计量单位 takes the unit written in the 指标值; headings lose a written weight
    (``产出指标（50分）``) and traditional characters. What was read that way is said in
    ``notes`` (when given), one per cell."""
    columns = columns or COLUMNS
    column_of = column_of or COLUMN_OF
    cell_problem = cell_problem or _cell_problem
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    values = {columns[i][1]: cells[i] for i in range(len(columns))}

    def text(key: str) -> str:
        return sheets.text(values[key].value)

    for key in ("code", "name", "unit", "guidance"):
        data[key] = text(key)
    for key in ("level1", "level2"):
        # "產出指標", "产出指标（50分）": the standard heading; the weight is the rows' sum.
        data[key] = cleaning.heading(values[key].value)[0]

    def choose(key: str, mapping: dict[str, Any], allowed: Iterable[str]) -> Any:
        raw = text(key)
        if not raw:
            return None
        if raw in mapping:
            return mapping[raw]
        problems.append(
            cell_problem(
                CoreErrorCode.INVALID_CHOICE,
                column_of[key],
                row,
                f"“{raw}”无效，应为 {'、'.join(allowed)} 之一。",
            )
        )
        return None

    value_type = choose("value_type", _VALUE_TYPES, _VALUE_TYPE_LABELS)
    if value_type is not None:
        data["value_type"] = value_type
    elif not text("value_type"):
        data["value_type"] = ""  # reported as required by the cleaner

    direction = cleaning.comparator(values["direction"].value)
    if direction is None:
        problems.append(
            cell_problem(
                CoreErrorCode.INVALID_CHOICE,
                column_of["direction"],
                row,
                f"“{text('direction')}”无效，应为 ≥、≤、= 之一（也可写“大于等于”“不低于”等）。",
            )
        )
    data["direction"] = direction or ""

    polarity = choose("polarity", _POLARITIES, _POLARITY_LABELS)
    if polarity is not None:
        data["polarity"] = polarity

    target_cell = values["target"]
    if value_type == ValueType.QUANTITATIVE:
        _quantitative_target(target_cell, row, data, problems, notes, column_of, cell_problem)
    elif value_type == ValueType.QUALITATIVE:
        data["target_text"] = sheets.text(target_cell.value)

    weight = values["weight"].value
    if isinstance(weight, str) and weight.strip():
        points, problem = cleaning.human_quantity(weight, "weight", "分值", unit="分")
        # A weight the cleaner cannot read goes on as written: clean_indicator_fields names it.
        data["weight"] = points.value if problem is None and points else weight.strip()
    else:
        data["weight"] = weight

    method = choose("scoring_method", _SCORING_METHODS, _SCORING_METHOD_LABELS)
    if method is not None:
        data["scoring_method"] = method
    elif not text("scoring_method") and value_type is not None:
        qualitative = value_type == ValueType.QUALITATIVE
        data["scoring_method"] = ScoringMethod.BANDS if qualitative else ScoringMethod.PROPORTIONAL

    basis = choose("target_basis", _TARGET_BASES, _TARGET_BASIS_LABELS)
    if basis is not None:
        data["target_basis"] = basis

    for key in ("mandatory", "locked"):
        if key not in values:
            continue
        raw = values[key].value
        if isinstance(raw, bool):
            data[key] = raw
        elif not text(key):
            data[key] = False
        elif text(key).upper() in _BOOLEANS:
            data[key] = _BOOLEANS[text(key).upper()]
        else:
            problems.append(
                cell_problem(
                    IndicatorErrorCode.INVALID_BOOLEAN,
                    column_of[key],
                    row,
                    f"“{text(key)}”无效，应为是或否。",
                )
            )
    return data, problems


def _load(content: bytes) -> sheets.Grid:
    """The indicator sheet, read within the bounds of ``backend.core.sheets``."""
    workbook = sheets.open_workbook(content, field="file", what="指标库")
    sheet = sheets.require_sheet(workbook, SHEET, field="file")
    return sheets.read_sheet(sheet, max_columns=len(HEADERS), field="file")


def read_indicators(
    content: bytes, layout: str | None = None
) -> tuple[list[SheetRow], list[Problem]]:
    """The indicator rows of a sheet, cleaned, and every problem found (each naming its cell);
    ``layout``: the template's (its headings, ``validation.level_problems``). Raises
    ``DomainError`` (``INVALID_FILE``) when the file cannot be read at all."""
    sheet = _load(content)
    problems: list[Problem] = []
    header = [cell.value for cell in sheet.row(1)]
    for index, expected in enumerate(HEADERS):
        found = sheets.text(header[index])
        if found != expected:
            letter = get_column_letter(index + 1)
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_HEADER,
                    f"第 1 行 {letter} 列应为“{expected}”，实际为“{found}”。",
                    _cell(letter, 1),
                )
            )
    if problems:  # the columns cannot be trusted: stop here
        return [], problems

    rows: list[SheetRow] = []
    first_row_of: dict[str, int] = {}
    for cells in sheet.rows(min_row=2):
        if all(sheets.text(cell.value) == "" for cell in cells):
            continue
        row = cells[0].row
        data, cell_problems = parse_indicator_row(cells, row)
        cleaned, field_problems = validation.clean_indicator_fields(data, layout=layout)
        bad_columns = {p.field for p in cell_problems}
        for problem in field_problems:
            letter = COLUMN_OF[problem.field or "code"]
            if _cell(letter, row) not in bad_columns:
                cell_problems.append(_cell_problem(problem.code, letter, row, problem.message))
                bad_columns.add(_cell(letter, row))
        code = cleaned.get("code")
        if code:
            if code in first_row_of:
                cell_problems.append(
                    _cell_problem(
                        CoreErrorCode.DUPLICATE_CODE,
                        "A",
                        row,
                        f"指标编码“{code}”与第 {first_row_of[code]} 行重复。",
                    )
                )
            else:
                first_row_of[code] = row
        problems.extend(cell_problems)
        rows.append(SheetRow(row=row, data=cleaned))
    if not rows and not problems:
        problems.append(Problem(CoreErrorCode.NO_INDICATORS, f"“{SHEET}”工作表中没有指标。", SHEET))
    return rows, problems


@dataclass(frozen=True)
class ImportPreview:
    """What importing a sheet would do, nothing written: each indicator row with the problems
    of its cells, the problems of no row (the template's draft, the changelog, the header, an
    empty sheet) and the problems of the version as a whole that only block its publication
    (``validation.validate_version``: weights, required groups; an import keeps them)."""

    rows: list[tuple[SheetRow, list[Problem]]]
    problems: list[Problem]
    publish_problems: list[Problem]
    digest: str  # the sha256 of the file: the apply refuses another file

    @property
    def ok(self) -> bool:
        return not self.problems and not any(found for _, found in self.rows)


def _check(
    template: Template, content: bytes, changelog: str
) -> tuple[list[SheetRow], list[Problem]]:
    problems: list[Problem] = []
    draft = selectors.draft_of(template)
    if draft is not None:
        problems.append(
            Problem(
                IndicatorErrorCode.DRAFT_EXISTS,
                f"模板“{template.name}”已有草稿版本（第 {draft.number} 版），"
                "请先发布或删除该草稿再导入。",
                "template",
            )
        )
    _, changelog_problems = authoring.clean_changelog(changelog)
    problems.extend(changelog_problems)
    rows, sheet_problems = read_indicators(content, template.layout)
    problems.extend(sheet_problems)
    return rows, problems


def preview_version(template: Template, content: bytes, *, changelog: str = "") -> ImportPreview:
    """The dry run of ``import_version``: the same checks, row by row, nothing saved."""
    rows, problems = _check(template, content, changelog)
    by_row: dict[int, list[Problem]] = {r.row: [] for r in rows}
    loose: list[Problem] = []
    for problem in problems:
        row = _row_of(problem.field or "")
        if row is not None and row in by_row:
            by_row[row].append(problem)
        else:
            loose.append(problem)
    publish: list[Problem] = []
    if not problems:
        unsaved = [
            TemplateIndicator(**{**r.data, "sort_order": i}) for i, r in enumerate(rows, start=1)
        ]
        publish = validation.validate_version(template, unsaved)
    return ImportPreview(
        rows=[(r, by_row[r.row]) for r in rows],
        problems=loose,
        publish_problems=publish,
        digest=hashlib.sha256(content).hexdigest(),
    )


def _row_of(field: str) -> int | None:
    """The sheet row a problem's cell names (``指标库!J7`` → 7)."""
    if not field.startswith(f"{SHEET}!"):
        return None
    digits = field[len(SHEET) + 1 :].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return int(digits) if digits.isdigit() else None


@transaction.atomic
def import_version(
    template: Template, content: bytes, *, user: User | None, changelog: str = ""
) -> TemplateVersion:
    """A new draft version of ``template`` holding exactly the indicators of the sheet, in
    its row order. Refused while the template has a draft; nothing is saved if any cell is
    bad, and every bad cell is reported (``preview_version`` is the dry run). ``user`` is
    accepted for the audit trail (a version records no author yet)."""
    rows, problems = _check(template, content, changelog)
    if problems:
        raise sheets.fail(problems, field="file")

    version = authoring.new_draft(template, changelog=changelog, copy_latest=False, user=user)
    TemplateIndicator.objects.bulk_create(
        TemplateIndicator(version=version, **{**row.data, "sort_order": position})
        for position, row in enumerate(rows, start=1)
    )
    return version

"""The province's unit statistics sheet (单位基本情况表): every unit under the province with its
staff (在编人数), procurators (员额检察官) and cases handled (办理案件数) for a year — exported
pre-filled with what is known, filled in offline, imported back in one transaction. Every bad cell
is named (``单位基本情况表!C7``) and nothing is saved when one is bad."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font

from backend.accounts.models import User
from backend.benchmarking.models import UnitStatistics
from backend.benchmarking.peers import MAX_STATISTIC, set_unit_statistics
from backend.core import sheets
from backend.core.errors import Problem
from tenants.models import Procuratorate

SHEET = "单位基本情况表"
HEADER = ("单位代码", "单位名称", "在编人数", "员额检察官人数", "办理案件数")
NUMBER_COLUMNS = (
    ("C", "staff", "在编人数"),
    ("D", "procurators", "员额检察官人数"),
    ("E", "cases", "办理案件数"),
)
FIRST_ROW = 3  # row 1: title, row 2: header


@dataclass(frozen=True)
class ImportResult:
    rows: int


def _units(province: Procuratorate) -> list[Procuratorate]:
    return list(
        Procuratorate.objects.filter(path__startswith=province.path)
        .exclude(pk=province.pk)
        .order_by("path")
    )


def export_statistics(province: Procuratorate, fiscal_year: int) -> bytes:
    """The sheet for ``fiscal_year``: one row per unit under the province, known figures filled."""
    known = {
        s.unit_id: s
        for s in UnitStatistics.objects.filter(
            fiscal_year=fiscal_year, unit__path__startswith=province.path
        )
    }
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheets.put(sheet["A1"], f"{province.name} {fiscal_year} 年度单位基本情况表")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for unit in _units(province):
        row = known.get(unit.pk)
        sheets.append(
            sheet,
            [
                unit.code,
                unit.name,
                row.staff if row else None,
                row.procurators if row else None,
                row.cases if row else None,
            ],
        )
    for column, width in zip("ABCDE", (24, 36, 12, 16, 14), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "C3"
    return sheets.workbook_bytes(book)


def _number(value: Any, ref: str, label: str, problems: list[Problem]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        value = None
    try:
        number = float(str(value).strip()) if value is not None else None
    except ValueError:
        number = None
    if number is None or number != int(number) or not 0 <= number <= MAX_STATISTIC:
        problems.append(
            Problem("INVALID_NUMBER", f"{SHEET}!{ref}：{label}应为 0–{MAX_STATISTIC} 的整数。", ref)
        )
        return None
    return int(number)


@transaction.atomic
def import_statistics(
    province: Procuratorate, fiscal_year: int, content: bytes, *, user: User | None
) -> ImportResult:
    """Read the sheet back: rows with no figure are skipped, every other row is set (upsert).
    Reports every bad cell at once; saves nothing when there is one."""
    book = sheets.open_workbook(content, field="file", what="单位基本情况表")
    sheet = sheets.read_sheet(
        sheets.require_sheet(book, SHEET, field="file"), max_columns=len(HEADER), field="file"
    )
    codes = {u.code for u in _units(province)}
    problems: list[Problem] = []
    parsed: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in sheet.rows(min_row=FIRST_ROW):
        index = row[0].row
        cells = [cell.value for cell in row]
        code = str(cells[0] or "").strip()
        values = {
            field: _number(cells[i + 2], f"{column}{index}", label, problems)
            for i, (column, field, label) in enumerate(NUMBER_COLUMNS)
        }
        if not code:
            if any(v is not None for v in cells[2:5]):
                problems.append(
                    Problem("REQUIRED", f"{SHEET}!A{index}：请填写单位代码。", f"A{index}")
                )
            continue
        if code not in codes:
            problems.append(
                Problem("UNKNOWN_UNIT", f"{SHEET}!A{index}：本省没有单位“{code}”。", f"A{index}")
            )
            continue
        if code in seen:
            problems.append(
                Problem("DUPLICATE", f"{SHEET}!A{index}：单位“{code}”重复。", f"A{index}")
            )
            continue
        seen.add(code)
        staff, procurators = values["staff"], values["procurators"]
        if staff is not None and procurators is not None and procurators > staff:
            problems.append(
                Problem(
                    "PROCURATORS_ABOVE_STAFF",
                    f"{SHEET}!D{index}：员额检察官人数不能多于在编人数。",
                    f"D{index}",
                )
            )
        if any(v is not None for v in values.values()):
            parsed.append({"unit": code, **values})
    if problems:
        raise sheets.fail(problems, field="file")
    for values in parsed:
        set_unit_statistics(province, fiscal_year=fiscal_year, user=user, **values)
    return ImportResult(rows=len(parsed))

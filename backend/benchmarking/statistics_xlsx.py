"""The province's unit statistics sheet (单位基本情况表): every unit under the province with its
staff (在编人数), procurators (员额检察官) and cases handled (办理案件数) for a year — exported
pre-filled with what is known, filled in offline, imported back in one transaction. Every bad cell
is named (``单位基本情况表!C7``) and nothing is saved when one is bad."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any
from zipfile import BadZipFile

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from backend.accounts.models import User
from backend.benchmarking.models import UnitStatistics
from backend.benchmarking.peers import MAX_STATISTIC, set_unit_statistics
from backend.core.errors import DomainError, Problem
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
    sheet["A1"] = f"{province.name} {fiscal_year} 年度单位基本情况表"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for unit in _units(province):
        row = known.get(unit.pk)
        sheet.append(
            [
                unit.code,
                unit.name,
                row.staff if row else None,
                row.procurators if row else None,
                row.cases if row else None,
            ]
        )
    for column, width in zip("ABCDE", (24, 36, 12, 16, 14), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "C3"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


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
    try:
        book = load_workbook(BytesIO(content), data_only=True, read_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as error:
        raise DomainError.single(
            "INVALID_FILE", "无法读取该文件，请上传 .xlsx 格式的表格。", "file"
        ) from error
    if SHEET not in book.sheetnames:
        raise DomainError.single("INVALID_FILE", f"表格中没有工作表“{SHEET}”。", "file")
    codes = {u.code for u in _units(province)}
    try:
        parsed, problems = _read_rows(book, codes)
    except SyntaxError as error:
        # A read-only workbook parses each sheet's XML while its rows are read: broken XML
        # (xml.etree's ParseError, lxml's XMLSyntaxError) shows only here.
        raise DomainError.single(
            "INVALID_FILE", "无法读取该文件：表格内容已损坏，请重新导出后上传。", "file"
        ) from error
    if problems:
        raise DomainError(*problems)
    for row in parsed:
        set_unit_statistics(province, fiscal_year=fiscal_year, user=user, **row)
    return ImportResult(rows=len(parsed))


def _read_rows(book: Any, codes: set[str]) -> tuple[list[dict[str, Any]], list[Problem]]:
    problems: list[Problem] = []
    parsed: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, cells in enumerate(
        book[SHEET].iter_rows(min_row=FIRST_ROW, max_col=5, values_only=True), start=FIRST_ROW
    ):
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
    return parsed, problems

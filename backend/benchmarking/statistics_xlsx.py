"""The province's unit statistics sheet (单位基本情况表): every unit under the province with its
staff (在编人数), procurators (员额检察官) and cases handled (办理案件数) for a year — exported
pre-filled with what is known, filled in offline, imported back in one transaction. Every bad cell
is named (``单位基本情况表!C7``) and nothing is saved when one is bad."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from openpyxl import Workbook

from backend.accounts.models import User
from backend.benchmarking.errors import BenchmarkErrorCode
from backend.benchmarking.models import UnitStatistics
from backend.benchmarking.peers import MAX_STATISTIC, set_unit_statistics
from backend.core import sheets
from backend.core.errors import CoreErrorCode, DomainError, Problem
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
    changes: list[sheets.Change] = dataclasses.field(default_factory=list)
    warnings: list[Problem] = dataclasses.field(default_factory=list)


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
    form = sheets.FormSheet(book.active, title=SHEET, widths=(24, 36, 12, 16, 14))
    title = f"{province.name} {fiscal_year} 年度单位基本情况表"
    form.title(title)
    form.header(2, HEADER, height=24)
    count = sheets.writing.COUNT
    for index, unit in enumerate(_units(province), start=FIRST_ROW):
        row = known.get(unit.pk)
        form.row(
            index,
            [
                unit.code,
                unit.name,
                row.staff if row else None,
                row.procurators if row else None,
                row.cases if row else None,
            ],
            entry=[3, 4, 5],
            formats={1: sheets.writing.TEXT, 3: count, 4: count, 5: count},
        )
    form.finish(print_title=title, freeze_column=3)
    form.protect(open_columns=[3, 4, 5])
    return sheets.workbook_bytes(book)


_COUNT_UNITS = ("", "人", "名", "件", "个")


def _number(cell: sheets.Cell, ref: str, label: str, problems: list[Problem]) -> int | None:
    """A whole number as people write it (``1,234``, ``１２０人``, ``约300件``)."""
    value = cell.value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    quantity, problem = sheets.quantity(cell, ref, label)
    number = None
    if (
        problem is None
        and quantity is not None
        and quantity.unit in _COUNT_UNITS
        and quantity.value == quantity.value.to_integral_value()
        and not quantity.comparator
    ):
        number = int(quantity.value)
    if number is None or not 0 <= number <= MAX_STATISTIC:
        problems.append(
            Problem(
                CoreErrorCode.INVALID_NUMBER,
                f"{SHEET}!{ref}：{label}应为 0–{MAX_STATISTIC} 的整数。",
                ref,
            )
        )
        return None
    return number


@dataclass(frozen=True)
class Preview:
    """What ``import_statistics`` would do: every change by cell, the warnings (a blank or a 0
    that keeps a recorded figure), and the ``digest`` an apply may be held to."""

    changes: list[sheets.Change]
    warnings: list[Problem]
    digest: str
    rows: list[dict[str, Any]]


def _plan(province: Procuratorate, fiscal_year: int, content: bytes) -> Preview:
    book = sheets.open_workbook(content, field="file", what="单位基本情况表")
    sheet = sheets.read_sheet(
        sheets.require_sheet(book, SHEET, field="file"), max_columns=len(HEADER), field="file"
    )
    units = {u.code: u for u in _units(province)}
    problems: list[Problem] = sheet.error_problems(lambda ref: ref)
    parsed: list[dict[str, Any]] = []
    where: list[int] = []
    seen: set[str] = set()
    for row in sheet.rows(min_row=FIRST_ROW):
        index = row[0].row
        cells = [cell.value for cell in row]
        code = str(cells[0] or "").strip()
        values = {
            field: _number(row[i + 2], f"{column}{index}", label, problems)
            for i, (column, field, label) in enumerate(NUMBER_COLUMNS)
        }
        if not code:
            if any(v is not None for v in cells[2:5]):
                problems.append(
                    Problem(
                        CoreErrorCode.REQUIRED, f"{SHEET}!A{index}：请填写单位代码。", f"A{index}"
                    )
                )
            continue
        if code not in units:
            problems.append(
                Problem(
                    BenchmarkErrorCode.UNKNOWN_UNIT,
                    f"{SHEET}!A{index}：本省没有单位“{code}”。",
                    f"A{index}",
                )
            )
            continue
        if code in seen:
            problems.append(
                Problem(
                    CoreErrorCode.DUPLICATE, f"{SHEET}!A{index}：单位“{code}”重复。", f"A{index}"
                )
            )
            continue
        seen.add(code)
        if any(v is not None for v in values.values()):
            parsed.append({"unit": code, **values})
            where.append(index)

    recorded = {
        s.unit_id: s
        for s in UnitStatistics.objects.filter(
            fiscal_year=fiscal_year, unit__in=[units[p["unit"]] for p in parsed]
        )
    }
    changes: list[sheets.Change] = []
    warnings: list[Problem] = []
    rows: list[dict[str, Any]] = []
    for entry, index in zip(parsed, where, strict=True):
        unit = units[entry["unit"]]
        current = recorded.get(unit.pk)
        merged = dict(entry)
        for column, field, label in NUMBER_COLUMNS:
            old = getattr(current, field) if current is not None else None
            new = entry[field]
            ref = f"{column}{index}"
            if old is not None and (new is None or (new == 0 and old > 0)):
                merged[field] = old
                said = "未填写" if new is None else "填写为 0"
                warnings.append(
                    Problem(
                        BenchmarkErrorCode.KEPT,
                        f"{SHEET}!{ref}：{unit.name}{label}{said}，保留已记录的 {old}。",
                        ref,
                    )
                )
                continue
            if old != new:
                changes.append(
                    sheets.Change(
                        "changed",
                        index,
                        f"{SHEET}!{ref}",
                        unit.code,
                        unit.name,
                        label,
                        "" if old is None else str(old),
                        "" if new is None else str(new),
                    )
                )
        staff, procurators = merged["staff"], merged["procurators"]
        if staff is not None and procurators is not None and procurators > staff:
            problems.append(
                Problem(
                    BenchmarkErrorCode.PROCURATORS_ABOVE_STAFF,
                    f"{SHEET}!D{index}：员额检察官人数不能多于在编人数。",
                    f"D{index}",
                )
            )
        rows.append(merged)
    if problems:
        raise sheets.fail(problems, field="file")
    return Preview(changes, warnings, sheets.digest(changes), rows)


def preview_statistics(province: Procuratorate, fiscal_year: int, content: bytes) -> Preview:
    """A dry run of ``import_statistics``: the same reading and checks, writing nothing."""
    return _plan(province, fiscal_year, content)


@transaction.atomic
def import_statistics(
    province: Procuratorate,
    fiscal_year: int,
    content: bytes,
    *,
    user: User | None,
    expected: str | None = None,
) -> ImportResult:
    """Read the sheet back: rows with no figure are skipped, every other row is set (upsert);
    a blank cell, or a 0, keeps a figure already recorded (said in the dry run's warnings).
    Reports every bad cell at once; saves nothing when there is one. ``expected``: the digest
    of the confirmed dry run (``STALE`` when the import would now change something else)."""
    plan = _plan(province, fiscal_year, content)
    if expected is not None and plan.digest != expected:
        raise DomainError.single(
            CoreErrorCode.STALE, "核对变更后单位基本情况已被修改：请重新上传并核对。", "file"
        )
    for values in plan.rows:
        set_unit_statistics(province, fiscal_year=fiscal_year, user=user, **values)
    return ImportResult(rows=len(plan.rows), changes=plan.changes, warnings=plan.warnings)

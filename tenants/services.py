"""Provisioning of units: every write to the registry goes through here."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, ProgrammingError, models, transaction
from django.db.models import Q
from django_tenants.models import TenantMixin
from django_tenants.signals import post_schema_sync
from django_tenants.utils import get_public_schema_name

from backend.core.errors import CoreErrorCode, DomainError, Problem
from tenants import blueprint
from tenants.errors import TenantErrorCode
from tenants.models import ALLOWED_PARENT_LEVELS, PATH_SEPARATOR, Domain, Procuratorate, UnitLevel

# A code is a host label (lengshuijiang.example.org) and, with "-" mapped to "_", a schema name.
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,61}[a-z0-9]$")
DUPLICATE_SCHEMA = "42P06"
RESERVED_SCHEMAS = {
    get_public_schema_name(),
    blueprint.BLUEPRINT_SCHEMA,
    "information_schema",
    "www",
    "admin",
}


def schema_name_for(code: str) -> str:
    return code.replace("-", "_")


def domain_for(code: str) -> str:
    return f"{code}.{settings.JIXIAO_BASE_DOMAIN}"


@dataclass(frozen=True)
class UnitSpec:
    """What it takes to provision one unit (one row of the units CSV)."""

    code: str
    name: str
    level: str
    parent_code: str | None = None
    region: str = ""


def _validate(
    spec: UnitSpec, planned: Mapping[str, str] | None = None
) -> tuple[list[Problem], Procuratorate | None]:
    """Every problem with ``spec``. ``planned``: codes → levels of the units an import would
    create before this row (a dry run: they are not registered yet, yet are valid parents)."""
    planned = planned or {}
    problems: list[Problem] = []
    code = spec.code
    schema = schema_name_for(code)
    if not CODE_PATTERN.match(code):
        problems.append(
            Problem(
                CoreErrorCode.INVALID_CODE,
                f"代码“{code}”无效：只能使用小写字母、数字和连字符，以字母开头，长度 2–63。",
                "code",
            )
        )
    elif schema in RESERVED_SCHEMAS or schema.startswith("pg_"):
        problems.append(
            Problem(TenantErrorCode.RESERVED_CODE, f"代码“{code}”为系统保留名称。", "code")
        )
    # One read for the registry checks and the parent. A schema that exists outside the
    # registry is caught by CREATE SCHEMA itself (provision_unit maps the error).
    known = {
        unit.code: unit
        for unit in Procuratorate.objects.filter(
            Q(code=code) | Q(schema_name=schema) | Q(code=spec.parent_code or "")
        )
    }
    if not problems:
        if code in known:
            problems.append(Problem(CoreErrorCode.CODE_TAKEN, f"代码“{code}”已被使用。", "code"))
        elif code in planned:
            problems.append(
                Problem(CoreErrorCode.CODE_TAKEN, f"代码“{code}”在文件中重复。", "code")
            )
        elif any(unit.schema_name == schema for unit in known.values()):
            problems.append(
                Problem(TenantErrorCode.SCHEMA_TAKEN, f"模式名“{schema}”已存在。", "code")
            )
    if not spec.name.strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "名称不能为空。", "name"))
    if spec.level not in UnitLevel.values:
        problems.append(
            Problem(
                CoreErrorCode.INVALID_LEVEL,
                f"层级“{spec.level}”无效，应为 {', '.join(UnitLevel.values)} 之一。",
                "level",
            )
        )
    parent = None
    parent_level: str | None = None
    if spec.parent_code:
        parent = known.get(spec.parent_code)
        parent_level = parent.level if parent else planned.get(spec.parent_code)
        if parent_level is None:
            problems.append(
                Problem(
                    TenantErrorCode.PARENT_NOT_FOUND,
                    f"上级院“{spec.parent_code}”不存在。",
                    "parent_code",
                )
            )
    parent_checked = not any(p.field == "parent_code" for p in problems)
    if (
        spec.level in UnitLevel.values
        and parent_checked
        and parent_level not in ALLOWED_PARENT_LEVELS[spec.level]
    ):
        problems.append(
            Problem(
                TenantErrorCode.INVALID_PARENT,
                f"{UnitLevel(spec.level).label}不能隶属于"
                f"{UnitLevel(parent_level).label if parent_level else '（无上级）'}。",
                "parent_code",
            )
        )
    return problems, parent


def provision_unit(spec: UnitSpec) -> Procuratorate:
    """Create a unit: its registry row, its schema (blueprint replay) and its domain, and
    nothing else, in one transaction. Every problem with the input is reported together."""
    schema_blueprint = blueprint.ensure_blueprint()  # outside the transaction: see blueprint
    problems, parent = _validate(spec)
    if problems:
        raise DomainError(*problems)
    path = (parent.path if parent else PATH_SEPARATOR) + spec.code + PATH_SEPARATOR
    try:
        with transaction.atomic():
            unit = Procuratorate(
                schema_name=schema_name_for(spec.code),
                code=spec.code,
                name=spec.name.strip(),
                level=spec.level,
                parent=parent,
                region=spec.region.strip(),
                path=path,
                depth=path.count(PATH_SEPARATOR) - 2,
            )
            # A plain INSERT: TenantMixin.save would check again what _validate checked and,
            # on a failed DDL, query inside the aborted transaction and hide the real error.
            models.Model.save(unit)
            blueprint.create_schema(unit.schema_name, blueprint=schema_blueprint)
            # bulk_create: DomainMixin.save re-reads the tenant's other primary domains.
            Domain.objects.bulk_create(
                [Domain(domain=domain_for(spec.code), tenant=unit, is_primary=True)]
            )
            post_schema_sync.send(sender=TenantMixin, tenant=unit.serializable_fields())
    except IntegrityError as exc:  # lost a race against a concurrent provisioning
        raise DomainError.single(
            CoreErrorCode.CODE_TAKEN, f"代码“{spec.code}”已被使用。", "code"
        ) from exc
    except ProgrammingError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != DUPLICATE_SCHEMA:
            raise
        raise DomainError.single(
            TenantErrorCode.SCHEMA_TAKEN, f"模式名“{schema_name_for(spec.code)}”已存在。", "code"
        ) from exc
    return unit


@dataclass
class ImportReport:
    created: list[str]
    skipped: list[str]
    errors: list[tuple[int, DomainError]]


def read_units_csv(path: Path | str) -> list[tuple[int, UnitSpec]]:
    """Rows of a units CSV (code,name,level,parent_code,region) with their line numbers."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"code", "name", "level", "parent_code"} - set(reader.fieldnames or [])
        if missing:
            raise DomainError.single(
                CoreErrorCode.INVALID_FILE, f"CSV 缺少列：{', '.join(sorted(missing))}。", "file"
            )
        return [
            (
                reader.line_num,
                UnitSpec(
                    code=(row.get("code") or "").strip(),
                    name=(row.get("name") or "").strip(),
                    level=(row.get("level") or "").strip(),
                    parent_code=(row.get("parent_code") or "").strip() or None,
                    region=(row.get("region") or "").strip(),
                ),
            )
            for row in reader
        ]


def import_units(
    rows: Iterable[tuple[int, UnitSpec]],
    progress: Callable[[int, UnitSpec], None] | None = None,
) -> ImportReport:
    """Provision every row whose code is not registered yet (idempotent). Each row is its own
    transaction: a bad row is reported with its line number and leaves nothing behind, and the
    good rows are still created. Parents must come before their children, as in the CSV."""
    rows = list(rows)
    existing = set(
        Procuratorate.objects.filter(code__in=[spec.code for _, spec in rows]).values_list(
            "code", flat=True
        )
    )
    report = ImportReport(created=[], skipped=[], errors=[])
    for index, (line, spec) in enumerate(rows, start=1):
        if spec.code in existing:
            report.skipped.append(spec.code)
        else:
            try:
                provision_unit(spec)
            except DomainError as error:
                report.errors.append((line, error))
            else:
                report.created.append(spec.code)
                existing.add(spec.code)
        if progress:
            progress(index, spec)
    return report


# ================================================================================================
# The console's unit import (单位与用户): a CSV or XLSX upload read into rows, a dry run that
# reports every row, then ``import_units`` (through ``tasks.import_units_task``) for the rows.
# ================================================================================================

UNIT_COLUMNS = ("code", "name", "level", "parent_code", "region")
# Headers as a person writes them in a sheet.
COLUMN_ALIASES = {
    "代码": "code",
    "单位代码": "code",
    "名称": "name",
    "单位名称": "name",
    "层级": "level",
    "上级代码": "parent_code",
    "上级院代码": "parent_code",
    "行政区划": "region",
}
LEVEL_ALIASES = {label: value for value, label in UnitLevel.choices}
MAX_IMPORT_ROWS = 5000


def _spec(values: Mapping[str, object]) -> UnitSpec:
    def cell(name: str) -> str:
        value = values.get(name)
        return "" if value is None else str(value).strip()

    level = cell("level")
    return UnitSpec(
        code=cell("code").lower(),
        name=cell("name"),
        level=LEVEL_ALIASES.get(level, level.lower()),
        parent_code=cell("parent_code").lower() or None,
        region=cell("region"),
    )


def _rows(
    header: list[object], body: Iterable[tuple[int, list[object]]]
) -> list[tuple[int, UnitSpec]]:
    names = [str(h or "").strip() for h in header]
    names = [COLUMN_ALIASES.get(n, n.lower()) for n in names]
    missing = {"code", "name", "level", "parent_code"} - set(names)
    if missing:
        raise DomainError.single(
            CoreErrorCode.INVALID_FILE,
            f"文件缺少列：{', '.join(sorted(missing))}"
            "（第一行应为 code,name,level,parent_code,region）。",
            "file",
        )
    rows: list[tuple[int, UnitSpec]] = []
    for line, values in body:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        if len(rows) >= MAX_IMPORT_ROWS:
            raise DomainError.single(
                CoreErrorCode.TOO_MANY_ROWS,
                f"一次最多导入 {MAX_IMPORT_ROWS} 个单位，请分批导入。",
                "file",
            )
        rows.append((line, _spec(dict(zip(names, values, strict=False)))))
    if not rows:
        raise DomainError.single(TenantErrorCode.EMPTY_FILE, "文件中没有单位。", "file")
    return rows


def read_units_upload(content: bytes, filename: str) -> list[tuple[int, UnitSpec]]:
    """The rows of an uploaded units file, CSV (UTF-8, with or without BOM; GB18030 accepted)
    or XLSX (the first sheet), with their line numbers. Headers: ``code,name,level,parent_code,
    region`` or their Chinese names; levels as values or labels (基层院)."""
    if filename.lower().endswith(".xlsx"):
        from backend.core import sheets

        book = sheets.open_workbook(content, field="file", what="单位表")
        grid = sheets.read_sheet(
            book.worksheets[0],
            max_columns=len(UNIT_COLUMNS),
            field="file",
            row_limit=MAX_IMPORT_ROWS + 1,
        )
        present = list(grid.rows())
        if not present:
            raise DomainError.single(TenantErrorCode.EMPTY_FILE, "文件中没有单位。", "file")
        header = [cell.value for cell in present[0]]
        body = [(row[0].row, [cell.value for cell in row]) for row in present[1:]]
        return _rows(header, body)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError.single(
            CoreErrorCode.INVALID_FILE, "无法识别文件编码，请保存为 UTF-8 编码的 CSV。", "file"
        )
    if "\x00" in text:
        raise DomainError.single(CoreErrorCode.INVALID_FILE, "文件不是文本格式的 CSV。", "file")
    reader = csv.reader(text.splitlines())
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise DomainError.single(
            CoreErrorCode.INVALID_FILE, f"CSV 格式有误：{exc}", "file"
        ) from exc
    if not lines:
        raise DomainError.single(TenantErrorCode.EMPTY_FILE, "文件中没有单位。", "file")
    return _rows(list(lines[0]), [(i, list(v)) for i, v in enumerate(lines[1:], start=2)])


@dataclass(frozen=True)
class RowCheck:
    """What an import would do with one row: ``create``, ``skip`` (already registered) or
    ``error`` (with every problem)."""

    line: int
    spec: UnitSpec
    action: str
    problems: tuple[Problem, ...] = ()


def preview_units(rows: Iterable[tuple[int, UnitSpec]]) -> list[RowCheck]:
    """The dry run of ``import_units``: the same checks, row by row, parents planned earlier in
    the file counting as present; nothing is written."""
    rows = list(rows)
    existing = set(
        Procuratorate.objects.filter(code__in=[spec.code for _, spec in rows]).values_list(
            "code", flat=True
        )
    )
    planned: dict[str, str] = {}
    checks: list[RowCheck] = []
    for line, spec in rows:
        if spec.code in existing:
            checks.append(RowCheck(line, spec, "skip"))
            continue
        problems, _parent = _validate(spec, planned)
        if problems:
            checks.append(RowCheck(line, spec, "error", tuple(problems)))
        else:
            checks.append(RowCheck(line, spec, "create"))
            planned[spec.code] = spec.level
    return checks


def check_unit(spec: UnitSpec) -> None:
    """Raise the ``DomainError`` ``provision_unit`` would raise for ``spec``, without writing
    (the console checks a new unit before queuing its provisioning)."""
    problems, _parent = _validate(spec)
    if problems:
        raise DomainError(*problems)

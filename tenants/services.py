"""Provisioning of units: every write to the registry goes through here."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, ProgrammingError, models, transaction
from django.db.models import Q
from django_tenants.models import TenantMixin
from django_tenants.signals import post_schema_sync
from django_tenants.utils import get_public_schema_name

from backend.core.errors import DomainError, Problem
from tenants import blueprint
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


def _validate(spec: UnitSpec) -> tuple[list[Problem], Procuratorate | None]:
    problems: list[Problem] = []
    code = spec.code
    schema = schema_name_for(code)
    if not CODE_PATTERN.match(code):
        problems.append(
            Problem(
                "INVALID_CODE",
                f"代码“{code}”无效：只能使用小写字母、数字和连字符，以字母开头，长度 2–63。",
                "code",
            )
        )
    elif schema in RESERVED_SCHEMAS or schema.startswith("pg_"):
        problems.append(Problem("RESERVED_CODE", f"代码“{code}”为系统保留名称。", "code"))
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
            problems.append(Problem("CODE_TAKEN", f"代码“{code}”已被使用。", "code"))
        elif any(unit.schema_name == schema for unit in known.values()):
            problems.append(Problem("SCHEMA_TAKEN", f"模式名“{schema}”已存在。", "code"))
    if not spec.name.strip():
        problems.append(Problem("REQUIRED", "名称不能为空。", "name"))
    if spec.level not in UnitLevel.values:
        problems.append(
            Problem(
                "INVALID_LEVEL",
                f"层级“{spec.level}”无效，应为 {', '.join(UnitLevel.values)} 之一。",
                "level",
            )
        )
    parent = None
    if spec.parent_code:
        parent = known.get(spec.parent_code)
        if parent is None:
            problems.append(
                Problem("PARENT_NOT_FOUND", f"上级院“{spec.parent_code}”不存在。", "parent_code")
            )
    if spec.level in UnitLevel.values and not any(p.field == "parent_code" for p in problems):
        parent_level = parent.level if parent else None
        if parent_level not in ALLOWED_PARENT_LEVELS[spec.level]:
            problems.append(
                Problem(
                    "INVALID_PARENT",
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
        raise DomainError.single("CODE_TAKEN", f"代码“{spec.code}”已被使用。", "code") from exc
    except ProgrammingError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != DUPLICATE_SCHEMA:
            raise
        raise DomainError.single(
            "SCHEMA_TAKEN", f"模式名“{schema_name_for(spec.code)}”已存在。", "code"
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
                "INVALID_FILE", f"CSV 缺少列：{', '.join(sorted(missing))}。", "file"
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

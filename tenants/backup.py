"""Backup and restore of one unit: its schema (structure and rows) and its files, without
touching any other unit (docs/operations.md, "Backing up and restoring one unit").

A backup directory holds:

- ``schema.sql``: the schema's structure (``pg_dump --schema-only``) with the schema name
  replaced by ``blueprint.SCHEMA_TOKEN``, the same rendering as the provisioning blueprint;
- ``data.sql``: its rows (``pg_dump --data-only``, plain ``COPY`` blocks and ``setval`` calls);
- ``files/``: every file of the unit's storage prefix (local disk or S3), under its name;
- ``manifest.json``: the unit's registry row, the migrations applied in the schema, and for
  every table its row count and a checksum of its rows, for every file its size and SHA-256.

Both dumps and the checksums read one snapshot (``pg_export_snapshot``), so the manifest
describes exactly the rows that were dumped even while the unit keeps working.

A restore creates a fresh schema (under the same code or ``--as`` another), replays the
structure, loads the rows and the files, registers the unit row when it is missing, and then
checks every table against the manifest, all in one transaction: either the unit is there and
identical, or nothing was written to the database. It refuses a schema that exists unless asked
to replace it, and a backup whose migrations differ from the code's.

Unit tables refer to shared rows (users, template versions, pushes, rounds) by id without
constraints (tenants/references.py): restored into another platform, a unit needs those rows;
``manage.py check_references`` lists the ids that point at nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import psycopg
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django_tenants.utils import schema_context, schema_exists

from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.core.schemas import set_public_schema
from tenants import blueprint
from tenants.errors import TenantErrorCode
from tenants.models import PATH_SEPARATOR, Domain, Procuratorate

FORMAT = 1
MANIFEST = "manifest.json"
SCHEMA_FILE = "schema.sql"
DATA_FILE = "data.sql"
FILES_DIR = "files"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class TableState:
    rows: int
    checksum: str


def _connect() -> psycopg.Connection[Any]:
    env = blueprint._libpq_env()
    return psycopg.connect(
        host=env.get("PGHOST"),
        port=env.get("PGPORT"),
        user=env.get("PGUSER"),
        password=env.get("PGPASSWORD"),
        dbname=env["PGDATABASE"],
    )


def _tables(cursor: Any, schema: str) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        [schema],
    )
    return [row[0] for row in cursor.fetchall()]


def table_states(cursor: Any, schema: str) -> dict[str, TableState]:
    """Row count and an order-independent checksum of the rows of every table of ``schema``
    (the md5 of the sorted md5s of each row's text form, which does not name the schema)."""
    states = {}
    for table in _tables(cursor, schema):
        cursor.execute(
            "SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') "
            f'FROM (SELECT md5(t::text) AS h FROM "{schema}"."{table}" t) rows'
        )
        count, checksum = cursor.fetchone()
        states[table] = TableState(rows=count, checksum=checksum)
    return states


def _walk(prefix: str = "") -> Iterator[str]:
    """Every file name under the current unit's storage prefix."""
    try:
        directories, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield str(PurePosixPath(prefix, name)) if prefix else name
    for directory in sorted(directories):
        yield from _walk(str(PurePosixPath(prefix, directory)) if prefix else directory)


def unit_files(schema: str) -> dict[str, dict[str, Any]]:
    """Name → size and SHA-256 of every file stored for the unit of ``schema``."""
    found = {}
    with schema_context(schema):
        for name in _walk():
            digest = hashlib.sha256()
            size = 0
            with default_storage.open(name, "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            found[name] = {"size": size, "sha256": digest.hexdigest()}
    return found


def _pg_dump(schema: str, snapshot: str, *options: str, output: Path) -> None:
    with output.open("wb") as handle:
        result = subprocess.run(
            [
                blueprint.pg_dump_binary(),
                *options,
                "--no-owner",
                "--no-privileges",
                "--no-comments",
                "--quote-all-identifiers",
                f"--snapshot={snapshot}",
                "--schema",
                schema,
            ],
            env=blueprint._libpq_env(),
            stdout=handle,
            stderr=subprocess.PIPE,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {result.stderr.decode(errors='replace').strip()}")


def backup_unit(code: str, directory: Path) -> dict[str, Any]:
    """Write the backup of unit ``code`` to ``directory`` (missing or empty); returns the
    manifest. Reads only: the unit keeps working while it runs."""
    unit = Procuratorate.objects.filter(code=code).first()
    if unit is None:
        raise DomainError.single(TenantErrorCode.UNIT_NOT_FOUND, f"单位“{code}”不存在。", "code")
    if directory.exists() and any(directory.iterdir()):
        raise DomainError.single(
            TenantErrorCode.NOT_EMPTY, f"目录“{directory}”不是空目录。", "directory"
        )
    directory.mkdir(parents=True, exist_ok=True)
    schema = unit.schema_name
    with _connect() as snapshot_connection, snapshot_connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        row = cursor.fetchone()
        assert row is not None
        snapshot = row[0]
        schema_dump = directory / (SCHEMA_FILE + ".raw")
        _pg_dump(schema, snapshot, "--schema-only", output=schema_dump)
        _pg_dump(schema, snapshot, "--data-only", output=directory / DATA_FILE)
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY id')
        migrations = [list(row) for row in cursor.fetchall()]
        tables = table_states(cursor, schema)
    raw = schema_dump.read_text()
    schema_dump.unlink()
    lines = [line for line in raw.splitlines() if line.strip() and not blueprint._SKIP.match(line)]
    ddl = "\n".join(lines).replace(f'"{schema}".', f'"{blueprint.SCHEMA_TOKEN}".') + "\n"
    (directory / SCHEMA_FILE).write_text(ddl)

    files = unit_files(schema)
    with schema_context(schema):
        for name in files:
            target = directory / FILES_DIR / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(name, "rb") as source, target.open("wb") as sink:
                while chunk := source.read(_CHUNK):
                    sink.write(chunk)

    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "unit": {
            "code": unit.code,
            "name": unit.name,
            "level": unit.level,
            "parent_code": unit.parent.code if unit.parent_id else None,
            "region": unit.region,
            "active": unit.active,
        },
        "schema": schema,
        "migration_state_key": blueprint.migration_state_key(),
        "migrations": migrations,
        "tables": {name: {"rows": s.rows, "checksum": s.checksum} for name, s in tables.items()},
        "files": files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return manifest


# --- Restore ---------------------------------------------------------------------------------

_COPY = re.compile(r'^COPY "(?P<schema>[^"]+)"\.(?P<rest>".*) FROM stdin;$')
_SETVAL = re.compile(r"^SELECT pg_catalog\.setval\('\"(?P<schema>[^\"]+)\"\.(?P<rest>.*)$")
_IGNORED = re.compile(r"^(--|SET |SELECT pg_catalog\.set_config\(|\\restrict|\\unrestrict)")


def _load_data(raw: Any, path: Path, source: str, target: str) -> None:
    """Run the COPY blocks and setval calls of a plain ``pg_dump --data-only`` of ``source``
    against ``target``, on the caller's (psycopg) connection and transaction. Only lines
    outside COPY data are rewritten, so no row content is ever touched."""
    with path.open(encoding="utf-8") as lines, raw.cursor() as cursor:
        for line in lines:
            line = line.rstrip("\n")
            if not line.strip() or _IGNORED.match(line):
                continue
            copy = _COPY.match(line)
            setval = _SETVAL.match(line)
            if copy and copy["schema"] == source:
                with cursor.copy(f'COPY "{target}".{copy["rest"]} FROM STDIN') as sink:
                    for row in lines:
                        if row == "\\.\n" or row == "\\.":
                            break
                        sink.write(row)
            elif setval and setval["schema"] == source:
                cursor.execute(f'SELECT pg_catalog.setval(\'"{target}".{setval["rest"]}')
            else:
                raise RuntimeError(f"unexpected statement in {path.name}: {line[:200]}")


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError as exc:
        raise DomainError.single(
            TenantErrorCode.NOT_A_BACKUP, f"目录“{directory}”中没有 {MANIFEST}。", "directory"
        ) from exc
    if manifest.get("format") != FORMAT:
        raise DomainError.single(
            TenantErrorCode.UNKNOWN_FORMAT,
            f"不支持的备份格式：{manifest.get('format')}。",
            "directory",
        )
    return manifest


def _register(manifest: dict[str, Any], code: str, schema: str) -> Procuratorate:
    fields = manifest["unit"]
    parent = None
    if fields.get("parent_code"):
        parent = Procuratorate.objects.filter(code=fields["parent_code"]).first()
    path = (parent.path if parent else PATH_SEPARATOR) + code + PATH_SEPARATOR
    unit = Procuratorate(
        schema_name=schema,
        code=code,
        name=fields["name"],
        level=fields["level"],
        parent=parent,
        region=fields.get("region", ""),
        active=fields.get("active", True),
        path=path,
        depth=path.count(PATH_SEPARATOR) - 2,
    )
    from django.db import models

    models.Model.save(unit)  # the schema is created here, not by TenantMixin.save
    from tenants.services import domain_for

    Domain.objects.bulk_create([Domain(domain=domain_for(code), tenant=unit, is_primary=True)])
    return unit


def restore_unit(directory: Path, *, as_code: str | None = None, replace: bool = False) -> str:
    """Restore the backup in ``directory`` as unit ``as_code`` (default: the backed-up code)
    into a fresh schema; returns the schema name. See the module docstring."""
    from tenants.services import CODE_PATTERN, RESERVED_SCHEMAS, schema_name_for

    manifest = read_manifest(directory)
    code = as_code or manifest["unit"]["code"]
    schema = schema_name_for(code)
    if not CODE_PATTERN.match(code) or schema in RESERVED_SCHEMAS or schema.startswith("pg_"):
        raise DomainError.single(CoreErrorCode.INVALID_CODE, f"代码“{code}”无效。", "code")
    current = blueprint.ensure_blueprint()  # outside the transaction: see blueprint
    wanted = {tuple(m) for m in current.migrations}
    recorded = {tuple(m) for m in manifest["migrations"]}
    if wanted != recorded:
        missing = sorted(wanted - recorded)[:5]
        extra = sorted(recorded - wanted)[:5]
        raise DomainError.single(
            TenantErrorCode.MIGRATION_MISMATCH,
            "备份的迁移状态与当前代码不一致：先将备份恢复到相同版本的平台，或升级后重新备份。"
            f" (not in the backup: {missing}; unknown to the code: {extra})",
            "directory",
        )
    registered = Procuratorate.objects.filter(code=code).first()
    if registered is not None and registered.schema_name != schema:
        raise DomainError.single(
            TenantErrorCode.SCHEMA_TAKEN,
            f"单位“{code}”登记的模式为“{registered.schema_name}”。",
            "code",
        )
    if schema_exists(schema) and not replace:
        raise DomainError(
            Problem(
                TenantErrorCode.SCHEMA_EXISTS,
                f"模式“{schema}”已存在：使用 --replace 覆盖，或 --as 恢复为新代码。",
                "code",
            )
        )
    for name in manifest["files"]:
        if not (directory / FILES_DIR / name).is_file():
            raise DomainError.single(
                TenantErrorCode.FILE_MISSING, f"备份缺少文件“{name}”。", "directory"
            )

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            ddl = (directory / SCHEMA_FILE).read_text()
            cursor.execute(
                blueprint.create_schema_sql(schema).replace("%", "%%")
                + ddl.replace(blueprint.SCHEMA_TOKEN, schema).replace("%", "%%")
            )
        # Django's own psycopg connection, inside the same transaction.
        _load_data(connection.connection, directory / DATA_FILE, manifest["schema"], schema)
        with connection.cursor() as cursor:
            restored = table_states(cursor, schema)
        expected = {
            name: TableState(rows=s["rows"], checksum=s["checksum"])
            for name, s in manifest["tables"].items()
        }
        if restored != expected:
            differing = sorted(
                name
                for name in expected.keys() | restored.keys()
                if expected.get(name) != restored.get(name)
            )
            raise DomainError.single(
                TenantErrorCode.CHECKSUM_MISMATCH,
                f"恢复后的表与备份不一致：{', '.join(differing)}。",
                "directory",
            )
        if registered is None:
            _register(manifest, code, schema)
        # Files last, inside the transaction: a failure here rolls the rows back. Files of a
        # replaced unit that the backup does not hold are removed.
        with schema_context(schema):
            for name in set(_walk()) - set(manifest["files"]):
                default_storage.delete(name)
            for name in manifest["files"]:
                if default_storage.exists(name):
                    default_storage.delete(name)
                with (directory / FILES_DIR / name).open("rb") as handle:
                    saved = default_storage.save(name, File(handle, name=name))
                if saved != name:
                    raise RuntimeError(f"file {name} was stored as {saved}")
    set_public_schema()
    return schema

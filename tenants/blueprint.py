"""Fast schema provisioning by DDL replay.

Running every migration for each new unit costs seconds and grows with the migration history.
Instead, one schema (``tenant_blueprint``) is migrated the normal way; its structure is dumped
once per migration state with ``pg_dump --schema-only`` and stored in ``SchemaBlueprint``.
A new unit's schema is then one ``CREATE SCHEMA`` plus that DDL plus the ``django_migrations``
rows the blueprint holds, all in the caller's transaction. Because the tenant's migration
records match the blueprint's, ``migrate_schemas`` upgrades such a schema like any other.

The state key is a hash of every migration known to the code: a new migration changes it, and
the next provisioning (or ``manage.py prepare_blueprint``, run after ``migrate_schemas`` on
deploy) migrates the blueprint schema and renders the DDL again.

See docs/architecture.md ("Provisioning") for why this beats ``TENANT_BASE_SCHEMA`` cloning.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import schema_exists

from backend.core.errors import DomainError
from backend.core.schemas import set_public_schema
from tenants.errors import TenantErrorCode

if TYPE_CHECKING:
    # tenants.models imports this module (Procuratorate.create_schema); the model is looked up
    # through the app registry (_model) so that the import runs one way only
    # (docs/architecture.md "Imports").
    from tenants.models import SchemaBlueprint

BLUEPRINT_SCHEMA = "tenant_blueprint"
SCHEMA_TOKEN = "__JIXIAO_SCHEMA__"
_ADVISORY_LOCK_ID = 0x4A49_5841  # "JIXA"


@functools.cache
def migration_state_key() -> str:
    """A hash of every migration the code knows, names and source: it changes whenever a
    migration is added or edited. Computed once per process (the code does not change under a
    running process)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    digest = hashlib.sha256()
    for key in sorted(loader.graph.nodes):
        digest.update(f"{key[0]}.{key[1]}\n".encode())
        source = getattr(
            sys.modules.get(type(loader.graph.nodes[key]).__module__), "__file__", None
        )
        if source:
            digest.update(Path(source).read_bytes())
    return digest.hexdigest()


_cache: dict[str, SchemaBlueprint] = {}


def _model() -> type[SchemaBlueprint]:
    return apps.get_model("tenants", "SchemaBlueprint")


def forget_cached() -> None:
    """Drop the per-process copy of the blueprint (tests that delete blueprint rows)."""
    _cache.clear()


def pg_dump_binary() -> str:
    """``JIXIAO_PG_DUMP``, else the pg_dump bundled with pgserver (PostgreSQL 16, which can
    dump servers up to 16), else the one on PATH."""
    configured = os.environ.get("JIXIAO_PG_DUMP")
    if configured:
        return configured
    spec = importlib.util.find_spec("pgserver")  # located, not imported (it warns on import)
    if spec and spec.submodule_search_locations:
        bundled = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / "pg_dump"
        if bundled.exists():
            return str(bundled)
    found = shutil.which("pg_dump")
    if not found:
        raise RuntimeError("pg_dump not found; set JIXIAO_PG_DUMP")
    return found


def _libpq_env() -> dict[str, str]:
    s = connection.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(s.get("HOST") or ""),
            "PGPORT": str(s.get("PORT") or ""),
            "PGUSER": str(s.get("USER") or ""),
            "PGPASSWORD": str(s.get("PASSWORD") or ""),
            "PGDATABASE": str(s["NAME"]),
        }
    )
    return {k: v for k, v in env.items() if v != ""}


_SKIP = re.compile(
    r"^(--|SET |SELECT pg_catalog\.set_config|CREATE SCHEMA |\\restrict|\\unrestrict)"
    # Column options the server stamps on every new column by itself (seen on this platform's
    # PostgreSQL build): a replayed schema gets fresh ones, exactly like a migrated one.
    r"|^ALTER TABLE ONLY .* ALTER COLUMN .* SET \(pg_attver=\d+\);$"
)


def render_ddl(schema_name: str = BLUEPRINT_SCHEMA) -> str:
    """The committed structure of ``schema_name`` as DDL, with the schema name replaced by
    ``SCHEMA_TOKEN``. Session settings and comments from pg_dump are dropped."""
    result = subprocess.run(
        [
            pg_dump_binary(),
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            "--quote-all-identifiers",
            "--schema",
            schema_name,
        ],
        env=_libpq_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {result.stderr.strip()}")
    lines = [line for line in result.stdout.splitlines() if line.strip() and not _SKIP.match(line)]
    return "\n".join(lines).replace(f'"{schema_name}".', f'"{SCHEMA_TOKEN}".') + "\n"


def current_blueprint() -> SchemaBlueprint | None:
    """The stored blueprint of the current migration state. Its DDL never changes for a given
    state, so each process reads it once."""
    key = migration_state_key()
    if key not in _cache:
        found = _model().objects.filter(state_key=key).first()
        if found is None:
            return None
        _cache[key] = found
    return _cache[key]


def ensure_blueprint(verbosity: int = 0) -> SchemaBlueprint:
    """Return the blueprint of the current migration state, preparing it when missing.

    Preparing migrates the blueprint schema and dumps it with pg_dump, which reads committed
    data only, so it cannot run inside a transaction: a caller inside ``atomic()`` gets a clear
    error instead (deploys run ``prepare_blueprint`` after ``migrate_schemas``).
    """
    blueprint = current_blueprint()
    if blueprint is not None:
        return blueprint
    if connection.in_atomic_block:
        raise DomainError.single(
            TenantErrorCode.BLUEPRINT_MISSING,
            "租户模式蓝图未就绪：请先运行 manage.py prepare_blueprint。"
            " (The schema blueprint for this migration state is missing.)",
        )
    with _preparation_lock():
        blueprint = current_blueprint()  # another process may have won the race
        if blueprint is None:
            blueprint = _prepare(verbosity)
    return blueprint


@contextlib.contextmanager
def _preparation_lock() -> Iterator[None]:
    """A session advisory lock held on a connection of its own (migrate_schemas closes
    Django's connection, which would drop a lock taken there)."""
    import psycopg

    env = _libpq_env()
    with psycopg.connect(
        host=env.get("PGHOST"),
        port=env.get("PGPORT"),
        user=env.get("PGUSER"),
        password=env.get("PGPASSWORD"),
        dbname=env["PGDATABASE"],
        autocommit=True,
    ) as lock_connection:
        lock_connection.execute("SELECT pg_advisory_lock(%s)", [_ADVISORY_LOCK_ID])
        yield


def _prepare(verbosity: int) -> SchemaBlueprint:
    # From scratch every time: migrating an old blueprint schema would keep whatever the code
    # no longer creates (a table of an app that left TENANT_APPS, say), and new units must get
    # exactly what a fresh migration builds.
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{BLUEPRINT_SCHEMA}" CASCADE')
        cursor.execute(f'CREATE SCHEMA "{BLUEPRINT_SCHEMA}"')
    try:
        call_command(
            "migrate_schemas",
            schema_name=BLUEPRINT_SCHEMA,
            tenant=True,
            interactive=False,
            verbosity=verbosity,
        )
    finally:
        set_public_schema()
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{BLUEPRINT_SCHEMA}".django_migrations ORDER BY id')
        migrations = [list(row) for row in cursor.fetchall()]
    _model().objects.exclude(state_key=migration_state_key()).delete()  # stale states
    return _model().objects.create(
        state_key=migration_state_key(), ddl=render_ddl(), migrations=migrations
    )


def create_schema_sql(schema_name: str) -> str:
    """``CREATE SCHEMA``, preceded on a Citus coordinator (``JIXIAO_CITUS=1``) by the setting
    that makes the new schema a distributed schema: its tables, created next in the same
    transaction, land together on one worker (infra/citus/README.md). ``SET LOCAL`` ends with
    the transaction, so ``tenant_blueprint`` and everything else stay plain. On PostgreSQL
    without Citus the setting is an inert placeholder."""
    _check_schema_name(schema_name)
    distribute = "SET LOCAL citus.enable_schema_based_sharding TO on;\n"
    prefix = distribute if settings.JIXIAO_CITUS else ""
    return f'{prefix}CREATE SCHEMA "{schema_name}";\n'


def replay_sql(schema_name: str, blueprint: SchemaBlueprint) -> str:
    """The SQL that creates ``schema_name`` from the blueprint (without migration records)."""
    return create_schema_sql(schema_name) + blueprint.ddl.replace(SCHEMA_TOKEN, schema_name)


def create_schema(
    schema_name: str,
    *,
    check_if_exists: bool = False,
    sync_schema: bool = True,
    blueprint: SchemaBlueprint | None = None,
) -> bool:
    """Create ``schema_name`` with the structure and migration records of an up-to-date tenant
    schema, in one round trip. Returns False when ``check_if_exists`` and the schema is there."""
    _check_schema_name(schema_name)
    if check_if_exists and schema_exists(schema_name):
        return False
    if not sync_schema:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema_name}"')
        return True
    blueprint = blueprint or ensure_blueprint()
    # The DDL goes through client-side parameter binding with the migration records: escape
    # any literal % it holds.
    sql = replay_sql(schema_name, blueprint).replace("%", "%%") + (
        f'INSERT INTO "{schema_name}"."django_migrations" (app, name, applied) '
        "SELECT a, n, now() FROM unnest(%s::text[], %s::text[]) AS m(a, n);"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [[app for app, _ in blueprint.migrations], [name for _, name in blueprint.migrations]],
        )
    return True

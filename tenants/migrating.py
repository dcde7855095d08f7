"""``migrate_schemas`` skips the units already at the latest migration.

Django's ``migrate`` inspects a schema's tables before it knows there is nothing to do; at 3,600
units that introspection alone kept a no-op ``migrate_schemas`` running for more than 45 minutes
(issue #19). Here, one query per batch of unit schemas counts each schema's applied migrations
among the ones the code has; only the schemas that miss some are handed to django-tenants'
executor (standard or multiprocessing). The public schema always goes through.

The units behind do not each go through Django's ``migrate`` either: it renders the whole
project state (every model of every migration) twice per schema and reads the whole catalog,
one to four seconds a unit whatever the change, so one new migration took more than half an
hour over 1,000 units (issue #18). Units behind by the same migrations form a group. The
group's first unit is migrated by Django's ``migrate`` as always, and every statement its
schema editor runs (the DDL and ``RunSQL``, as Django logs them on
``django.db.backends.schema``) is recorded; those statements, with the same parameters, and the
migration records are then replayed on each other unit of the group in one transaction. The
first replayed unit is compared with the migrated one (``tenants/catalog.py``: relations,
columns, constraints, indexes, sequences) before it commits; a difference sends the whole
group through Django's ``migrate``. A plan is replayed only when every operation that runs on a
unit schema is SQL (a ``RunPython`` on a tenant app writes through the ORM, which is not
recorded) and every migration is atomic; such a plan, a schema whose replay fails (rolled
back, nothing written) and ``JIXIAO_MIGRATE_REPLAY=0`` go through django-tenants' executor as
before. ``pre_migrate``/``post_migrate`` are not sent for replayed units: no app of the project
listens on a unit schema (contenttypes and auth are shared apps); django-tenants'
``schema_migrated`` is sent as its executor does.

Installed as ``GET_EXECUTOR_FUNCTION`` (django-tenants' hook). Any targeted run — an app label or
a migration name, ``--fake``, ``--fake-initial``, ``--plan``, ``--prune``, ``--check`` — or
``JIXIAO_MIGRATE_ALL=1`` goes through every schema as django-tenants does.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, router, transaction
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.special import SeparateDatabaseAndState
from django_tenants.migration_executors import get_executor as tenants_executor
from django_tenants.migration_executors.base import run_migrations as run_migration
from django_tenants.signals import schema_migrated
from django_tenants.utils import get_public_schema_name

from backend.core.schemas import set_public_schema, set_schema
from tenants.catalog import Fingerprint, fingerprint

BATCH = 500
_TARGETED = ("app_label", "migration_name", "fake", "fake_initial", "plan", "prune")


def expected_migrations() -> list[str]:
    """``app.name`` of every migration the code has (a unit schema records all of them, the
    shared apps' too, as applied)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.graph.nodes)


def schemas_behind(schemas: Iterable[str], *, batch: int = BATCH) -> list[str]:
    """The schemas among ``schemas`` that miss at least one migration of the code."""
    names = [s for s in schemas if s != get_public_schema_name()]
    expected = expected_migrations()
    behind: list[str] = []
    qn = connection.ops.quote_name
    for start in range(0, len(names), batch):
        chunk = names[start : start + batch]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.name FROM unnest(%s::text[]) AS s(name) "
                "LEFT JOIN information_schema.tables t ON t.table_schema = s.name "
                "AND t.table_name = 'django_migrations' WHERE t.table_name IS NULL",
                [chunk],
            )
            missing_table = {row[0] for row in cursor.fetchall()}
            present = [s for s in chunk if s not in missing_table]
            counts: dict[str, int] = {}
            if present:
                parts = [
                    f"SELECT %s, count(*) FROM {qn(s)}.django_migrations "
                    "WHERE app || '.' || name = ANY(%s)"
                    for s in present
                ]
                params: list[Any] = []
                for s in present:
                    params += [s, expected]
                cursor.execute(" UNION ALL ".join(parts), params)
                counts = dict(cursor.fetchall())
        behind += [s for s in chunk if s in missing_table or counts.get(s, 0) < len(expected)]
    return behind


def applied_groups(schemas: Iterable[str], *, batch: int = BATCH) -> dict[str, list[str]]:
    """``schemas`` grouped by the set of migrations each records as applied (the key is a
    digest of the set), in the order given; a schema without ``django_migrations`` is left out."""
    names = list(schemas)
    groups: dict[str, list[str]] = {}
    qn = connection.ops.quote_name
    for start in range(0, len(names), batch):
        chunk = names[start : start + batch]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_schema FROM information_schema.tables "
                "WHERE table_schema = ANY(%s) AND table_name = 'django_migrations'",
                [chunk],
            )
            present = {row[0] for row in cursor.fetchall()}
            parts = [
                f"SELECT %s, md5(coalesce(string_agg(app || '.' || name, ',' "
                f"ORDER BY app, name), '')) FROM {qn(s)}.django_migrations"
                for s in chunk
                if s in present
            ]
            if not parts:
                continue
            cursor.execute(" UNION ALL ".join(parts), [s for s in chunk if s in present])
            digests = dict(cursor.fetchall())
        for schema in chunk:
            if schema in digests:
                groups.setdefault(digests[schema], []).append(schema)
    return groups


def _database_operations(operations: Iterable[Operation]) -> Iterator[Operation]:
    for operation in operations:
        if isinstance(operation, SeparateDatabaseAndState):
            yield from _database_operations(operation.database_operations)
        else:
            yield operation


def _replayable(migration: Migration) -> bool:
    """Whether what ``migration`` does on the current (unit) schema is all SQL run by the
    schema editor: an operation that is not may stay only in an app that does not migrate here."""
    if not migration.atomic:
        return False
    if router.allow_migrate(connection.alias, migration.app_label) is False:
        return True
    return all(op.reduces_to_sql for op in _database_operations(migration.operations))


def replay_records(schema: str) -> tuple[tuple[str, str], ...] | None:
    """The migration records the plan of ``schema`` leaves (as Django's executor writes them),
    or ``None`` when the plan cannot be replayed, is empty, or Django's ``migrate`` would refuse
    the history (inconsistent, or conflicting leaves: it says so itself)."""
    set_schema(schema)
    try:
        executor = MigrationExecutor(connection)
        try:
            executor.loader.check_consistent_history(connection)
        except InconsistentMigrationHistory:
            return None
        if executor.loader.detect_conflicts():
            return None
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not plan or any(backwards or not _replayable(m) for m, backwards in plan):
            return None
        return tuple(
            record
            for migration, _ in plan
            for record in (migration.replaces or [(migration.app_label, migration.name)])
        )
    finally:
        set_public_schema()


Statement = tuple[str, Any]  # SQL and its parameters, as the schema editor ran them


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[Statement] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.statements.append((record.sql, record.params))  # type: ignore[attr-defined]  # extra


@contextmanager
def recorded_statements() -> Iterator[list[Statement]]:
    """Every statement Django's schema editor runs inside the block (it logs each one, with
    its parameters, on ``django.db.backends.schema``), kept out of the project's logs."""
    logger = logging.getLogger("django.db.backends.schema")
    recorder = _Recorder()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(recorder)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield recorder.statements
    finally:
        logger.removeHandler(recorder)
        logger.setLevel(level)
        logger.propagate = propagate


@dataclass(frozen=True)
class Replay:
    """What Django's ``migrate`` ran on one unit, to run again on another: the schema editor's
    statements and the migration records."""

    statements: tuple[Statement, ...]
    records: tuple[tuple[str, str], ...]


class _Differs(Exception):
    pass


def replay(schema: str, plan: Replay, *, like: Fingerprint | None = None) -> bool:
    """Run ``plan`` on ``schema`` in one transaction; when ``like`` is given, the schema must
    then have that fingerprint. ``False`` (and nothing written) when a statement fails there or
    the fingerprint differs."""
    set_schema(schema)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for sql, params in plan.statements:
                    cursor.execute(sql, params)
                cursor.executemany(
                    "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())",
                    plan.records,
                )
            # Read, like the reference, from the public search path (pg_get_constraintdef
            # qualifies the tables it cannot see).
            set_public_schema()
            if like is not None and fingerprint(schema) != like:
                raise _Differs(schema)
    except (DatabaseError, _Differs):
        return False
    finally:
        set_public_schema()
    schema_migrated.send(replay, schema_name=schema)
    return True


def replay_behind(
    schemas: list[str], migrate: Callable[[str], object]
) -> tuple[list[str], int, int]:
    """Migrate ``schemas`` group by group: the first unit of a group by ``migrate`` (Django's,
    through django-tenants), the others by replaying what it ran. Returns the schemas left to
    Django's ``migrate``, the number migrated first of their group, and the number replayed."""
    groups = applied_groups(schemas)
    grouped = {schema for group in groups.values() for schema in group}
    left = [schema for schema in schemas if schema not in grouped]  # no django_migrations yet
    first = replayed = 0
    for group in groups.values():
        records = replay_records(group[0]) if len(group) > 1 else None
        if records is None:
            left += group
            continue
        with recorded_statements() as statements:
            migrate(group[0])
        first += 1
        plan = Replay(tuple(statements), records)
        set_public_schema()
        reference = fingerprint(group[0])
        for index, schema in enumerate(group[1:]):
            if replay(schema, plan, like=reference if index == 0 else None):
                replayed += 1
            elif index == 0:  # the replay does not give what Django's migrate gave
                left += group[1:]
                break
            else:
                left.append(schema)
    return left, first, replayed


def get_executor(codename: str | None = None) -> type:
    base = tenants_executor(codename)

    class SkippingCurrentUnits(base):  # type: ignore[misc, valid-type]
        def run_migrations(self, tenants: Iterable[str] | None = None) -> Any:
            tenants = list(tenants or [])
            public = get_public_schema_name()
            targeted = any(self.options.get(key) for key in _TARGETED) or self.options.get(
                "check_unapplied"
            )
            if targeted or os.environ.get("JIXIAO_MIGRATE_ALL") == "1" or tenants == [public]:
                return super().run_migrations(tenants=tenants)
            units = [t for t in tenants if t != public]
            behind = schemas_behind(units)
            loud = int(self.options.get("verbosity", 1)) >= 1
            if loud:
                sys.stdout.write(
                    f"migrate_schemas: {len(units) - len(behind)} of {len(units)} units already "
                    f"at the latest migration, skipped; {len(behind)} to migrate\n"
                )
            if behind and os.environ.get("JIXIAO_MIGRATE_REPLAY") != "0":

                def migrate(schema: str) -> None:
                    run_migration(self.args, self.options, self.codename, schema)

                left, first, replayed = replay_behind(behind, migrate)
                if loud:
                    sys.stdout.write(
                        f"migrate_schemas: {first + replayed} units migrated, {replayed} of them "
                        "by replaying what Django's migrate ran on the first unit of their "
                        f"group; {len(left)} left to Django's migrate\n"
                    )
                behind = left
            kept = [t for t in tenants if t == public or t in set(behind)]
            if not kept:
                return None
            return super().run_migrations(tenants=kept)

    SkippingCurrentUnits.__name__ = f"SkippingCurrentUnits{base.__name__}"
    return SkippingCurrentUnits

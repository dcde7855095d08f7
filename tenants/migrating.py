"""``migrate_schemas`` skips the units already at the latest migration.

Django's ``migrate`` inspects a schema's tables before it knows there is nothing to do; at 3,600
units that introspection alone kept a no-op ``migrate_schemas`` running for more than 45 minutes
(issue #19). Here, one query per batch of unit schemas counts each schema's applied migrations
among the ones the code has; only the schemas that miss some are handed to django-tenants'
executor (standard or multiprocessing). The public schema always goes through.

The units behind do not each go through Django's ``migrate`` either: it renders the whole
project state (every model of every migration) twice per schema, about a second of CPU per unit
whatever the change, so one new migration took more than half an hour over 1,000 units (issue
#18). Units behind by the same migrations form a group; the SQL of the group's plan is written
once, by Django's own ``collect_sql`` (what ``sqlmigrate`` prints) on the group's first schema,
and replayed on every schema of the group, each in one transaction with its migration records.
A plan is replayed only when every operation that runs on a unit schema can be written as SQL
and every migration is atomic; a ``RunPython`` on a tenant app, a non-atomic migration, a
schema whose replay fails (it is rolled back) and ``JIXIAO_MIGRATE_REPLAY=0`` go through
django-tenants' executor as before. ``pre_migrate``/``post_migrate`` are not sent for replayed
units: no app of the project listens on a unit schema (contenttypes and auth are shared apps),
and django-tenants' ``schema_migrated`` is sent as its executor does.

Installed as ``GET_EXECUTOR_FUNCTION`` (django-tenants' hook). Any targeted run — an app label or
a migration name, ``--fake``, ``--fake-initial``, ``--plan``, ``--prune``, ``--check`` — or
``JIXIAO_MIGRATE_ALL=1`` goes through every schema as django-tenants does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, router, transaction
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.special import SeparateDatabaseAndState
from django_tenants.migration_executors import get_executor as tenants_executor
from django_tenants.signals import schema_migrated
from django_tenants.utils import get_public_schema_name

from backend.core.schemas import set_public_schema, set_schema

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
    """Whether what ``migration`` does on the current (unit) schema is all SQL: an operation
    that cannot be written as SQL may stay only in an app that does not migrate here."""
    if not migration.atomic:
        return False
    if router.allow_migrate(connection.alias, migration.app_label) is False:
        return True
    return all(op.reduces_to_sql for op in _database_operations(migration.operations))


@dataclass(frozen=True)
class Replay:
    """The SQL of a plan and the migration records it leaves, as Django's executor writes them."""

    statements: tuple[str, ...]
    records: tuple[tuple[str, str], ...]


def replay_of(schema: str) -> Replay | None:
    """The replay of the migrations ``schema`` misses, or ``None`` when one of them cannot be
    replayed, none is missing, or Django's ``migrate`` would refuse the history (inconsistent,
    or conflicting leaves)."""
    set_schema(schema)
    executor = MigrationExecutor(connection)
    try:  # what Django's migrate refuses, it refuses there, with its own message
        executor.loader.check_consistent_history(connection)
    except InconsistentMigrationHistory:
        return None
    if executor.loader.detect_conflicts():
        return None
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan or any(backwards or not _replayable(m) for m, backwards in plan):
        return None
    statements = tuple(
        sql
        for sql in executor.loader.collect_sql(plan)
        if any(line.strip() and not line.lstrip().startswith("--") for line in sql.splitlines())
    )
    records = tuple(
        record
        for migration, _ in plan
        for record in (migration.replaces or [(migration.app_label, migration.name)])
    )
    return Replay(statements, records)


def replay(schema: str, plan: Replay) -> bool:
    """Run ``plan`` on ``schema`` in one transaction; ``False`` (and nothing written) when a
    statement fails there."""
    set_schema(schema)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in plan.statements:
                cursor.execute(sql)
            cursor.executemany(
                "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())",
                plan.records,
            )
    except DatabaseError:
        return False
    finally:
        set_public_schema()
    schema_migrated.send(replay, schema_name=schema)
    return True


def replay_behind(schemas: list[str]) -> tuple[list[str], int]:
    """Replay the missing migrations on ``schemas``, group by group. Returns the schemas left
    to Django's ``migrate`` and the number of schemas replayed."""
    groups = applied_groups(schemas)
    grouped = {schema for group in groups.values() for schema in group}
    left = [schema for schema in schemas if schema not in grouped]  # no django_migrations yet
    done = 0
    for group in groups.values():
        plan = replay_of(group[0])
        set_public_schema()
        for schema in group:
            if plan is not None and replay(schema, plan):
                done += 1
            else:
                left.append(schema)
    return left, done


def get_executor(codename: str | None = None) -> type:
    base = tenants_executor(codename)

    # the base is the executor django-tenants' settings choose, known only at run time
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
                left, replayed = replay_behind(behind)
                if loud:
                    sys.stdout.write(
                        f"migrate_schemas: {replayed} units migrated by replaying the SQL of "
                        f"their plan; {len(left)} through Django's migrate\n"
                    )
                behind = left
            kept = [t for t in tenants if t == public or t in set(behind)]
            if not kept:
                return None
            return super().run_migrations(tenants=kept)

    SkippingCurrentUnits.__name__ = f"SkippingCurrentUnits{base.__name__}"
    return SkippingCurrentUnits

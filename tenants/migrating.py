"""``migrate_schemas`` skips the units already at the latest migration.

Django's ``migrate`` inspects a schema's tables before it knows there is nothing to do; at 3,600
units that introspection alone kept a no-op ``migrate_schemas`` running for more than 45 minutes
(issue #19). Here, one query per batch of unit schemas counts each schema's applied migrations
among the ones the code has; only the schemas that miss some are handed to django-tenants'
executor (standard or multiprocessing). The public schema always goes through.

Installed as ``GET_EXECUTOR_FUNCTION`` (django-tenants' hook). Any targeted run — an app label or
a migration name, ``--fake``, ``--fake-initial``, ``--plan``, ``--prune``, ``--check`` — or
``JIXIAO_MIGRATE_ALL=1`` goes through every schema as django-tenants does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django_tenants.migration_executors import get_executor as tenants_executor
from django_tenants.utils import get_public_schema_name

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
            behind = set(schemas_behind(units))
            kept = [t for t in tenants if t == public or t in behind]
            if int(self.options.get("verbosity", 1)) >= 1:
                sys.stdout.write(
                    f"migrate_schemas: {len(units) - len(behind)} of {len(units)} units already "
                    f"at the latest migration, skipped; {len(behind)} to migrate\n"
                )
            if not kept:
                return None
            return super().run_migrations(tenants=kept)

    SkippingCurrentUnits.__name__ = f"SkippingCurrentUnits{base.__name__}"
    return SkippingCurrentUnits

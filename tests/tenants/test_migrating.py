"""migrate_schemas skips the units already at the latest migration (one query per batch of
schemas), still migrates a unit that misses one, and migrates the units behind by replaying the
SQL of their plan, leaving each one as Django's migrate would."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from bench.national import throwaway_migration
from tenants.migrating import Replay, expected_migrations, replay, replay_of, schemas_behind
from tenants.references import unit_schemas
from tests.tenants.catalog import fingerprint

pytestmark = pytest.mark.django_db


def test_every_provisioned_unit_is_current() -> None:
    assert len(expected_migrations()) > 50
    assert schemas_behind(unit_schemas(), batch=3) == []


def test_a_unit_missing_a_migration_is_behind() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            'DELETE FROM "xinhua".django_migrations WHERE id = '
            '(SELECT max(id) FROM "xinhua".django_migrations)'
        )
    assert schemas_behind(unit_schemas(), batch=4) == ["xinhua"]


def test_a_schema_without_migration_records_is_behind() -> None:
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "half_made"')
    assert schemas_behind(["half_made", "xinhua"]) == ["half_made"]


def test_a_no_op_run_skips_every_unit(capsys: pytest.CaptureFixture[str]) -> None:
    units = len(unit_schemas())
    call_command("migrate_schemas", "--tenant", verbosity=1)
    out = capsys.readouterr().out
    assert f"{units} of {units} units already at the latest migration, skipped; 0 to migrate" in out
    assert "=== Starting migration" not in out


# --- replaying the SQL of a plan instead of Django's migrate per unit (issue #18) ---


@contextmanager
def run_python_migration(tag: str) -> Iterator[str]:
    """The bench's throw-away migration on ``documents`` plus a ``RunPython`` after it."""
    with throwaway_migration(tag) as migration:
        app, name = migration.split(".", 1)
        package = settings.MIGRATION_MODULES[app]
        module = importlib.import_module(package)
        folder = Path(module.__path__[0])
        (folder / f"{name}_data.py").write_text(
            "from django.db import migrations\n\n\n"
            "def stamp(apps, schema_editor):\n"
            "    schema_editor.execute(\n"
            f"        \"INSERT INTO documents_document (nat_bench_{tag}) SELECT 'x' WHERE false\"\n"
            "    )\n\n\n"
            "class Migration(migrations.Migration):\n"
            f"    dependencies = [({app!r}, {name!r})]\n"
            "    operations = [migrations.RunPython(stamp, migrations.RunPython.noop)]\n",
            encoding="utf-8",
        )
        yield f"{app}.{name}_data"


def records(schema: str, migration: str) -> int:
    app, name = migration.split(".", 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT count(*) FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
            [app, name],
        )
        return int(cursor.fetchone()[0])


def test_a_replayed_unit_is_the_unit_django_migrates(capsys: pytest.CaptureFixture[str]) -> None:
    with throwaway_migration("t01") as migration:
        with patch.dict(os.environ, {"JIXIAO_MIGRATE_REPLAY": "0"}):
            call_command("migrate_schemas", "--tenant", "--schema=lianyuan", verbosity=1)
        assert "0 units migrated by replaying" not in capsys.readouterr().out
        call_command("migrate_schemas", "--tenant", verbosity=1)
        out = capsys.readouterr().out
    units = len(unit_schemas())
    assert f"{units - 1} units migrated by replaying the SQL of their plan; 0 through" in out
    assert "=== Starting migration" not in out
    assert all(records(schema, migration) == 1 for schema in unit_schemas())
    by_django = fingerprint("lianyuan")
    assert any(row[2] == "nat_bench_t01" for row in by_django["columns"])
    assert fingerprint("xinhua") == by_django
    assert fingerprint("changsha") == by_django


def test_a_plan_with_python_goes_through_django(capsys: pytest.CaptureFixture[str]) -> None:
    with run_python_migration("t02") as migration:
        call_command("migrate_schemas", "--tenant", "--schema=xinhua", verbosity=1)
        out = capsys.readouterr().out
    assert "0 units migrated by replaying the SQL of their plan; 1 through" in out
    assert "=== Starting migration" in out
    assert records("xinhua", migration) == 1


def test_a_failing_replay_writes_nothing() -> None:
    plan = Replay(
        statements=(
            "ALTER TABLE documents_document ADD COLUMN half_done integer",
            "SELECT * FROM no_such_table",
        ),
        records=(("documents", "9999_half_done"),),
    )
    assert replay("xinhua", plan) is False
    assert records("xinhua", "documents.9999_half_done") == 0
    columns = fingerprint("xinhua")["columns"]
    assert not any(row[2] == "half_done" for row in columns)


def test_an_inconsistent_history_is_left_to_django() -> None:
    first = min(m for m in expected_migrations() if m.startswith("documents."))
    with connection.cursor() as cursor:
        cursor.execute(
            """DELETE FROM "xinhua".django_migrations WHERE app || '.' || name = %s""", [first]
        )
    assert replay_of("xinhua") is None

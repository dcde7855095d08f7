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
from tenants.catalog import fingerprint
from tenants.migrating import (
    Replay,
    expected_migrations,
    replay,
    replay_records,
    schemas_behind,
)
from tenants.references import unit_schemas

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
        assert "by replaying" not in capsys.readouterr().out
        call_command("migrate_schemas", "--tenant", verbosity=1)
        out = capsys.readouterr().out
    units = len(unit_schemas())
    assert (
        f"{units - 1} units migrated, {units - 2} of them by replaying what Django's migrate ran "
        "on the first unit of their group; 0 left" in out
    )
    assert out.count("=== Starting migration") == 1
    assert all(records(schema, migration) == 1 for schema in unit_schemas())
    by_django = fingerprint("lianyuan")
    assert any(row[2] == "nat_bench_t01" for row in by_django["columns"])
    assert fingerprint("xinhua") == by_django
    assert fingerprint("changsha") == by_django


def drop_app(schema: str, app: str) -> None:
    """Forget ``app``'s migrations in ``schema`` and drop its tables (a leaf app: no other
    tenant table references them)."""
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s', [app])
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename LIKE %s",
            [schema, f"{app}\\_%"],
        )
        tables = ", ".join(f'"{schema}"."{row[0]}"' for row in cursor.fetchall())
        cursor.execute(f"DROP TABLE {tables}")


def test_a_long_plan_replays_what_django_ran_not_what_it_would_write(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # evaluation's migrations create indexes that later ones drop: SQL written from the
    # migration states alone (sqlmigrate) keeps them; the statements Django ran do not.
    for schema in ("lengshuijiang", "lianyuan", "shuangfeng"):
        drop_app(schema, "evaluation")
    call_command("migrate_schemas", "--tenant", verbosity=1)
    out = capsys.readouterr().out
    assert "3 units migrated, 2 of them by replaying" in out
    reference = fingerprint("xinhua")
    for schema in ("lengshuijiang", "lianyuan", "shuangfeng"):
        assert fingerprint(schema) == reference
        assert records(schema, "evaluation.0001_initial") == 1


def test_a_plan_with_python_goes_through_django(capsys: pytest.CaptureFixture[str]) -> None:
    with run_python_migration("t02") as migration:
        assert replay_records("xinhua") is None
        call_command("migrate_schemas", "--tenant", verbosity=1)
        out = capsys.readouterr().out
    units = len(unit_schemas())
    assert "0 units migrated, 0 of them by replaying" in out
    assert f"; {units} left to Django's migrate" in out
    assert all(records(schema, migration) == 1 for schema in unit_schemas())


ADD_HALF_DONE = ("ALTER TABLE documents_document ADD COLUMN half_done integer", None)


def test_a_failing_replay_writes_nothing() -> None:
    plan = Replay(
        statements=(ADD_HALF_DONE, ("SELECT * FROM no_such_table", None)),
        records=(("documents", "9999_half_done"),),
    )
    assert replay("xinhua", plan) is False
    assert records("xinhua", "documents.9999_half_done") == 0
    assert not any(row[2] == "half_done" for row in fingerprint("xinhua")["columns"])


def test_a_replay_unlike_the_migrated_unit_writes_nothing() -> None:
    plan = Replay(statements=(ADD_HALF_DONE,), records=(("documents", "9999_half_done"),))
    assert replay("xinhua", plan, like=fingerprint("lianyuan")) is False
    assert records("xinhua", "documents.9999_half_done") == 0
    assert not any(row[2] == "half_done" for row in fingerprint("xinhua")["columns"])
    assert replay("xinhua", plan, like=None) is True
    assert records("xinhua", "documents.9999_half_done") == 1


def test_an_inconsistent_history_is_left_to_django() -> None:
    first = min(m for m in expected_migrations() if m.startswith("documents."))
    with connection.cursor() as cursor:
        cursor.execute(
            """DELETE FROM "xinhua".django_migrations WHERE app || '.' || name = %s""", [first]
        )
    assert replay_records("xinhua") is None

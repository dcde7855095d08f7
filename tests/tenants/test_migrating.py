"""migrate_schemas skips the units already at the latest migration (one query per batch of
schemas), and still migrates a unit that misses one."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from tenants.migrating import expected_migrations, schemas_behind
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

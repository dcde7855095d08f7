"""Schemas provisioned by blueprint replay are the schemas migrations would have built."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.models import TenantMixin

from tenants import blueprint
from tenants.catalog import fingerprint
from tenants.models import Procuratorate

pytestmark = pytest.mark.django_db


def applied_migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return set(cursor.fetchall())


@pytest.mark.slow
def test_replayed_schema_is_identical_to_a_migrated_one() -> None:
    blueprint.create_schema("cmp_replayed")
    # django-tenants' own path: CREATE SCHEMA, then every migration.
    TenantMixin.create_schema(Procuratorate(schema_name="cmp_migrated"), verbosity=0)

    replayed, migrated = fingerprint("cmp_replayed"), fingerprint("cmp_migrated")
    assert replayed["relations"], "the blueprint created no tables"
    for part in ("relations", "columns", "constraints", "indexes", "sequences"):
        assert replayed[part] == migrated[part], part
    assert applied_migrations("cmp_replayed") == applied_migrations("cmp_migrated")


def test_tenant_tables_are_in_the_blueprint() -> None:
    blueprint.create_schema("cmp_tables")
    tables = {name for name, kind in fingerprint("cmp_tables")["relations"] if kind == "r"}
    assert {"documents_document", "django_migrations"} <= tables
    assert not tables & {"accounts_user", "django_content_type"}  # shared apps stay in public


@pytest.mark.slow
def test_migrate_schemas_upgrades_a_replayed_schema(unit) -> None:
    """A provisioned unit carries the migration records, so migrate_schemas treats it like any
    migrated schema: nothing to apply, and an unapplied migration is applied again."""
    schema = unit("lengshuijiang").schema_name
    call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        # evaluation is a leaf app: no other tenant table references its tables.
        cursor.execute(f"DELETE FROM \"{schema}\".django_migrations WHERE app = 'evaluation'")
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s "
            "AND tablename LIKE 'evaluation\\_%%'",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        assert tables
        cursor.execute(", ".join(f'"{schema}"."{t}"' for t in tables).join(("DROP TABLE ", "")))
    call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    assert ("evaluation", "0001_initial") in applied_migrations(schema)
    assert fingerprint(schema) == fingerprint("lianyuan")


def test_the_blueprint_follows_the_migration_state() -> None:
    current = blueprint.current_blueprint()
    assert current is not None
    assert current.state_key == blueprint.migration_state_key()
    assert blueprint.SCHEMA_TOKEN in current.ddl
    assert blueprint.BLUEPRINT_SCHEMA not in current.ddl


def test_preparing_inside_a_transaction_is_refused_clearly() -> None:
    from backend.core.errors import DomainError
    from tenants.models import SchemaBlueprint

    SchemaBlueprint.objects.all().delete()
    blueprint.forget_cached()
    with pytest.raises(DomainError) as caught:
        blueprint.ensure_blueprint()
    assert caught.value.problems[0].code == "BLUEPRINT_MISSING"
    blueprint.forget_cached()  # the rollback restores the row; drop the stale miss

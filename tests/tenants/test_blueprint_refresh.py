"""Preparing a blueprint commits (pg_dump reads committed DDL from another session), so this
test runs outside the per-test transaction; what it leaves is a valid blueprint for the
session's migration state."""

from __future__ import annotations

import pytest
from django.db import connection

from tenants import blueprint
from tenants.models import SchemaBlueprint


@pytest.mark.slow
def test_a_new_blueprint_starts_from_an_empty_schema(django_db_setup, django_db_blocker) -> None:
    """A table left in the blueprint schema by an older state must not reach new units."""
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE TABLE "{blueprint.BLUEPRINT_SCHEMA}".leftover (id int)')
        SchemaBlueprint.objects.all().delete()
        blueprint.forget_cached()
        try:
            prepared = blueprint.ensure_blueprint()
        finally:
            blueprint.forget_cached()
        assert "leftover" not in prepared.ddl
        assert '"documents_document"' in prepared.ddl
        assert SchemaBlueprint.objects.count() == 1

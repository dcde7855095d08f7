"""Provisioning for a Citus coordinator (``JIXIAO_CITUS``, infra/citus/README.md). No Citus
cluster runs here: on plain PostgreSQL the setting is an inert placeholder, so these tests
check the SQL and that provisioning still works with it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tenants import blueprint
from tenants.services import UnitSpec, provision_unit

pytestmark = pytest.mark.django_db


def test_new_schemas_are_distributed_only_when_asked(settings: Any) -> None:
    settings.JIXIAO_CITUS = False
    assert blueprint.create_schema_sql("abc") == 'CREATE SCHEMA "abc";\n'
    settings.JIXIAO_CITUS = True
    assert blueprint.create_schema_sql("abc") == (
        'SET LOCAL citus.enable_schema_based_sharding TO on;\nCREATE SCHEMA "abc";\n'
    )


def test_provisioning_with_the_citus_setting_still_builds_the_schema(settings: Any) -> None:
    settings.JIXIAO_CITUS = True
    unit = provision_unit(UnitSpec("citus-probe", "测试院", "county", "loudi", ""))
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"{unit.schema_name}.documents_document"])
        assert cursor.fetchone()[0] is not None

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_exists

from backend.core.errors import DomainError
from tenants.models import Domain, Procuratorate
from tenants.services import UnitSpec, provision_unit

pytestmark = pytest.mark.django_db


def public_row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM public."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def tenant_rows(schema: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        counts = {}
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def test_provisioning_creates_the_schema_the_domain_and_nothing_else() -> None:
    before = public_row_counts()
    unit = provision_unit(UnitSpec("louxing-test", "测试区人民检察院", "county", "loudi", "测试区"))

    assert unit.schema_name == "louxing_test"
    assert schema_exists("louxing_test")
    assert list(Domain.objects.filter(tenant=unit).values_list("domain", "is_primary")) == [
        ("louxing-test.localhost", True)
    ]
    assert unit.path == "/hunan/loudi/louxing-test/" and unit.depth == 2
    after = public_row_counts()
    changed = {t: after[t] - before[t] for t in after if after[t] != before[t]}
    assert changed == {"tenants_procuratorate": 1, "tenants_domain": 1}
    rows = tenant_rows("louxing_test")
    assert rows.pop("django_migrations") > 0
    assert set(rows.values()) == {0}, rows


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("lengshuijiang", "CODE_TAKEN"),
        ("Bad Code", "INVALID_CODE"),
        ("1abc", "INVALID_CODE"),
        ("a", "INVALID_CODE"),
        ("x" * 64, "INVALID_CODE"),
        ("pg-catalog2", "RESERVED_CODE"),
        ("public", "RESERVED_CODE"),
        ("tenant-blueprint", "RESERVED_CODE"),
    ],
)
def test_a_bad_or_taken_code_is_refused_and_nothing_is_created(code: str, error_code: str) -> None:
    units, domains = Procuratorate.objects.count(), Domain.objects.count()
    with pytest.raises(DomainError) as caught:
        provision_unit(UnitSpec(code, "某院", "county", "loudi"))
    assert [(p.code, p.field) for p in caught.value.problems] == [(error_code, "code")]
    assert (Procuratorate.objects.count(), Domain.objects.count()) == (units, domains)


def test_a_schema_taken_outside_the_registry_is_refused() -> None:
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "stray_schema"')
    with pytest.raises(DomainError) as caught:
        provision_unit(UnitSpec("stray-schema", "某院", "county", "loudi"))
    assert caught.value.problems[0].code == "SCHEMA_TAKEN"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(DomainError) as caught:
        provision_unit(UnitSpec("Bad!", "", "town", "nowhere"))
    assert {(p.field, p.code) for p in caught.value.problems} == {
        ("code", "INVALID_CODE"),
        ("name", "REQUIRED"),
        ("level", "INVALID_LEVEL"),
        ("parent_code", "PARENT_NOT_FOUND"),
    }


@pytest.mark.parametrize(
    ("level", "parent"),
    [("city", "loudi"), ("county", None), ("province", "hunan"), ("city", "lengshuijiang")],
)
def test_the_hierarchy_rules_are_enforced(level: str, parent: str | None) -> None:
    with pytest.raises(DomainError) as caught:
        provision_unit(UnitSpec("some-unit", "某院", level, parent))
    assert caught.value.problems[0].code == "INVALID_PARENT"


def test_a_special_procuratorate_may_sit_under_a_city() -> None:
    unit = provision_unit(UnitSpec("loudi-railway", "娄底铁路运输检察院", "special", "loudi"))
    assert unit.level == "special" and unit.parent.code == "loudi"


def test_create_unit_command(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("create_unit", "xinhua-two", "新化第二院", level="county", parent_code="loudi")
    assert "created xinhua-two" in capsys.readouterr().out
    assert schema_exists("xinhua_two")
    with pytest.raises(CommandError, match="已被使用"):
        call_command("create_unit", "xinhua-two", "新化第二院", level="county", parent_code="loudi")

"""Unit schemas refer to shared rows without database constraints (issue #19): no trigger of a
public table depends on the number of units, the ids are checked by ``check_references``, and
the shared rows units refer to are never deleted (users are deactivated or anonymised)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django_tenants.utils import schema_context

from backend.accounts import services as accounts
from backend.accounts.models import ApiToken, Membership, Role, User
from backend.core.errors import DomainError, PermissionDenied
from backend.documents.models import Document
from tenants import blueprint
from tenants.models import Procuratorate
from tenants.references import (
    constrained_references,
    dangling_references,
    shared_references,
    unit_schemas,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_blueprint_ddl_references_no_public_table() -> None:
    ddl = blueprint.ensure_blueprint().ddl
    assert "REFERENCES" in ddl  # foreign keys inside a unit schema stay
    assert 'REFERENCES "public".' not in ddl


def test_every_shared_reference_is_without_constraint() -> None:
    labels = {ref.label for ref in shared_references()}
    assert {"documents.Document.uploaded_by", "library.AdoptedTemplate.version"} <= labels
    assert {"monitoring.MonitoringEntry.round", "library.AdoptedTemplate.push"} <= labels
    assert constrained_references() == []


def test_no_public_table_carries_a_trigger_for_a_unit_schema() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM pg_trigger t
            JOIN pg_class target ON target.oid = t.tgrelid
            JOIN pg_namespace tn ON tn.oid = target.relnamespace
            JOIN pg_class source ON source.oid = t.tgconstrrelid
            JOIN pg_namespace sn ON sn.oid = source.relnamespace
            WHERE tn.nspname = 'public' AND sn.nspname <> 'public'
            """
        )
        assert cursor.fetchone()[0] == 0


def test_a_dangling_id_is_reported(unit: Callable[[str], Procuratorate]) -> None:
    schema = unit("lengshuijiang").schema_name
    with schema_context(schema):
        planted = Document.objects.create(
            title="孤立", file="x.pdf", size=1, uploaded_by_id=987_654
        )
    found = list(dangling_references(unit_schemas(), batch=3))
    assert [(d.schema, d.reference.label, d.row_id, d.value) for d in found] == [
        (schema, "documents.Document.uploaded_by", planted.pk, 987_654)
    ]
    with pytest.raises(CommandError, match="1 dangling"):
        call_command("check_references", "--batch", "4")


def test_the_check_is_quiet_when_every_id_resolves(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("check_references")
    assert " 0 dangling" in capsys.readouterr().out


def test_a_user_is_never_deleted() -> None:
    user = UserFactory()
    # The refusal aborts the transaction it happens in, as any failed delete would.
    with pytest.raises(DomainError) as refused, transaction.atomic():
        user.delete()
    assert refused.value.problems[0].code == "SHARED_ROW_IN_USE"
    with pytest.raises(DomainError), transaction.atomic():
        User.objects.filter(pk=user.pk).delete()
    assert User.objects.filter(pk=user.pk).exists()


@pytest.fixture
def admin(unit: Callable[[str], Procuratorate]) -> User:
    return MembershipFactory(unit=unit("hunan"), role=Role.PROVINCE_ADMIN).user


@pytest.fixture
def clerk(unit: Callable[[str], Procuratorate]) -> User:
    return MembershipFactory(unit=unit("lengshuijiang"), role=Role.UNIT_FINANCE).user


def test_deactivating_stops_signing_in_and_keeps_the_roles(admin: User, clerk: User) -> None:
    issued = accounts.issue_token(clerk)
    accounts.set_active(clerk, False, by=admin)
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert accounts.user_for_token(issued.secret) is None
    assert ApiToken.objects.get(user=clerk).revoked_at is not None
    assert Membership.objects.filter(user=clerk).exists()
    accounts.set_active(clerk, True, by=admin)
    clerk.refresh_from_db()
    assert clerk.is_active


def test_anonymising_erases_the_person_and_keeps_the_row(admin: User, clerk: User) -> None:
    pk = clerk.pk
    clerk.email = "someone@example.cn"
    clerk.save()
    accounts.anonymise_user(clerk, by=admin)
    row = User.objects.get(pk=pk)
    assert (row.username, row.full_name, row.email) == (f"former-{pk}", "原用户", "")
    assert not row.is_active and not row.has_usable_password()
    assert not Membership.objects.filter(user_id=pk).exists()
    with pytest.raises(DomainError) as refused:
        accounts.set_active(row, True, by=admin)
    assert refused.value.problems[0].code == "ANONYMISED"


def test_only_a_manager_over_every_unit_of_the_user_may_do_it(
    unit: Callable[[str], Procuratorate], admin: User, clerk: User
) -> None:
    city = MembershipFactory(unit=unit("changsha"), role=Role.CITY_REVIEWER).user
    with pytest.raises(PermissionDenied):
        accounts.set_active(clerk, False, by=city)
    with pytest.raises(PermissionDenied):
        accounts.anonymise_user(clerk, by=clerk)
    with pytest.raises(PermissionDenied):
        accounts.set_active(admin, False, by=admin)
    clerk.refresh_from_db()
    assert clerk.is_active


def test_every_index_of_a_unit_is_listed_with_what_it_serves() -> None:
    """docs/scaling.md lists every index of an empty unit (an index earns its place)."""
    import re
    from pathlib import Path

    ddl = blueprint.ensure_blueprint().ddl
    names = set(re.findall(r'CREATE (?:UNIQUE )?INDEX "([^"]+)"', ddl))
    names |= set(re.findall(r'ADD CONSTRAINT "([^"]+)" (?:PRIMARY KEY|UNIQUE)', ddl))
    listed = Path(__file__).resolve().parents[2].joinpath("docs", "scaling.md").read_text()
    assert names, "no index found in the blueprint"
    assert sorted(name for name in names if f"`{name}`" not in listed) == []

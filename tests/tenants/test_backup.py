"""Backing up one unit and restoring it into a fresh schema (tenants/backup.py).

pg_dump reads committed rows from its own session, so these tests commit for real (outside the
per-test transaction) in a unit of their own, and remove everything they created."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from backend.documents.models import Document
from backend.documents.services import store_document
from tenants import backup
from tenants.models import Domain, Procuratorate
from tenants.services import UnitSpec, provision_unit
from tests.factories import UserFactory

SOURCE = "bk-source"
COPY = "bk-copy"


def _drop(code: str) -> None:
    schema = code.replace("-", "_")
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    Domain.objects.filter(tenant__code=code).delete()
    Procuratorate.objects.filter(code=code)._raw_delete(Procuratorate.objects.db)


@pytest.fixture
def committed(
    django_db_setup: None, django_db_blocker: Any, settings: Any, tmp_path: Path
) -> Iterator[Path]:
    """A unit with two documents (files on the local disk) committed for real; yields the
    backup directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with django_db_blocker.unblock():
        user = UserFactory(username="bk-uploader")
        provision_unit(UnitSpec(SOURCE, "备份测试院", "county", "loudi", "测试"))
        try:
            with schema_context(SOURCE.replace("-", "_")):
                store_document(
                    title="自评报告",
                    content=ContentFile(b"%PDF-1.4\n" + "冷水江".encode() * 50, name="a.pdf"),
                    uploaded_by=user,
                )
                store_document(
                    title="佐证材料",
                    content=ContentFile(b"%PDF-1.4\nsecond", name="b.pdf"),
                    uploaded_by=None,
                )
            yield tmp_path / "backup"
        finally:
            connection.set_schema_to_public()
            for code in (SOURCE, COPY):
                _drop(code)
            from backend.accounts.models import User

            User.objects.filter(pk=user.pk)._raw_delete(User.objects.db)


def _states(schema: str) -> dict[str, backup.TableState]:
    with connection.cursor() as cursor:
        return backup.table_states(cursor, schema)


def test_a_unit_restores_into_a_fresh_schema_identical_table_by_table(committed: Path) -> None:
    call_command("backup_unit", SOURCE, str(committed))
    manifest = json.loads((committed / "manifest.json").read_text())
    assert manifest["tables"]["documents_document"]["rows"] == 2
    assert len(manifest["files"]) == 2
    assert "bk_source" not in (committed / "schema.sql").read_text()

    call_command("restore_unit", str(committed), "--as", COPY)

    source, copy = _states("bk_source"), _states("bk_copy")
    assert copy == source  # every table: row count and checksum of its rows
    assert len(source) > 10 and source["documents_document"].rows == 2
    assert backup.unit_files("bk_copy") == backup.unit_files("bk_source")
    restored = Procuratorate.objects.get(code=COPY)
    assert restored.schema_name == "bk_copy" and restored.parent.code == "loudi"
    assert restored.domains.get().domain.startswith(f"{COPY}.")
    with schema_context("bk_copy"):
        document = Document.objects.get(title="自评报告")
        with document.file.open("rb") as handle:
            assert handle.read().endswith("冷水江".encode())
        assert Document.objects.create(title="新", file="documents/x.pdf", size=1).pk == 3
    # the source unit is untouched
    assert _states("bk_source") == source


def test_a_restore_refuses_an_existing_schema_unless_replacing(committed: Path) -> None:
    backup.backup_unit(SOURCE, committed)
    with pytest.raises(CommandError, match="--replace"):
        call_command("restore_unit", str(committed))
    with schema_context("bk_source"):
        Document.objects.filter(title="佐证材料").delete()
        store_document(
            title="备份之后",
            content=ContentFile(b"%PDF-1.4\nlater", name="c.pdf"),
            uploaded_by=None,
        )
    call_command("restore_unit", str(committed), "--replace")
    with schema_context("bk_source"):
        assert sorted(Document.objects.values_list("title", flat=True)) == ["佐证材料", "自评报告"]
    assert set(backup.unit_files("bk_source")) == set(
        json.loads((committed / "manifest.json").read_text())["files"]
    )
    assert Procuratorate.objects.filter(code=SOURCE).count() == 1


def test_a_restore_refuses_another_migration_state(committed: Path) -> None:
    backup.backup_unit(SOURCE, committed)
    manifest = json.loads((committed / "manifest.json").read_text())
    manifest["migrations"] = manifest["migrations"][:-1]
    (committed / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="迁移状态"):
        call_command("restore_unit", str(committed), "--as", COPY)
    assert not schema_exists("bk_copy")
    assert not Procuratorate.objects.filter(code=COPY).exists()


def test_a_failed_check_leaves_nothing(committed: Path) -> None:
    backup.backup_unit(SOURCE, committed)
    manifest = json.loads((committed / "manifest.json").read_text())
    manifest["tables"]["documents_document"]["rows"] = 3
    (committed / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="documents_document"):
        call_command("restore_unit", str(committed), "--as", COPY)
    assert not schema_exists("bk_copy")
    assert not Procuratorate.objects.filter(code=COPY).exists()

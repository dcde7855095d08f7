from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_exists

from tenants.models import Procuratorate
from tenants.services import import_units, read_units_csv

pytestmark = pytest.mark.django_db

CSV = """code,name,level,parent_code,region
shaoyang,邵阳市人民检察院,city,hunan,邵阳市
shaodong,邵东市人民检察院,county,shaoyang,邵东市
Bad Code,坏行,county,shaoyang,
xinshao,新邵县人民检察院,county,nowhere,新邵县
shaoyangxian,邵阳县人民检察院,county,shaoyang,邵阳县
"""


@pytest.fixture
def units_csv(tmp_path: Path) -> Path:
    path = tmp_path / "units.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_bad_rows_are_reported_by_line_and_leave_nothing(units_csv: Path) -> None:
    report = import_units(read_units_csv(units_csv))
    assert report.created == ["shaoyang", "shaodong", "shaoyangxian"]
    assert [(line, error.problems[0].code) for line, error in report.errors] == [
        (4, "INVALID_CODE"),
        (5, "PARENT_NOT_FOUND"),
    ]
    assert not Procuratorate.objects.filter(code__in=["xinshao"]).exists()
    assert not schema_exists("xinshao")
    assert Procuratorate.objects.get(code="shaodong").path == "/hunan/shaoyang/shaodong/"


def test_import_is_idempotent(units_csv: Path) -> None:
    import_units(read_units_csv(units_csv))
    again = import_units(read_units_csv(units_csv))
    assert again.created == []
    assert again.skipped == ["shaoyang", "shaodong", "shaoyangxian"]
    assert Procuratorate.objects.filter(code__startswith="shao").count() == 3


def test_the_command_reports_lines_and_fails(units_csv: Path, capsys) -> None:
    with pytest.raises(CommandError, match="created 3, skipped 0, failed 2"):
        call_command("import_units", str(units_csv), verbosity=0)
    err = capsys.readouterr().err
    assert "line 4:" in err and "line 5:" in err

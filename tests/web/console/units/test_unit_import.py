"""导入单位: a bad file (beside the field, nothing written), the dry run's per-row report (CSV and
XLSX, Chinese headers and level names, a parent planned earlier in the file, existing codes
skipped, bad rows named), the apply queuing only the good rows, a stale apply."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from tenants.models import Procuratorate
from tests.web.conftest import Browser, User

URL = "/console/units/import/"
CSV = (
    "code,name,level,parent_code,region\n"
    "t-yueyang,岳阳市人民检察院,city,hunan,岳阳市\n"
    "t-pingjiang,平江县人民检察院,county,t-yueyang,平江县\n"
    "lianyuan,涟源市人民检察院,county,loudi,涟源市\n"
    "Bad Code,坏代码,county,loudi,\n"
    "t-orphan,无上级,county,nowhere,\n"
)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_a_bad_file_is_named_beside_the_field(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    response = page.post(URL, {"file": upload("units.txt", b"hello")})
    assert response.status_code == 400
    assert 'data-field-error="file"' in response.content.decode()
    response = page.post(URL, {"file": upload("units.csv", b"a,b\n1,2\n")})
    assert "文件缺少列" in response.content.decode()
    response = page.post(URL, {"file": upload("units.xlsx", b"PK\x03\x04broken")})
    assert 'data-field-error="file"' in response.content.decode()


def test_the_dry_run_reports_every_row_and_writes_nothing(
    queue: Any, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    response = page.post(URL, {"file": upload("units.csv", CSV.encode())})
    assert response.status_code == 200
    checks = {c.line: c for c in response.context["checks"]}
    assert [checks[n].action for n in (2, 3, 4, 5, 6)] == [
        "create", "create", "skip", "error", "error"
    ]  # fmt: skip
    body = response.content.decode()
    assert "只能使用小写字母" in body and "上级院“nowhere”不存在" in body
    assert response.context["to_create"] == 2
    assert not Procuratorate.objects.filter(code__startswith="t-").exists()
    digest = response.context["apply_form"].initial["digest"]
    applied = page.post(URL + "apply/", {"digest": digest})
    assert applied.status_code == 302 and "/console/units/runs/" in applied["Location"]
    run = page.client.session["console_unit_runs"][0]
    assert run["total"] == 2 and run["codes"] == ["t-yueyang", "t-pingjiang"]
    # the stash is spent: a second apply is refused
    again = page.post(URL + "apply/", {"digest": digest})
    assert again["Location"] == URL


def test_an_xlsx_with_chinese_headers(
    queue: Any, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["单位代码", "单位名称", "层级", "上级代码", "行政区划"])
    sheet.append(["t-yueyang", "岳阳市人民检察院", "市级院", "hunan", "岳阳市"])
    sheet.append(["t-linxiang", "临湘市人民检察院", "基层院", "t-yueyang", "临湘市"])
    buffer = BytesIO()
    book.save(buffer)
    page = browse(persona("province_admin"), None)
    response = page.post(URL, {"file": upload("units.xlsx", buffer.getvalue())})
    checks = response.context["checks"]
    assert [(c.line, c.spec.level, c.action) for c in checks] == [
        (2, "city", "create"),
        (3, "county", "create"),
    ]


def test_a_stale_or_forged_apply_is_refused(
    queue: Any, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    page.post(URL, {"file": upload("units.csv", CSV.encode())})
    response = page.post(URL + "apply/", {"digest": "0" * 64})
    assert response["Location"] == URL
    assert "console_unit_runs" not in page.client.session

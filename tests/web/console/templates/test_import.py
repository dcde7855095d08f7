"""console:template-import and console:template-import-apply: a new draft from an
indicator-library sheet, checked row by row first (``xlsx.preview_version``), then created by
the import service of ``importTemplateVersion``."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.indicators import selectors as indicator_selectors
from backend.indicators.models import TemplateVersion, VersionStatus
from backend.indicators.services import xlsx
from tests.indicators.factories import valid_split
from tests.web.console.templates.conftest import published

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(content: bytes, name: str = "指标库.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def edited(content: bytes, cells: dict[str, object]) -> bytes:
    book = openpyxl.load_workbook(BytesIO(content))
    for address, value in cells.items():
        book["指标库"][address] = value
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "name", ["city_reviewer", "evaluator", "finance", "other_city_reviewer", "city_finance"]
)
def test_only_the_province_imports(name, persona, browse) -> None:
    v1 = published("web-imp")
    content = xlsx.export_version(v1)
    page = browse(persona(name), None)
    assert page.get("/console/templates/t/web-imp/import/").status_code == 403
    response = page.post("/console/templates/t/web-imp/import/", {"file": upload(content)})
    assert response.status_code == 403
    assert (
        page.post("/console/templates/t/web-imp/import/apply/", {"digest": "x"}).status_code == 403
    )
    assert indicator_selectors.draft_of(v1.template) is None


def test_check_then_import(admin) -> None:
    v1 = published("web-imp")
    content = edited(xlsx.export_version(v1), {"D2": "改名后的指标"})
    assert admin.get("/console/templates/t/web-imp/import/").status_code == 200

    response = admin.post(
        "/console/templates/t/web-imp/import/", {"file": upload(content), "changelog": "表格导入"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-rows"' in page and 'data-testid="import-apply"' in page
    assert "改名后的指标" in page and page.count("可导入") >= len(valid_split())
    assert indicator_selectors.draft_of(v1.template) is None  # a dry run writes nothing

    digest = response.context["preview"].digest
    response = admin.post("/console/templates/t/web-imp/import/apply/", {"digest": digest})
    assert response.status_code == 302
    draft = indicator_selectors.draft_of(v1.template)
    assert draft is not None and draft.number == 2 and draft.changelog == "表格导入"
    assert response["Location"] == f"/console/templates/versions/{draft.pk}/"
    names = list(draft.indicators.order_by("sort_order").values_list("name", flat=True))
    assert names[0] == "改名后的指标" and len(names) == len(valid_split())
    # the stash is spent: a second apply creates nothing
    again = admin.post("/console/templates/t/web-imp/import/apply/", {"digest": digest})
    assert again.status_code == 302 and again["Location"].endswith("/import/")
    assert TemplateVersion.objects.filter(template=v1.template).count() == 2


def test_bad_cells_are_named_on_their_row_and_nothing_is_written(admin) -> None:
    v1 = published("web-imp")
    content = edited(xlsx.export_version(v1), {"J3": "很多", "E4": "随便"})
    response = admin.post("/console/templates/t/web-imp/import/", {"file": upload(content)})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="import-row-3"' in page and "第 3 行“分值”" in page
    assert "第 4 行“指标性质”" in page
    assert 'data-testid="import-apply"' not in page
    assert (
        admin.post(
            "/console/templates/t/web-imp/import/apply/",
            {"digest": response.context["preview"].digest},
        ).status_code
        == 302
    )
    assert TemplateVersion.objects.filter(template=v1.template).count() == 1


def test_a_file_that_is_no_sheet_is_refused_next_to_the_field(admin) -> None:
    published("web-imp")
    response = admin.post(
        "/console/templates/t/web-imp/import/", {"file": upload(b"MZ\x90\x00 not a sheet")}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-field-error="file"' in page and "仅支持" in page
    response = admin.post("/console/templates/t/web-imp/import/", {})
    assert 'data-field-error="file"' in response.content.decode()
    assert "请选择要上传的文件" in response.content.decode()


def test_refused_while_the_template_has_a_draft(admin) -> None:
    v1 = published("web-imp")
    content = xlsx.export_version(v1)
    admin.post("/console/templates/t/web-imp/draft/")
    response = admin.post("/console/templates/t/web-imp/import/", {"file": upload(content)})
    assert response.status_code == 422
    assert "已有草稿版本" in response.content.decode()
    assert (
        TemplateVersion.objects.filter(template=v1.template, status=VersionStatus.DRAFT).count()
        == 1
    )


def test_unknown_template_is_404(admin) -> None:
    assert admin.get("/console/templates/t/nothing-here/import/").status_code == 404


def test_a_unit_host_does_not_serve_the_import(persona, browse) -> None:
    v1 = published("web-imp")
    page = browse(persona("province_admin"), "lengshuijiang")
    response = page.post(
        "/console/templates/t/web-imp/import/", {"file": upload(xlsx.export_version(v1))}
    )
    assert response.status_code == 404
    assert indicator_selectors.draft_of(v1.template) is None

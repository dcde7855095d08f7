"""console:template-discard, console:template-retire and console:template-export: a version's
lifecycle in the browser, through the same authoring services as the GraphQL mutations."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import pytest

from backend.indicators.models import TemplateIndicator, TemplateVersion, VersionStatus
from backend.indicators.services import authoring
from tests.indicators.factories import valid_split
from tests.web.console.templates.conftest import draft_of, new_template, published

pytestmark = pytest.mark.django_db

REFUSED = ("city_reviewer", "evaluator", "finance", "leader", "other_unit_finance")


@pytest.mark.parametrize("name", REFUSED)
def test_only_the_province_discards_retires_and_downloads(name, persona, browse) -> None:
    v1 = published("web-life")
    draft = authoring.draft_version(v1.template, user=None)
    page = browse(persona(name), None)
    base = "/console/templates/versions/"
    assert page.post(f"{base}{draft.pk}/discard/").status_code == 403
    assert page.post(f"{base}{v1.pk}/retire/").status_code == 403
    assert page.get(f"{base}{v1.pk}/xlsx/").status_code == 403
    v1.refresh_from_db()
    assert v1.status == VersionStatus.PUBLISHED
    assert TemplateVersion.objects.filter(pk=draft.pk).exists()


def test_a_unit_host_does_not_serve_them(persona, browse) -> None:
    v1 = published("web-life")
    page = browse(persona("province_admin"), "lengshuijiang")
    assert page.post(f"/console/templates/versions/{v1.pk}/retire/").status_code == 404
    v1.refresh_from_db()
    assert v1.status == VersionStatus.PUBLISHED


def test_discard_a_draft(admin) -> None:
    version = draft_of(new_template("web-life"))
    for data in valid_split():
        authoring.add_indicator(version, data)
    page = admin.get(f"/console/templates/versions/{version.pk}/").content.decode()
    assert 'data-testid="discard-form"' in page and 'data-testid="retire-form"' not in page
    response = admin.post(f"/console/templates/versions/{version.pk}/discard/")
    assert response.status_code == 302
    assert response["Location"] == "/console/templates/t/web-life/"
    assert not TemplateVersion.objects.filter(pk=version.pk).exists()
    assert not TemplateIndicator.objects.filter(version_id=version.pk).exists()
    assert "已删除第 1 版草稿" in admin.get(response["Location"]).content.decode()


def test_a_published_version_is_not_discarded(admin) -> None:
    v1 = published("web-life")
    response = admin.post(f"/console/templates/versions/{v1.pk}/discard/", follow=True)
    assert "不能修改；请先创建新的草稿版本" in response.content.decode()
    v1.refresh_from_db()
    assert v1.status == VersionStatus.PUBLISHED
    assert v1.indicators.count() == len(valid_split())


def test_retire_a_published_version(admin, admin_user) -> None:
    v1 = published("web-life")
    page = admin.get(f"/console/templates/versions/{v1.pk}/").content.decode()
    assert 'data-testid="retire-form"' in page and 'data-testid="discard-form"' not in page
    response = admin.post(f"/console/templates/versions/{v1.pk}/retire/")
    assert response.status_code == 302
    v1.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED and v1.retired_by == admin_user
    page = admin.get(response["Location"]).content.decode()
    assert "已停用第 1 版" in page and "已停用" in page
    assert 'data-testid="retire-form"' not in page


def test_a_draft_is_not_retired(admin) -> None:
    version = draft_of(new_template("web-life"))
    response = admin.post(f"/console/templates/versions/{version.pk}/retire/", follow=True)
    assert "只有已发布的版本可以停用" in response.content.decode()
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_unknown_versions_are_404(admin) -> None:
    for action in ("discard", "retire"):
        assert admin.post(f"/console/templates/versions/987654/{action}/").status_code == 404
    assert admin.get("/console/templates/versions/987654/xlsx/").status_code == 404


def test_download_a_version_as_the_indicator_sheet(admin) -> None:
    v1 = published("web-life")
    response = admin.get(f"/console/templates/versions/{v1.pk}/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(BytesIO(response.content))["指标库"]
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert codes == [d["code"] for d in valid_split()]

"""console:template-detail (versions and pushes) and console:template-draft."""

from __future__ import annotations

import pytest

from backend.indicators.models import TemplateVersion
from tests.web.console.templates.conftest import new_template, published, push_now

pytestmark = pytest.mark.django_db


def test_city_reviewer_is_refused(persona, browse) -> None:
    published("web-d")
    page = browse(persona("city_reviewer"), None)
    assert page.get("/console/templates/t/web-d/").status_code == 403
    assert page.post("/console/templates/t/web-d/draft/").status_code == 403
    assert TemplateVersion.objects.filter(template__code="web-d").count() == 1


def test_unknown_template_is_404(admin) -> None:
    assert admin.get("/console/templates/t/nothing/").status_code == 404


def test_shows_versions_and_pushes_and_opens_a_draft(admin) -> None:
    version = published("web-d")
    push_now(version, ["lengshuijiang", "lianyuan"])
    page = admin.get("/console/templates/t/web-d/").content.decode()
    assert "第 1 版" in page and "首次发布" in page and "查看进度" in page
    response = admin.post("/console/templates/t/web-d/draft/")
    draft = TemplateVersion.objects.get(template__code="web-d", number=2)
    assert response["Location"] == f"/console/templates/versions/{draft.pk}/"
    assert draft.indicators.count() == 5


def test_a_second_draft_is_refused_with_the_services_message(admin) -> None:
    new_template("web-d2")
    response = admin.post("/console/templates/t/web-d2/draft/", follow=True)
    assert "已有草稿版本" in response.content.decode()
    assert TemplateVersion.objects.filter(template__code="web-d2").count() == 1


def test_query_count_does_not_grow_with_pushes(admin, count_queries) -> None:
    version = published("web-d")
    push_now(version, ["lengshuijiang"])
    small = count_queries(lambda: admin.get("/console/templates/t/web-d/"))
    for _ in range(12):
        push_now(version, ["lianyuan", "xinhua"])
    assert count_queries(lambda: admin.get("/console/templates/t/web-d/")) == small

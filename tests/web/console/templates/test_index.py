"""console:templates (the list) and console:template-create."""

from __future__ import annotations

import pytest

from backend.indicators.models import Template
from tests.web.console.templates.conftest import new_template, published, push_now

pytestmark = pytest.mark.django_db
URL = "/console/templates/"


@pytest.mark.parametrize(
    ("name", "status"),
    [("city_reviewer", 403), ("evaluator", 403), ("finance", 403), ("province_admin", 200)],
)
def test_only_the_province_opens_it(persona, browse, name, status) -> None:
    response = browse(persona(name), None).get(URL)
    assert response.status_code == status
    if status == 403:
        assert b'data-testid="denied"' in response.content


def test_lists_status_version_and_last_push(admin) -> None:
    version = published("web-listed")
    record = push_now(version, ["lengshuijiang"])
    new_template("web-empty", "空模板")
    page = admin.get(URL).content.decode()
    assert "办案业务经费模板" in page and "空模板" in page
    assert "第 1 版" in page and "已发布" in page and "有草稿" in page
    assert f"/console/templates/pushes/{record.pk}/" in page
    assert "尚未推送" in page
    assert "web-empty" not in admin.get(URL + "?q=web-listed").content.decode()


def test_create_opens_the_draft(admin) -> None:
    response = admin.post(
        URL + "new/",
        {"code": "web-new", "name": "新模板", "layout": "split", "execution_weight": "10"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/console/templates/t/web-new/"
    assert Template.objects.get(code="web-new").versions.get().status == "draft"


def test_bad_input_shows_the_services_messages_and_writes_nothing(admin) -> None:
    response = admin.post(
        URL + "new/",
        {"code": "bad code!", "name": "", "layout": "split", "execution_weight": "abc"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-field-error="code"' in page and "模板编码“bad code!”无效" in page
    assert 'data-field-error="name"' in page
    assert 'data-field-error="execution_weight"' in page and "不是有效的数字" in page
    assert not Template.objects.filter(name="").exists()


def test_city_reviewer_cannot_create(persona, browse) -> None:
    page = browse(persona("city_reviewer"), None)
    response = page.post(URL + "new/", {"code": "web-x", "name": "x", "layout": "split"})
    assert response.status_code == 403
    assert not Template.objects.filter(code="web-x").exists()


def test_query_count_does_not_grow_with_templates(admin, count_queries) -> None:
    for i in range(3):
        new_template(f"web-a{i}")
    small = count_queries(lambda: admin.get(URL))
    for i in range(30):
        new_template(f"web-b{i}")
    assert count_queries(lambda: admin.get(URL)) == small

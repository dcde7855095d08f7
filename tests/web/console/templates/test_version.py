"""console:template-version (the editor) and adding, updating and removing indicators."""

from __future__ import annotations

import pytest

from backend.indicators.models import TemplateIndicator
from backend.indicators.services import authoring
from tests.indicators.factories import quantity, valid_split
from tests.web.console.templates.conftest import draft_of, new_template, published

pytestmark = pytest.mark.django_db


def form(prefix: str, data: dict) -> dict:
    values = {
        k: ("on" if v is True else "" if v in (False, None) else str(v)) for k, v in data.items()
    }
    return {f"{prefix}-{k}": v for k, v in values.items() if v != ""}


def test_city_reviewer_is_refused(persona, browse) -> None:
    version = draft_of(new_template("web-v"))
    page = browse(persona("city_reviewer"), None)
    assert page.get(f"/console/templates/versions/{version.pk}/").status_code == 403
    response = page.post(
        f"/console/templates/versions/{version.pk}/indicators/new/", form("new", quantity("a", 5))
    )
    assert response.status_code == 403
    assert not TemplateIndicator.objects.filter(version=version).exists()


def test_add_update_and_remove(admin) -> None:
    version = draft_of(new_template("web-v"))
    base = f"/console/templates/versions/{version.pk}/"
    data = quantity("cases", 30, mandatory=True, locked=True, guidance="按受理数统计")
    response = admin.post(base + "indicators/new/", form("new", data))
    assert response.status_code == 302
    indicator = TemplateIndicator.objects.get(version=version, code="cases")
    assert (indicator.mandatory, indicator.locked, indicator.guidance) == (
        True,
        True,
        "按受理数统计",
    )

    changed = {**data, "weight": "25", "name": "审查起诉案件数", "locked": False}
    response = admin.post(base + f"indicators/{indicator.pk}/", form(f"i{indicator.pk}", changed))
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.name, str(indicator.weight), indicator.locked) == (
        "审查起诉案件数",
        "25.00",
        False,
    )

    page = admin.get(base).content.decode()
    assert "审查起诉案件数" in page and "必选" in page and "产出指标 合计 25.00 分" in page

    assert admin.post(base + f"indicators/{indicator.pk}/remove/").status_code == 302
    assert not TemplateIndicator.objects.filter(pk=indicator.pk).exists()


def test_bad_input_shows_each_problem_next_to_its_field(admin) -> None:
    version = draft_of(new_template("web-v"))
    base = f"/console/templates/versions/{version.pk}/"
    bad = {**quantity("bad code", 5), "weight": "abc", "target_value": "-5", "name": ""}
    response = admin.post(base + "indicators/new/", form("new", bad))
    assert response.status_code == 422
    page = response.content.decode()
    for field in ("code", "weight", "target_value", "name"):
        assert f'data-field-error="{field}"' in page, field
    assert "指标编码“bad code”无效" in page and "三级指标不能为空。" in page
    assert not TemplateIndicator.objects.filter(version=version).exists()


def test_a_published_version_is_read_only(admin) -> None:
    version = published("web-v")
    indicator = version.indicators.first()
    page = admin.get(f"/console/templates/versions/{version.pk}/").content.decode()
    assert "添加指标" not in page and "推送到单位" in page
    response = admin.post(
        f"/console/templates/versions/{version.pk}/indicators/{indicator.pk}/",
        form(f"i{indicator.pk}", {**valid_split()[0], "weight": "1"}),
    )
    assert response.status_code == 422
    assert "不能修改" in response.content.decode()
    indicator.refresh_from_db()
    assert str(indicator.weight) == "30.00"


def test_an_indicator_of_another_version_is_404(admin) -> None:
    one = draft_of(new_template("web-v1"))
    other = draft_of(new_template("web-v2"))
    indicator = authoring.add_indicator(other, quantity("a", 5))
    response = admin.post(f"/console/templates/versions/{one.pk}/indicators/{indicator.pk}/remove/")
    assert response.status_code == 404
    assert TemplateIndicator.objects.filter(pk=indicator.pk).exists()


@pytest.mark.parametrize("editable", [True, False])
def test_query_count_does_not_grow_with_indicators(admin, count_queries, editable) -> None:
    small_version = draft_of(new_template("web-s"))
    large_version = draft_of(new_template("web-l"))
    for i in range(3):
        authoring.add_indicator(small_version, quantity(f"s{i}", 1))
    for i in range(40):
        authoring.add_indicator(large_version, quantity(f"l{i}", 1))
    if not editable:
        for v in (small_version, large_version):
            v.status = "published"
            v.save()
    small = count_queries(lambda: admin.get(f"/console/templates/versions/{small_version.pk}/"))
    large = count_queries(lambda: admin.get(f"/console/templates/versions/{large_version.pk}/"))
    assert small == large

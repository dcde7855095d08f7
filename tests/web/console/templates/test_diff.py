"""console:template-diff: two versions side by side."""

from __future__ import annotations

import pytest

from backend.indicators.services import authoring
from tests.indicators.factories import quantity
from tests.web.console.templates.conftest import next_published, published

pytestmark = pytest.mark.django_db
URL = "/console/templates/t/web-diff/diff/"


def test_city_reviewer_is_refused(persona, browse) -> None:
    published("web-diff")
    assert browse(persona("city_reviewer"), None).get(URL).status_code == 403


def test_marks_added_removed_and_changed_fields(admin) -> None:
    v1 = published("web-diff")
    draft = authoring.draft_version(v1.template, user=None)
    for indicator in draft.indicators.all():
        if indicator.code == "cases":
            authoring.update_indicator(indicator, {"target_value": "150", "locked": True})
        if indicator.code == "quality":
            authoring.remove_indicator(indicator)
    authoring.add_indicator(draft, quantity("fresh", 20, level2="质量指标"))
    page = admin.get(URL + "?a=1&b=2").content.decode()
    assert 'data-field="cases.target_value"' in page and 'data-field="cases.locked"' in page
    assert "<del>100</del>" in page and "<ins>150</ins>" in page
    assert page.count('data-diff="added"') == 1 and page.count('data-diff="removed"') == 1
    assert "新增 1" in page and "删除 1" in page and "修改 1" in page


def test_defaults_to_the_latest_against_the_one_before(admin) -> None:
    v1 = published("web-diff")
    next_published(v1, {"cases": {"target_value": "120", "name": "改名"}})
    page = admin.get(URL).content.decode()
    assert "第 1 版" in page and 'data-field="cases.name"' in page


def test_an_unknown_version_is_a_message_not_an_error(admin) -> None:
    published("web-diff")
    response = admin.get(URL + "?a=1&b=9")
    assert response.status_code == 422
    assert "请选择该模板已有的两个版本" in response.content.decode()
    assert admin.get(URL + "?a=x&b=").status_code in (200, 422)


def test_query_count_does_not_grow_with_indicators(admin, count_queries) -> None:
    small = published("web-diff")
    next_published(small, {"cases": {"target_value": "120"}})
    count_small = count_queries(lambda: admin.get(URL + "?a=1&b=2"))
    large = published("web-diff-l", extra=30)
    next_published(large, {"x1": {"name": "改"}})
    url = "/console/templates/t/web-diff-l/diff/?a=1&b=2"
    assert count_queries(lambda: admin.get(url)) == count_small

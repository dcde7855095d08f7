"""console:template-drift: which version each unit runs."""

from __future__ import annotations

import pytest

from tests.web.console.templates.conftest import extra_counties, next_published, published, push_now

pytestmark = pytest.mark.django_db
URL = "/console/templates/t/web-drift/drift/"


def test_city_reviewer_is_refused(persona, browse) -> None:
    published("web-drift")
    assert browse(persona("city_reviewer"), None).get(URL).status_code == 403


def test_current_behind_and_never(admin) -> None:
    v1 = published("web-drift")
    push_now(v1, ["lengshuijiang", "lianyuan"])
    v2 = next_published(v1, {"cases": {"target_value": "120"}})
    push_now(v2, ["lengshuijiang"])
    page = admin.get(URL + "?state=behind").content.decode()
    assert "涟源市人民检察院" in page and "冷水江市人民检察院" not in page
    page = admin.get(URL + "?state=current").content.decode()
    assert "冷水江市人民检察院" in page and "涟源市人民检察院" not in page
    page = admin.get(URL + "?state=never").content.decode()
    assert "新化县人民检察院" in page and "冷水江市人民检察院" not in page
    assert admin.get(URL + "?state=nonsense").status_code == 200


def test_query_count_does_not_grow_with_units(admin, count_queries) -> None:
    v1 = published("web-drift")
    push_now(v1, ["lengshuijiang"])
    small = count_queries(lambda: admin.get(URL))
    extra_counties(60)
    assert count_queries(lambda: admin.get(URL)) == small


def test_units_sort_by_name_and_by_version(admin) -> None:
    v1 = published("web-drift")
    push_now(v1, ["lianyuan"])
    v2 = next_published(v1, {"cases": {"target_value": "120"}})
    push_now(v2, ["xinhua"])
    page = admin.get(URL + "?sort=-running").content.decode()
    assert page.index("新化县人民检察院") < page.index("涟源市人民检察院")
    page = admin.get(URL + "?sort=name").content.decode()
    ascending = [page.index(n) for n in ("冷水江市人民检察院", "涟源市人民检察院")]
    page = admin.get(URL + "?sort=-name").content.decode()
    descending = [page.index(n) for n in ("冷水江市人民检察院", "涟源市人民检察院")]
    assert (ascending[0] < ascending[1]) != (descending[0] < descending[1])
    assert admin.get(URL + "?sort=bogus").status_code == 200

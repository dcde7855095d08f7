"""单位 (the unit tree with search): access, the tree one level at a time, search, a unit outside
the scope, and the query count at two sizes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.web.conftest import Browser, User
from tests.web.console import cycle_data

URL = "/console/units/"


@pytest.mark.parametrize(
    ("name", "status"),
    [("province_admin", 200), ("city_reviewer", 403), ("evaluator", 403), ("finance", 403)],
)
def test_only_the_province_admin_manages_units(
    name: str, status: int, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    response = browse(persona(name), None).get(URL)
    assert response.status_code == status


def test_the_tree_opens_one_level_at_a_time(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    top = page.get(URL)
    assert [u.code for u in top.context["page"]] == ["hunan"]
    assert top.context["page"][0].below == 9
    cities = page.get(URL + "?parent=hunan")
    assert [u.code for u in cities.context["page"]] == ["changsha", "loudi"]
    counties = page.get(URL + "?parent=loudi")
    body = counties.content.decode()
    assert "冷水江市人民检察院" in body and "长沙市芙蓉区" not in body
    assert [u.code for u in counties.context["trail"]] == ["hunan"]


def test_search_finds_units_by_name_code_or_region(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    assert [u.code for u in page.get(URL + "?q=冷水江").context["page"]] == ["lengshuijiang"]
    assert [u.code for u in page.get(URL + "?q=TIANXIN").context["page"]] == ["changsha-tianxin"]
    response = page.get(URL + "?q=没有这个院")
    assert "没有找到匹配的单位" in response.content.decode()


def test_a_unit_that_does_not_exist_is_not_found(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    assert page.get(URL + "?parent=nothing-here").status_code == 404


@pytest.mark.parametrize("extra", [10, 200])
def test_query_count_does_not_grow_with_the_units(
    extra: int,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[[Callable[[], object]], int],
) -> None:
    cycle_data.extra_units("loudi", extra)
    page = browse(persona("province_admin"), None)
    page.get(URL)
    assert count_queries(lambda: page.get(URL + "?parent=loudi")) <= 12
    assert count_queries(lambda: page.get(URL + "?q=测试县")) <= 11
    assert page.get(URL + "?parent=loudi").context["page"].paginator.count == 5 + extra

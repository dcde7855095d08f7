"""预算挂钩 (console:linkage): the linkage rows of the scope with filters and counts; the query
count does not grow with the rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.console.linkage.test_decide import linkages

pytestmark = pytest.mark.django_db
URL = "/console/linkage/"


def test_scope_and_filters(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    linkages(1, "lengshuijiang")
    linkages(1, "changsha-furong", start=100)
    city = browse(persona("city_reviewer"), None).get(URL).content.decode()
    assert "挂钩项目0" in city and "挂钩项目100" not in city
    province = browse(persona("province_admin"), None)
    assert "挂钩项目100" in province.get(URL).content.decode()
    decided = province.get(URL + "?state=decided").content.decode()
    assert "挂钩项目0" not in decided
    for name in ("finance", "evaluator"):
        assert browse(persona(name), None).get(URL).status_code == 403


@pytest.mark.parametrize(
    "query", ["?grade=zz", "?state=%00", "?scope=x&sort=-budget", "?city=nope"]
)
def test_odd_query_strings(
    query: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona("province_admin"), None).get(URL + query).status_code == 200


def test_the_query_count_does_not_grow_with_the_rows(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    page = browse(persona("province_admin"), None)
    linkages(10, "lengshuijiang")
    page.get(URL)
    small = count_queries(lambda: page.get(URL))
    linkages(190, "lianyuan", start=10)
    assert count_queries(lambda: page.get(URL)) == small

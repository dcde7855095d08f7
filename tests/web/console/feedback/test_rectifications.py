"""整改跟踪 (console:feedback-rectifications): every rectification of the units in scope,
filters and sorting, counts and the units with overdue ones; the query count does not grow
with the rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from tests.feedback.factories import RectificationFactory
from tests.web.conftest import Browser
from tests.web.console.feedback.conftest import many_rectifications, unit

pytestmark = pytest.mark.django_db
URL = "/console/feedback/rectifications/"


def test_scope_filters_and_overdue_units(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    RectificationFactory(unit=unit("lengshuijiang"), issuer=unit("loudi"), title="冷水江整改")
    RectificationFactory(
        unit=unit("lianyuan"), issuer=unit("loudi"), title="涟源逾期整改", overdue=True
    )
    RectificationFactory(unit=unit("changsha-furong"), issuer=unit("changsha"), title="芙蓉区整改")
    city = browse(persona("city_reviewer"), None)
    html = city.get(URL).content.decode()
    assert "冷水江整改" in html and "涟源逾期整改" in html and "芙蓉区整改" not in html
    assert 'data-testid="overdue-units"' in html and "涟源市人民检察院" in html
    one = city.get(URL + "?unit=lianyuan").content.decode()
    assert "涟源逾期整改" in one and "冷水江整改" not in one
    overdue = city.get(URL + "?overdue=1").content.decode()
    assert "涟源逾期整改" in overdue and "冷水江整改" not in overdue
    province = browse(persona("province_admin"), None)
    assert "芙蓉区整改" in province.get(URL).content.decode()
    only = province.get(URL + "?city=changsha").content.decode()
    assert "芙蓉区整改" in only and "冷水江整改" not in only
    ordered = province.get(URL + "?sort=unit").content.decode()  # by path: 长沙 first
    assert ordered.index("芙蓉区整改") < ordered.index("冷水江整改")


@pytest.mark.parametrize(
    "query",
    ["?status=zzz", "?origin=%00", "?city=changsha", "?sort=nope", "?units_page=-1", "?unit=%00"],
)
def test_odd_query_strings(
    query: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona("city_reviewer"), None).get(URL + query).status_code == 200


@pytest.mark.parametrize("name", ["finance", "leader", "evaluator"])
def test_refused(name: str, persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    RectificationFactory(unit=unit("lengshuijiang"), issuer=unit("loudi"), title="冷水江整改")
    response = browse(persona(name), None).get(URL)
    assert response.status_code == 403 and "冷水江整改" not in response.content.decode()


def test_the_query_count_does_not_grow_with_the_rows(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    page = browse(persona("province_admin"), None)
    many_rectifications(5)
    many_rectifications(5, "lianyuan", overdue=True)
    page.get(URL)
    small = count_queries(lambda: page.get(URL))
    for code in ("xinhua", "shuangfeng", "changsha-furong", "changsha-tianxin"):
        many_rectifications(45, code, overdue=True)
    many_rectifications(10)
    assert count_queries(lambda: page.get(URL)) == small

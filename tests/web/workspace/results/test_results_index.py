"""结果应用 (ws:results): the unit's rectifications, feedback and budget linkage, nothing of
another unit's; filters; a query count independent of the rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.workspace.results.conftest import (
    feedback_item,
    many_linkages,
    many_rectifications,
    rectification,
    unit,
)

pytestmark = pytest.mark.django_db
URL = "/results/"


def test_the_unit_sees_its_own_rows_only(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    rectification()
    feedback_item()
    many_linkages(1)
    from tests.feedback.factories import RectificationFactory

    RectificationFactory(unit=unit("lianyuan"), issuer=unit("loudi"), title="涟源的整改")
    html = browse(persona("finance")).get(URL).content.decode()
    for text in (
        "规范政府采购程序",
        "待整改",
        "2026年度绩效自评反馈意见",
        "未读",
        "挂钩项目0",
        "保持",
    ):
        assert text in html, text
    assert "涟源的整改" not in html
    filtered = browse(persona("finance")).get(URL + "?status=accepted").content.decode()
    assert "规范政府采购程序" not in filtered


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator", "city_finance"])
def test_another_units_user_gets_403_and_no_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    rectification()
    response = browse(persona(name)).get(URL)
    assert response.status_code == 403 and "规范政府采购程序" not in response.content.decode()


@pytest.mark.parametrize("query", ["?status=zzz", "?page=abc&feedback_page=-1", "?status=%00"])
def test_odd_query_strings(
    query: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona("finance")).get(URL + query).status_code == 200


def test_the_query_count_does_not_grow_with_the_rows(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    page = browse(persona("finance"))
    feedback_item()
    many_rectifications(10)
    many_linkages(10)
    page.get(URL)
    small = count_queries(lambda: page.get(URL))
    many_rectifications(190)
    many_linkages(190, start=10)
    assert count_queries(lambda: page.get(URL)) == small

"""反馈与整改 (console:feedback): the batches of the scope with their rates; a city reviewer
sees its own city's batches only; the query count does not grow with the batches."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.console.feedback.conftest import issue, many_batches

pytestmark = pytest.mark.django_db
URL = "/console/feedback/"


def test_rates_of_the_batches(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    reviewer = persona("city_reviewer")
    batch = issue(reviewer, ["lengshuijiang", "lianyuan"])
    from backend.feedback.services import answer_feedback

    finance = persona("finance")
    answer_feedback(batch.items.get(unit__code="lengshuijiang"), finance, "已整改。")
    html = browse(reviewer, None).get(URL).content.decode()
    assert "2026年度自评得分对标反馈" in html
    assert "50.0%" in html  # one of two units answered
    admin_html = browse(persona("province_admin"), None).get(URL).content.decode()
    assert "2026年度自评得分对标反馈" in admin_html  # the province sees its cities' batches


def test_another_city_sees_nothing_of_it(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    issue(persona("city_reviewer"), ["lengshuijiang"])
    html = browse(persona("other_city_reviewer"), None).get(URL).content.decode()
    assert "2026年度自评得分对标反馈" not in html


@pytest.mark.parametrize("name", ["finance", "leader", "evaluator"])
def test_refused(name: str, persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    issue(persona("city_reviewer"), ["lengshuijiang"])
    response = browse(persona(name), None).get(URL)
    assert response.status_code == 403
    assert "2026年度自评得分对标反馈" not in response.content.decode()


@pytest.mark.parametrize("query", ["?year=abc", "?year=1", "?page=-3", "?year=%00"])
def test_odd_query_strings(
    query: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona("province_admin"), None).get(URL + query).status_code == 200


def test_the_query_count_does_not_grow_with_the_batches(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    page = browse(persona("province_admin"), None)
    many_batches(10)
    page.get(URL)
    small = count_queries(lambda: page.get(URL))
    many_batches(190, start=10)
    assert count_queries(lambda: page.get(URL)) == small

"""重点评价 (console:key-evaluations): the key evaluations of the scope with the mean and
spread of the evaluators' submitted totals and the self-vs-key gap flag; a city reviewer sees
its own counties only; the query count does not grow with the rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.console.key_evaluations.conftest import (
    SHEET_A,
    SHEET_B,
    evaluator,
    many,
    scored,
    selected,
)

pytestmark = pytest.mark.django_db
URL = "/console/key-evaluations/"


def test_mean_spread_and_the_gap_flag(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    reviewer = persona("city_reviewer")
    key_eval = selected(reviewer)
    scored(key_eval, reviewer, {evaluator("ev-a"): SHEET_A, evaluator("ev-b"): SHEET_B})
    html = browse(reviewer, None).get(URL).content.decode()
    # mean (84.00 + 84.39) / 2 = 84.195 → 84.20; population sd 0.195 → 0.20 (half-up);
    # self 96.00 − 84.20 = 11.80 > 10: flagged before finalising
    assert "84.20" in html and "±0.20" in html and "+11.80" in html
    assert "可能虚高" in html and "2 / 2" in html


def test_scope(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    selected(persona("city_reviewer"))
    assert "prj-key" in browse(persona("province_admin"), None).get(URL).content.decode()
    assert "prj-key" not in browse(persona("other_city_reviewer"), None).get(URL).content.decode()
    for name in ("evaluator", "finance"):
        response = browse(persona(name), None).get(URL)
        assert response.status_code == 403 and "prj-key" not in response.content.decode()


@pytest.mark.parametrize("query", ["?status=zz", "?kind=%00", "?sort=-gap", "?year=20x6"])
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
    ev = evaluator("ev-bulk")
    many(10, ev)
    page.get(URL)
    small = count_queries(lambda: page.get(URL))
    many(190, ev, start=10)
    assert count_queries(lambda: page.get(URL)) == small

"""One feedback batch (console:feedback-batch): each unit's state, its answer as it arrives, the
text it received with its own figures; 404 outside the scope; the query count does not grow
with the units."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from backend.feedback.services import answer_feedback, mark_feedback_read
from tests.web.conftest import Browser
from tests.web.console.feedback.conftest import COUNTIES, issue

pytestmark = pytest.mark.django_db


def url(batch_id: int) -> str:
    return f"/console/feedback/batches/{batch_id}/"


def test_answers_arrive(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    reviewer = persona("city_reviewer")
    batch = issue(reviewer, ["lengshuijiang", "lianyuan"], requires=True)
    page = browse(reviewer, None)
    html = page.get(url(batch.pk)).content.decode()
    assert html.count('data-testid="item-row"') == 2 and "未读" in html
    assert "冷水江市人民检察院：请说明原因。" in html  # the text as the unit reads it
    answer_feedback(
        batch.items.get(unit__code="lengshuijiang"), persona("finance"), "已召开专题会。"
    )
    mark_feedback_read(batch.items.get(unit__code="lianyuan"), persona("other_unit_finance"))
    html = page.get(url(batch.pk)).content.decode()
    assert "已召开专题会。" in html and "已回复" in html and "已签收" in html
    assert "50.0%" in html  # response rate
    answered = page.get(url(batch.pk) + "?show=answered").content.decode()
    assert answered.count('data-testid="item-row"') == 1
    by_unit = page.get(url(batch.pk) + "?sort=-unit").content.decode()
    assert by_unit.index("涟源市") < by_unit.index("冷水江市")  # path order, reversed


def test_outside_the_scope_is_404(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    batch = issue(persona("city_reviewer"), ["lengshuijiang"])
    assert browse(persona("other_city_reviewer"), None).get(url(batch.pk)).status_code == 404
    assert browse(persona("province_admin"), None).get(url(batch.pk)).status_code == 200
    assert browse(persona("evaluator"), None).get(url(batch.pk)).status_code == 403


@pytest.mark.parametrize("query", ["?show=zzz", "?sort=%00", "?page=abc"])
def test_odd_query_strings(
    query: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    reviewer = persona("city_reviewer")
    batch = issue(reviewer, ["lengshuijiang"])
    assert browse(reviewer, None).get(url(batch.pk) + query).status_code == 200


def test_the_query_count_does_not_grow_with_the_units(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    reviewer = persona("city_reviewer")
    few = issue(reviewer, ["lengshuijiang"], requires=True)
    every = issue(reviewer, COUNTIES, requires=True, title="全部")
    page = browse(reviewer, None)
    page.get(url(few.pk))
    assert count_queries(lambda: page.get(url(few.pk))) == count_queries(
        lambda: page.get(url(every.pk))
    )

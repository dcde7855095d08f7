"""我的评价任务 (console:my-assignments): an evaluator's own assignments only; managers and
unit users are refused; the query count does not grow with the rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.console.key_evaluations.conftest import evaluator, many, selected

pytestmark = pytest.mark.django_db
URL = "/console/key-evaluations/my/"


def test_only_ones_own(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    from backend.key_evaluation.services import assign_evaluators

    reviewer = persona("city_reviewer")
    me = persona("evaluator")
    mine = selected(reviewer, code="p-mine")
    theirs = selected(reviewer, code="p-theirs", unit_code="lianyuan")
    assign_evaluators(mine, reviewer, [me.pk])
    assign_evaluators(theirs, reviewer, [evaluator("someone-else").pk])
    html = browse(me, None).get(URL).content.decode()
    assert "p-mine" in html and "p-theirs" not in html
    for name in ("city_reviewer", "province_admin", "finance"):
        assert browse(persona(name), None).get(URL).status_code == 403


def test_the_query_count_does_not_grow_with_the_rows(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    me = persona("evaluator")
    page = browse(me, None)
    many(10, me)
    page.get(URL)
    small = count_queries(lambda: page.get(URL))
    many(190, me, start=10)
    assert count_queries(lambda: page.get(URL)) == small
    assert page.get(URL + "?status=zz&page=-1").status_code == 200

"""One key evaluation (console:key-evaluation-detail, …-assign, …-finalise): indicator by
indicator with each evaluator's score, mean and spread; evaluators assigned and the evaluation
finalised through the services; bad input with a Chinese message, nothing written; 404
outside the scope."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from backend.feedback.models import RectificationRequest
from backend.key_evaluation.models import EvaluatorAssignment, KeyEvaluation
from tests.web.conftest import Browser
from tests.web.console.key_evaluations.conftest import (
    SHEET_A,
    SHEET_B,
    evaluator,
    scored,
    selected,
)

pytestmark = pytest.mark.django_db


def url(pk: int, action: str = "") -> str:
    return f"/console/key-evaluations/{pk}/" + (f"{action}/" if action else "")


def test_assign_then_finalise(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    reviewer = persona("city_reviewer")
    key_eval = selected(reviewer)
    a, b = evaluator("专家甲"), evaluator("专家乙")
    page = browse(reviewer, None)
    html = page.get(url(key_eval.pk)).content.decode()
    assert "专家甲" in html and "尚未指定评价人员" in html
    assert page.post(url(key_eval.pk, "assign"), {"user_ids": [a.pk, b.pk]}).status_code == 302
    assert EvaluatorAssignment.objects.filter(key_evaluation=key_eval).count() == 2
    html = page.post(url(key_eval.pk, "finalise"), {"conclusion": "x"}).content.decode()
    assert "以下评价人员尚未提交评分" in html
    key_eval.refresh_from_db()
    assert key_eval.status == "evaluating"
    scored(key_eval, reviewer, {a: SHEET_A, b: SHEET_B})
    html = page.get(url(key_eval.pk)).content.decode()
    assert "84.20" in html and "可能虚高" in html
    response = page.post(url(key_eval.pk, "finalise"), {"conclusion": "自评偏高。"})
    assert response.status_code == 302
    key_eval.refresh_from_db()
    assert (
        key_eval.status == "finalised" and str(key_eval.key_score) == "84.20" and key_eval.overrated
    )
    assert RectificationRequest.objects.filter(origin="key_evaluation").count() == 1
    html = page.get(url(key_eval.pk)).content.decode()
    assert "自评虚高，已下达整改" in html and "自评偏高。" in html


def test_a_user_who_is_no_evaluator_is_refused(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    reviewer = persona("city_reviewer")
    key_eval = selected(reviewer)
    page = browse(reviewer, None)
    html = page.post(url(key_eval.pk, "assign"), {"user_ids": [persona("finance").pk]})
    assert "该用户不是可指定的评价人员。" in html.content.decode()
    html = page.post(url(key_eval.pk, "assign"), {}).content.decode()
    assert "请至少指定一名评价人员。" in html
    assert not EvaluatorAssignment.objects.exists()


def test_outside_the_scope(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    key_eval = selected(persona("city_reviewer"))
    ev = evaluator("ev-x")
    other = browse(persona("other_city_reviewer"), None)
    assert other.get(url(key_eval.pk)).status_code == 404
    assert other.post(url(key_eval.pk, "assign"), {"user_ids": [ev.pk]}).status_code == 404
    assert browse(persona("evaluator"), None).get(url(key_eval.pk)).status_code == 403
    assert browse(persona("province_admin"), None).get(url(key_eval.pk)).status_code == 200
    assert KeyEvaluation.objects.get().status == "selected"


def test_the_query_count_does_not_grow_with_the_evaluators(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    reviewer = persona("city_reviewer")
    one = selected(reviewer, code="p-one")
    two = selected(reviewer, code="p-two", unit_code="lianyuan")
    scored(one, reviewer, {evaluator("e1"): SHEET_A})
    scored(
        two,
        reviewer,
        {evaluator("e2"): SHEET_A, evaluator("e3"): SHEET_B, evaluator("e4"): SHEET_B},
    )
    page = browse(reviewer, None)
    page.get(url(one.pk))
    assert count_queries(lambda: page.get(url(one.pk))) == count_queries(
        lambda: page.get(url(two.pk))
    )

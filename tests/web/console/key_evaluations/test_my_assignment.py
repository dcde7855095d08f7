"""The evaluator's score sheet (console:my-assignment, …-submit): entries saved through
``record_evaluator_scores`` and scored by the engine; a bad entry beside its field with the
service's Chinese message, nothing written; submission; another evaluator's sheet is 404."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from backend.key_evaluation.models import EvaluatorAssignment, EvaluatorScore
from backend.key_evaluation.services import assign_evaluators
from tests.web.conftest import Browser
from tests.web.console.key_evaluations.conftest import evaluator, selected

pytestmark = pytest.mark.django_db
# indicators in order: q1 (quantitative), q2, e1 (qualitative), s1
GOOD = {
    "indicators.0.actual_value": "80",
    "indicators.1.actual_value": "95",
    "indicators.2.band": "partly",
    "indicators.2.band_score": "21",
    "indicators.3.actual_value": "90",
    "comment": "总体较好。",
}


def url(pk: int, action: str = "") -> str:
    return f"/console/key-evaluations/my/{pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def mine(persona: Callable[[str], User]) -> EvaluatorAssignment:
    reviewer = persona("city_reviewer")
    key_eval = selected(reviewer)
    assign_evaluators(key_eval, reviewer, [persona("evaluator").pk])
    return EvaluatorAssignment.objects.get()


def test_save_and_submit(
    mine: EvaluatorAssignment, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("evaluator"), None)
    html = page.get(url(mine.pk)).content.decode()
    assert html.count('data-testid="sheet-row"') == 4 and "办理案件数" in html
    html = page.post(url(mine.pk, "submit")).content.decode()
    assert "指标“q1”尚未评分。" in html
    response = page.post(url(mine.pk), GOOD)
    assert response.status_code == 302
    mine.refresh_from_db()
    assert str(mine.total) == "84.00" and mine.comment == "总体较好。"
    assert "当前总分 84.00" in page.get(url(mine.pk)).content.decode()
    assert page.post(url(mine.pk, "submit")).status_code == 302
    mine.refresh_from_db()
    assert mine.status == "submitted"
    assert "评分已于" in page.get(url(mine.pk)).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"indicators.0.actual_value": "abc"}, "indicators.0.actual_value", "不是有效的数字"),
        (
            {"indicators.2.band": "partly", "indicators.2.band_score": "29"},
            "indicators.2.band_score",
            "档的得分应在",
        ),
        (
            {"indicators.3.override_score": "5"},
            "indicators.3.override_reason",
            "调整得分须说明理由。",
        ),
        ({"indicators.0.actual_value": "-1"}, "indicators.0.actual_value", "实际值"),
    ],
)
def test_bad_entries_beside_their_field_and_nothing_written(
    data: dict[str, str],
    field: str,
    message: str,
    mine: EvaluatorAssignment,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
) -> None:
    page = browse(persona("evaluator"), None)
    response = page.post(url(mine.pk), {**GOOD, **data})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in html and message in html
    assert not EvaluatorScore.objects.exists()
    mine.refresh_from_db()
    assert mine.total is None


def test_another_evaluators_sheet_is_404(
    mine: EvaluatorAssignment, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    other = browse(evaluator("another-evaluator"), None)
    assert other.get(url(mine.pk)).status_code == 404
    assert other.post(url(mine.pk), GOOD).status_code == 404
    assert other.post(url(mine.pk, "submit")).status_code == 404
    assert browse(persona("city_reviewer"), None).get(url(mine.pk)).status_code == 403
    assert not EvaluatorScore.objects.exists()


def test_the_query_count_does_not_grow_with_the_scores(
    mine: EvaluatorAssignment,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    page = browse(persona("evaluator"), None)
    page.get(url(mine.pk))
    empty = count_queries(lambda: page.get(url(mine.pk)))
    page.post(url(mine.pk), GOOD)
    assert count_queries(lambda: page.get(url(mine.pk))) == empty

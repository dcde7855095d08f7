"""The live score (ws:evaluation-score): the typed values scored by the pure engine as one types,
nothing saved. The total equals the engine's to the cent, and equals what saving stores."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest

from backend.accounts.models import User
from backend.evaluation import scoring
from backend.evaluation.models import SelfEvaluation
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import draft_evaluation, sheet
from tests.web.workspace.monitoring.conftest import in_unit

pytestmark = pytest.mark.django_db
D = Decimal


def shown(html: str, name: str, code: str | None = None) -> str:
    if code is not None:
        html = html.split(f'id="score-{code}"', 1)[1]
    found = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    assert found, name
    return found.group(1).strip()


def engine_total() -> tuple[D, str]:
    """The engine, called directly on the inputs typed below (its own IndicatorInput rows)."""
    result = scoring.score_project(
        scoring.ProjectInput(
            full_budget=D("1000000.00"),
            executed=D("876543.21"),
            indicators=[
                scoring.IndicatorInput(
                    code="q1", level1="产出指标", value_type="quantitative", direction="gte",
                    target=D(120), weight=D(30), actual=D("101"),
                    deviation_reason="人员调整",
                ),
                scoring.IndicatorInput(
                    code="q2", level1="产出指标", value_type="quantitative", direction="gte",
                    target=D(95), weight=D(20), actual=D("93.7"), override=D("19"),
                    override_reason="质量抽查扣1分", deviation_reason="个别案件质量不高",
                ),
                scoring.IndicatorInput(
                    code="e1", level1="效益指标", value_type="qualitative", direction="",
                    target=None, weight=D(30), band="partly", band_score=D("22.5"),
                    deviation_reason="宣传不足",
                ),
                scoring.IndicatorInput(
                    code="s1", level1="满意度指标", value_type="quantitative", direction="gte",
                    target=D(90), weight=D(10), actual=D("88.8"), deviation_reason="个别投诉",
                ),
            ],
        )
    )  # fmt: skip
    return result.total, result.grade


TYPED = sheet(
    **{
        "executed": "876543.21",
        "q1-actual_value": "101",
        "q1-deviation_reason": "人员调整",
        "q2-actual_value": "93.7",
        "q2-override_score": "19",
        "q2-override_reason": "质量抽查扣1分",
        "q2-deviation_reason": "个别案件质量不高",
        "e1-band": "partly",
        "e1-band_score": "22.5",
        "e1-explanation": "",
        "e1-deviation_reason": "宣传不足",
        "s1-actual_value": "88.8",
        "s1-deviation_reason": "个别投诉",
    }
)


def test_the_live_total_equals_the_engines_to_the_cent_and_nothing_is_saved(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    with in_unit():
        before = (evaluation.total, evaluation.history.count())
    page = browse(finance)
    response = page.post(f"/evaluations/{evaluation.pk}/score/", TYPED, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    total, grade = engine_total()
    assert shown(html, "live-total") == f"{total:.2f}"
    assert shown(html, "live-grade") == grade
    # each line: its score and the engine's arithmetic, out of band
    assert 'id="score-q1"' in html and 'hx-swap-oob="true"' in html
    assert shown(html, "line-final", "q1") == "25.25"  # 30 × 101 ÷ 120
    assert "30 × 101 ÷ 120 = 25.25" in shown(html, "line-explanation", "q1")
    assert shown(html, "line-final", "q2") == "19.00"
    assert "人工调整为19.00" in shown(html, "line-explanation", "q2")
    assert "质量抽查扣1分" in shown(html, "line-explanation", "q2")
    assert shown(html, "execution-rate") == "87.65%"
    with in_unit():
        stored = SelfEvaluation.objects.get(pk=evaluation.pk)
        assert (stored.total, stored.history.count()) == before

    # Saving the same values stores the same total, to the cent.
    assert page.post(f"/evaluations/{evaluation.pk}/save/", TYPED).status_code == 302
    with in_unit():
        assert SelfEvaluation.objects.get(pk=evaluation.pk).total == total


def test_a_bad_value_is_named_by_its_line_and_the_rest_still_scores(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    data = {**TYPED, "e1-band_score": "29", "q1-actual_value": "-3"}
    html = (
        browse(finance)
        .post(f"/evaluations/{evaluation.pk}/score/", data, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    line = html.split('id="score-e1"', 1)[1].split('id="score-', 1)[0]
    assert "得分须在 18–24 分之间" in line
    assert "不能为负数" in html.split('id="score-q1"', 1)[1].split('id="score-', 1)[0]
    assert shown(html, "line-final", "s1") == "9.87"  # 10 × 88.8 ÷ 90


@pytest.mark.parametrize("value", ["1" + "0" * 30, "NaN", "1e400", "\x00", "9" * 50])
def test_odd_numbers_never_break_the_live_score(
    value: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    response = browse(finance).post(
        f"/evaluations/{evaluation.pk}/score/",
        {**TYPED, "executed": value, "q1-actual_value": value, "q2-override_score": value},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator", "city_reviewer"])
def test_who_may_not_prepare_gets_403(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = draft_evaluation(persona("finance"))
    response = browse(persona(name)).post(f"/evaluations/{evaluation.pk}/score/", TYPED)
    assert response.status_code == 403
    assert "办理案件数" not in response.content.decode()


def test_the_query_count_does_not_grow_with_the_indicators(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    from tests.web.workspace.evaluation.test_evaluation_detail import many_indicators

    finance = persona("finance")
    page = browse(finance)
    counts = []
    for n in (10, 200):
        evaluation = draft_evaluation(finance, indicators=many_indicators(n))
        data = {f"x{i}-actual_value": "1" for i in range(n)}
        page.post(f"/evaluations/{evaluation.pk}/score/", data)
        counts.append(
            count_queries(lambda e=evaluation, d=data: page.post(f"/evaluations/{e.pk}/score/", d))
        )
    assert counts[0] == counts[1], counts

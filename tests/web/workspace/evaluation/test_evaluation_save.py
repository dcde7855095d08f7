"""Saving (ws:evaluation-save) and submitting (ws:evaluation-submit) a score sheet through the
services: bad input next to its field with nothing written, manual adjustments with their
reason kept and shown, deviation causes for missed indicators, the submission's checks."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from backend.accounts.models import User
from backend.evaluation.models import EvaluationStatus, IndicatorScore, SelfEvaluation
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import draft_evaluation, field_error, sheet
from tests.web.workspace.monitoring.conftest import in_unit

pytestmark = pytest.mark.django_db
D = Decimal


def stored(evaluation: SelfEvaluation) -> SelfEvaluation:
    with in_unit():
        return SelfEvaluation.objects.get(pk=evaluation.pk)


def test_saving_scores_with_the_engine_and_keeps_the_adjustment_and_its_reason(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    page = browse(finance)
    data = sheet(**{"q1-override_score": "28", "q1-override_reason": "个别案件超期办结，酌情扣分"})
    assert page.post(f"/evaluations/{evaluation.pk}/save/", data).status_code == 302
    with in_unit():
        q1 = IndicatorScore.objects.get(evaluation=evaluation, code="q1")
        assert (q1.computed_score, q1.override_score, q1.final_score) == (
            D("30.00"),
            D("28.00"),
            D("28.00"),
        )
        assert SelfEvaluation.objects.get(pk=evaluation.pk).total == D("94.00")
    html = page.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "计算得分 30.00，人工调整为 28.00" in html
    assert "个别案件超期办结，酌情扣分" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("q1-actual_value", "-3", "不能为负数"),
        ("q1-actual_value", "1" + "0" * 20, "超出允许范围"),
        ("executed", "1e400", "超出允许范围"),
        ("executed", "-1", "不能为负数"),
        ("e1-band_score", "23", "得分须在 24–30 分之间"),
        ("q1-override_score", "31", "须在 0–30 分之间"),
        ("q1-explanation", "说明\x00", "空字符"),
        ("q1-deviation_reason", "长" * 2001, "2000"),
        ("q1-actual_text", "长" * 501, "500"),
        ("q1-deviation_cause", "luck", "选择一个有效的选项"),
    ],
)
def test_bad_input_is_answered_next_to_the_field_and_nothing_is_written(
    field: str,
    value: str,
    message: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
) -> None:
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    before = stored(evaluation).updated_at
    response = browse(finance).post(f"/evaluations/{evaluation.pk}/save/", sheet(**{field: value}))
    assert response.status_code == 200
    assert message in field_error(response.content.decode(), field)
    after = stored(evaluation)
    assert after.updated_at == before
    with in_unit():
        assert IndicatorScore.objects.get(evaluation=evaluation, code="q1").actual_value is None


def test_an_adjustment_without_its_reason_is_refused(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    response = browse(finance).post(
        f"/evaluations/{evaluation.pk}/save/", sheet(**{"q1-override_score": "25"})
    )
    assert "须说明理由" in field_error(response.content.decode(), "q1-override_reason")


def test_submitting_names_what_is_missing_then_goes_to_the_leader(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    page = browse(finance)
    missed = sheet(**{"q1-actual_value": "100", "s1-actual_value": ""})
    html = page.post(f"/evaluations/{evaluation.pk}/submit/", missed).content.decode()
    assert "须说明偏差原因" in field_error(html, "q1-deviation_reason")
    assert "未填写实际完成值" in field_error(html, "s1-actual_value")
    assert stored(evaluation).status == EvaluationStatus.DRAFT
    assert stored(evaluation).total == D("0.00") or stored(evaluation).total is not None
    # the summary scores what was typed (as the live total did), not the stored sheet
    assert stored(evaluation).total != D("81.00")
    assert 'data-testid="live-total">81.00<' in html

    explained = sheet(
        **{
            "q1-actual_value": "100",
            "q1-deviation_cause": "staffing",
            "q1-deviation_reason": "两名检察官调离",
        }
    )
    assert page.post(f"/evaluations/{evaluation.pk}/submit/", explained).status_code == 302
    after = stored(evaluation)
    assert after.status == EvaluationStatus.SUBMITTED and after.total == D("91.00")
    html = page.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "已提交" in html and "保存并上报" not in html and "两名检察官调离" in html


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator", "province_admin"])
def test_who_may_not_prepare_gets_403(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = draft_evaluation(persona("finance"))
    page = browse(persona(name))
    for action in ("save", "submit"):
        response = page.post(f"/evaluations/{evaluation.pk}/{action}/", sheet())
        assert response.status_code == 403
        assert "办理案件数" not in response.content.decode()
    assert stored(evaluation).status == EvaluationStatus.DRAFT


def test_the_leader_may_prepare_too(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = draft_evaluation(persona("finance"))
    response = browse(persona("leader")).post(f"/evaluations/{evaluation.pk}/save/", sheet())
    assert response.status_code == 302
    assert stored(evaluation).total == D("96.00")

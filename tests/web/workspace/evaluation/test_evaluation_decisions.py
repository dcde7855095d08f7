"""The leader's decision on a submitted sheet: return with a comment (ws:evaluation-return) or
finalise (ws:evaluation-finalise)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from backend.evaluation.models import EvaluationStatus, SelfEvaluation
from backend.evaluation.services import record_self_evaluation, submit_self_evaluation
from tests.evaluation.factories import MET
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import draft_evaluation, field_error
from tests.web.workspace.monitoring.conftest import in_unit

pytestmark = pytest.mark.django_db


def submitted(finance: User) -> SelfEvaluation:
    evaluation = draft_evaluation(finance)
    with in_unit():
        record_self_evaluation(evaluation, finance, indicators=MET)
        return submit_self_evaluation(evaluation, finance)


def status(evaluation: SelfEvaluation) -> str:
    with in_unit():
        return SelfEvaluation.objects.get(pk=evaluation.pk).status


def test_the_leader_returns_with_a_comment_shown_to_finance(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    evaluation = submitted(finance)
    leader = browse(persona("leader"))
    html = leader.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "负责人审核" in html and "审核定稿" in html
    for comment, message in (("", "必填项"), ("意见\x00", "空字符"), ("长" * 2001, "2000")):
        response = leader.post(f"/evaluations/{evaluation.pk}/return/", {"comment": comment})
        assert message in field_error(response.content.decode(), "comment")
        assert status(evaluation) == EvaluationStatus.SUBMITTED
    response = leader.post(f"/evaluations/{evaluation.pk}/return/", {"comment": "满意度佐证不足"})
    assert response.status_code == 302
    assert status(evaluation) == EvaluationStatus.DRAFT
    html = browse(finance).get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "负责人退回意见" in html and "满意度佐证不足" in html
    assert "退回：满意度佐证不足" in html  # the history


def test_the_leader_finalises(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = submitted(persona("finance"))
    leader = browse(persona("leader"))
    assert leader.post(f"/evaluations/{evaluation.pk}/finalise/").status_code == 302
    assert status(evaluation) == EvaluationStatus.FINALISED
    html = leader.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "已定稿" in html and "审核定稿" not in html
    # finalising again is refused with the service's message
    leader.post(f"/evaluations/{evaluation.pk}/finalise/")
    assert "不能定稿" in leader.get(f"/evaluations/{evaluation.pk}/").content.decode()


@pytest.mark.parametrize("name", ["finance", "city_reviewer", "other_unit_finance", "evaluator"])
def test_only_the_leader_decides(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = submitted(persona("finance"))
    page = browse(persona(name))
    for action, data in (("return", {"comment": "x"}), ("finalise", {})):
        response = page.post(f"/evaluations/{evaluation.pk}/{action}/", data)
        assert response.status_code == 403
        assert "办理案件数" not in response.content.decode()
    assert status(evaluation) == EvaluationStatus.SUBMITTED

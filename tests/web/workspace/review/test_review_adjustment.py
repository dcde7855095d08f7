"""ws:review-adjustment and ws:review-adjustment-decide — an adjustment request of an
approved goal, decided by the leader; an approval applies it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import AdjustmentRequest, AdjustmentStatus
from backend.goals.services import workflow
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, html

pytestmark = pytest.mark.django_db


def url(pk: int, name: str = "ws:review-adjustment") -> str:
    return reverse(name, urlconf="backend.urls", args=[pk])


@pytest.fixture
def adjustment(persona: Callable[[str], User]) -> AdjustmentRequest:
    goal = builders.submit(builders.goal(), persona("finance"))
    goal = builders.review(goal, persona("leader"), "excellent")
    with builders.in_unit():
        request = workflow.request_adjustment(
            goal,
            reason="年中追加办案任务",
            changes=[{"indicator": "q2", "field": "target_value", "after": "98"}],
            user=persona("finance"),
        )
        return workflow.submit_adjustment(request, user=persona("finance"))


def status(adjustment: AdjustmentRequest) -> str:
    with builders.in_unit():
        return AdjustmentRequest.objects.get(pk=adjustment.pk).status


@pytest.mark.parametrize("name", ["leader", "finance", "city_reviewer", *OUTSIDERS])
def test_only_the_leader_decides(
    name: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    adjustment: AdjustmentRequest,
) -> None:
    page = browse(persona(name))
    shown = page.get(url(adjustment.pk))
    decided = page.post(url(adjustment.pk, "ws:review-adjustment-decide"), {"decision": "approve"})
    if name == "leader":
        assert shown.status_code == 200 and "年中追加办案任务" in html(shown)
        assert decided.status_code == 302
    else:
        assert (shown.status_code, decided.status_code) == (403, 403)
        assert "年中追加办案任务" not in html(shown)
        assert status(adjustment) == AdjustmentStatus.SUBMITTED


def test_the_changes_read_in_words_and_an_approval_applies_them(
    leader_page: Browser, adjustment: AdjustmentRequest
) -> None:
    page = html(leader_page.get(url(adjustment.pk)))
    assert "案件质量合格率" in page and ">95<" in page and ">98<" in page
    leader_page.post(url(adjustment.pk, "ws:review-adjustment-decide"), {"decision": "approve"})
    assert status(adjustment) == AdjustmentStatus.APPROVED
    assert builders.indicator(adjustment.goal, "q2").target_value == Decimal("98")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "decision", "请选择审核结论。"),
        ({"decision": "return"}, "comment", "退回须填写审核意见。"),
        ({"decision": "approve", "comment": "长" * 2001}, "comment", "不能超过 2000 个字符"),
    ],
)
def test_bad_decisions_write_nothing(
    leader_page: Browser,
    adjustment: AdjustmentRequest,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    page = html(leader_page.post(url(adjustment.pk, "ws:review-adjustment-decide"), data))
    assert message in page[page.index(f'data-field-error="{field}"') :][:300]
    assert status(adjustment) == AdjustmentStatus.SUBMITTED

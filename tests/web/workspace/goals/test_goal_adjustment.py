"""ws:goal-adjustment and ws:goal-adjustment-submit — 申请调整 of an approved goal: new
targets, weights or units with the reason, saved as a draft or submitted for review."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import AdjustmentRequest, AdjustmentStatus, GoalIndicator, PerformanceGoal
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, html

pytestmark = pytest.mark.django_db


def url(goal_id: int) -> str:
    return reverse("ws:goal-adjustment", urlconf="backend.urls", args=[goal_id])


@pytest.fixture
def approved(persona: Callable[[str], User]) -> PerformanceGoal:
    goal = builders.goal()
    with builders.in_unit():
        GoalIndicator.objects.filter(goal=goal, code="s1").update(locked=True)
    goal = builders.submit(goal, persona("finance"))
    return builders.review(goal, persona("leader"), "excellent")


def key(goal: PerformanceGoal, code: str, field: str) -> str:
    return f"a{builders.indicator(goal, code).pk}_{field}"


def adjustments() -> list[AdjustmentRequest]:
    with builders.in_unit():
        return list(AdjustmentRequest.objects.all())


@pytest.mark.parametrize("name", ["city_reviewer", "province_admin", *OUTSIDERS])
def test_outsiders_ask_for_nothing(
    name: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    approved: PerformanceGoal,
) -> None:
    page = browse(persona(name))
    assert page.get(url(approved.pk)).status_code == 403
    response = page.post(
        url(approved.pk), {"reason": "x", key(approved, "q2", "target_value"): "98"}
    )
    assert response.status_code == 403 and not adjustments()


def test_finance_asks_and_submits(finance_page: Browser, approved: PerformanceGoal) -> None:
    page = html(finance_page.get(url(approved.pk)))
    assert key(approved, "q2", "target_value") in page
    assert f'name="{key(approved, "s1", "weight")}"' not in page or "disabled" in page
    response = finance_page.post(
        url(approved.pk),
        {
            "reason": "年中追加办案任务",
            key(approved, "q2", "target_value"): "98",
            "action": "save",
        },
        follow=True,
    )
    assert "已保存调整申请草稿。" in html(response)
    (draft,) = adjustments()
    assert draft.status == AdjustmentStatus.DRAFT
    assert draft.changes == [
        {"indicator": "q2", "field": "target_value", "before": "95.0000", "after": "98.0000"}
    ]
    assert "案件质量合格率" in html(response) and "98" in html(response)
    submit = reverse(
        "ws:goal-adjustment-submit", urlconf="backend.urls", args=[approved.pk, draft.pk]
    )
    assert "已提交调整申请" in html(finance_page.post(submit, follow=True))
    assert adjustments()[0].status == AdjustmentStatus.SUBMITTED


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"reason": ""}, "reason", "此项为必填项。"),
        ({"reason": "长" * 2001}, "reason", "调整原因不能超过 2000 个字符。"),
        ({"reason": "\x00"}, "reason", "不能包含空字符"),
        ({"q2-target_value": "abc"}, "q2-target_value", "不是有效的数字"),
        ({"q2-target_value": "1e30"}, "q2-target_value", "超出允许范围"),
        ({"q2-weight": "-3"}, "q2-weight", "分值不能为负数"),
        ({"q2-target_value": "95"}, "q2-target_value", "调整后的值与原值相同。"),
    ],
)
def test_bad_requests_are_named_next_to_the_field(
    finance_page: Browser,
    approved: PerformanceGoal,
    values: dict[str, str],
    field: str,
    message: str,
) -> None:
    data = {"reason": "原因", key(approved, "q2", "unit"): "个", "action": "submit"}
    for name, value in values.items():
        if name.startswith("q2-"):
            data[key(approved, "q2", name[3:])] = value
        else:
            data[name] = value
    page = html(finance_page.post(url(approved.pk), data))
    target = key(approved, "q2", field[3:]) if field.startswith("q2-") else field
    at = page.index(f'name="{target}"')
    near = page[at:][: page[at:].index("</td>") if target != "reason" else 8000]
    assert message in near, near[-600:]
    assert not adjustments()


def test_a_goal_not_approved_has_no_adjustment(finance_page: Browser) -> None:
    goal = builders.goal()
    response = finance_page.get(url(goal.pk), follow=True)
    assert "只有已批复的绩效目标可以申请调整。" in html(response)

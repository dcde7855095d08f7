"""ws:review-goal and ws:review-decide — the goal as the leader sees it, and the decision:
优/良 approve, 中 returns with comments per indicator, 差 rejects; what was seen is kept."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalIndicator, GoalReview, GoalStatus, IndicatorComment
from tests.goals.factories import make_goal
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, html

pytestmark = pytest.mark.django_db


def url(goal_id: int, name: str = "ws:review-goal") -> str:
    return reverse(name, urlconf="backend.urls", args=[goal_id])


@pytest.fixture
def submitted(persona: Callable[[str], User]) -> object:
    return builders.submit(builders.goal(project__code="ajjf"), persona("finance"))


def reviews() -> list[GoalReview]:
    with builders.in_unit():
        return list(GoalReview.objects.all())


@pytest.mark.parametrize(
    "name", ["leader", "finance", "city_reviewer", "province_admin", *OUTSIDERS]
)
def test_only_the_leader_reviews(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], submitted: object
) -> None:
    page = browse(persona(name))
    shown = page.get(url(submitted.pk))
    decided = page.post(url(submitted.pk, "ws:review-decide"), {"grade": "excellent"})
    if name == "leader":
        assert shown.status_code == 200 and decided.status_code == 302
    else:
        assert (shown.status_code, decided.status_code) == (403, 403)
        assert "案件质量合格率" not in html(shown)
        assert builders.reload(submitted).status == GoalStatus.SUBMITTED


def test_the_reviewer_sees_last_years_actuals_and_the_warnings(
    leader_page: Browser, persona: Callable[[str], User]
) -> None:
    with builders.in_unit():
        last = make_goal(project__code="ajjf2", project__fiscal_year=2025, fiscal_year=2025)
        GoalIndicator.objects.filter(goal=last, code="q1").update(actual_value=Decimal("150"))
    goal = builders.submit(builders.goal(project__code="ajjf2"), persona("finance"))
    page = html(leader_page.get(url(goal.pk)))
    assert 'data-testid="submitted-warnings"' in page
    assert "办理案件数：目标值低于上年实际完成值（上年 150）" in page
    row = page[page.index('data-testid="indicator-q1"') :][:6000]
    assert "150件" in row and 'data-testid="review-form"' in page


def test_a_return_with_a_comment_on_one_indicator(leader_page: Browser, submitted: object) -> None:
    q2 = builders.indicator(submitted, "q2")
    response = leader_page.post(
        url(submitted.pk, "ws:review-decide"),
        {"grade": "fair", f"ic_{q2.pk}": "合格率目标偏低，请参照上年实际。"},
        follow=True,
    )
    assert "已审核" in html(response) and "退回" in html(response)
    assert builders.reload(submitted).status == GoalStatus.RETURNED
    (record,) = reviews()
    with builders.in_unit():
        comments = list(IndicatorComment.objects.values_list("indicator__code", "comment"))
    assert comments == [("q2", "合格率目标偏低，请参照上年实际。")]
    assert [row["code"] for row in record.snapshot["indicators"]] == ["q1", "q2", "e1", "s1"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "grade", "请选择审核等级。"),
        ({"grade": "great"}, "grade", "选择一个有效的选项"),
        ({"grade": "fair"}, "comment", "退回须填写审核意见。"),
        ({"grade": "fair", "comment": "长" * 2001}, "comment", "审核意见不能超过 2000 个字符。"),
        ({"grade": "excellent", "comment": "同意\x00"}, "comment", "不能包含空字符"),
    ],
)
def test_bad_decisions_are_named_and_nothing_is_written(
    leader_page: Browser, submitted: object, data: dict[str, str], field: str, message: str
) -> None:
    page = html(leader_page.post(url(submitted.pk, "ws:review-decide"), data))
    assert message in page[page.index(f'data-field-error="{field}"') :][:300]
    assert builders.reload(submitted).status == GoalStatus.SUBMITTED
    assert not reviews()


def test_an_overlong_comment_on_an_indicator_is_named_beside_it(
    leader_page: Browser, submitted: object
) -> None:
    q1 = builders.indicator(submitted, "q1")
    page = html(
        leader_page.post(
            url(submitted.pk, "ws:review-decide"), {"grade": "fair", f"ic_{q1.pk}": "长" * 2001}
        )
    )
    row = page[page.index('data-testid="indicator-q1"') :][:8000]
    assert "指标审核意见不能超过 2000 个字符。" in row
    assert not reviews()


def test_poor_keeps_the_goal_out_of_the_budget(leader_page: Browser, submitted: object) -> None:
    leader_page.post(
        url(submitted.pk, "ws:review-decide"), {"grade": "poor", "comment": "依据不足"}
    )
    assert builders.reload(submitted).status == GoalStatus.REJECTED


def test_a_goal_not_awaiting_the_leader_has_no_form(leader_page: Browser) -> None:
    goal = builders.goal()
    page = html(leader_page.get(url(goal.pk)))
    assert 'data-testid="not-awaiting"' in page and 'data-testid="review-form"' not in page
    response = leader_page.post(url(goal.pk, "ws:review-decide"), {"grade": "excellent"})
    assert "不能审核" in html(response)


def test_query_count_does_not_depend_on_the_indicators(
    leader_page: Browser, count_queries: Callable[..., int], persona: Callable[[str], User]
) -> None:
    small = builders.submit(builders.goal(indicators=10), persona("finance"))
    large = builders.submit(builders.goal(indicators=200), persona("finance"))
    leader_page.get(url(small.pk))
    counts = [count_queries(lambda g=g: leader_page.get(url(g.pk))) for g in (small, large)]
    assert counts[0] == counts[1], counts

"""ws:goal-detail — the declaration form: who opens it, what it shows (facts and budget in
万元, indicators grouped by level, locked and mandatory marks, last year's actual with the
warning, the weight totals), and a query count that does not grow with the indicators."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalIndicator, GoalStatus
from tests.goals.factories import make_goal
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders

pytestmark = pytest.mark.django_db


def url(goal_id: int) -> str:
    return reverse("ws:goal-detail", urlconf="backend.urls", args=[goal_id])


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("finance", 200),
        ("leader", 200),
        ("city_reviewer", 200),
        ("province_admin", 200),
        ("other_unit_finance", 403),
        ("other_city_reviewer", 403),
        ("evaluator", 403),
        ("city_finance", 403),
    ],
)
def test_who_opens_the_form(
    name: str, status: int, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal(project__name="办案业务经费保障")
    response = browse(persona(name)).get(url(goal.pk))
    assert response.status_code == status
    if status == 403:
        assert "办案业务经费保障" not in response.content.decode()
        assert "案件质量合格率" not in response.content.decode()


def test_a_goal_of_another_unit_is_not_found_here(finance_page: Browser) -> None:
    with builders.in_unit("lianyuan"):
        other = make_goal()
    assert finance_page.get(url(other.pk)).status_code == 404


def test_the_form_shows_the_facts_the_groups_and_the_marks(finance_page: Browser) -> None:
    goal = builders.goal(
        project__name="办案业务经费保障",
        project__initial_budget=Decimal("1234500.00"),
        project__code="ajjf",
    )
    with builders.in_unit():
        GoalIndicator.objects.filter(goal=goal, code="q1").update(locked=True, mandatory=True)
        last_year = make_goal(project__code="ajjf", project__fiscal_year=2025, fiscal_year=2025)
        GoalIndicator.objects.filter(goal=last_year, code="q2").update(actual_value=Decimal("97.5"))
    page = finance_page.get(url(goal.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "123.45 万元" in html and "1,234,500.00 元" in html  # 年初预算数
    # level 1 in the standard order, level 2 under it
    assert html.index("产出指标") < html.index("效益指标") < html.index("满意度指标")
    assert html.index("数量指标") < html.index("质量指标")
    q1 = html[html.index('data-testid="indicator-q1"') :]
    q1 = q1[: q1.index('data-testid="indicator-', 10)]
    assert "bi-lock-fill" in q1 and "必选" in q1
    assert 'name="i' not in q1.split("jx-c-target")[1].split("jx-c-unit")[0]  # no target input
    assert "goal-indicator-remove" not in q1 and "必选指标不能删除" in q1
    # last year's actual beside the target, and the warning of a target below it
    q2 = html[html.index('data-testid="indicator-q2"') :]
    assert "97.5%" in q2[: q2.index("</form>")]
    assert "目标值低于上年实际完成值（上年 97.5）" in q2[: q2.index("</form>")]
    # the weights: output 50/50, effect 30/30, satisfaction 10/10, total 90/90
    weights = html[html.index('id="jx-weights"') :][:1200]
    assert "产出指标 <b data-sum>50</b> / 50" in weights
    assert "合计 <b data-sum>90</b> / 90" in weights


def test_a_reader_sees_no_inputs(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal()
    html = browse(persona("city_reviewer")).get(url(goal.pk)).content.decode()
    assert "goal-indicator-update" not in html and 'name="overall_goal"' not in html
    assert "上报送审" not in html
    assert "内容预览" in html


def test_a_submitted_goal_is_read_only_with_a_withdraw_button(finance_page: Browser) -> None:
    goal = builders.goal(status=GoalStatus.SUBMITTED)
    html = finance_page.get(url(goal.pk)).content.decode()
    assert 'name="overall_goal"' not in html and "上报送审" not in html
    assert reverse("ws:goal-withdraw", urlconf="backend.urls", args=[goal.pk]) in html


def test_query_count_does_not_depend_on_the_indicators(
    finance_page: Browser, count_queries: Callable[..., int]
) -> None:
    small, large = builders.goal(indicators=10), builders.goal(indicators=200)
    finance_page.get(url(small.pk))  # the session's first request
    counts = [count_queries(lambda g=g: finance_page.get(url(g.pk))) for g in (small, large)]
    assert counts[0] == counts[1], counts

"""ws:goal-preview — 内容预览: the form as the official 绩效目标申报表 prints."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, READERS, html

pytestmark = pytest.mark.django_db


def url(goal_id: int) -> str:
    return reverse("ws:goal-preview", urlconf="backend.urls", args=[goal_id])


@pytest.mark.parametrize("name", READERS + OUTSIDERS)
def test_who_previews(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal()
    response = browse(persona(name)).get(url(goal.pk))
    assert response.status_code == (200 if name in READERS else 403)
    assert ("案件质量合格率" in html(response)) == (name in READERS)


def test_the_paper_reads_like_the_official_form(finance_page: Browser) -> None:
    goal = builders.goal(
        project__initial_budget=Decimal("1234567.89"), project__name="检察技术装备购置"
    )
    page = html(finance_page.get(url(goal.pk)))
    paper = page[page.index('data-testid="paper"') :]
    assert "项目支出绩效目标申报表" in paper and "（2026年度）" in paper
    assert "填报单位（盖章）：冷水江市人民检察院" in paper and "金额单位：万元" in paper
    assert ">123.46<" in paper  # 年初预算数, 万元 with two places
    assert "≥120件" in paper and "≥95%" in paper and "明显提升" in paper
    # one rowspan cell per level 1 and level 2
    assert '<td rowspan="2" class="jx-level-cell">产出指标</td>' in paper
    assert "单位负责人（签字）" in paper and "填报日期" in paper
    assert "合计（另有预算执行率 10 分）" in paper


def test_query_count_does_not_depend_on_the_indicators(
    finance_page: Browser, count_queries: Callable[..., int]
) -> None:
    small, large = builders.goal(indicators=10), builders.goal(indicators=200)
    finance_page.get(url(small.pk))
    counts = [count_queries(lambda g=g: finance_page.get(url(g.pk))) for g in (small, large)]
    assert counts[0] == counts[1], counts

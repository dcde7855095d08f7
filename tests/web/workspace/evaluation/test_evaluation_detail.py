"""The score sheet page (ws:evaluation-detail): every indicator with its score and explanation,
the form for those who prepare, read-only for the reviewers above; 403 for other units; a query
count independent of the number of indicators."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import draft_evaluation

pytestmark = pytest.mark.django_db
D = Decimal


def many_indicators(n: int) -> list[dict[str, Any]]:
    """``n`` output indicators (the weights need not add up: the engine flags it)."""
    return [
        {
            "code": f"x{i}",
            "level1": "产出指标",
            "level2": "数量指标",
            "name": f"指标{i}",
            "unit": "件",
            "target_value": D("100"),
            "weight": D("1"),
        }
        for i in range(n)
    ]


def test_the_sheet_shows_every_line_and_the_live_form(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    response = browse(finance).get(f"/evaluations/{evaluation.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "办理案件数", "≥ 120 件", "司法公信力提升", "明显提升", "达成 24–30 分",
        "人工调整得分", "偏差原因", "保存并上报", "下载PDF报告", "全年执行数（元）",
        'hx-trigger="input changed delay:400ms"', f'hx-post="/evaluations/{evaluation.pk}/score/"',
        "开始自评",
    ):  # fmt: skip
        assert text in html, text


@pytest.mark.parametrize("name", ["city_reviewer", "province_admin"])
def test_reviewers_above_read_without_the_form(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = draft_evaluation(persona("finance"))
    html = browse(persona(name)).get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "办理案件数" in html
    assert "保存并上报" not in html and "下载PDF报告" not in html


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator", "city_finance"])
def test_another_units_user_gets_403_and_no_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = draft_evaluation(persona("finance"))
    response = browse(persona(name)).get(f"/evaluations/{evaluation.pk}/")
    assert response.status_code == 403
    assert "办理案件数" not in response.content.decode()


def test_unknown_evaluation_is_404(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona("finance")).get("/evaluations/987654/").status_code == 404


def test_the_query_count_does_not_grow_with_the_indicators(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    finance = persona("finance")
    page = browse(finance)
    counts = []
    for n in (10, 200):
        evaluation = draft_evaluation(finance, indicators=many_indicators(n))
        page.get(f"/evaluations/{evaluation.pk}/")
        counts.append(count_queries(lambda e=evaluation: page.get(f"/evaluations/{e.pk}/")))
    assert counts[0] == counts[1], counts

"""新建反馈批次 (console:feedback-new): the units at or below a percentile of a benchmark view,
checked; more units by hand; a preview per unit with its own figures (nothing written); the
batch sent through ``issue_feedback``; bad input beside its field, nothing written."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone

from backend.accounts.models import User
from backend.feedback.models import FeedbackBatch, FeedbackItem, RectificationRequest
from tests.web.conftest import Browser
from tests.web.console.feedback.conftest import scores, unit

pytestmark = pytest.mark.django_db
URL = "/console/feedback/new/"
VIEW = {"metric": "self_score", "fiscal_year": "2026", "level": "", "percentile": "10"}
BODY = "{单位}：你院{年度}年度{指标}为{指标值}，{排名}。"


def test_the_bottom_decile_is_checked(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    scores()
    page = browse(persona("province_admin"), None)
    html = page.get(URL + "?metric=self_score&fiscal_year=2026&percentile=10").content.decode()
    # 7 counties with scores: 天心区 is last (percentile 0), 冷水江 next (16.67).
    assert html.count('data-testid="candidate-row"') == 1
    assert "长沙市天心区人民检察院" in html
    wider = page.get(URL + "?metric=self_score&fiscal_year=2026&percentile=20").content.decode()
    assert wider.count('data-testid="candidate-row"') == 2 and "冷水江市人民检察院" in wider


def test_a_city_reviewer_builds_from_its_own_counties(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    scores()
    html = (
        browse(persona("city_reviewer"), None)
        .get(URL + "?metric=self_score&fiscal_year=2026&percentile=10")
        .content.decode()
    )
    assert "冷水江市人民检察院" in html and "长沙市天心区人民检察院" not in html


def test_preview_shows_each_units_text_and_writes_nothing(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    scores()
    page = browse(persona("city_reviewer"), None)
    response = page.post(
        URL,
        {
            **VIEW,
            "unit_ids": [str(unit("lengshuijiang").pk)],
            "more_units": "lianyuan",
            "title": "对标反馈",
            "body": BODY,
            "action": "preview",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="preview"') == 2
    assert "冷水江市人民检察院：你院2026年度自评得分为61.50分，第5名（共5个单位）。" in html
    assert "涟源市人民检察院：你院2026年度自评得分为80.00分，第4名（共5个单位）。" in html
    assert not FeedbackBatch.objects.exists()


def test_send_stores_the_figures_and_opens_the_batch(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    scores()
    page = browse(persona("city_reviewer"), None)
    due = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    response = page.post(
        URL,
        {
            **VIEW,
            "unit_ids": [str(unit("lengshuijiang").pk)],
            "title": "对标反馈",
            "body": BODY,
            "requires_rectification": "on",
            "due_on": due,
            "action": "send",
        },
    )
    batch = FeedbackBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/feedback/batches/{batch.pk}/"
    item = FeedbackItem.objects.select_related("batch", "unit").get()
    assert item.figures["metric_rank"] == 5 and item.figures["metric_value"] == "61.50"
    assert item.text == "冷水江市人民检察院：你院2026年度自评得分为61.50分，第5名（共5个单位）。"
    assert RectificationRequest.objects.get().feedback_item == item
    html = page.get(response["Location"]).content.decode()
    assert "反馈已下发至 1 个单位" in html and "冷水江市人民检察院" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "", "body": BODY}, "title", "此项为必填项。"),
        ({"title": "t", "body": "{单位}{不存在}"}, "body", "未知的占位符：{不存在}"),
        ({"title": "t", "body": BODY, "unit_ids": []}, "unit_ids", "请选择单位或筛选条件。"),
        ({"title": "t", "body": BODY, "more_units": "nowhere"}, "more_units", "nowhere"),
        (
            {"title": "t", "body": BODY, "more_units": "changsha-furong"},
            "more_units",
            "不在本院下级",
        ),
        (
            {"title": "t", "body": BODY, "requires_rectification": "on"},
            "due_on",
            "要求整改时请填写整改期限。",
        ),
        (
            {"title": "t", "body": BODY, "requires_rectification": "on", "due_on": "2020-01-01"},
            "due_on",
            "整改期限不能早于今天。",
        ),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_written(
    data: dict[str, object],
    field: str,
    message: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
) -> None:
    scores()
    page = browse(persona("city_reviewer"), None)
    payload = {**VIEW, "unit_ids": [str(unit("lengshuijiang").pk)], "action": "send", **data}
    response = page.post(URL, payload)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in html and message in html
    assert not FeedbackBatch.objects.exists() and not RectificationRequest.objects.exists()


def test_a_bad_view_is_refused_beside_its_field(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    html = page.get(URL + "?metric=nothing&fiscal_year=2026&percentile=500").content.decode()
    assert "百分位应在 0 至 100 之间。" in html
    assert 'data-field-error="metric"' in html


@pytest.mark.parametrize("name", ["finance", "evaluator"])
def test_refused(name: str, persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    page = browse(persona(name), None)
    assert page.get(URL).status_code == 403
    response = page.post(URL, {**VIEW, "title": "t", "body": "b", "action": "send"})
    assert response.status_code == 403 and not FeedbackBatch.objects.exists()


def test_the_query_count_does_not_grow_with_the_candidates(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    scores()
    page = browse(persona("province_admin"), None)
    few = URL + "?metric=self_score&fiscal_year=2026&percentile=10"
    every = URL + "?metric=self_score&fiscal_year=2026&percentile=100"
    page.get(few)
    assert count_queries(lambda: page.get(few)) == count_queries(lambda: page.get(every))
    post = {**VIEW, "title": "t", "body": BODY, "action": "preview"}
    one = {**post, "more_units": "lengshuijiang"}
    many = {**post, "more_units": "、".join(["lengshuijiang", "lianyuan", "xinhua", "shuangfeng"])}
    one_count = count_queries(lambda: page.post(URL, one))
    assert 'data-testid="preview"' in page.post(URL, one).content.decode()
    assert one_count == count_queries(lambda: page.post(URL, many))

"""A feedback item (ws:feedback-detail, -read, -answer): the text and the unit's figures, signing
for it, answering (and revising the answer)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from backend.feedback.models import FeedbackItem
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import field_error
from tests.web.workspace.results.conftest import feedback_item

pytestmark = pytest.mark.django_db


def test_the_unit_reads_signs_and_answers(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    item = feedback_item()
    page = browse(persona("finance"))
    html = page.get(f"/results/feedback/{item.pk}/").content.decode()
    assert "请对照问题清单逐项说明" in html and "本院数据" in html and "项目数" in html
    assert "未读" in html
    assert page.post(f"/results/feedback/{item.pk}/read/").status_code == 302
    item.refresh_from_db()
    assert item.read_at is not None
    assert (
        page.post(f"/results/feedback/{item.pk}/answer/", {"text": "已逐项整改。"}).status_code
        == 302
    )
    item.refresh_from_db()
    assert item.answer == "已逐项整改。"
    page.post(f"/results/feedback/{item.pk}/answer/", {"text": "补充说明。"})
    item.refresh_from_db()
    assert item.answer == "补充说明。"


@pytest.mark.parametrize(
    ("text", "message"), [("", "必填项"), ("回复\x00", "空字符"), ("长" * 5001, "5000")]
)
def test_bad_answers_are_refused_next_to_the_field(
    text: str, message: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    item = feedback_item()
    response = browse(persona("finance")).post(
        f"/results/feedback/{item.pk}/answer/", {"text": text}
    )
    assert message in field_error(response.content.decode(), "text")
    assert FeedbackItem.objects.get(pk=item.pk).answer == ""


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator", "city_finance"])
def test_another_units_user_gets_403_and_no_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    item = feedback_item()
    page = browse(persona(name))
    for response in (
        page.get(f"/results/feedback/{item.pk}/"),
        page.post(f"/results/feedback/{item.pk}/read/"),
        page.post(f"/results/feedback/{item.pk}/answer/", {"text": "x"}),
    ):
        assert response.status_code == 403
        assert "请对照问题清单" not in response.content.decode()
    item.refresh_from_db()
    assert (item.read_at, item.answer) == (None, "")


def test_reviewers_above_read_only(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    item = feedback_item()
    page = browse(persona("province_admin"))
    html = page.get(f"/results/feedback/{item.pk}/").content.decode()
    assert "请对照问题清单" in html and "提交回复" not in html
    assert page.post(f"/results/feedback/{item.pk}/read/").status_code == 403


def test_the_query_count_is_constant(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    from tests.web.workspace.results.conftest import many_rectifications

    item = feedback_item()
    page = browse(persona("finance"))
    url = f"/results/feedback/{item.pk}/"
    many_rectifications(10)
    page.get(url)
    small = count_queries(lambda: page.get(url))
    many_rectifications(190)
    assert count_queries(lambda: page.get(url)) == small

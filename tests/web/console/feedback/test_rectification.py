"""One rectification (console:feedback-rectification) and the reviewer's verdict
(…-accept, …-reject: ``Op.REVIEW``, the existing services): accepted closes it, rejected needs
a comment (Chinese message beside the field, nothing written); 404 outside the scope."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone

from backend.accounts.models import User
from backend.feedback.models import RectificationEvent, RectificationRequest
from backend.feedback.services import open_rectification
from tests.web.conftest import Browser
from tests.web.console.feedback.conftest import responded, unit

pytestmark = pytest.mark.django_db


def url(pk: int, action: str = "") -> str:
    return f"/console/feedback/rectifications/{pk}/" + (f"{action}/" if action else "")


def opened(reviewer: User) -> RectificationRequest:
    return open_rectification(
        unit("loudi"),
        unit("lengshuijiang"),
        reviewer,
        fiscal_year=2026,
        title="规范政府采购程序",
        requirement="补齐采购合同。",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )


def test_accept_closes_it(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    reviewer = persona("city_reviewer")
    r = responded(opened(reviewer), persona("finance"))
    page = browse(reviewer, None)
    html = page.get(url(r.pk)).content.decode()
    assert "已补齐采购合同和验收记录。" in html and 'data-testid="verdict"' in html
    response = page.post(url(r.pk, "accept"), {"comment": "同意。"})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == "accepted"
    html = page.get(url(r.pk)).content.decode()
    assert "已验收通过" in html and 'data-testid="verdict"' not in html


def test_reject_needs_a_comment_and_writes_nothing_without_it(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    reviewer = persona("city_reviewer")
    r = responded(opened(reviewer), persona("finance"))
    page = browse(reviewer, None)
    response = page.post(url(r.pk, "reject"), {"comment": "  "})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field-error="comment"' in html and "退回时请填写意见。" in html
    r.refresh_from_db()
    assert r.status == "responded"
    assert not RectificationEvent.objects.filter(kind="rejected").exists()
    assert page.post(url(r.pk, "reject"), {"comment": "证据不全。"}).status_code == 302
    r.refresh_from_db()
    assert r.status == "open"


def test_accepting_an_open_one_is_refused_with_the_services_message(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    reviewer = persona("city_reviewer")
    r = opened(reviewer)
    response = browse(reviewer, None).post(url(r.pk, "accept"), {})
    assert response.status_code == 200
    assert "整改通知当前状态为“待整改”，不能验收通过。" in response.content.decode()
    r.refresh_from_db()
    assert r.status == "open"


def test_outside_the_scope(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    r = responded(opened(persona("city_reviewer")), persona("finance"))
    other = browse(persona("other_city_reviewer"), None)
    assert other.get(url(r.pk)).status_code == 404
    assert other.post(url(r.pk, "accept"), {}).status_code == 404
    assert browse(persona("finance"), None).post(url(r.pk, "accept"), {}).status_code == 403
    r.refresh_from_db()
    assert r.status == "responded"
    # the province, above the issuing city, may accept
    assert browse(persona("province_admin"), None).post(url(r.pk, "accept"), {}).status_code == 302


def test_the_query_count_does_not_grow_with_the_steps(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    from backend.feedback.services import reject_rectification

    reviewer = persona("city_reviewer")
    finance = persona("finance")
    few = responded(opened(reviewer), finance)
    many = opened(reviewer)
    for _ in range(5):
        responded(many, finance)
        reject_rectification(many, reviewer, "再改。")
    responded(many, finance)
    page = browse(reviewer, None)
    page.get(url(few.pk))
    assert count_queries(lambda: page.get(url(few.pk))) == count_queries(
        lambda: page.get(url(many.pk))
    )

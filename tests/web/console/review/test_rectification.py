"""console:review-rectification — accept or return a unit's rectification answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.feedback.models import RectificationRequest, RectificationStatus
from tests.web.conftest import Browser
from tests.web.workspace.goals.builders import html

pytestmark = pytest.mark.django_db


def url(name: str, *args: object) -> str:
    return reverse(name, urlconf="backend.urls_public", args=args)


def test_the_province_accepts(
    persona: Callable[[str], User], browse: Callable[..., Browser], responded
) -> None:
    item = responded()
    page = browse(persona("province_admin"), None)
    body = html(page.get(url("console:review-rectification", item.pk)))
    assert "已建立季度通报制度。" in body and 'data-testid="rectification-form"' in body
    response = page.post(
        url("console:review-rectification-decide", item.pk),
        {"decision": "accept", "comment": "同意"},
        follow=True,
    )
    assert "已验收通过" in html(response)
    assert RectificationRequest.objects.get(pk=item.pk).status == RectificationStatus.ACCEPTED


def test_a_return_needs_a_comment(
    persona: Callable[[str], User], browse: Callable[..., Browser], responded
) -> None:
    item = responded()
    page = browse(persona("province_admin"), None)
    response = page.post(
        url("console:review-rectification-decide", item.pk), {"decision": "return"}
    )
    assert response.status_code == 200 and "退回时请填写意见。" in html(response)
    assert RectificationRequest.objects.get(pk=item.pk).status == RectificationStatus.RESPONDED
    response = page.post(
        url("console:review-rectification-decide", item.pk),
        {"decision": "return", "comment": "佐证不足"},
    )
    assert response.status_code == 302
    assert RectificationRequest.objects.get(pk=item.pk).status == RectificationStatus.OPEN


def test_the_city_reads_the_provinces_request_without_deciding(
    persona: Callable[[str], User], browse: Callable[..., Browser], responded
) -> None:
    item = responded(issuer="hunan")
    page = browse(persona("city_reviewer"), None)
    body = html(page.get(url("console:review-rectification", item.pk)))
    assert "已建立季度通报制度。" in body and 'data-testid="rectification-form"' not in body


def test_outside_the_subtree_is_404(
    persona: Callable[[str], User], browse: Callable[..., Browser], responded
) -> None:
    item = responded()
    page = browse(persona("other_city_reviewer"), None)
    assert page.get(url("console:review-rectification", item.pk)).status_code == 404
    response = page.post(
        url("console:review-rectification-decide", item.pk), {"decision": "accept"}
    )
    assert response.status_code == 404
    assert RectificationRequest.objects.get(pk=item.pk).status == RectificationStatus.RESPONDED

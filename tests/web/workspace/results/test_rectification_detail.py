"""A rectification request (ws:rectification-detail, ws:rectification-respond): the requirement,
its history, the answer with text and evidence files (multipart, stored as the unit's
documents, type and size checked next to the field, nothing written when refused)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.accounts.models import User
from backend.documents.models import Document
from backend.feedback.models import RectificationEvent, RectificationRequest, RectificationStatus
from backend.feedback.services import reject_rectification
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import field_error
from tests.web.workspace.monitoring.conftest import in_unit
from tests.web.workspace.results.conftest import rectification

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name: str = "整改报告.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_the_unit_answers_with_text_and_files(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    request = rectification()
    page = browse(persona("finance"))
    html = page.get(f"/results/rectifications/{request.pk}/").content.decode()
    assert "补齐采购合同和验收记录" in html and "反馈整改情况" in html
    response = page.post(
        f"/results/rectifications/{request.pk}/respond/",
        {
            "text": "已补齐合同和验收记录。",
            "files": [pdf(), SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
        },
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RectificationStatus.RESPONDED
    event = RectificationEvent.objects.get(request=request)
    with in_unit():
        titles = dict(Document.objects.values_list("pk", "title"))
    assert sorted(titles) == sorted(event.evidence_ids)
    assert sorted(titles.values()) == ["整改报告.pdf", "现场.png"]
    html = page.get(f"/results/rectifications/{request.pk}/").content.decode()
    assert "已补齐合同和验收记录" in html and "整改报告.pdf" in html
    assert f"/documents/{event.evidence_ids[0]}/download/" in html
    assert "反馈整改情况" not in html  # responded: waiting for the issuer


def test_a_rejected_answer_opens_the_form_again_and_keeps_the_history(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    request = rectification()
    page = browse(persona("finance"))
    page.post(f"/results/rectifications/{request.pk}/respond/", {"text": "已整改"})
    reviewer = User.objects.get(username="results-loudi-reviewer")
    reject_rectification(request, reviewer, "缺少验收记录")
    html = page.get(f"/results/rectifications/{request.pk}/").content.decode()
    assert "已整改" in html and "缺少验收记录" in html and "反馈整改情况" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": ""}, "text", "必填项"),
        ({"text": "情况\x00"}, "text", "空字符"),
        ({"text": "长" * 5001}, "text", "5000"),
        ({"text": "x", "files": [pdf("病毒.exe", b"MZ")]}, "files", "不支持上传"),
        ({"text": "x", "files": [pdf("假.pdf", b"GIF89a")]}, "files", "与扩展名“.pdf”不符"),
        (
            {"text": "x", "files": [pdf("大.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024))]},
            "files",
            "超过 10 MB 的上限",
        ),
    ],
)
def test_bad_input_is_answered_next_to_the_field_and_nothing_is_written(
    data: dict[str, object],
    field: str,
    message: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    settings: Any,
) -> None:
    settings.JIXIAO_UPLOAD_MAX_BYTES = 10 * 1024 * 1024  # the one limit, lowered for the test
    request = rectification()
    response = browse(persona("finance")).post(
        f"/results/rectifications/{request.pk}/respond/", data
    )
    assert response.status_code == 200
    assert message in field_error(response.content.decode(), field)
    request.refresh_from_db()
    assert request.status == RectificationStatus.OPEN
    assert not RectificationEvent.objects.filter(request=request).exists()
    with in_unit():
        assert not Document.objects.exists()


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator", "city_finance"])
def test_another_units_user_gets_403_and_no_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    request = rectification()
    page = browse(persona(name))
    for response in (
        page.get(f"/results/rectifications/{request.pk}/"),
        page.post(f"/results/rectifications/{request.pk}/respond/", {"text": "x"}),
    ):
        assert response.status_code == 403
        assert "规范政府采购程序" not in response.content.decode()


def test_another_units_request_is_404_here(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    from tests.feedback.factories import RectificationFactory
    from tests.web.workspace.results.conftest import unit

    theirs = RectificationFactory(unit=unit("lianyuan"), issuer=unit("loudi"))
    page = browse(persona("finance"))
    assert page.get(f"/results/rectifications/{theirs.pk}/").status_code == 404
    assert (
        page.post(f"/results/rectifications/{theirs.pk}/respond/", {"text": "x"}).status_code == 404
    )
    assert RectificationRequest.objects.get(pk=theirs.pk).status == RectificationStatus.OPEN


def test_reviewers_above_read_without_the_form(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    request = rectification()
    page = browse(persona("city_reviewer"))
    html = page.get(f"/results/rectifications/{request.pk}/").content.decode()
    assert "规范政府采购程序" in html and "反馈整改情况" not in html
    assert (
        page.post(f"/results/rectifications/{request.pk}/respond/", {"text": "x"}).status_code
        == 403
    )


def test_the_query_count_does_not_grow_with_the_history(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    request = rectification()
    page = browse(persona("finance"))
    url = f"/results/rectifications/{request.pk}/"

    def events(n: int) -> None:
        RectificationEvent.objects.bulk_create(
            RectificationEvent(request=request, kind="rejected", text=f"意见{i}", evidence_ids=[i])
            for i in range(n)
        )

    events(10)
    page.get(url)
    small = count_queries(lambda: page.get(url))
    events(190)
    assert count_queries(lambda: page.get(url)) == small

"""Evidence for an indicator (ws:evaluation-evidence): a multipart upload stored as one of the
unit's documents and cited by the indicator; type and size checked next to the field, nothing
stored when refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.accounts.models import User
from backend.documents.models import Document
from backend.evaluation.models import IndicatorScore
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import draft_evaluation, field_error
from tests.web.workspace.monitoring.conftest import in_unit

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_file_is_stored_and_cited(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    page = browse(finance)
    response = page.post(
        f"/evaluations/{evaluation.pk}/evidence/",
        {"code": "q1", "title": "案件台账", "file": upload("台账.pdf", PDF)},
    )
    assert response.status_code == 302
    with in_unit():
        document = Document.objects.get()
        assert document.title == "案件台账"
        q1 = IndicatorScore.objects.get(evaluation=evaluation, code="q1")
        assert list(q1.evidence.values_list("pk", flat=True)) == [document.pk]
    html = page.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert f"/documents/{document.pk}/download/" in html and "案件台账" in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ\x90\x00", "不支持上传扩展名为“.exe”的文件"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "与扩展名“.pdf”不符"),
        ("big.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024), "超过 10 MB 的上限"),
        ("empty.pdf", b"", "空文件"),
    ],
)
def test_a_wrong_or_huge_file_is_refused_next_to_the_field(
    name: str,
    content: bytes,
    message: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    settings: Any,
) -> None:
    settings.JIXIAO_UPLOAD_MAX_BYTES = 10 * 1024 * 1024  # the one limit, lowered for the test
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    response = browse(finance).post(
        f"/evaluations/{evaluation.pk}/evidence/",
        {"code": "q1", "title": "", "file": upload(name, content)},
    )
    assert response.status_code == 200
    assert message in field_error(response.content.decode(), "file")
    with in_unit():
        assert not Document.objects.exists()


def test_an_unknown_indicator_is_refused(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    response = browse(finance).post(
        f"/evaluations/{evaluation.pk}/evidence/",
        {"code": "zz", "file": upload("a.pdf", PDF)},
    )
    assert "选择一个有效的选项" in field_error(response.content.decode(), "code")


@pytest.mark.parametrize("name", ["city_reviewer", "other_unit_finance", "evaluator"])
def test_who_may_not_upload_gets_403(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = draft_evaluation(persona("finance"))
    response = browse(persona(name)).post(
        f"/evaluations/{evaluation.pk}/evidence/", {"code": "q1", "file": upload("a.pdf", PDF)}
    )
    assert response.status_code == 403
    with in_unit():
        assert not Document.objects.exists()

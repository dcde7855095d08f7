"""The PDF report (ws:evaluation-report): rendered as the sheet stands, stored as one of the
unit's documents, downloaded at once."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from backend.accounts.models import User
from backend.documents.models import Document
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import draft_evaluation
from tests.web.workspace.monitoring.conftest import in_unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["finance", "leader"])
def test_the_report_is_generated_stored_and_downloaded(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = draft_evaluation(persona("finance"))
    page = browse(persona(name))
    response = page.post(f"/evaluations/{evaluation.pk}/report/")
    assert response.status_code == 302
    with in_unit():
        document = Document.objects.get()
    assert response["Location"] == f"/documents/{document.pk}/download/"
    download = page.get(response["Location"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    pdf = b"".join(download.streaming_content)
    text = "".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "项目支出绩效自评报告" in text and "冷水江市人民检察院" in text


@pytest.mark.parametrize("name", ["city_reviewer", "other_unit_finance", "evaluator"])
def test_who_may_not_generate_gets_403_and_nothing_is_stored(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = draft_evaluation(persona("finance"))
    assert browse(persona(name)).post(f"/evaluations/{evaluation.pk}/report/").status_code == 403
    with in_unit():
        assert not Document.objects.exists()


def test_a_get_does_not_generate(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = draft_evaluation(persona("finance"))
    assert (
        browse(persona("finance")).get(f"/evaluations/{evaluation.pk}/report/").status_code == 405
    )

"""console:benchmark-export — the league table as XLSX, set up for printing."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from backend.accounts.models import User
from tenants.models import Procuratorate
from tests.web.conftest import Browser

pytestmark = pytest.mark.django_db
URL = reverse("console:benchmark-export", urlconf="backend.urls_public")


def test_the_table_as_a_printable_workbook(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts
) -> None:
    Procuratorate.objects.filter(code="xinhua").update(name='=HYPERLINK("x")新化')
    response = browse(persona("province_admin"), None).get(
        URL, data={"year": 2026, "month": 6, "metric": "execution_rate"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    sheet = load_workbook(io.BytesIO(response.content))["基准对比"]
    names = [row[1] for row in sheet.iter_rows(min_row=9, max_row=17, values_only=True)]
    assert len([n for n in names if n]) == 9
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("x")新化')
    assert cell.data_type == "s"  # text, never a formula
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$8:$8"
    assert "&P" in sheet.oddFooter.center.text


def test_a_bad_choice_goes_back_to_the_page(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts
) -> None:
    response = browse(persona("province_admin"), None).get(
        URL, data={"year": 2026, "metric": "self_score", "per": "case"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/console/benchmark/?")


def test_unit_people_are_refused(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona("leader"), None).get(URL).status_code == 403

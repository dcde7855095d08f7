"""ws:goal-export — the standard form as an XLSX download."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from backend.accounts.models import User
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, READERS

pytestmark = pytest.mark.django_db


def url(goal_id: int) -> str:
    return reverse("ws:goal-export", urlconf="backend.urls", args=[goal_id])


@pytest.mark.parametrize("name", READERS + OUTSIDERS)
def test_who_downloads(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal()
    response = browse(persona(name)).get(url(goal.pk))
    assert response.status_code == (200 if name in READERS else 403)
    if name not in READERS:
        assert b"PK" not in response.content[:2]


def test_the_download_is_the_standard_form(finance_page: Browser) -> None:
    goal = builders.goal(project__code="ajjf-2026")
    response = finance_page.get(url(goal.pk))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    assert "ajjf-2026-2026.xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(BytesIO(response.content))["绩效目标申报表"]
    assert sheet["A1"].value == "2026年度项目支出绩效目标申报表"
    assert sheet["B2"].value == "冷水江市人民检察院"

"""The 自评一致性 panel of the score sheet (issue 16): the consistency findings of the stored
sheet shown to the preparer and to the reviewers above, none when the sheet holds together."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from backend.evaluation.services import record_self_evaluation
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import draft_evaluation
from tests.web.workspace.monitoring.conftest import in_unit

pytestmark = pytest.mark.django_db


def test_findings_panel(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    finance = persona("finance")
    evaluation = draft_evaluation(finance)
    url = f"/evaluations/{evaluation.pk}/"
    assert 'data-testid="findings"' not in browse(finance).get(url).content.decode()
    with in_unit():
        # q1 missed (60 of 120) but overridden to its full 30 points
        record_self_evaluation(
            evaluation,
            finance,
            indicators=[
                {
                    "code": "q1",
                    "actual_value": "60",
                    "deviation_reason": "人员不足",
                    "override_score": "30",
                    "override_reason": "领导认可",
                }
            ],
        )
    for who in ("finance", "city_reviewer"):
        html = browse(persona(who)).get(url).content.decode()
        assert 'data-testid="findings"' in html, who
        assert "自评一致性提示（1）" in html
        assert "未完成目标却得满分：" in html and "未完成目标，却得满分30分" in html

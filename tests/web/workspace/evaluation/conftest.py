"""Data of the self-evaluation page tests, in 冷水江's schema through the services: an approved
goal of 2026 (q1 ≥120 件 30, q2 ≥95 % 20, e1 qualitative 30, s1 ≥90 % 10) with 900,000 of
1,000,000 spent, and its draft self-evaluation."""

from __future__ import annotations

from typing import Any

from backend.accounts.models import User
from backend.evaluation.models import SelfEvaluation
from backend.evaluation.services import start_self_evaluation
from tests.evaluation.factories import approved_goal, project_of
from tests.web.workspace.monitoring.conftest import in_unit

YEAR = 2026


def draft_evaluation(finance: User, **goal: Any) -> SelfEvaluation:
    with in_unit():
        goal_row = approved_goal(**goal)
        return start_self_evaluation(project_of(goal_row), YEAR, finance)


def sheet(**changes: str) -> dict[str, str]:
    """Score-sheet form data that meets every target (total 96.00 with 900,000 spent)."""
    data = {
        "executed": "900000.00",
        "deviation_analysis": "",
        "improvement_measures": "加强办案力量统筹。",
        "q1-actual_value": "130",
        "q2-actual_value": "96",
        "e1-band": "achieved",
        "e1-band_score": "27",
        "e1-explanation": "群众评价较好，扣3分",
        "s1-actual_value": "92",
    }
    for code in ("q1", "q2", "e1", "s1"):
        for name in (
            "actual_text",
            "deviation_cause",
            "deviation_reason",
            "override_score",
            "override_reason",
        ):
            data.setdefault(f"{code}-{name}", "")
        data.setdefault(f"{code}-explanation", "")
    data.update(changes)
    return data


def field_error(html: str, field: str) -> str:
    marker = f'data-field-error="{field}">'
    assert marker in html, f"no error next to {field}"
    return html.split(marker, 1)[1].split("<", 1)[0]

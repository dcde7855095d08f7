"""Data of the console's 重点评价 and 我的评价任务 page tests: a finalised self-evaluation of
冷水江 (tests/key_evaluation/factories), selected by 娄底 through the service; evaluators;
bulk rows for the query counts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from backend.accounts.models import Membership, Role, User
from backend.key_evaluation import services
from backend.key_evaluation.models import (
    AssignmentStatus,
    EvaluatorAssignment,
    KeyEvaluation,
)
from tenants.models import Procuratorate
from tests.factories import UserFactory
from tests.key_evaluation.factories import finalised_project

D = Decimal
# evaluator A of tests/key_evaluation/test_services.py: 84.00; B: 84.39 (self-score 96.00)
SHEET_A: list[dict[str, Any]] = [
    {"code": "q1", "actual_value": D("80")},
    {"code": "q2", "actual_value": D("95")},
    {"code": "e1", "band": "partly", "band_score": D("21")},
    {"code": "s1", "actual_value": D("90")},
]
SHEET_B: list[dict[str, Any]] = [
    {"code": "q1", "actual_value": D("90")},
    {"code": "q2", "actual_value": D("90")},
    {"code": "e1", "band": "partly", "band_score": D("20")},
    {"code": "s1", "actual_value": D("85")},
]


def unit(code: str) -> Procuratorate:
    return Procuratorate.objects.get(code=code)


def evaluator(username: str, at: str = "hunan") -> User:
    user = UserFactory(username=username, full_name=username)
    Membership.objects.get_or_create(user=user, unit=unit(at), role=Role.EVALUATOR)
    return user


def selected(
    manager: User, code: str = "prj-key", unit_code: str = "lengshuijiang", issuer: str = "loudi"
) -> KeyEvaluation:
    fact = finalised_project(unit(unit_code), code=code)
    return services.select_for_key_evaluation(
        unit(issuer), manager, unit(unit_code), fact.project_id, 2026
    )


def scored(
    key_eval: KeyEvaluation, manager: User, sheets: dict[User, list[dict[str, Any]]]
) -> list[EvaluatorAssignment]:
    """Assign the evaluators and have each submit their sheet."""
    services.assign_evaluators(key_eval, manager, [u.pk for u in sheets])
    out = []
    for user, sheet in sheets.items():
        a = EvaluatorAssignment.objects.get(key_evaluation=key_eval, evaluator=user)
        services.record_evaluator_scores(a, user, sheet)
        out.append(services.submit_evaluator_scores(a, user))
    return out


def many(n: int, evaluator_user: User, start: int = 0, unit_code: str = "lianyuan") -> None:
    """``n`` key evaluations of 涟源 (bulk, snapshot figures only), each with one submitted
    assignment of ``evaluator_user``."""
    rows = KeyEvaluation.objects.bulk_create(
        KeyEvaluation(
            unit=unit(unit_code),
            issuer=unit("loudi"),
            kind="key",
            status="evaluating",
            fiscal_year=2026,
            project_id=500_000 + start + i,
            project_code=f"bulk-{start + i}",
            project_name=f"批量项目{start + i}",
            evaluation_id=1,
            layout="split",
            execution_weight=D(10),
            full_budget=D("100000.00"),
            executed=D("90000.00"),
            execution_rate=D("90.00"),
            execution_score=D("9.00"),
            self_score=D("96.00"),
            self_grade="优",
        )
        for i in range(n)
    )
    EvaluatorAssignment.objects.bulk_create(
        EvaluatorAssignment(
            key_evaluation=r,
            evaluator=evaluator_user,
            status=AssignmentStatus.SUBMITTED,
            total=D("80.00"),
        )
        for r in rows
    )

"""``rebuild_facts`` recomputes the evaluation columns, indicator results and unit-year facts
exactly as the finalisations wrote them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from backend.accounts.models import User
from backend.benchmarking.models import UnitYearFact
from backend.benchmarking.selectors import facts_of
from backend.evaluation.services import (
    finalise_department_evaluation,
    finalise_self_evaluation,
    record_self_evaluation,
    start_department_evaluation,
    start_self_evaluation,
    submit_department_evaluation,
    submit_self_evaluation,
)
from tenants.models import Procuratorate
from tests.evaluation.factories import MET, actors, approved_goal, project_of

pytestmark = pytest.mark.django_db
D = Decimal


def unit_years(unit: Procuratorate) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in row.items() if k not in ("id", "updated_at")}
        for row in UnitYearFact.objects.filter(unit=unit).order_by("fiscal_year").values()
    ]


def test_rebuild_facts_agrees_with_the_finalisations(
    lsj: Procuratorate, member: Callable[..., User]
) -> None:
    users = actors(member)
    for budget in ("1000000.00", "2500000.00"):
        evaluation = start_self_evaluation(
            project_of(approved_goal(budget=budget)), 2026, users["finance"]
        )
        record_self_evaluation(evaluation, users["finance"], indicators=MET)
        submit_self_evaluation(evaluation, users["finance"])
        finalise_self_evaluation(evaluation, users["leader"])
    # 96.00 and 3.60 + 87 = 90.60: (96 × 1 M + 90.60 × 2.5 M) ÷ 3.5 M = 92.14.
    # A draft writes nothing.
    start_self_evaluation(project_of(approved_goal()), 2026, users["finance"])
    department = start_department_evaluation(2026, users["finance"])
    submit_department_evaluation(department, users["finance"])
    finalise_department_evaluation(department, users["leader"])

    before, years = facts_of(lsj), unit_years(lsj)
    assert sum(1 for p in before["projects"] if p["self_score"] is not None) == 2
    assert sum(1 for i in before["indicators"] if i["score"] is not None) == 6
    assert years[0]["evaluated_projects"] == 2 and years[0]["department_score"] == D("92.14")
    out = StringIO()
    call_command("rebuild_facts", "--unit", "lengshuijiang", stdout=out, verbosity=0)
    assert "1 unit-year facts" in out.getvalue()
    after = facts_of(lsj)
    for kind in ("projects", "indicators"):
        for a, b in zip(after[kind], before[kind], strict=True):
            assert a == b, {k: (a[k], b[k]) for k in a if a[k] != b[k]}
    assert unit_years(lsj) == years

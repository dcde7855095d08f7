"""Test data for key evaluation: a unit's finalised self-evaluation (tenant ``SelfEvaluation``
+ ``IndicatorScore`` rows, scored by the engine) and its public ``ProjectFact`` with
``finalised_at`` set, written directly with the ORM (the evaluation services are another
part of the build). ``finalised_project(unit, ...)`` switches to the unit's schema and back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone
from django_tenants.utils import schema_context

from backend.benchmarking.models import ProjectFact
from backend.evaluation import scoring
from backend.evaluation.models import EvaluationStatus, IndicatorScore, SelfEvaluation
from tenants.models import Procuratorate
from tests.goals.factories import GoalFactory, ProjectFactory

D = Decimal
BUDGET = D("100000.00")
EXECUTED = D("90000.00")

# 10/50/30/10: output 30 + 20, effect 30 (qualitative), satisfaction 10.
INDICATORS: list[dict[str, Any]] = [
    {
        "code": "q1",
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "办理案件数",
        "value_type": "quantitative",
        "direction": "gte",
        "unit": "件",
        "target_value": D("100"),
        "weight": D("30"),
        "actual_value": D("100"),
    },
    {
        "code": "q2",
        "level1": "产出指标",
        "level2": "质量指标",
        "name": "案件质量合格率",
        "value_type": "quantitative",
        "direction": "gte",
        "unit": "%",
        "target_value": D("95"),
        "weight": D("20"),
        "actual_value": D("95"),
    },
    {
        "code": "e1",
        "level1": "效益指标",
        "level2": "社会效益指标",
        "name": "司法公信力提升",
        "value_type": "qualitative",
        "direction": "",
        "unit": "",
        "target_value": None,
        "target_text": "明显提升",
        "weight": D("30"),
        "band": "achieved",
        "band_score": D("27"),
    },
    {
        "code": "s1",
        "level1": "满意度指标",
        "level2": "服务对象满意度指标",
        "name": "当事人满意度",
        "value_type": "quantitative",
        "direction": "gte",
        "unit": "%",
        "target_value": D("90"),
        "weight": D("10"),
        "actual_value": D("92"),
    },
]


class ProjectFactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectFact

    fiscal_year = 2026
    project_id = factory.Sequence(lambda n: 900000 + n)
    project_code = factory.Sequence(lambda n: f"fact-{n}")
    project_name = factory.Sequence(lambda n: f"事实项目 {n}")
    category = "project"
    kind = "case_funds"
    initial_budget = D("100000.00")
    full_budget = D("100000.00")
    goal_id = factory.Sequence(lambda n: 900000 + n)
    goal_grade = "good"
    approved_at = factory.LazyFunction(timezone.now)
    finalised_at = factory.LazyFunction(timezone.now)
    self_score = D("80.00")
    self_grade = "良"


def _input(row: dict[str, Any]) -> scoring.IndicatorInput:
    return scoring.IndicatorInput(
        code=row["code"],
        level1=row["level1"],
        value_type=row["value_type"],
        direction=row["direction"],
        target=row.get("target_value"),
        weight=row["weight"],
        actual=row.get("actual_value"),
        band=row.get("band"),
        band_score=row.get("band_score"),
        override=row.get("override_score"),
        override_reason=row.get("override_reason", ""),
        deviation_reason=row.get("deviation_reason", ""),
    )


def finalised_project(
    unit: Procuratorate,
    *,
    code: str = "prj-key",
    full_budget: Decimal = BUDGET,
    executed: Decimal = EXECUTED,
    indicators: list[dict[str, Any]] | None = None,
    fiscal_year: int = 2026,
    status: str = EvaluationStatus.FINALISED,
    extra_flags: list[str] | None = None,
) -> ProjectFact:
    """A project of ``unit`` with a self-evaluation (finalised unless told otherwise) scored
    by the engine, and its public fact. Default figures: execution 90 % (9.00) + 30 + 20 +
    27 + 10 = 96.00 (优)."""
    rows = indicators if indicators is not None else INDICATORS
    sheet = scoring.score_project(
        scoring.ProjectInput(
            full_budget=full_budget,
            executed=executed,
            indicators=[_input(r) for r in rows],
        ),
        strict=False,
    )
    scores = {s.code: s for s in sheet.indicators}
    now = timezone.now()
    finalised = status == EvaluationStatus.FINALISED
    with schema_context(unit.schema_name):
        project = ProjectFactory(code=code, fiscal_year=fiscal_year, initial_budget=full_budget)
        goal = GoalFactory(project=project, status="approved")
        evaluation = SelfEvaluation.objects.create(
            project=project,
            goal=goal,
            fiscal_year=fiscal_year,
            status=status,
            full_budget=full_budget,
            executed=executed,
            layout="split",
            execution_weight=D("10"),
            execution_rate=sheet.execution_rate,
            execution_score=sheet.execution_score,
            group_scores={k: str(v) for k, v in sheet.groups.items()},
            total=sheet.total,
            grade=sheet.grade,
            flags=[{"code": f.code, "message": f.message} for f in sheet.flags],
            scored_at=now,
            deviation_analysis="无重大偏差。",
            finalised_at=now if finalised else None,
        )
        for index, row in enumerate(rows):
            result = scores[row["code"]]
            IndicatorScore.objects.create(
                evaluation=evaluation,
                sort_order=index,
                code=row["code"],
                level1=row["level1"],
                level2=row["level2"],
                name=row["name"],
                value_type=row["value_type"],
                direction=row["direction"],
                unit=row["unit"],
                target_value=row.get("target_value"),
                target_text=row.get("target_text", ""),
                weight=row["weight"],
                actual_value=row.get("actual_value"),
                band=row.get("band", ""),
                band_score=row.get("band_score"),
                deviation_reason=row.get("deviation_reason", ""),
                computed_score=result.computed,
                rule=result.rule,
                computation=result.explanation,
                final_score=result.final,
                flags=[{"code": f.code, "message": f.message} for f in result.flags],
            )
        project_id, goal_id, name = project.pk, goal.pk, project.name
    flags = sheet.flag_codes() + list(extra_flags or [])
    return ProjectFactFactory(
        unit=unit,
        fiscal_year=fiscal_year,
        project_id=project_id,
        project_code=code,
        project_name=name,
        initial_budget=full_budget,
        full_budget=full_budget,
        goal_id=goal_id,
        executed=executed,
        execution_rate=sheet.execution_rate,
        self_score=sheet.total,
        self_grade=sheet.grade,
        evaluation_flags=flags,
        finalised_at=now if finalised else None,
    )

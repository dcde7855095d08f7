"""Scored self-evaluations and department evaluations for the report tests, written with the
ORM and scored by the pure engine the way the evaluation services store a score sheet
(``group_scores`` as strings, ``flags`` as ``{code, message, indicator}``). Run inside a unit's
schema."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from backend.budgets.models import Project
from backend.evaluation import scoring
from backend.evaluation.models import (
    DepartmentEvaluation,
    DepartmentIndicatorScore,
    EvaluationStatus,
    IndicatorResultFields,
    IndicatorScore,
    ScoreSheetFields,
    SelfEvaluation,
)
from backend.indicators.models import ValueType
from tests.goals.factories import ProjectFactory, make_goal

# Actual results for tests.goals.factories.VALID_INDICATORS (q1 missed with a reason and an
# override, q2 met, e1 qualitative, s1 met).
ACTUALS: dict[str, dict[str, Any]] = {
    "q1": {
        "actual_value": Decimal("96"),
        "deviation_cause": "staffing",
        "deviation_reason": "办案人员调整，部分案件结转下年。",
        "override_score": Decimal("25.00"),
        "override_reason": "结转案件已于次年一月办结，酌情给分。",
    },
    "q2": {"actual_value": Decimal("97.5")},
    "e1": {"actual_text": "群众评价明显提升", "band": "achieved", "band_score": Decimal("27")},
    "s1": {"actual_value": Decimal("93")},
}


def _input(row: IndicatorResultFields) -> scoring.IndicatorInput:
    qualitative = row.value_type == ValueType.QUALITATIVE
    return scoring.IndicatorInput(
        code=row.code,
        level1=row.level1,
        value_type=row.value_type,  # type: ignore[arg-type]
        direction="" if qualitative else row.direction,  # type: ignore[arg-type]
        target=None if qualitative else row.target_value,
        weight=row.weight,
        actual=None if qualitative else row.actual_value,
        band=(row.band or None) if qualitative else None,  # type: ignore[arg-type]
        band_score=row.band_score if qualitative else None,
        override=row.override_score,
        override_reason=row.override_reason,
        deviation_reason=row.deviation_reason,
    )


def score(
    sheet: ScoreSheetFields, rows: list[Any], full_budget: Decimal, executed: Decimal
) -> None:
    result = scoring.score_project(
        scoring.ProjectInput(
            full_budget=full_budget,
            executed=executed,
            indicators=[_input(r) for r in rows],
        )
    )
    by_code = {s.code: s for s in result.indicators}
    for row in rows:
        scored = by_code[row.code]
        row.computed_score, row.final_score = scored.computed, scored.final
        row.rule, row.computation = scored.rule, scored.explanation
        row.flags = [
            {"code": f.code, "message": f.message, "indicator": f.indicator} for f in scored.flags
        ]
        row.save()
    sheet.layout = "split"
    sheet.execution_weight = Decimal(10)
    sheet.execution_rate, sheet.execution_score = result.execution_rate, result.execution_score
    sheet.group_scores = {k: str(v) for k, v in result.groups.items()}
    sheet.total, sheet.grade = result.total, result.grade
    sheet.flags = [
        {"code": f.code, "message": f.message, "indicator": f.indicator} for f in result.flags
    ]
    sheet.save()


def make_evaluation(
    *,
    project: Project | None = None,
    executed: Decimal = Decimal("450000.00"),
    actuals: Mapping[str, Mapping[str, Any]] = ACTUALS,
    status: str = EvaluationStatus.FINALISED,
    **project_fields: Any,
) -> SelfEvaluation:
    """A scored self-evaluation of a goal with the four valid indicators."""
    project = project or ProjectFactory(**project_fields)
    goal = make_goal(project=project)
    evaluation = SelfEvaluation.objects.create(
        project=project,
        goal=goal,
        fiscal_year=project.fiscal_year,
        status=status,
        full_budget=project.full_budget,
        executed=executed,
        layout="split",
        execution_weight=Decimal(10),
        deviation_analysis="部分案件因人员调整结转下年办理。",
        improvement_measures="加强办案力量统筹，按月通报进度。",
    )
    rows = []
    for gi in goal.indicators.order_by("sort_order"):
        rows.append(
            IndicatorScore.objects.create(
                evaluation=evaluation,
                goal_indicator=gi,
                code=gi.code,
                level1=gi.level1,
                level2=gi.level2,
                name=gi.name,
                value_type=gi.value_type,
                direction=gi.direction,
                unit=gi.unit,
                target_value=gi.target_value,
                target_text=gi.target_text,
                weight=gi.weight,
                sort_order=gi.sort_order,
                **actuals.get(gi.code, {}),
            )
        )
    score(evaluation, rows, evaluation.full_budget, executed)
    return evaluation


def make_department(*, fiscal_year: int = 2026) -> DepartmentEvaluation:
    """A scored department evaluation with two unit-level indicators."""
    department = DepartmentEvaluation.objects.create(
        fiscal_year=fiscal_year,
        layout="split",
        execution_weight=Decimal(10),
        full_budget=Decimal("2000000.00"),
        executed=Decimal("1900000.00"),
        evaluated_projects=1,
        evaluated_budget=Decimal("500000.00"),
        project_score=Decimal("88.75"),
        project_grade="良",
        summary="部门整体预算执行良好，办案质效稳步提升。",
        improvement_measures="完善绩效目标编制，强化过程监控。",
    )
    specs = [
        ("d1", "产出指标", "数量指标", "部门重点工作完成数", "gte", "项", "10", "50", "10"),
        ("d2", "效益指标", "社会效益指标", "人民群众满意度", "gte", "%", "90", "40", "88"),
    ]
    rows = [
        DepartmentIndicatorScore.objects.create(
            evaluation=department,
            code=code,
            level1=level1,
            level2=level2,
            name=name,
            value_type=ValueType.QUANTITATIVE,
            direction=direction,
            unit=unit_,
            target_value=Decimal(target),
            weight=Decimal(weight),
            actual_value=Decimal(actual),
            sort_order=i,
            deviation_reason="" if Decimal(actual) >= Decimal(target) else "个别投诉未及时回应。",
        )
        for i, (code, level1, level2, name, direction, unit_, target, weight, actual) in enumerate(
            specs
        )
    ]
    score(department, rows, department.full_budget, department.executed)
    return department

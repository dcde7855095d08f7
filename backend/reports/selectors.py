"""What the PDF reports show, read from a unit's schema into plain dataclasses (the renderers in
``pdf.py`` never touch the ORM). Call these inside the unit's schema."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backend.evaluation.models import (
    Band,
    DepartmentEvaluation,
    EvaluationStatus,
    IndicatorResultFields,
    SelfEvaluation,
)
from backend.evaluation.scoring import GROUP_LABELS
from backend.indicators.models import Direction, ValueType
from backend.indicators.system import GROUP_OF_LEVEL1, ScoringGroup

GROUP_ORDER = (ScoringGroup.OUTPUT, ScoringGroup.EFFECT, ScoringGroup.SATISFACTION)
RULE_LABELS = {
    "gte": "≥ 比例计分",
    "lte": "≤ 比例计分",
    "eq": "= 偏差计分",
    "band": "定性分档",
    "missing": "未填报",
}


@dataclass(frozen=True)
class IndicatorLine:
    level1: str
    level2: str
    name: str
    target: str  # "≥ 120 件", or the qualitative target text
    actual: str  # "126 件", or the band and its text
    weight: Decimal
    computed: Decimal | None
    final: Decimal | None
    computation: str  # the engine's arithmetic
    override: str  # "" or "人工调整为 9.00 分（计算得分 10.00）：理由"
    deviation: str  # "" or the deviation cause and reason


@dataclass(frozen=True)
class GroupLine:
    label: str
    weight: Decimal
    score: Decimal | None


@dataclass(frozen=True)
class ProjectReport:
    """项目支出绩效自评报告."""

    unit_name: str
    project_code: str
    project_name: str
    department: str
    person_in_charge: str
    fiscal_year: int
    status: str
    initial_budget: Decimal
    full_budget: Decimal
    executed: Decimal | None
    execution_rate: Decimal | None
    execution_weight: Decimal
    execution_score: Decimal | None
    overall_goal: str
    achieved_summary: str
    indicators: tuple[IndicatorLine, ...]
    groups: tuple[GroupLine, ...]
    total: Decimal | None
    grade: str
    flags: tuple[str, ...]
    deviation_analysis: str
    improvement_measures: str
    generated_on: datetime.date


@dataclass(frozen=True)
class ProjectLine:
    code: str
    name: str
    full_budget: Decimal
    executed: Decimal | None
    execution_rate: Decimal | None
    total: Decimal | None
    grade: str
    status: str


@dataclass(frozen=True)
class UnitReport:
    """部门整体支出绩效自评报告."""

    unit_name: str
    fiscal_year: int
    status: str
    full_budget: Decimal
    executed: Decimal | None
    execution_rate: Decimal | None
    execution_weight: Decimal
    execution_score: Decimal | None
    evaluated_projects: int
    evaluated_budget: Decimal
    project_score: Decimal | None
    project_grade: str
    indicators: tuple[IndicatorLine, ...]
    groups: tuple[GroupLine, ...]
    total: Decimal | None
    grade: str
    flags: tuple[str, ...]
    summary: str
    improvement_measures: str
    projects: tuple[ProjectLine, ...]
    generated_on: datetime.date


# --- formatting -----------------------------------------------------------------------------


def number(value: Decimal | None) -> str:
    """A declared or reported figure without trailing zeros (``120.0000`` → ``120``)."""
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return text


def _target(row: IndicatorResultFields) -> str:
    if row.value_type == ValueType.QUALITATIVE:
        return row.target_text
    operator = Direction(row.direction).label if row.direction else ""
    return " ".join(p for p in (operator, number(row.target_value), row.unit) if p)


def _actual(row: IndicatorResultFields) -> str:
    if row.value_type == ValueType.QUALITATIVE:
        parts = [row.actual_text]
        if row.band:
            band = Band(row.band).label
            if row.band_score is not None:
                band += f"（档内 {row.band_score} 分）"
            parts.append(band)
        return "；".join(p for p in parts if p)
    if row.actual_value is None:
        return "未填报"
    return " ".join(p for p in (number(row.actual_value), row.unit) if p)


def _override(row: IndicatorResultFields) -> str:
    """The person's score and reason, unless the engine's explanation already states them."""
    if row.override_score is None:
        return ""
    if row.override_reason and row.override_reason in row.computation:
        return ""
    computed = f"{row.computed_score}" if row.computed_score is not None else "—"
    reason = row.override_reason or "（未填写理由）"
    return f"人工调整为 {row.override_score} 分（计算得分 {computed}）：{reason}"


def _deviation(row: IndicatorResultFields) -> str:
    cause = row.get_deviation_cause_display() if row.deviation_cause else ""
    return "：".join(p for p in (cause, row.deviation_reason) if p)


def indicator_lines(rows: Iterable[IndicatorResultFields]) -> tuple[IndicatorLine, ...]:
    return tuple(
        IndicatorLine(
            level1=row.level1,
            level2=row.level2,
            name=row.name,
            target=_target(row),
            actual=_actual(row),
            weight=row.weight,
            computed=row.computed_score,
            final=row.final_score,
            computation=row.computation,
            override=_override(row),
            deviation=_deviation(row),
        )
        for row in rows
    )


def group_lines(
    lines: Sequence[IndicatorLine],
    group_scores: Mapping[str, Any] | None,
    group_weights: Mapping[str, Any] | None,
) -> tuple[GroupLine, ...]:
    """One subtotal per scoring group present (产出 / 效益 / 满意度): the weight its indicators
    carry (or the template's, when it declares one) and the stored subtotal (else the sum of the
    indicators' final scores, or nothing while one is unscored)."""
    weights: dict[str, Decimal] = {}
    scores: dict[str, Decimal | None] = {}
    for line in lines:
        group = str(GROUP_OF_LEVEL1.get(line.level1, line.level1))
        weights[group] = weights.get(group, Decimal(0)) + line.weight
        previous = scores.get(group, Decimal(0))
        scores[group] = None if previous is None or line.final is None else previous + line.final
    for group, value in (group_weights or {}).items():
        if group in weights:
            weights[group] = Decimal(str(value))
    for group, value in (group_scores or {}).items():
        scores[group] = Decimal(str(value))
        weights.setdefault(group, Decimal(str((group_weights or {}).get(group, 0))))
    order = [str(g) for g in GROUP_ORDER] + sorted(g for g in weights if g not in GROUP_ORDER)
    return tuple(
        GroupLine(label=GROUP_LABELS.get(g, g), weight=weights[g], score=scores.get(g))
        for g in order
        if g in weights
    )


def _flags(flags: Any) -> tuple[str, ...]:
    return tuple(str(f.get("message", "")) for f in flags or [] if isinstance(f, dict))


def _achieved_summary(rows: Sequence[IndicatorResultFields]) -> str:
    scored = [r for r in rows if r.final_score is not None]
    if not rows:
        return "未设置绩效指标。"
    full = sum(1 for r in scored if r.final_score == r.weight)
    return (
        f"共 {len(rows)} 项三级指标，已计分 {len(scored)} 项，其中得满分 {full} 项、"
        f"扣分 {len(scored) - full} 项。"
    )


# --- readers --------------------------------------------------------------------------------


def project_report(
    evaluation: SelfEvaluation, *, unit_name: str, today: datetime.date
) -> ProjectReport:
    """The project self-evaluation report of ``evaluation`` (two queries)."""
    evaluation = (
        SelfEvaluation.objects.select_related("project", "goal").filter(pk=evaluation.pk).get()
    )
    rows = list(evaluation.indicators.order_by("sort_order", "id"))
    lines = indicator_lines(rows)
    project = evaluation.project
    return ProjectReport(
        unit_name=unit_name,
        project_code=project.code,
        project_name=project.name,
        department=project.department,
        person_in_charge=project.person_in_charge,
        fiscal_year=evaluation.fiscal_year,
        status=EvaluationStatus(evaluation.status).label,
        initial_budget=project.initial_budget,
        full_budget=evaluation.full_budget,
        executed=evaluation.executed,
        execution_rate=evaluation.execution_rate,
        execution_weight=evaluation.execution_weight,
        execution_score=evaluation.execution_score,
        overall_goal=evaluation.goal.overall_goal,
        achieved_summary=_achieved_summary(rows),
        indicators=lines,
        groups=group_lines(lines, evaluation.group_scores, evaluation.group_weights),
        total=evaluation.total,
        grade=evaluation.grade,
        flags=_flags(evaluation.flags),
        deviation_analysis=evaluation.deviation_analysis,
        improvement_measures=evaluation.improvement_measures,
        generated_on=today,
    )


def unit_report(
    department: DepartmentEvaluation, *, unit_name: str, today: datetime.date
) -> UnitReport:
    """The unit report of ``department`` with every project evaluation of its year (two
    queries)."""
    rows = list(department.indicators.order_by("sort_order", "id"))
    lines = indicator_lines(rows)
    evaluations = SelfEvaluation.objects.filter(fiscal_year=department.fiscal_year).select_related(
        "project"
    )
    projects = tuple(
        ProjectLine(
            code=e.project.code,
            name=e.project.name,
            full_budget=e.full_budget,
            executed=e.executed,
            execution_rate=e.execution_rate,
            total=e.total,
            grade=e.grade,
            status=EvaluationStatus(e.status).label,
        )
        for e in evaluations.order_by("project__code")
    )
    return UnitReport(
        unit_name=unit_name,
        fiscal_year=department.fiscal_year,
        status=EvaluationStatus(department.status).label,
        full_budget=department.full_budget,
        executed=department.executed,
        execution_rate=department.execution_rate,
        execution_weight=department.execution_weight,
        execution_score=department.execution_score,
        evaluated_projects=department.evaluated_projects,
        evaluated_budget=department.evaluated_budget,
        project_score=department.project_score,
        project_grade=department.project_grade,
        indicators=lines,
        groups=group_lines(lines, department.group_scores, department.group_weights),
        total=department.total,
        grade=department.grade,
        flags=_flags(department.flags),
        summary=department.summary,
        improvement_measures=department.improvement_measures,
        projects=projects,
        generated_on=today,
    )

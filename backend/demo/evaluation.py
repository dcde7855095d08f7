"""The demo's past year: every unit's projects of last year with approved goals, their spending,
and the year-end self-evaluations (项目支出绩效自评) and department-wide evaluation (部门整体自评)
taken through the services to finalisation, so the facts, grades, rectifications and budget
linkage suggestions are written as in real use.

Deterministic: a unit's standing comes from ``random.Random(f"{seed}:eval:{unit.code}")`` and
each project's results from ``random.Random(f"{seed}:eval:{unit.code}:{project.code}")``. A
unit that already has evaluations of the year is skipped, so loading again is a no-op.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypedDict

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from backend.accounts.models import User
from backend.budgets.models import Project
from backend.budgets.services import set_monthly_spending
from backend.demo import goals as demo_goals
from backend.evaluation import services as evaluation
from backend.evaluation.models import (
    DepartmentEvaluation,
    EvaluationStatus,
    IndicatorResultFields,
    SelfEvaluation,
)
from backend.goals.models import GoalStatus
from backend.indicators.models import Direction, ValueType
from backend.monitoring.models import DeviationCause
from tenants.models import Procuratorate

CENT = Decimal("0.01")
YUAN = Decimal("0.01")
QUARTER_ENDS = (3, 6, 9, 12)


@dataclass(frozen=True)
class Standing:
    """How a unit did in the year: the spread of its indicators' achievement and of its
    projects' execution (fractions of the target / the budget)."""

    name: str
    achievement: tuple[float, float]
    execution: tuple[float, float]


STANDINGS: tuple[tuple[Standing, float], ...] = (
    (Standing("strong", (0.97, 1.25), (0.95, 1.0)), 0.35),
    (Standing("average", (0.86, 1.12), (0.86, 0.99)), 0.43),
    (Standing("weak", (0.62, 1.02), (0.66, 0.9)), 0.16),
    (Standing("poor", (0.3, 0.8), (0.38, 0.62)), 0.06),
)

DEVIATION_REASONS: dict[str, tuple[str, ...]] = {
    DeviationCause.FUNDING: ("预算下达较晚，部分支出延至次年", "上级转移支付资金到位滞后"),
    DeviationCause.SYSTEMS: ("采购流程调整，项目实施周期延长", "配套制度出台较晚，工作推进受影响"),
    DeviationCause.STAFFING: ("办案人员抽调参加专项工作", "岗位人员调整，工作衔接不畅"),
    DeviationCause.EQUIPMENT: ("设备供货延迟，系统上线推迟", "场地改造未按期完工"),
    DeviationCause.OTHER: ("受案件数量减少等客观因素影响", "年度目标设定偏高"),
}
ANALYSES = {
    "good": "项目总体按计划实施，资金使用规范，绩效目标基本完成。",
    "fair": "项目部分绩效目标未完成，预算执行进度偏慢，主要受资金到位和实施周期影响。",
    "poor": "项目预算执行率低，多项绩效目标未完成，资金使用效益不高。",
}
MEASURES = {
    "good": "进一步细化绩效目标，加强执行监控，巩固项目成效。",
    "fair": "加快预算执行进度，按月跟踪指标完成情况，及时调整实施计划。",
    "poor": "全面梳理项目实施中的问题，制定整改方案，压实责任，下一年度从严安排预算。",
}
DEDUCTION_REASON = "佐证材料不够完整，酌情扣分"


def _standing(rng: random.Random) -> Standing:
    roll, total = rng.random(), 0.0
    for standing, share in STANDINGS:
        total += share
        if roll < total:
            return standing
    return STANDINGS[-1][0]


def _places(unit: str) -> Decimal:
    return CENT if "%" in unit or "率" in unit or "元" in unit else Decimal(1)


def _actual(row: IndicatorResultFields, factor: float) -> Decimal:
    """The quantitative actual a unit reaching ``factor`` of its goal reports."""
    target = row.target_value or Decimal(0)
    places = _places(row.unit)
    if row.direction == Direction.LTE:
        if target == 0:
            return Decimal(0) if factor >= 1 else Decimal(1)
        value = target / Decimal(str(max(factor, 0.2)))
    elif row.direction == Direction.EQ:
        value = target if factor >= 0.95 else target * Decimal(str(factor))
    else:
        value = target * Decimal(str(factor))
    if "%" in row.unit:
        value = min(value, Decimal(100))
    return value.quantize(places, rounding=ROUND_HALF_UP)


def _band(weight: Decimal, factor: float, rng: random.Random) -> tuple[str, Decimal]:
    if factor >= 0.95:
        band, low, high = "achieved", 0.85, 1.0
    elif factor >= 0.75:
        band, low, high = "partly", 0.62, 0.78
    else:
        band, low, high = "not_achieved", 0.3, 0.58
    score = (weight * Decimal(str(rng.uniform(low, high)))).quantize(CENT, rounding=ROUND_HALF_UP)
    return band, score


def indicator_results(
    rows: Sequence[IndicatorResultFields], standing: Standing, rng: random.Random
) -> list[dict[str, Any]]:
    """The results a unit of this standing reports for its indicators."""
    results: list[dict[str, Any]] = []
    for row in rows:
        factor = rng.uniform(*standing.achievement)
        item: dict[str, Any] = {"code": row.code}
        if row.value_type == ValueType.QUANTITATIVE:
            item["actual_value"] = _actual(row, factor)
            met = factor >= 1 or (row.direction == Direction.EQ and factor >= 0.95)
            if met and row.weight >= 5 and rng.random() < 0.1:
                item["override_score"] = row.weight - 1
                item["override_reason"] = DEDUCTION_REASON
        else:
            band, score = _band(row.weight, factor, rng)
            item["band"], item["band_score"] = band, score
            item["actual_text"] = {"achieved": "已达成", "partly": "部分达成"}.get(band, "未达成")
            met = band == "achieved"
            if met and score < row.weight:
                item["explanation"] = "目标总体达成，个别环节仍有提升空间，酌情扣分"
        if not met:
            cause = rng.choice(list(DEVIATION_REASONS))
            item["deviation_cause"] = cause
            item["deviation_reason"] = rng.choice(DEVIATION_REASONS[cause])
        results.append(item)
    return results


def _spend(project: Project, rate: float, *, user: User) -> Decimal:
    """Quarterly spending totals adding up to ``rate`` of the full budget; the total."""
    total = (project.full_budget * Decimal(str(rate))).quantize(YUAN, rounding=ROUND_HALF_UP)
    shares = (Decimal("0.15"), Decimal("0.25"), Decimal("0.25"))
    amounts = [(total * s).quantize(YUAN, rounding=ROUND_HALF_UP) for s in shares]
    amounts.append(total - sum(amounts))
    for month, amount in zip(QUARTER_ENDS, amounts, strict=True):
        set_monthly_spending(project, month=month, amount=amount, user=user)
    return total


class _Texts(TypedDict):
    deviation_analysis: str
    improvement_measures: str


def _texts(standing: Standing) -> _Texts:
    key = {"strong": "good", "average": "good", "weak": "fair"}.get(standing.name, "poor")
    return {"deviation_analysis": ANALYSES[key], "improvement_measures": MEASURES[key]}


def load_unit(
    unit: Procuratorate, *, seed: int, fiscal_year: int, finance: User, leader: User
) -> int:
    """Evaluate one unit's projects of ``fiscal_year`` (its schema, one transaction); the
    number of evaluations created, 0 when it already has some."""
    demo_goals.load_unit(
        unit,
        seed=seed,
        fiscal_year=fiscal_year,
        finance=finance,
        leader=leader,
        approve_all=True,
    )
    with tenant_context(unit), transaction.atomic():
        if SelfEvaluation.objects.filter(fiscal_year=fiscal_year).exists():
            return 0
        unit_rng = random.Random(f"{seed}:eval:{unit.code}")
        standing = _standing(unit_rng)
        # About one unit in twelve has a project still waiting for its leader.
        pending = unit_rng.random() < 0.08
        projects = Project.objects.filter(
            fiscal_year=fiscal_year,
            goals__fiscal_year=fiscal_year,
            goals__status=GoalStatus.APPROVED,
        ).order_by("code")
        created = 0
        for index, project in enumerate(projects):
            rng = random.Random(f"{seed}:eval:{unit.code}:{project.code}")
            executed = _spend(project, rng.uniform(*standing.execution), user=finance)
            item = evaluation.start_self_evaluation(project, fiscal_year, finance)
            rows = list(item.indicators.order_by("sort_order", "id"))
            item = evaluation.record_self_evaluation(
                item,
                finance,
                executed=executed,
                indicators=indicator_results(rows, standing, rng),
                **_texts(standing),
            )
            item = evaluation.submit_self_evaluation(item, finance)
            if not (pending and index == 0):
                evaluation.finalise_self_evaluation(item, leader)
            created += 1
        _department(fiscal_year, standing, unit_rng, finance=finance, leader=leader)
        return created


def _department(
    fiscal_year: int, standing: Standing, rng: random.Random, *, finance: User, leader: User
) -> DepartmentEvaluation:
    department = evaluation.start_department_evaluation(fiscal_year, finance)
    if department.status != EvaluationStatus.DRAFT:
        return department
    rows = list(department.indicators.order_by("sort_order", "id"))
    department = evaluation.record_department_evaluation(
        department,
        finance,
        indicators=indicator_results(rows, standing, rng),
        summary=_texts(standing)["deviation_analysis"],
        improvement_measures=_texts(standing)["improvement_measures"],
    )
    department = evaluation.submit_department_evaluation(department, finance)
    return evaluation.finalise_department_evaluation(department, leader)


def load_evaluations(
    *,
    seed: int = 2026,
    fiscal_year: int | None = None,
    progress: Callable[[Procuratorate], None] | None = None,
    units: Collection[str] | None = None,
) -> int:
    """Give every active unit (or those with the given codes) last year's projects, goals and
    finalised evaluations; one unit at a time, each on its own schema in its own transaction.
    Idempotent. Returns the number of project evaluations created."""
    year = fiscal_year or timezone.localdate().year - 1
    queryset = Procuratorate.objects.filter(active=True).order_by("path")
    if units is not None:
        queryset = queryset.filter(code__in=list(units))
    targets = list(queryset)
    names = [f"{u.code}-{role}" for u in targets for role in ("finance", "leader")]
    users = {user.username: user for user in User.objects.filter(username__in=names)}
    created = 0
    for unit in targets:
        created += load_unit(
            unit,
            seed=seed,
            fiscal_year=year,
            finance=users[f"{unit.code}-finance"],
            leader=users[f"{unit.code}-leader"],
        )
        if progress is not None:
            progress(unit)
    return created

"""The demo's budget projects and performance goals: 3–6 projects of the year in every unit, with
plausible budgets and goals at mixed review statuses. Generated, but deterministic: a unit's
projects come from ``random.Random(f"{seed}:{unit.code}")`` and each goal's details from
``random.Random(f"{seed}:{unit.code}:{project code}")``.

Everything goes through the services a user would call (budgets, goal drafting, the review
workflow, acting as the demo users ``<code>-finance`` and ``<code>-leader``), so the goals
pass the submission checks and the public facts and submissions are written as in real use.
Each unit is filled on its own schema in its own transaction; a unit that already has projects
of the year is skipped, so loading again is a no-op.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from backend.accounts.models import User
from backend.budgets.models import Category, FundingSource, Project, ProjectKind
from backend.budgets.services import add_adjustment, create_project
from backend.goals.models import Decision, GoalIndicator, Grade, PerformanceGoal
from backend.goals.services import drafting, workflow
from backend.indicators import system
from backend.indicators.models import Layout, Template, ValueType
from backend.indicators.services import starter
from backend.library.models import AdoptedTemplate, LibraryIndicator, Source
from tenants.models import Procuratorate, UnitLevel

CENT = Decimal("0.01")

# --- what a unit's projects look like --------------------------------------------------------

# The kinds besides 办案业务经费 (always declared), as many as a unit has projects.
OPTIONAL_KINDS: tuple[str, ...] = (
    ProjectKind.INFORMATISATION.value,
    ProjectKind.EQUIPMENT.value,
    ProjectKind.TRAINING.value,
    ProjectKind.PUBLIC_INTEREST.value,
    ProjectKind.INFRASTRUCTURE.value,
    ProjectKind.OPERATIONS.value,
)

# Yuan, for a county office (基层院); larger levels multiply (LEVEL_SCALE).
BUDGET_RANGES: dict[str, tuple[int, int]] = {
    ProjectKind.CASE_FUNDS: (600_000, 3_000_000),
    ProjectKind.INFORMATISATION: (300_000, 2_500_000),
    ProjectKind.EQUIPMENT: (200_000, 1_500_000),
    ProjectKind.TRAINING: (200_000, 600_000),
    ProjectKind.PUBLIC_INTEREST: (200_000, 1_000_000),
    ProjectKind.INFRASTRUCTURE: (500_000, 4_000_000),
    ProjectKind.OPERATIONS: (1_000_000, 5_000_000),
}
LEVEL_SCALE: dict[str, float] = {
    UnitLevel.COUNTY: 1.0,
    UnitLevel.SPECIAL: 1.0,
    UnitLevel.CITY: 3.0,
    UnitLevel.PROVINCE: 8.0,
}

PROJECT_NAMES: dict[str, tuple[str, ...]] = {
    ProjectKind.CASE_FUNDS: ("{y}年办案业务经费",),
    ProjectKind.INFORMATISATION: (
        "{y}年智慧检务信息化建设项目",
        "{y}年检察业务应用系统升级改造项目",
        "{y}年检察办案网络安全保障项目",
    ),
    ProjectKind.EQUIPMENT: (
        "{y}年检察技术装备购置项目",
        "{y}年办案用车及技术装备更新项目",
        "{y}年电子数据取证设备购置项目",
    ),
    ProjectKind.TRAINING: ("{y}年检察人员教育培训经费", "{y}年检察业务素能提升培训项目"),
    ProjectKind.PUBLIC_INTEREST: ("{y}年公益诉讼专项经费", "{y}年公益诉讼检察办案专项"),
    ProjectKind.INFRASTRUCTURE: ("{y}年办案用房维修改造项目", "{y}年检察服务中心改造项目"),
    ProjectKind.OPERATIONS: ("{y}年机关日常运转经费",),
}

DEPARTMENTS: dict[str, tuple[str, ...]] = {
    ProjectKind.CASE_FUNDS: ("计划财务装备部", "检务保障部"),
    ProjectKind.INFORMATISATION: ("检察技术信息部", "技术信息中心"),
    ProjectKind.EQUIPMENT: ("计划财务装备部", "检察技术信息部"),
    ProjectKind.TRAINING: ("政治部", "检察官培训中心"),
    ProjectKind.PUBLIC_INTEREST: ("公益诉讼检察部", "第五检察部"),
    ProjectKind.INFRASTRUCTURE: ("检务保障部", "办公室"),
    ProjectKind.OPERATIONS: ("办公室", "计划财务装备部"),
}

SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢唐曾彭邓肖蒋"
GIVEN_NAMES: tuple[str, ...] = (
    "伟",
    "芳",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "华",
    "平",
    "刚",
    "建国",
    "志强",
    "晓东",
    "海燕",
    "文博",
    "雨婷",
    "国平",
    "红梅",
    "立新",
)

OVERALL_GOALS: dict[str, str] = {
    ProjectKind.CASE_FUNDS: (
        "保障全年审查逮捕、审查起诉、公益诉讼等检察办案工作经费需要，案件按期办结，"
        "案件质量稳步提升，法律监督质效明显增强，当事人及群众满意度达到90%以上。"
    ),
    ProjectKind.INFORMATISATION: (
        "推进智慧检务建设，完成检察业务应用系统升级和办案终端部署，系统稳定运行，"
        "案件网上办理率不低于95%，提升办案效率和信息共享水平。"
    ),
    ProjectKind.EQUIPMENT: (
        "按计划完成检察技术装备购置并验收合格，装备完好率不低于95%，"
        "增强电子数据取证等检察技术保障能力，满足办案需要。"
    ),
    ProjectKind.TRAINING: (
        "围绕检察业务开展分级分类培训，全年完成培训计划，参训人员考核合格率不低于95%，"
        "检察人员业务素质和履职能力明显提升。"
    ),
    ProjectKind.PUBLIC_INTEREST: (
        "加大生态环境和资源保护、食品药品安全等领域公益诉讼办案力度，诉前检察建议采纳率"
        "不低于90%，督促整改一批损害国家利益和社会公共利益的问题。"
    ),
    ProjectKind.INFRASTRUCTURE: (
        "完成办案用房和检察服务中心维修改造，工程验收合格、按期完工，造价控制在批复预算内，"
        "办案办公条件明显改善。"
    ),
    ProjectKind.OPERATIONS: (
        "保障机关正常运转和干警履职需要，经费支付及时、支出合规，严控“三公”经费，公用经费有所节约。"
    ),
}
MIDTERM_GOALS: dict[str, str] = {
    ProjectKind.INFORMATISATION: "三年内建成覆盖全院主要业务的智慧检务应用体系。",
    ProjectKind.INFRASTRUCTURE: "两年内完成全院办案用房标准化改造。",
    ProjectKind.CASE_FUNDS: "建立稳定可持续的办案经费保障机制。",
}

ADJUSTMENT_REASONS_UP = (
    "追加办案专项经费",
    "上级转移支付追加",
    "年中预算调整追加",
)
ADJUSTMENT_REASONS_DOWN = (
    "年中预算调整追减",
    "压减一般性支出",
    "项目结余收回",
)

# The review outcomes, with their share of the projects.
APPROVED, SUBMITTED, RETURNED, DRAFT, REJECTED = (
    "approved",
    "submitted",
    "returned",
    "draft",
    "rejected",
)
OUTCOME_SHARES: tuple[tuple[str, float], ...] = (
    (APPROVED, 0.58),
    (SUBMITTED, 0.16),
    (RETURNED, 0.11),
    (DRAFT, 0.12),
    (REJECTED, 0.03),
)
REVIEW_COMMENTS = {
    Grade.EXCELLENT: "目标明确、指标完整，与预算匹配，同意。",
    Grade.GOOD: "目标设置基本合理，请按审核意见完善指标后执行。",
    Grade.FAIR: "部分指标目标值偏低或依据不足，请调整后重新报送。",
    Grade.POOR: "绩效目标与项目内容不匹配，指标难以衡量，不予纳入预算。",
}
INDICATOR_COMMENTS = (
    "目标值偏低，请结合上年完成情况适当提高。",
    "请补充目标值测算依据。",
    "计量口径不清，请明确统计范围。",
)


# --- goals written for the project alone (kinds without a template) --------------------------


def _q(
    code: str,
    level1: str,
    level2: str,
    name: str,
    direction: str,
    target: str,
    unit: str,
    weight: str,
    *,
    reverse: bool = False,
    basis: str = "plan",
) -> dict[str, Any]:
    return {
        "code": code,
        "level1": level1,
        "level2": level2,
        "name": name,
        "value_type": ValueType.QUANTITATIVE,
        "direction": direction,
        "polarity": "reverse" if reverse else "positive",
        "unit": unit,
        "target_value": Decimal(target),
        "weight": Decimal(weight),
        "target_basis": basis,
    }


def _t(code: str, level1: str, level2: str, name: str, text: str, weight: str) -> dict[str, Any]:
    return {
        "code": code,
        "level1": level1,
        "level2": level2,
        "name": name,
        "value_type": ValueType.QUALITATIVE,
        "direction": "",
        "target_text": text,
        "weight": Decimal(weight),
    }


OUT, COST, EFFECT, SAT = system.OUTPUT, system.COST, system.EFFECT, system.SATISFACTION
QTY, QUAL, TIME, ECON = "数量指标", "质量指标", "时效指标", "经济成本指标"
SOCIAL, ECOLOGY, ECONOMY = "社会效益指标", "生态效益指标", "经济效益指标"
LASTING, SERVED = "可持续影响指标", "服务对象满意度指标"

# Each passes the submission checks under the default split (output 50, effect 30, sat. 10).
GOAL_ONLY_INDICATORS: dict[str, tuple[dict[str, Any], ...]] = {
    ProjectKind.TRAINING: (
        _q("tr-sessions", OUT, QTY, "举办培训班期数", "gte", "6", "期", "15"),
        _q("tr-trainees", OUT, QTY, "培训检察人员人次", "gte", "300", "人次", "15"),
        _q("tr-pass-rate", OUT, QUAL, "培训考核合格率", "gte", "95", "%", "10", basis="sector"),
        _q("tr-on-time", OUT, TIME, "培训计划按期完成率", "gte", "95", "%", "5"),
        _q("tr-cost", COST, ECON, "人均培训成本", "lte", "1500", "元", "5", reverse=True),
        _t("tr-ability", EFFECT, SOCIAL, "检察人员履职能力", "业务素质和办案能力明显提升", "15"),
        _q("tr-applied", EFFECT, LASTING, "培训成果转化应用率", "gte", "80", "%", "15"),
        _q("tr-satisfaction", SAT, SERVED, "参训人员满意度", "gte", "90", "%", "10"),
    ),
    ProjectKind.PUBLIC_INTEREST: (
        _q("pi-cases", OUT, QTY, "公益诉讼立案数", "gte", "25", "件", "12", basis="history"),
        _q("pi-proposals", OUT, QTY, "诉前检察建议发出数", "gte", "20", "件", "10"),
        _q("pi-lawsuits", OUT, QTY, "提起公益诉讼数", "gte", "3", "件", "8"),
        _q("pi-adoption", OUT, QUAL, "诉前检察建议采纳率", "gte", "90", "%", "10", basis="sector"),
        _q("pi-on-time", OUT, TIME, "案件按期办结率", "gte", "95", "%", "5"),
        _q("pi-cost", COST, ECON, "案均办案成本", "lte", "0.6", "万元", "5", reverse=True),
        _q("pi-restored", EFFECT, ECOLOGY, "督促修复生态环境面积", "gte", "50", "亩", "10"),
        _q("pi-recovered", EFFECT, ECONOMY, "挽回国有财产损失", "gte", "200", "万元", "10"),
        _t("pi-protected", EFFECT, SOCIAL, "公共利益保护成效", "督促整改一批损害公益问题", "10"),
        _q("pi-satisfaction", SAT, SERVED, "群众满意度", "gte", "90", "%", "10"),
    ),
    ProjectKind.INFRASTRUCTURE: (
        _q("bld-area", OUT, QTY, "维修改造面积", "gte", "1200", "平方米", "15"),
        _q("bld-items", OUT, QTY, "完成改造项目数", "gte", "3", "个", "10"),
        _q("bld-acceptance", OUT, QUAL, "工程验收合格率", "eq", "100", "%", "10", basis="sector"),
        _q("bld-on-time", OUT, TIME, "工程按期完工率", "gte", "95", "%", "5"),
        _q("bld-cost", COST, ECON, "工程造价控制率", "lte", "100", "%", "10", reverse=True),
        _t("bld-conditions", EFFECT, SOCIAL, "办案办公条件", "办案办公条件明显改善", "15"),
        _q("bld-life", EFFECT, LASTING, "设施使用年限", "gte", "15", "年", "15", basis="sector"),
        _q("bld-satisfaction", SAT, SERVED, "干警满意度", "gte", "90", "%", "10"),
    ),
    ProjectKind.OPERATIONS: (
        _q("op-staff", OUT, QTY, "保障在编人员数", "gte", "60", "人", "15"),
        _q("op-vehicles", OUT, QTY, "公务用车数量", "lte", "8", "辆", "10", reverse=True),
        _q("op-compliance", OUT, QUAL, "支出合规率", "eq", "100", "%", "10"),
        _q("op-payment", OUT, TIME, "经费支付及时率", "gte", "98", "%", "10"),
        _q("op-three-public", COST, ECON, "“三公”经费支出", "lte", "15", "万元", "5", reverse=True),
        _t("op-running", EFFECT, SOCIAL, "机关运转保障", "保障机关正常高效运转", "15"),
        _q("op-savings", EFFECT, LASTING, "公用经费节约率", "gte", "3", "%", "15"),
        _q("op-satisfaction", SAT, SERVED, "干警满意度", "gte", "90", "%", "10"),
    ),
}
# Kinds that have a starter template, for a unit that has not adopted it: its indicators,
# written for the goal alone (no mandatory or locked flags).
for _spec in starter.STARTER_TEMPLATES:
    _kind = next(k for k in ProjectKind if k.label == _spec.project_kind)
    GOAL_ONLY_INDICATORS[_kind.value] = tuple(
        {k: v for k, v in row.items() if k not in ("mandatory", "locked")}
        for row in _spec.indicators
    )

# Units whose count targets scale with the unit (件, 人次 …), not rates, money or years.
COUNT_UNITS = {"件", "人次", "台", "个", "台（套）", "期", "亩", "平方米", "人"}


# --- the plan of a unit ----------------------------------------------------------------------


@dataclass(frozen=True)
class AdjustmentPlan:
    date: datetime.date
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class ProjectPlan:
    """One demo project and the state its goal ends in."""

    code: str
    name: str
    category: str
    kind: str
    initial_budget: Decimal
    department: str
    person_in_charge: str
    funding_source: str
    adjustment: AdjustmentPlan | None
    outcome: str
    grade: str  # the review's grade ("" for drafts and submissions)
    overall_goal: str
    midterm_goal: str


def _yuan(value: float) -> Decimal:
    """Whole thousands of yuan, two places."""
    return (Decimal(round(value / 1000)) * 1000).quantize(CENT)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def _outcome(rng: random.Random) -> str:
    draw = rng.random()
    for outcome, share in OUTCOME_SHARES:
        if draw < share:
            return outcome
        draw -= share
    return OUTCOME_SHARES[0][0]


def plan_unit(
    unit: Procuratorate, *, seed: int, fiscal_year: int, approve_all: bool = False
) -> list[ProjectPlan]:
    """The projects the demo gives ``unit`` (pure: the same seed gives the same plan). With
    ``approve_all`` every goal is approved (a past year, whose goals went through long ago)."""
    rng = random.Random(f"{seed}:{unit.code}")
    count = rng.randint(3, 6)
    kinds = [ProjectKind.CASE_FUNDS.value, *rng.sample(OPTIONAL_KINDS, count - 1)]
    scale = LEVEL_SCALE.get(unit.level, 1.0)
    plans: list[ProjectPlan] = []
    for kind in kinds:
        low, high = BUDGET_RANGES[kind]
        initial = _yuan(rng.uniform(low, high) * scale)
        adjustment = None
        if rng.random() < 0.3:
            up = rng.random() < 0.7
            amount = _yuan(float(initial) * rng.uniform(0.05, 0.2))
            adjustment = AdjustmentPlan(
                date=datetime.date(fiscal_year, rng.randint(3, 10), rng.randint(1, 28)),
                amount=amount if up else -amount,
                reason=rng.choice(ADJUSTMENT_REASONS_UP if up else ADJUSTMENT_REASONS_DOWN),
            )
        funding = FundingSource.GENERAL
        if kind in (ProjectKind.INFORMATISATION, ProjectKind.EQUIPMENT) and rng.random() < 0.35:
            funding = FundingSource.TRANSFER
        outcome = _outcome(rng)
        if approve_all:
            outcome = APPROVED
        grade = ""
        if outcome == APPROVED:
            grade = Grade.EXCELLENT if rng.random() < 0.45 else Grade.GOOD
        elif outcome == RETURNED:
            grade = Grade.FAIR
        elif outcome == REJECTED:
            grade = Grade.POOR
        plans.append(
            ProjectPlan(
                code=f"{kind.replace('_', '-')}-{fiscal_year}",
                name=rng.choice(PROJECT_NAMES[kind]).format(y=fiscal_year),
                category=Category.BASIC if kind == ProjectKind.OPERATIONS else Category.PROJECT,
                kind=kind,
                initial_budget=initial,
                department=rng.choice(DEPARTMENTS[kind]),
                person_in_charge=_person(rng),
                funding_source=funding,
                adjustment=adjustment,
                outcome=outcome,
                grade=str(grade),
                overall_goal=OVERALL_GOALS[kind],
                midterm_goal=MIDTERM_GOALS.get(kind, "") if rng.random() < 0.6 else "",
            )
        )
    return plans


# --- weights -------------------------------------------------------------------------------------


def _group(level1: str) -> system.ScoringGroup | None:
    return system.GROUP_OF_LEVEL1.get(level1)


def _split(total: Decimal, bases: Sequence[Decimal]) -> list[Decimal] | None:
    """``total`` shared in proportion to ``bases``, in whole points (hundredths when the total
    is not whole), each at least one step, adding up exactly; None if it cannot be."""
    step = Decimal(1) if total == total.to_integral_value() else CENT
    steps = int(total / step)
    if steps < len(bases) or not bases:
        return None
    base_sum = sum(bases, Decimal(0)) or Decimal(len(bases))
    ideal = [(b or Decimal(1)) * steps / base_sum for b in bases]
    shares = [max(1, int(x.to_integral_value(rounding=ROUND_FLOOR))) for x in ideal]
    order = sorted(range(len(bases)), key=lambda i: ideal[i] - shares[i], reverse=True)
    index = 0
    while sum(shares) < steps:
        shares[order[index % len(order)]] += 1
        index += 1
    while sum(shares) > steps:
        largest = max(range(len(shares)), key=lambda i: shares[i])
        shares[largest] -= 1
    return [share * step for share in shares]


def balanced_weights(
    indicators: Sequence[LibraryIndicator], template: Template
) -> dict[str, Decimal] | None:
    """Weights for ``indicators`` (code → weight) that add up as the submission checks want
    (the template's layout and split; satisfaction points to the effect group without a
    satisfaction indicator), keeping locked weights and the proportions of the others; None
    when the locked ones make that impossible."""
    has_satisfaction = any(i.level1 == system.SATISFACTION for i in indicators)
    execution = (
        Decimal(template.execution_weight)
        if template.execution_weight is not None
        else system.DEFAULT_EXECUTION_WEIGHT
    )
    if template.layout == Layout.POOLED:
        groups: dict[Any, Decimal] = {None: Decimal(100) - execution}
    else:
        groups = dict(
            system.group_weights(template.group_weights, has_satisfaction=has_satisfaction)
        )
    weights: dict[str, Decimal] = {}
    for group, target in groups.items():
        members = [
            i for i in indicators if template.layout == Layout.POOLED or _group(i.level1) == group
        ]
        if not members:
            continue
        locked = sum((i.weight for i in members if i.locked), Decimal(0))
        free = [i for i in members if not i.locked]
        weights.update({i.code: i.weight for i in members if i.locked})
        if not free:
            if locked != target:
                return None
            continue
        shares = _split(target - locked, [i.weight for i in free])
        if shares is None:
            return None
        weights.update({i.code: share for i, share in zip(free, shares, strict=True)})
    return weights


def _pick_indicators(
    library: Sequence[LibraryIndicator], template: Template, rng: random.Random
) -> tuple[list[LibraryIndicator], dict[str, Decimal]]:
    """The template's mandatory indicators and a random choice of the others, with weights
    that pass the checks: at least one free (unlocked) indicator in the output and effect
    groups and one quantity indicator; optional ones dropped until the weights can add up."""
    mandatory = [i for i in library if i.mandatory]
    optional = [i for i in library if not i.mandatory]
    chosen = mandatory + [i for i in optional if rng.random() < 0.55]

    def needs(test: Callable[[LibraryIndicator], bool]) -> None:
        if not any(test(i) for i in chosen):
            candidates = [i for i in optional if test(i) and i not in chosen]
            if candidates:
                chosen.append(rng.choice(candidates))

    needs(lambda i: i.level1 == system.OUTPUT and i.level2 == "数量指标")
    needs(lambda i: _group(i.level1) == system.ScoringGroup.OUTPUT and not i.locked)
    needs(lambda i: _group(i.level1) == system.ScoringGroup.EFFECT and not i.locked)
    position = {i.pk: n for n, i in enumerate(library)}
    chosen.sort(key=lambda i: position[i.pk])
    while True:
        weights = balanced_weights(chosen, template)
        if weights is not None:
            return chosen, weights
        droppable = [i for i in chosen if not i.mandatory]
        if not droppable:
            raise RuntimeError(f"template {template.code}: mandatory weights cannot add up")
        chosen.remove(rng.choice(droppable))


def _scaled_target(value: Decimal | None, unit: str, factor: float) -> Decimal | None:
    if value is None or unit not in COUNT_UNITS or value < 2:
        return value
    return Decimal(max(1, round(float(value) * factor)))


# --- loading ---------------------------------------------------------------------------------


@dataclass
class _Library:
    """A unit's adopted templates by project kind label, with their current indicators."""

    templates: dict[str, Template]
    indicators: dict[int, list[LibraryIndicator]]

    @classmethod
    def load(cls) -> _Library:
        adopted = AdoptedTemplate.objects.select_related("template").order_by("template__code")
        templates: dict[str, Template] = {}
        for row in adopted:
            templates.setdefault(row.template.project_kind, row.template)
        indicators: dict[int, list[LibraryIndicator]] = {}
        for indicator in LibraryIndicator.objects.filter(
            source=Source.TEMPLATE, retired_at__isnull=True
        ).order_by("sort_order", "id"):
            assert indicator.template_id is not None
            indicators.setdefault(indicator.template_id, []).append(indicator)
        return cls(templates=templates, indicators=indicators)


def _build_goal(
    project: Project,
    plan: ProjectPlan,
    library: _Library,
    *,
    rng: random.Random,
    factor: float,
    user: User,
) -> PerformanceGoal:
    """A draft goal for ``project``: from the unit's template for its kind (mandatory
    indicators, some others, balanced weights, targets scaled to the unit), else written for
    the goal alone."""
    goal = drafting.create_goal(
        project, overall_goal=plan.overall_goal, midterm_goal=plan.midterm_goal, user=user
    )
    template = library.templates.get(str(ProjectKind(plan.kind).label))
    if template is None:
        for row in GOAL_ONLY_INDICATORS[plan.kind]:
            data = dict(row)
            if data.get("target_value") is not None:
                data["target_value"] = _scaled_target(data["target_value"], data["unit"], factor)
            drafting.add_goal_indicator(goal, data, user=user)
        return goal

    chosen, weights = _pick_indicators(library.indicators.get(template.pk, []), template, rng)
    present = {i.code: i for i in GoalIndicator.objects.filter(goal=goal)}
    for source in chosen:
        indicator = present.get(source.code)
        if indicator is None:
            indicator = drafting.add_library_indicator(goal, source, user=user)
        changes: dict[str, Any] = {}
        if weights[source.code] != indicator.weight:
            changes["weight"] = weights[source.code]
        if not indicator.locked:
            target = _scaled_target(indicator.target_value, indicator.unit, factor)
            if target != indicator.target_value:
                changes["target_value"] = target
        if changes:
            drafting.update_goal_indicator(indicator, changes, user=user)
    return goal


def _review_to(
    goal: PerformanceGoal,
    plan: ProjectPlan,
    *,
    rng: random.Random,
    finance: User,
    leader: User,
) -> None:
    """Move a draft goal to the plan's outcome through the workflow."""
    if plan.outcome == DRAFT:
        return
    workflow.submit(goal, user=finance)
    if plan.outcome == SUBMITTED:
        return
    comments: dict[str, str] | None = None
    if plan.outcome == APPROVED:
        decision = Decision.APPROVE
    elif plan.outcome == RETURNED:
        decision = Decision.RETURN
        free = sorted(
            GoalIndicator.objects.filter(goal=goal, locked=False).values_list("code", flat=True)
        )
        picked = rng.sample(free, min(len(free), rng.randint(1, 2)))
        comments = {code: rng.choice(INDICATOR_COMMENTS) for code in picked}
    else:
        decision = Decision.REJECT
    workflow.review(
        goal,
        user=leader,
        decision=decision,
        grade=plan.grade,
        comment=REVIEW_COMMENTS[Grade(plan.grade)],
        indicator_comments=comments,
    )


def _target_factor(unit: Procuratorate, rng: random.Random) -> float:
    """How a unit's count targets compare with the template's (a county-sized default)."""
    return LEVEL_SCALE.get(unit.level, 1.0) * rng.uniform(0.6, 1.4)


def load_unit(
    unit: Procuratorate,
    *,
    seed: int,
    fiscal_year: int,
    finance: User,
    leader: User,
    approve_all: bool = False,
) -> int:
    """Fill one unit (its schema, one transaction); the number of projects created, 0 when it
    already has projects of the year."""
    with tenant_context(unit), transaction.atomic():
        if Project.objects.filter(fiscal_year=fiscal_year).exists():
            return 0
        library = _Library.load()
        plans = plan_unit(unit, seed=seed, fiscal_year=fiscal_year, approve_all=approve_all)
        for plan in plans:
            rng = random.Random(f"{seed}:{unit.code}:{plan.code}")
            project = create_project(
                code=plan.code,
                name=plan.name,
                category=plan.category,
                kind=plan.kind,
                fiscal_year=fiscal_year,
                initial_budget=plan.initial_budget,
                user=finance,
                department=plan.department,
                person_in_charge=plan.person_in_charge,
                funding_source=plan.funding_source,
            )
            if plan.adjustment is not None:
                add_adjustment(
                    project,
                    date=plan.adjustment.date,
                    amount=plan.adjustment.amount,
                    reason=plan.adjustment.reason,
                    user=finance,
                )
            goal = _build_goal(
                project,
                plan,
                library,
                rng=rng,
                factor=_target_factor(unit, rng),
                user=finance,
            )
            _review_to(goal, plan, rng=rng, finance=finance, leader=leader)
        return len(plans)


def load_goals(
    *,
    seed: int = 2026,
    fiscal_year: int | None = None,
    progress: Callable[[Procuratorate], None] | None = None,
    units: Collection[str] | None = None,
) -> int:
    """Give every active unit (or the units with the given codes) its demo projects and goals
    for ``fiscal_year`` (default: the current year), one unit at a time, each on its own schema
    in its own transaction. Needs the demo users (``load_users``). Idempotent: a unit that
    already has projects of the year is skipped. Returns the number of projects created."""
    year = fiscal_year or timezone.localdate().year
    queryset = Procuratorate.objects.filter(active=True).order_by("path")
    if units is not None:
        queryset = queryset.filter(code__in=list(units))
    targets = list(queryset)
    names = [f"{u.code}-{role}" for u in targets for role in ("finance", "leader")]
    users = {user.username: user for user in User.objects.filter(username__in=names)}
    missing = [name for name in names if name not in users]
    if missing:
        raise RuntimeError(f"demo users missing (run load_users first): {', '.join(missing[:5])}")
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

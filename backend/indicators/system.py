"""The standard indicator system (domain.md, "The indicator system"): level-1 groups, their
level-2 children, and the scoring groups their weights add up in. Pure data, no Django."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum


class ScoringGroup(StrEnum):
    """The parts of a self-evaluation's 100 points that indicator weights fill."""

    OUTPUT = "output"  # 产出 (with 成本 when declared under it or beside it)
    EFFECT = "effect"  # 效益
    SATISFACTION = "satisfaction"  # 满意度


OUTPUT, COST, EFFECT, SATISFACTION = "产出指标", "成本指标", "效益指标", "满意度指标"

# level 1 -> allowed level 2 names
LEVELS: dict[str, tuple[str, ...]] = {
    # Before 2021 cost indicators sat under 产出指标 as 成本指标: both layouts are accepted.
    OUTPUT: ("数量指标", "质量指标", "时效指标", "成本指标"),
    COST: ("经济成本指标", "社会成本指标", "生态环境成本指标"),
    EFFECT: ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    SATISFACTION: ("服务对象满意度指标",),
}

# Short forms seen in real tables, normalised on input.
LEVEL2_ALIASES = {
    "经济效益": "经济效益指标",
    "社会效益": "社会效益指标",
    "生态效益": "生态效益指标",
    "可持续影响": "可持续影响指标",
}

GROUP_OF_LEVEL1: dict[str, ScoringGroup] = {
    OUTPUT: ScoringGroup.OUTPUT,
    COST: ScoringGroup.OUTPUT,
    EFFECT: ScoringGroup.EFFECT,
    SATISFACTION: ScoringGroup.SATISFACTION,
}


class DepartmentGroup(StrEnum):
    """The parts of a department-wide evaluation (部门整体支出绩效评价): 投入 / 过程 / 产出 /
    效果. The budget execution rate counts inside 过程."""

    INPUT = "input"  # 投入
    PROCESS = "process"  # 过程 (budget execution included)
    OUTPUT = "output"  # 产出
    OUTCOME = "outcome"  # 效果


INPUT, PROCESS, OUTCOME = "投入指标", "过程指标", "效果指标"
DEPARTMENT_GROUP_LABELS: dict[DepartmentGroup, str] = {
    DepartmentGroup.INPUT: INPUT,
    DepartmentGroup.PROCESS: PROCESS,
    DepartmentGroup.OUTPUT: OUTPUT,
    DepartmentGroup.OUTCOME: OUTCOME,
}

# Level-1 names of the department-wide layout (short forms included, as published tables
# write them). 效益 and 满意度 indicators of a department table count under 效果.
DEPARTMENT_GROUP_OF_LEVEL1: dict[str, DepartmentGroup] = {
    INPUT: DepartmentGroup.INPUT,
    "投入": DepartmentGroup.INPUT,
    PROCESS: DepartmentGroup.PROCESS,
    "过程": DepartmentGroup.PROCESS,
    OUTPUT: DepartmentGroup.OUTPUT,
    "产出": DepartmentGroup.OUTPUT,
    COST: DepartmentGroup.OUTPUT,
    OUTCOME: DepartmentGroup.OUTCOME,
    "效果": DepartmentGroup.OUTCOME,
    EFFECT: DepartmentGroup.OUTCOME,
    SATISFACTION: DepartmentGroup.OUTCOME,
}

# Level 1 → level 2 headings a department-wide template (layout ``department``) may use: the
# common framework of 部门整体支出绩效评价 (投入: 目标设定, 预算配置; 过程: 预算执行, 预算管理,
# 资产管理; 产出: 职责履行; 效果: 履职效益), and beside them the project headings, which count
# in their department groups (成本 under 产出, 效益 and 满意度 under 效果).
DEPARTMENT_LEVELS: dict[str, tuple[str, ...]] = {
    INPUT: ("目标设定", "预算配置"),
    PROCESS: ("预算执行", "预算管理", "资产管理"),
    OUTPUT: ("职责履行", *LEVELS[OUTPUT]),
    OUTCOME: ("履职效益", "社会公众或服务对象满意度"),
    COST: LEVELS[COST],
    EFFECT: LEVELS[EFFECT],
    SATISFACTION: LEVELS[SATISFACTION],
}


def levels_for(layout: str | None) -> dict[str, tuple[str, ...]]:
    """The level 1 → level 2 headings an indicator of a template of ``layout`` may use."""
    return DEPARTMENT_LEVELS if layout == "department" else LEVELS


# The common split of a department-wide evaluation; a province's policy may set its own.
DEFAULT_DEPARTMENT_WEIGHTS: dict[DepartmentGroup, Decimal] = {
    DepartmentGroup.INPUT: Decimal("15"),
    DepartmentGroup.PROCESS: Decimal("55"),
    DepartmentGroup.OUTPUT: Decimal("20"),
    DepartmentGroup.OUTCOME: Decimal("10"),
}

DEFAULT_EXECUTION_WEIGHT = Decimal("10")
DEFAULT_GROUP_WEIGHTS: dict[ScoringGroup, Decimal] = {
    ScoringGroup.OUTPUT: Decimal("50"),
    ScoringGroup.EFFECT: Decimal("30"),
    ScoringGroup.SATISFACTION: Decimal("10"),
}


def group_weights(
    declared: dict[str, Decimal] | None, *, has_satisfaction: bool
) -> dict[ScoringGroup, Decimal]:
    """The weight each group's indicators must add up to. Without satisfaction indicators the
    satisfaction points go to the effect group (效益 40 by default)."""
    weights = dict(DEFAULT_GROUP_WEIGHTS)
    if declared:
        weights = {ScoringGroup(k): Decimal(str(v)) for k, v in declared.items()}
    if not has_satisfaction:
        weights[ScoringGroup.EFFECT] = weights.get(ScoringGroup.EFFECT, Decimal(0)) + weights.pop(
            ScoringGroup.SATISFACTION, Decimal(0)
        )
    return weights

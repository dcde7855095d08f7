"""The vocabulary the starter templates are written in: indicator builders and short names."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backend.indicators.models import (
    Direction,
    Polarity,
    ScoringMethod,
    TargetBasis,
    ValueType,
)

CHANGELOG = "初始版本（省院示例指标库）。"

# level 2 names
QUANTITY, QUALITY, TIMELINESS = "数量指标", "质量指标", "时效指标"
ECONOMIC_COST = "经济成本指标"
SOCIAL, SUSTAINABLE = "社会效益指标", "可持续影响指标"
SERVED = "服务对象满意度指标"

HISTORY, SECTOR, PLAN = TargetBasis.HISTORY, TargetBasis.SECTOR, TargetBasis.PLAN


def quantitative(
    code: str,
    level1: str,
    level2: str,
    name: str,
    direction: Direction,
    target: str,
    unit: str,
    weight: str,
    *,
    basis: TargetBasis = PLAN,
    reverse: bool = False,
    guidance: str = "",
    mandatory: bool = False,
    locked: bool = False,
) -> dict[str, Any]:
    return {
        "code": code,
        "level1": level1,
        "level2": level2,
        "name": name,
        "value_type": ValueType.QUANTITATIVE,
        "direction": direction,
        "polarity": Polarity.REVERSE if reverse else Polarity.POSITIVE,
        "unit": unit,
        "target_value": Decimal(target),
        "weight": Decimal(weight),
        "scoring_method": ScoringMethod.PROPORTIONAL,
        "target_basis": basis,
        "guidance": guidance,
        "mandatory": mandatory,
        "locked": locked,
    }


def qualitative(
    code: str,
    level1: str,
    level2: str,
    name: str,
    target_text: str,
    weight: str,
    *,
    basis: TargetBasis = PLAN,
    guidance: str = "",
    mandatory: bool = False,
    locked: bool = False,
) -> dict[str, Any]:
    return {
        "code": code,
        "level1": level1,
        "level2": level2,
        "name": name,
        "value_type": ValueType.QUALITATIVE,
        "direction": "",
        "target_text": target_text,
        "weight": Decimal(weight),
        "scoring_method": ScoringMethod.BANDS,
        "target_basis": basis,
        "guidance": guidance,
        "mandatory": mandatory,
        "locked": locked,
    }


GTE, LTE, EQ = Direction.GTE, Direction.LTE, Direction.EQ


@dataclass(frozen=True)
class StarterTemplate:
    code: str
    name: str
    project_kind: str
    description: str
    indicators: tuple[dict[str, Any], ...]

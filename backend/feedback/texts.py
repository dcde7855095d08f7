"""Per-unit figures merged into a feedback text (pure, no ORM).

A feedback batch has one text (``FeedbackBatch.body``) and each unit's item its own figures
(``FeedbackItem.figures``: ``services.unit_figures`` plus, when the batch was built from a
benchmark view, the metric's figures). The text may name figures by placeholders in braces —
``{单位}``, ``{指标值}``, ``{排名}`` … (``PLACEHOLDERS``) — and each unit reads the text with
its own figures in them (``merge``). A placeholder whose figure the item does not have reads
“—”. ``unknown`` lists the placeholders that name no figure (the service refuses them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

MISSING: Final = "—"
_BRACES = re.compile(r"\{([^{}\s]{1,20})\}")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _plain(key: str) -> Callable[[Mapping[str, Any]], str | None]:
    def read(figures: Mapping[str, Any]) -> str | None:
        value = figures.get(key)
        return None if value is None or value == "" else str(value)

    return read


def _money(key: str) -> Callable[[Mapping[str, Any]], str | None]:
    """元 with thousands separators and two places."""

    def read(figures: Mapping[str, Any]) -> str | None:
        number = _decimal(figures.get(key))
        if number is None:
            return None
        return f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}元"

    return read


def _percent(key: str) -> Callable[[Mapping[str, Any]], str | None]:
    def read(figures: Mapping[str, Any]) -> str | None:
        number = _decimal(figures.get(key))
        if number is None:
            return None
        return f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"

    return read


def _metric_value(figures: Mapping[str, Any]) -> str | None:
    value = figures.get("metric_value")
    if value is None or value == "":
        return None
    uom = str(figures.get("metric_unit") or "")
    if uom.startswith("级"):  # 自评等级 as points: the unit of measure is an explanation
        uom = ""
    return f"{value}{uom}"


def _rank(figures: Mapping[str, Any]) -> str | None:
    rank, total = figures.get("metric_rank"), figures.get("metric_units")
    if rank is None:
        return None
    return f"第{rank}名（共{total}个单位）" if total else f"第{rank}名"


# placeholder → (what it stands for, how it is read from an item's figures)
PLACEHOLDERS: Final[dict[str, tuple[str, Callable[[Mapping[str, Any]], str | None]]]] = {
    "单位": ("单位名称", _plain("unit_name")),
    "年度": ("年度", _plain("fiscal_year")),
    "指标": ("对标指标名称", _plain("metric_label")),
    "指标值": ("本单位的指标值（含计量单位）", _metric_value),
    "排名": ("本单位的排名，如“第120名（共125个单位）”", _rank),
    "百分位": ("本单位的百分位（100 为最好）", _percent("metric_percentile")),
    "中位数": ("对标范围内的中位数", _plain("metric_median")),
    "预算": ("本单位项目预算合计", _money("budget")),
    "执行率": ("本单位预算执行率", _percent("execution_rate")),
    "自评得分": ("本单位项目自评加权得分", _plain("self_score")),
    "自评等级": ("本单位项目自评等级", _plain("self_grade")),
    "预警数": ("本单位本年度未解除预警数", _plain("open_alerts")),
    "未完成整改": ("本单位未完成的整改数", _plain("open_rectifications")),
    "逾期整改": ("本单位逾期的整改数", _plain("overdue_rectifications")),
}


def placeholders_in(text: str) -> list[str]:
    """The names in braces in ``text``, in order, each once."""
    return list(dict.fromkeys(_BRACES.findall(text or "")))


def unknown(text: str) -> list[str]:
    """The placeholders of ``text`` that name no figure."""
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def merge(text: str, figures: Mapping[str, Any] | None) -> str:
    """``text`` with each known placeholder replaced by the unit's figure (“—” when the item
    has none); unknown ones are left as they are."""
    figures = figures or {}

    def replace(match: re.Match[str]) -> str:
        entry = PLACEHOLDERS.get(match.group(1))
        if entry is None:
            return match.group(0)
        value = entry[1](figures)
        return MISSING if value is None else value

    return _BRACES.sub(replace, text or "")

"""ECharts options of 反馈与整改 (docs/web.md, "Charts"): each batch's response and closure
rates, the rectifications of each area by status. Long category lists scroll with the 对标
pages' window (``benchmark.charts.zoom`` and ``chart_height``), never a copy of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.console.feedback import AreaCounts
from backend.feedback.models import RectificationStatus
from backend.feedback.selectors import rate
from backend.web.console.benchmark.charts import WINDOW, short, zoom

BLUE = "#1d4f91"
GREEN = "#3c8d5a"
AMBER = "#d9822b"


def _percent(part: int, whole: int) -> float | None:
    value = rate(part, whole)
    return None if value is None else float(value)


def _category_axis(labels: list[str]) -> dict[str, Any]:
    return {
        "type": "category",
        "inverse": True,
        "data": labels,
        "axisLabel": {"interval": 0, "width": 240, "overflow": "truncate"},
        "axisTick": {"show": False},
    }


def _grid(rows: int) -> dict[str, Any]:
    return {
        "left": 8,
        "right": 84 if rows > WINDOW else 56,
        "top": 8,
        "bottom": 36,
        "containLabel": True,
    }


def batch_rates(batches: Sequence[Any]) -> dict[str, Any]:
    """Per batch (as ``console.feedback.batches`` annotates it, newest on top): its response
    rate (answered ÷ units) and its closure rate (accepted ÷ rectifications; no bar when it
    asked for none), in percent, each bar labelled."""
    labels = [b.title for b in batches]
    label = {"show": True, "position": "right", "formatter": "{c}%", "fontSize": 11}
    return {
        "animation": False,
        "color": [BLUE, GREEN],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0, "data": ["回复率", "整改完成率"]},
        "grid": _grid(len(batches)),
        "xAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": _category_axis(labels),
        "dataZoom": zoom(len(batches)),
        "series": [
            {
                "name": "回复率",
                "type": "bar",
                "barMaxWidth": 14,
                "label": label,
                "data": [_percent(b.answered_count, b.unit_count) for b in batches],
            },
            {
                "name": "整改完成率",
                "type": "bar",
                "barMaxWidth": 14,
                "label": label,
                "data": [_percent(b.accepted_count, b.rectification_count) for b in batches],
            },
        ],
    }


def area_statuses(areas: Sequence[AreaCounts]) -> dict[str, Any]:
    """One stacked bar per area (待整改, 已反馈, 已通过), the overdue count in its label."""
    labels = [short(a.name) + (f"（逾期 {a.overdue}）" if a.overdue else "") for a in areas]
    stacks = [
        (RectificationStatus.OPEN, AMBER, [a.open for a in areas]),
        (RectificationStatus.RESPONDED, BLUE, [a.responded for a in areas]),
        (RectificationStatus.ACCEPTED, GREEN, [a.accepted for a in areas]),
    ]
    return {
        "animation": False,
        "color": [color for _, color, _ in stacks],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"bottom": 0, "data": [status.label for status, _, _ in stacks]},
        "grid": _grid(len(areas)),
        "xAxis": {"type": "value", "minInterval": 1, "name": "件"},
        "yAxis": _category_axis(labels),
        "dataZoom": zoom(len(areas)),
        "series": [
            {
                "name": status.label,
                "type": "bar",
                "stack": "status",
                "barMaxWidth": 18,
                "label": {"show": True, "formatter": "{c}", "fontSize": 11},
                "data": [value or None for value in values],
            }
            for status, _, values in stacks
        ],
    }

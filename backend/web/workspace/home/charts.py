"""ECharts options built from the selectors' figures (docs/web.md, "Charts")."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from backend.monitoring.rules import time_progress
from backend.monitoring.selectors import CurvePoint

MONTHS = [f"{m}月" for m in range(1, 13)]
GREY = "#8c96a5"
BLUE = "#1d4f91"
ORANGE = "#d9822b"


def _number(value: Decimal | None) -> float | None:
    """A percentage for the chart only (the pages print the Decimal)."""
    return None if value is None else float(value)


def execution_options(points: Sequence[CurvePoint], *, compact: bool = False) -> dict[str, Any]:
    """Execution against time progress over the 12 months: time progress (planned), the
    actual execution rate and the forecast year-end rate of each month with figures."""
    by_month = {p.month: p for p in points}
    actual = [_number(by_month[m].execution_rate) if m in by_month else None for m in range(1, 13)]
    forecast = [_number(by_month[m].forecast) if m in by_month else None for m in range(1, 13)]
    planned = [_number(time_progress(m)) for m in range(1, 13)]
    highest = max([v for v in actual + forecast if v is not None] + [100.0])
    return {
        "animation": False,
        "color": [GREY, BLUE, ORANGE],
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "data": ["时间进度", "实际执行率", "预计全年执行率"]},
        "grid": {"left": 8, "right": 28, "top": 28, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "category", "boundaryGap": False, "data": MONTHS},
        "yAxis": {
            "type": "value",
            "min": 0,
            "max": 100 if highest <= 100 else None,
            "axisLabel": {"formatter": "{value}%"},
        },
        "series": [
            {
                "name": "时间进度",
                "type": "line",
                "data": planned,
                "symbol": "none",
                "lineStyle": {"type": "dashed", "width": 1.5},
            },
            {
                "name": "实际执行率",
                "type": "line",
                "data": actual,
                "connectNulls": True,
                "symbolSize": 7,
                "lineStyle": {"width": 3},
                "label": {"show": not compact, "formatter": "{c}%", "fontSize": 11},
                "areaStyle": {"opacity": 0.08},
            },
            {
                "name": "预计全年执行率",
                "type": "line",
                "data": forecast,
                "connectNulls": True,
                "symbol": "diamond",
                "symbolSize": 7,
                "lineStyle": {"type": "dotted", "width": 2},
            },
        ],
    }

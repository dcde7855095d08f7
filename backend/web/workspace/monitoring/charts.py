"""ECharts options of the execution curves (运行监控): planned (time progress), actual
execution rate and the year-end forecast, month by month. Built from the selectors' curve
points; drawn by ``app.js``. Figures become JSON numbers here, for drawing only."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from backend.monitoring import rules
from backend.monitoring.selectors import CurvePoint

MONTHS = range(1, 13)
PLANNED, ACTUAL, FORECAST = "时间进度", "实际执行率", "预计全年执行率"


def _n(value: Decimal) -> float:
    return float(value)


def curve_options(points: Sequence[CurvePoint]) -> dict[str, Any]:
    """The curve of a project or of the unit: the time-progress line over the year, the
    execution rate at each month with a submitted entry, and a dashed line from the last one to
    the year-end forecast of that month."""
    actual: list[Any] = [None] * 12
    for point in points:
        actual[point.month - 1] = _n(point.execution_rate)
    forecast: list[Any] = [None] * 12
    last = points[-1] if points else None
    if last is not None and last.forecast is not None:
        forecast[last.month - 1] = _n(last.execution_rate)
        forecast[11] = {"value": _n(last.forecast), "label": {"show": True}}
    if last is not None:
        actual[last.month - 1] = {"value": _n(last.execution_rate), "label": {"show": True}}
    values = [_n(p.execution_rate) for p in points] + [
        _n(p.forecast) for p in points if p.forecast is not None
    ]
    return {
        "color": ["#9ca3af", "#1d3f72", "#b8262b"],
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "itemWidth": 18, "textStyle": {"fontSize": 12}},
        "grid": {"left": 4, "right": 36, "top": 36, "bottom": 4, "containLabel": True},
        "xAxis": {
            "type": "category",
            "boundaryGap": False,
            "data": [f"{m}月" for m in MONTHS],
            "axisLabel": {"fontSize": 11},
        },
        "yAxis": {
            "type": "value",
            "min": 0,
            "max": 100 if not values or max(values) <= 100 else None,
            "axisLabel": {"formatter": "{value}%", "fontSize": 11},
        },
        "series": [
            {
                "name": PLANNED,
                "type": "line",
                "symbol": "none",
                "lineStyle": {"type": "dotted", "width": 2},
                "data": [_n(rules.time_progress(m)) for m in MONTHS],
            },
            {
                "name": ACTUAL,
                "type": "line",
                "connectNulls": True,
                "symbolSize": 7,
                "label": {"show": False, "formatter": "{c}%", "fontSize": 11},
                "data": actual,
            },
            {
                "name": FORECAST,
                "type": "line",
                "connectNulls": True,
                "symbol": "emptyCircle",
                "lineStyle": {"type": "dashed"},
                "label": {"show": False, "formatter": "{c}%", "fontSize": 11},
                "data": forecast,
            },
        ],
    }

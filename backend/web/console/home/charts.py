"""ECharts options of 首页, built from the selector's figures (docs/web.md, "Charts")."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from backend.console.home import MonthPoint, Row

MONTHS = [f"{m}月" for m in range(1, 13)]
GREY = "#8c96a5"
BLUE = "#1d4f91"
RED = "#b8262b"
ORANGE = "#d9822b"
BAR_HEIGHT = 26  # px per labelled bar
SHOWN_BARS = 20  # more than this: a dataZoom slider on the category axis


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def curve_options(points: Sequence[MonthPoint]) -> dict[str, Any]:
    """The scope's execution rate (Σ spent ÷ Σ budget of the units that reported the month)
    against time progress, month by month."""
    actual = [_number(p.execution_rate) for p in points]
    planned = [_number(p.time_progress) for p in points]
    highest = max([v for v in actual if v is not None] + [100.0])
    return {
        "animation": False,
        "color": [GREY, BLUE],
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "data": ["时间进度", "预算执行率"]},
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
                "name": "预算执行率",
                "type": "line",
                "data": actual,
                "connectNulls": True,
                "symbolSize": 7,
                "lineStyle": {"width": 3},
                "label": {"show": True, "formatter": "{c}%", "fontSize": 11},
                "areaStyle": {"opacity": 0.08},
            },
        ],
    }


def rows_height(count: int) -> int:
    """The bar chart's height in pixels: every bar readable, at most ``SHOWN_BARS`` at once."""
    return max(200, min(count, SHOWN_BARS) * BAR_HEIGHT + 90)


def rows_options(rows: Sequence[Row], time_progress: Decimal | None) -> dict[str, Any]:
    """Each row's execution rate at the reference round as a labelled horizontal bar (the
    lowest on top), time progress as a marked line; rows without figures are named with “未填报”."""
    ordered = sorted(
        rows,
        key=lambda r: (r.figures.execution_rate is None, r.figures.execution_rate or 0),
    )
    names = [r.name + ("（本院）" if r.own else "") for r in ordered]
    values: list[dict[str, Any]] = []  # the bars, as ECharts reads them
    for row in ordered:
        value = _number(row.figures.execution_rate)
        behind = time_progress is not None and value is not None and value < float(time_progress)
        values.append(
            {
                "value": value if value is not None else 0,
                "label": {"formatter": f"{value:.2f}%" if value is not None else "未填报"},
                "itemStyle": {"color": RED if behind else BLUE},
            }
        )
    highest = max([v["value"] for v in values] + [100.0])
    options: dict[str, Any] = {
        "animation": False,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 64, "top": 30, "bottom": 24, "containLabel": True},
        "xAxis": {
            "type": "value",
            "min": 0,
            "max": 100 if highest <= 100 else None,
            "axisLabel": {"formatter": "{value}%"},
        },
        "yAxis": {
            "type": "category",
            "data": names,
            "inverse": True,
            "axisLabel": {"width": 180, "overflow": "truncate"},
        },
        "series": [
            {
                "name": "预算执行率",
                "type": "bar",
                "data": values,
                "barMaxWidth": 18,
                "label": {"show": True, "position": "right", "fontSize": 11},
            }
        ],
    }
    if time_progress is not None:
        options["series"][0]["markLine"] = {
            "symbol": "none",
            "silent": True,
            "lineStyle": {"color": ORANGE, "type": "dashed"},
            # the category axis is inverted: its start is the top of the chart
            "label": {"formatter": f"时间进度 {float(time_progress):.2f}%", "position": "start"},
            "data": [{"xAxis": float(time_progress)}],
        }
    if len(ordered) > SHOWN_BARS:
        end = SHOWN_BARS - 1
        options["dataZoom"] = [
            {"type": "slider", "yAxisIndex": 0, "startValue": 0, "endValue": end, "right": 8},
            {"type": "inside", "yAxisIndex": 0, "startValue": 0, "endValue": end},
        ]
        options["grid"]["right"] = 96
    return options

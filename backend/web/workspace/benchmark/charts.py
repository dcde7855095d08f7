"""ECharts options of the benchmark page: the unit's trend beside its group's median and mean
(``benchmarking.selectors.Trend``; no other unit appears)."""

from __future__ import annotations

from typing import Any

from backend.benchmarking.selectors import Trend

BLUE = "#1d4f91"
GREY = "#8c96a5"
GREEN = "#3c8d5a"


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def trend_options(trend: Trend) -> dict[str, Any]:
    """本院 / 同级中位数 / 同级平均值 over the trend's periods (months or years)."""
    if trend.by == "month":
        labels = [f"{p.month}月" for p in trend.points]
    else:
        labels = [f"{p.fiscal_year}年" for p in trend.points]
    percent = trend.unit_of_measure == "%"
    return {
        "animation": False,
        "color": [BLUE, GREY, GREEN],
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "data": ["本院", "同级中位数", "同级平均值"]},
        "grid": {"left": 8, "right": 28, "top": 28, "bottom": 40, "containLabel": True},
        "xAxis": {"type": "category", "data": labels, "boundaryGap": trend.by != "month"},
        "yAxis": {
            "type": "value",
            "name": "" if percent else trend.unit_of_measure,
            "axisLabel": {"formatter": "{value}%" if percent else "{value}"},
            "scale": not percent,
        },
        "series": [
            {
                "name": "本院",
                "type": "line",
                "data": [_number(p.value) for p in trend.points],
                "connectNulls": True,
                "symbolSize": 7,
                "lineStyle": {"width": 3},
                "label": {"show": True, "fontSize": 11, "formatter": "{c}%" if percent else "{c}"},
            },
            {
                "name": "同级中位数",
                "type": "line",
                "data": [_number(p.median) for p in trend.points],
                "lineStyle": {"type": "dashed"},
                "symbol": "emptyCircle",
            },
            {
                "name": "同级平均值",
                "type": "line",
                "data": [_number(p.mean) for p in trend.points],
                "lineStyle": {"type": "dotted"},
                "symbol": "none",
            },
        ],
    }

"""ECharts options of the console's 对标 pages, built in Python from the selectors' figures.

Readable at 137 units and at 3,600: every bar carries its unit's name on the category axis
(``interval: 0``: no name is skipped) and its value as a label; a long category list shows a
window of ``WINDOW`` rows at a time with ``dataZoom`` (a slider and the mouse wheel), so names
never overlap however many units there are."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from backend.benchmarking.selectors import BenchmarkTable, Trend, UnitPosition, UnitValue
from backend.console.benchmark import CityDistribution

BLUE = "#1d4f91"
RED = "#b42318"
GREY = "#8c96a5"
GREEN = "#3c8d5a"
WINDOW = 20  # categories shown at once before the list scrolls
ROW_PX = 26


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _suffix(uom: str) -> str:
    return "%" if uom == "%" else ""


def short(name: str) -> str:
    """A city's name on a crowded axis: 湘潭市 for 湘潭市人民检察院."""
    return name.removesuffix("人民检察院") or name


def chart_height(categories: int) -> int:
    """Pixels for a horizontal bar chart of ``categories`` rows (at most ``WINDOW`` shown)."""
    return 70 + ROW_PX * max(1, min(categories, WINDOW))


def zoom(categories: int) -> list[dict[str, Any]]:
    """A scrolling window over a long category axis (y): none when everything fits."""
    if categories <= WINDOW:
        return []
    return [
        {
            "type": "slider",
            "yAxisIndex": 0,
            "startValue": 0,
            "endValue": WINDOW - 1,
            "width": 14,
            "right": 4,
            "brushSelect": False,
            "showDetail": False,
            "zoomLock": True,
        },
        {"type": "inside", "yAxisIndex": 0, "zoomOnMouseWheel": False, "moveOnMouseWheel": True},
    ]


def unit_bars(
    rows: Sequence[UnitValue], table: BenchmarkTable, *, color: str, name: str
) -> dict[str, Any]:
    """Horizontal bars, one per unit (in the order given, first at the top), each labelled
    with the unit's name (axis) and its value (bar end); scrolls past ``WINDOW`` units."""
    suffix = _suffix(table.unit_of_measure)
    labels = [f"{r.rank}. {r.name}" if r.rank is not None else r.name for r in rows]
    return {
        "animation": False,
        "color": [color],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {
            "left": 8,
            "right": 84 if len(rows) > WINDOW else 64,
            "top": 24,
            "bottom": 8,
            "containLabel": True,
        },
        "xAxis": {
            "type": "value",
            "name": table.unit_of_measure,
            "axisLabel": {"formatter": "{value}" + suffix, "hideOverlap": True},
        },
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": labels,
            "axisLabel": {"interval": 0, "width": 190, "overflow": "truncate"},
            "axisTick": {"show": False},
        },
        "dataZoom": zoom(len(rows)),
        "series": [
            {
                "name": name,
                "type": "bar",
                "data": [_number(r.value) for r in rows],
                "barMaxWidth": 18,
                "label": {"show": True, "position": "right", "formatter": "{c}" + suffix},
            }
        ],
    }


def city_boxes(cities: Sequence[CityDistribution], table: BenchmarkTable) -> dict[str, Any]:
    """Each city's distribution as a horizontal box (min, quartiles, median, max), one row per
    city named on the axis; scrolls past ``WINDOW`` cities."""
    suffix = _suffix(table.unit_of_measure)
    data = [
        [_number(d.min), _number(d.q1), _number(d.median), _number(d.q3), _number(d.max)]
        for d in (c.distribution for c in cities)
    ]
    return {
        "animation": False,
        "color": [BLUE],
        "tooltip": {"trigger": "item"},
        "grid": {
            "left": 8,
            "right": 84 if len(cities) > WINDOW else 64,
            "top": 24,
            "bottom": 8,
            "containLabel": True,
        },
        "xAxis": {
            "type": "value",
            "name": table.unit_of_measure,
            "scale": True,
            "axisLabel": {"formatter": "{value}" + suffix, "hideOverlap": True},
        },
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [f"{short(c.name)}（{c.distribution.count}）" for c in cities],
            "axisLabel": {"interval": 0, "width": 220, "overflow": "truncate"},
        },
        "dataZoom": zoom(len(cities)),
        "series": [
            {
                "name": "分市分布",
                "type": "boxplot",
                "data": data,
                "itemStyle": {"color": "#dbe6f4", "borderColor": BLUE},
            },
            {
                "name": "中位数",
                "type": "scatter",
                "data": [_number(c.distribution.median) for c in cities],
                "symbolSize": 1,
                "label": {
                    "show": True,
                    "position": "right",
                    "formatter": "{c}" + suffix,
                    "fontSize": 11,
                },
                "tooltip": {"show": False},
            },
        ],
    }


def trend_small(trend: Trend, *, unit_name: str = "") -> dict[str, Any]:
    """One small multiple: the group's median and mean (and a unit's own value) over the
    trend's periods, every point labelled on the unit's line or else on the median."""
    if trend.by == "month":
        labels = [f"{p.month}月" for p in trend.points]
    else:
        labels = [f"{p.fiscal_year}年" for p in trend.points]
    suffix = _suffix(trend.unit_of_measure)
    label = {"show": True, "fontSize": 10, "formatter": "{c}" + suffix}
    series: list[dict[str, Any]] = []
    legend = []
    if unit_name:
        legend.append(unit_name)
        series.append(
            {
                "name": unit_name,
                "type": "line",
                "data": [_number(p.value) for p in trend.points],
                "connectNulls": True,
                "lineStyle": {"width": 3},
                "label": label,
            }
        )
    legend += ["中位数", "平均值"]
    series.append(
        {
            "name": "中位数",
            "type": "line",
            "data": [_number(p.median) for p in trend.points],
            "lineStyle": {"type": "dashed"} if unit_name else {"width": 2},
            "label": {"show": False} if unit_name else label,
        }
    )
    series.append(
        {
            "name": "平均值",
            "type": "line",
            "data": [_number(p.mean) for p in trend.points],
            "lineStyle": {"type": "dotted"},
            "symbol": "none",
        }
    )
    return {
        "animation": False,
        "color": [BLUE, GREY, GREEN] if unit_name else [BLUE, GREEN],
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "data": legend, "itemWidth": 14, "textStyle": {"fontSize": 11}},
        "grid": {"left": 6, "right": 18, "top": 18, "bottom": 30, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": labels,
            "boundaryGap": False,
            "axisLabel": {"hideOverlap": True},
        },
        "yAxis": {
            "type": "value",
            "scale": True,
            "axisLabel": {"formatter": "{value}" + suffix, "hideOverlap": True},
        },
        "series": series,
    }


def percentile_bars(positions: Sequence[UnitPosition], group: str) -> dict[str, Any]:
    """A unit's percentile (0–100) on each metric within one comparison group (``level`` or a
    peer group's code): one labelled bar per metric."""
    names, values = [], []
    for position in positions:
        mine = next((p for p in position.positions if p.code == group or p.scope == group), None)
        names.append(position.label)
        values.append(_number(mine.percentile) if mine else None)
    return {
        "animation": False,
        "color": [BLUE],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 36, "top": 24, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"hideOverlap": True}},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": names,
            "axisLabel": {"interval": 0, "width": 190, "overflow": "truncate"},
        },
        "series": [
            {
                "name": "百分位",
                "type": "bar",
                "data": values,
                "barMaxWidth": 16,
                "label": {"show": True, "position": "right", "formatter": "{c}"},
                "markLine": {
                    "silent": True,
                    "symbol": "none",
                    "data": [{"xAxis": 50, "name": "中位"}],
                    "lineStyle": {"color": RED, "type": "dashed"},
                    "label": {"show": False},
                },
            }
        ],
    }

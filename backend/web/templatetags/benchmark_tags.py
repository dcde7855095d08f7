"""Template helpers of the benchmark page: a metric's value in its unit of measure."""

from __future__ import annotations

from typing import Any

from django import template

from backend.web.templatetags.jixiao import percent, points, yuan

register = template.Library()


@register.filter
def metric_value(value: Any, unit_of_measure: str) -> str:
    """67.25 with "%" → 67.25%; 1234.5 with "元/人" → 1,234.50 元/人; 3 with "条" → 3 条."""
    if value is None:
        return "—"
    if unit_of_measure == "%":
        return percent(value, 2)
    if unit_of_measure.startswith("元"):
        return f"{yuan(value)} {unit_of_measure}"
    if unit_of_measure.startswith("级"):  # grades ranked as points: 优=4 …
        return {4: "优", 3: "良", 2: "中", 1: "差"}.get(int(value), str(value))
    if unit_of_measure == "分":
        return f"{points(value)} 分"
    number = f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{number} {unit_of_measure}".strip()

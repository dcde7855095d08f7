"""Template helpers of the benchmark page: a metric's value in its unit of measure."""

from __future__ import annotations

from typing import Any

from django import template

from backend.web.templatetags.jixiao import percent, points, yuan

register = template.Library()


@register.filter
def metric_number(value: Any, unit_of_measure: str) -> str:
    """The value without its unit (a table whose caption names it): percentages keep their %
    and grades their letter."""
    if value is None:
        return "—"
    if unit_of_measure == "%" or unit_of_measure.startswith("级"):
        return metric_value(value, unit_of_measure)
    if unit_of_measure.startswith("元") or unit_of_measure == "分":
        return yuan(value) if unit_of_measure.startswith("元") else points(value)
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"


@register.filter
def show_unit(unit_of_measure: str) -> bool:
    """Whether a table of the metric's values needs its unit named (not for % and grades)."""
    return bool(unit_of_measure) and unit_of_measure != "%" and not unit_of_measure.startswith("级")


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

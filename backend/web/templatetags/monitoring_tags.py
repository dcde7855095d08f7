"""Template helpers of the monitoring, evaluation and results pages of the workspace: figures
as the forms write them (no trailing zeros), an indicator's target, choice labels, badges."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from backend.indicators.models import Direction, ValueType

register = template.Library()

# status value → Bootstrap colour of its badge, for every status these pages show.
BADGES = {
    "draft": "secondary",
    "submitted": "primary",
    "finalised": "success",
    "open": "warning",
    "answered": "info",
    "resolved": "success",
    "responded": "info",
    "accepted": "success",
    "warning": "warning",
    "serious": "danger",
}


@register.filter
def figure(value: Any) -> str:
    """120.0000 → 120; 95.5000 → 95.5; None → ""."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if number.is_zero():
        return "0"
    return format(number.normalize(), "f")


@register.filter
def target_of(indicator: Any) -> str:
    """An indicator's target as the goal form writes it: ``≥ 120 件``, or its qualitative text."""
    if getattr(indicator, "value_type", "") == ValueType.QUALITATIVE:
        return indicator.target_text or "—"
    operator = Direction(indicator.direction).label if indicator.direction else ""
    parts = (operator, figure(indicator.target_value), indicator.unit)
    return " ".join(p for p in parts if p) or "—"


@register.filter
def badge(status: str) -> str:
    return BADGES.get(status, "secondary")


@register.simple_tag
def field_of(form: Any, name: str) -> Any:
    """``{% field_of form code|add:"-actual_value" as f %}``: a bound field by a computed name,
    or None."""
    return form[name] if form is not None and name in form.fields else None


@register.simple_tag(takes_context=True)
def page_query(context: template.Context, param: str, number: int) -> str:
    """The current query string with page parameter ``param`` set to ``number`` (a page may
    hold two lists, each with its own page parameter)."""
    params = context["request"].GET.copy()
    params[param] = str(number)
    return params.urlencode()


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    """``mapping|lookup:key`` (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def band_ranges(row: Any) -> str:
    """The score range of each qualitative band for the row's weight (the services' ranges)."""
    from backend.evaluation.models import Band
    from backend.evaluation.services.common import band_range

    parts = []
    for band in Band:
        low, high = band_range(row.weight, band.value)
        parts.append(f"{band.label} {figure(low)}–{figure(high)} 分")
    return "；".join(parts)

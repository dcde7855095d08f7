"""Figures of the console's 对标 pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def figure(value: Any) -> str:
    """A benchmark value with thousands separators (11363000.00 → 11,363,000.00); — for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal | int | float):
        return f"{value:,}"
    return str(value)


@register.filter
def signed(value: Any) -> str:
    """A difference with its sign (+1,234.50, −3.20, 0.00); — for none."""
    if value is None:
        return "—"
    text = f"{abs(value):,}"
    return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else text)

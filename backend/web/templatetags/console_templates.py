"""Template tags of the console's 指标库与模板 pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from backend.console.templates import shown_value

register = template.Library()


@register.simple_tag
def field_value(indicator: Any, name: str) -> str:
    """An indicator field as a reader reads it: choices by label, 是/否, numbers without
    trailing zeros, （空） for nothing."""
    value = getattr(indicator, name, None)
    if isinstance(value, Decimal):
        value = format(value.normalize(), "f")
    return shown_value(name, value)

"""Template helpers of the console's 反馈与整改, 重点评价 and 预算挂钩 pages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def ratio_of(part: Any, whole: Any) -> str:
    """``{{ answered|ratio_of:units }}`` → 66.7% (— without a whole)."""
    try:
        whole_n = Decimal(str(whole))
        part_n = Decimal(str(part))
    except Exception:
        return "—"
    if not whole_n:
        return "—"
    value = (part_n * 100 / whole_n).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%"


@register.filter
def signed(value: Any) -> str:
    """A signed figure: 5 → +5.00, -3.5 → −3.50 (— for none)."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if number > 0:
        return f"+{number}"
    if number < 0:
        return f"−{-number}"
    return f"{number}"

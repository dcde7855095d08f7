"""Indicator values as the official forms write them: ``≥200件``, ``≤0.8万元``, ``明显提升``;
numbers without the database's trailing zeros (``95.5000`` → ``95.5``). Pure functions over an
indicator or over the dict a review snapshot keeps of one."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.indicators.models import Direction, ValueType

OPERATORS = {value: str(label) for value, label in Direction.choices}


def number(value: Any) -> str:
    """``Decimal("95.5000")`` → ``95.5``; ``None`` or "" → ""."""
    if value is None or value == "":
        return ""
    try:
        decimal = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not decimal.is_finite():
        return str(value)
    if decimal == decimal.to_integral_value():
        return str(decimal.quantize(Decimal(1)))
    return format(decimal.normalize(), "f")


def _get(indicator: Any, name: str) -> Any:
    if isinstance(indicator, Mapping):
        return indicator.get(name)
    return getattr(indicator, name, None)


def target(indicator: Any) -> str:
    """The target as written on the form: operator, value and unit for a quantitative
    indicator (``≥95%``), the text for a qualitative one."""
    if _get(indicator, "value_type") == ValueType.QUALITATIVE:
        return str(_get(indicator, "target_text") or "")
    value = number(_get(indicator, "target_value"))
    if not value:
        return ""
    operator = OPERATORS.get(_get(indicator, "direction") or "", "")
    return f"{operator}{value}{_get(indicator, 'unit') or ''}"


ADJUSTED_FIELDS = {
    "target_value": "指标值",
    "target_text": "指标值",
    "weight": "分值",
    "unit": "计量单位",
}


def changes(rows: list[dict[str, Any]], names: Mapping[str, str]) -> list[dict[str, str]]:
    """An adjustment request's changes as a person reads them: the indicator's name, what
    changes, from what to what."""
    shown = []
    for row in rows:
        field = str(row.get("field", ""))
        numeric = field in ("target_value", "weight")
        before, after = row.get("before"), row.get("after")
        shown.append(
            {
                "code": str(row.get("indicator", "")),
                "name": names.get(str(row.get("indicator", "")), str(row.get("indicator", ""))),
                "field": ADJUSTED_FIELDS.get(field, field),
                "before": number(before) if numeric else str(before or ""),
                "after": number(after) if numeric else str(after or ""),
            }
        )
    return shown

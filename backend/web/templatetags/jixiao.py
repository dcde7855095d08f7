"""Numbers and dates as the official forms write them: 元 with thousands separators and two
places, 万元 with two, rates in percent, dates as 2026年12月2日."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()

CENT = Decimal("0.01")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def yuan(value: Any) -> str:
    """1234.5 → 1,234.50 (元)."""
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{number.quantize(CENT, rounding=ROUND_HALF_UP):,}"


@register.filter
def wanyuan(value: Any) -> str:
    """72900 → 7.29 (万元)."""
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{(number / 10000).quantize(CENT, rounding=ROUND_HALF_UP):,}"


@register.filter
def percent(value: Any, places: int = 1) -> str:
    """A rate already in points of 100: 67.25 → 67.3%."""
    number = _decimal(value)
    if number is None:
        return "—"
    quantum = Decimal(1).scaleb(-int(places))
    return f"{number.quantize(quantum, rounding=ROUND_HALF_UP)}%"


@register.filter
def ratio_percent(value: Any, places: int = 1) -> str:
    """A rate as a ratio of 1: 0.6725 → 67.3%."""
    number = _decimal(value)
    if number is None:
        return "—"
    return percent(number * 100, places)


@register.filter
def points(value: Any) -> str:
    """A score with two places: 87.5 → 87.50."""
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{number.quantize(CENT, rounding=ROUND_HALF_UP)}"


@register.filter
def cn_date(value: Any) -> str:
    """2026-12-02 → 2026年12月2日 (datetimes in the local time zone)."""
    if not value:
        return "—"
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    if isinstance(value, datetime.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


@register.filter
def cn_datetime(value: Any) -> str:
    """2026-12-02 14:05 → 2026年12月2日 14:05."""
    if not isinstance(value, datetime.datetime):
        return cn_date(value)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{cn_date(local.date())} {local:%H:%M}"


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: Any) -> str:
    """The current query string with some parameters replaced (filters keep pagination apart):
    ``?{% query_with page=2 %}``."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.filter
def widget(field: Any) -> str:
    """A bound field's widget, marked ``is-invalid`` when the field has errors (Bootstrap)."""
    css = field.field.widget.attrs.get("class", "")
    if field.errors:
        css = f"{css} is-invalid".strip()
    return field.as_widget(attrs={"class": css} if css else None)

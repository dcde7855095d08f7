"""Template filters of the goal pages (绩效目标申报表, 审核)."""

from __future__ import annotations

from typing import Any

from django import template

from backend.web.workspace.goals import formats

register = template.Library()


@register.filter
def num(value: Any) -> str:
    """A number without trailing zeros: 95.5000 → 95.5, 6.00 → 6; empty → —."""
    return formats.number(value) or "—"


@register.filter
def target(indicator: Any) -> str:
    """An indicator's target as the form writes it: ≥200件, ≤0.8万元, 明显提升."""
    return formats.target(indicator) or "—"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping|get_item:key`` (a dict lookup with a variable key)."""
    if mapping is None:
        return None
    return mapping.get(key)


STATUS_CLASSES = {
    "draft": "text-bg-secondary",
    "submitted": "text-bg-primary",
    "unit_approved": "text-bg-info",
    "approved": "text-bg-success",
    "returned": "text-bg-warning",
    "rejected": "text-bg-danger",
}


@register.filter
def status_class(status: str) -> str:
    """The badge colour of a goal's or adjustment request's status."""
    return STATUS_CLASSES.get(status, "text-bg-secondary")

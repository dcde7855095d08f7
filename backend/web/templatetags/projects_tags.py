"""Template helpers of the project pages: a status as a badge, pagination by a named parameter
(a page with several lists), signed money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from backend.goals.models import GoalStatus
from backend.web.templatetags.jixiao import yuan

register = template.Library()

GOAL_BADGES: dict[str | None, tuple[str, str]] = {
    None: ("未编制", "text-bg-light border"),
    GoalStatus.DRAFT: (GoalStatus.DRAFT.label, "text-bg-secondary"),
    GoalStatus.SUBMITTED: (GoalStatus.SUBMITTED.label, "text-bg-primary"),
    GoalStatus.UNIT_APPROVED: (GoalStatus.UNIT_APPROVED.label, "text-bg-info"),
    GoalStatus.APPROVED: (GoalStatus.APPROVED.label, "text-bg-success"),
    GoalStatus.RETURNED: (GoalStatus.RETURNED.label, "text-bg-warning"),
    GoalStatus.REJECTED: (GoalStatus.REJECTED.label, "text-bg-danger"),
}


@register.filter
def goal_badge(status: str | None) -> SafeString:
    """A goal's status as a coloured badge (none: 未编制)."""
    label, css = GOAL_BADGES.get(status or None) or (status, "text-bg-light")
    return format_html('<span class="badge {}">{}</span>', css, label)


@register.simple_tag(takes_context=True)
def query_set(context: template.Context, name: str, value: Any) -> str:
    """The current query string with one parameter set: ``?{% query_set "epage" 2 %}``."""
    params = context["request"].GET.copy()
    params[name] = str(value)
    return params.urlencode()


@register.filter
def signed_yuan(value: Any) -> str:
    """+120,000.00 / −70,000.50 (a budget adjustment)."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    text = yuan(abs(number))
    return f"+{text}" if number > 0 else f"−{text}" if number < 0 else text


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    """``mapping[key]`` in a template (None when missing): ``{{ urls|get_item:goal.pk }}``."""
    return mapping.get(key) if mapping else None

"""The one indicator-edit policy of a performance goal: what may change, by which route, and the
code each refusal carries.

"A locked or approved target changes only by an adjustment with a reason" used to be written
in three places (the drafting service behind GraphQL and the pages, the page forms that hide or
disable fields, the declaration-form import) and a fourth time in the adjustment requests. Each
now asks this module, so the same edit is refused with the same code wherever it comes from:

============================  =========================================================
route / state                 rule (refusal code)
============================  =========================================================
``EDIT`` of the goal          only a draft or a returned goal (``NOT_EDITABLE``; an approved
                              goal changes through an adjustment request)
``EDIT`` of a field           a library indicator's code, levels, mandatory and locked, and
                              any indicator's mandatory and locked (``NOT_EDITABLE``); a
                              locked indicator's target and weight (``LOCKED``)
``ADJUSTMENT`` of the goal    only an approved goal (``INVALID_TRANSITION``)
``ADJUSTMENT`` of a field     only target, qualitative target, weight and unit
                              (``NOT_ADJUSTABLE``); not a locked indicator's target or
                              weight (``LOCKED``: the province's, whatever the route)
============================  =========================================================

Pure: no query, no model instance needed (``Flags`` are two booleans). The callers build their
messages with ``problem`` so that the wording of one refusal is the same everywhere too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from backend.core.errors import BaseErrorCode, CoreErrorCode, Problem
from backend.goals.models import GoalStatus, IndicatorSource
from backend.indicators.edit_policy import locked_problem, locked_refusal
from backend.indicators.models import IndicatorFields

EDITABLE_STATUSES: tuple[str, ...] = (GoalStatus.DRAFT, GoalStatus.RETURNED)
ADJUSTABLE_STATUSES: tuple[str, ...] = (GoalStatus.APPROVED,)
# The province's: never set by a unit on any indicator of a goal.
POLICY_FIELDS: tuple[str, ...] = IndicatorFields.POLICY_FIELDS
# What a goal's copy of a library indicator keeps from the library.
LIBRARY_FIXED_FIELDS: tuple[str, ...] = ("code", "level1", "level2", *POLICY_FIELDS)
# What an adjustment request may change.
ADJUSTABLE_FIELDS: tuple[str, ...] = ("target_value", "target_text", "weight", "unit")

NOT_EDITABLE = CoreErrorCode.NOT_EDITABLE
LOCKED = CoreErrorCode.LOCKED
NOT_ADJUSTABLE = CoreErrorCode.NOT_ADJUSTABLE
INVALID_TRANSITION = CoreErrorCode.INVALID_TRANSITION


class Route(StrEnum):
    EDIT = "edit"  # a draft's or returned goal's form: GraphQL, the pages, the XLSX import
    ADJUSTMENT = "adjustment"  # an adjustment request to an approved goal, with a reason


@dataclass(frozen=True)
class Flags:
    """What the policy looks at on one indicator."""

    from_library: bool  # a copy of a library indicator (source=library)
    locked: bool  # the province locked its target and weight

    @classmethod
    def of(cls, indicator: Any) -> Flags:
        """The flags of a ``GoalIndicator`` (or anything with ``source`` and ``locked``)."""
        library = indicator.source == IndicatorSource.LIBRARY
        return cls(from_library=library, locked=bool(indicator.locked))


def goal_refusal(route: Route, status: str) -> BaseErrorCode | None:
    """The code refusing any change by ``route`` to a goal in ``status``, or ``None``."""
    if route is Route.EDIT:
        return None if status in EDITABLE_STATUSES else NOT_EDITABLE
    return None if status in ADJUSTABLE_STATUSES else INVALID_TRANSITION


def field_refusal(route: Route, flags: Flags, name: str) -> BaseErrorCode | None:
    """The code refusing a change of field ``name`` by ``route`` on an indicator with
    ``flags``, or ``None`` when the change is allowed."""
    if route is Route.EDIT:
        fixed = LIBRARY_FIXED_FIELDS if flags.from_library else POLICY_FIELDS
        if name in fixed:
            return NOT_EDITABLE
    elif name not in ADJUSTABLE_FIELDS:
        return NOT_ADJUSTABLE
    return locked_refusal(flags.locked, name)


def open_fields(route: Route, flags: Flags, names: Iterable[str]) -> tuple[str, ...]:
    """The fields of ``names`` that ``route`` may change (what a page offers)."""
    return tuple(name for name in names if field_refusal(route, flags, name) is None)


def goal_problem(route: Route, status: str, action: str = "修改") -> Problem | None:
    """The refusal of ``goal_refusal`` as the problem every caller raises (field ``status``);
    ``action`` says what was refused (修改, 导入, 申请调整)."""
    code = goal_refusal(route, status)
    if code is None:
        return None
    label = GoalStatus(status).label
    if route is Route.ADJUSTMENT:
        return Problem(code, f"绩效目标当前状态为“{label}”，不能{action}。", "status")
    frozen = status in (GoalStatus.APPROVED, GoalStatus.REJECTED)
    hint = "；已批复的目标只能通过调整申请变更" if frozen else ""
    if action == "修改":
        return Problem(code, f"绩效目标当前状态为“{label}”，不能修改{hint}。", "status")
    message = f"绩效目标当前状态为“{label}”，只有草稿或已退回的目标可以{action}{hint}。"
    return Problem(code, message, "status")


def problem(
    code: BaseErrorCode, *, label: str, field: str | None, indicator: str = "", value: str = ""
) -> Problem:
    """The problem of a field refusal: ``label`` names the field as the form does, ``field``
    is where the caller reports it (an input name, a cell), ``indicator`` the indicator's name
    when the message should say which, ``value`` the value that stays when it helps."""
    if code == LOCKED:
        return locked_problem(label=label, field=field, indicator=indicator, value=value)
    which = f"指标“{indicator}”的" if indicator else "该指标的"
    if code == NOT_ADJUSTABLE:
        return Problem(code, "只能调整指标值、定性目标、分值和计量单位。", field)
    fixed = f"为 {value}，" if value else ""
    return Problem(code, f"{which}{label}{fixed}取自指标库或省院模板，不能修改。", field)

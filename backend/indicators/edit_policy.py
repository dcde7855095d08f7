"""The province's lock on an indicator, wherever a unit holds a copy of it.

A locked indicator's target and weight (``IndicatorFields.LOCKED_FIELDS``) are the province's:
no route changes them in a unit — not the unit library's edit (``backend/library/services.py``),
not a goal's form, import or adjustment request (``backend/goals/services/edit_policy.py``,
which adds the goal's own rules on top of this one). Both ask this module, so the refusal
carries the same code and the same words wherever it comes from. Pure: no query.
"""

from __future__ import annotations

from backend.core.errors import BaseErrorCode, CoreErrorCode, Problem
from backend.indicators.models import IndicatorFields

# What a locked indicator keeps from the province, by every route.
LOCKED_FIELDS: tuple[str, ...] = IndicatorFields.LOCKED_FIELDS
LOCKED = CoreErrorCode.LOCKED


def locked_refusal(locked: bool, name: str) -> BaseErrorCode | None:
    """``LOCKED`` when field ``name`` of an indicator with the flag ``locked`` is the
    province's, else ``None``."""
    return LOCKED if locked and name in LOCKED_FIELDS else None


def locked_problem(
    *, label: str, field: str | None, indicator: str = "", value: str = ""
) -> Problem:
    """The refusal of a locked field: ``label`` names the field as the form does, ``field`` is
    where the caller reports it, ``indicator`` the indicator's name when the message should say
    which, ``value`` the province's value when it helps."""
    which = f"指标“{indicator}”的" if indicator else "该指标的"
    fixed = f"由省院锁定为 {value}" if value else "由省院锁定"
    return Problem(LOCKED, f"{which}{label}{fixed}，不能修改，也不能调整。", field)

"""The three-way merge of a pushed template version into a unit's copy of an indicator.

Pure: no database access. Values are compared in their JSON form (``field_values``), the form
``LibraryIndicator.upstream`` and ``MergeConflict`` store them in, so that ``Decimal("10")`` and
``Decimal("10.00")`` are the same number.

For every content field, with ``base`` the upstream values the unit last adopted, ``local`` the
unit's current values and ``upstream`` the new version's values:

- policy fields (``mandatory``, ``locked``) always follow upstream;
- when upstream locks the indicator, its target and weight (``LOCKED_FIELDS``) follow upstream;
- a field the unit never changed (local == base) follows upstream;
- a field only the unit changed (upstream == base) keeps the unit's value;
- a field both changed to the same value is that value, without a conflict;
- a field both changed to different values keeps the unit's value and is reported as a conflict.

A field absent from ``base`` (a content field added after the last adoption) counts as one the
unit never changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from backend.indicators.models import IndicatorFields

JSON = None | bool | int | float | str | list[Any] | dict[str, Any]

CONTENT_FIELDS: tuple[str, ...] = IndicatorFields.CONTENT_FIELDS
LOCKED_FIELDS: tuple[str, ...] = IndicatorFields.LOCKED_FIELDS
POLICY_FIELDS: tuple[str, ...] = IndicatorFields.POLICY_FIELDS

_MISSING: Any = object()  # a sentinel compared by identity, never a value


def json_value(value: Any) -> JSON:
    """One field value in JSON form. A Decimal becomes its normalised plain string (``"10"``,
    ``"0.5"``; never an exponent), so equal numbers compare equal."""
    if isinstance(value, Decimal):
        if value.is_zero():
            return "0"
        return format(value.normalize(), "f")
    plain: JSON = value
    return plain


def field_values(obj: Any, fields: Sequence[str] = CONTENT_FIELDS) -> dict[str, JSON]:
    """The content fields of an indicator (a model instance or a mapping) in JSON form."""
    if isinstance(obj, Mapping):
        return {name: json_value(obj[name]) for name in fields}
    return {name: json_value(getattr(obj, name)) for name in fields}


@dataclass(frozen=True)
class FieldConflict:
    field: str
    base: JSON
    local: JSON
    upstream: JSON


@dataclass
class MergeOutcome:
    """The merged values (every field of ``upstream``) and the fields left in conflict."""

    values: dict[str, JSON]
    conflicts: list[FieldConflict] = field(default_factory=list)

    @property
    def has_conflicts(self) -> bool:
        return bool(self.conflicts)


def three_way(
    base: Mapping[str, JSON], local: Mapping[str, JSON], upstream: Mapping[str, JSON]
) -> MergeOutcome:
    """Merge ``upstream`` into ``local`` with ``base`` as the common ancestor (rules above).
    The fields merged are those of ``upstream``, in content-field order first."""
    order = [name for name in CONTENT_FIELDS if name in upstream]
    order += [name for name in upstream if name not in CONTENT_FIELDS]
    locked = bool(upstream.get("locked"))
    values: dict[str, JSON] = {}
    conflicts: list[FieldConflict] = []
    for name in order:
        theirs = upstream[name]
        mine = local.get(name, _MISSING)
        ancestor = base.get(name, _MISSING)
        if (
            name in POLICY_FIELDS
            or (locked and name in LOCKED_FIELDS)
            or mine is _MISSING
            or ancestor is _MISSING
            or mine == ancestor
        ):
            values[name] = theirs
        elif theirs == ancestor or mine == theirs:
            values[name] = mine
        else:
            values[name] = mine
            conflicts.append(FieldConflict(name, ancestor, mine, theirs))
    return MergeOutcome(values=values, conflicts=conflicts)

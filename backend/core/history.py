"""History of a unit's records (django-simple-history), lean on indexes.

Every unit schema repeats every table and index, so an index nothing reads costs catalog rows
and pages 3,600 times over (``docs/scaling.md``, "What an empty unit costs"). A historical table
is read only by the history pages, by the object's ``id`` and sometimes by its parent's key
(a goal's indicators by ``goal_id``); simple-history's default indexes every copied foreign key
and unique field, ``history_date`` and ``history_user``. ``UnitHistory`` keeps the index on
``id`` and on the keys named in ``indexed``, and no other.

``set_history_user`` names who made a change (and why) before the save that records it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from simple_history.models import HistoricalRecords


class UnitHistory(HistoricalRecords):
    def __init__(self, *, indexed: tuple[str, ...] = (), **kwargs: Any) -> None:
        kwargs.setdefault("user_db_constraint", False)
        super().__init__(**kwargs)
        self.indexed = {"id", *indexed}

    def copy_fields(self, model: Any) -> dict[str, Any]:
        fields = super().copy_fields(model)
        for name, field in fields.items():
            if name not in self.indexed:
                field.db_index = False
        return fields

    def _get_history_user_fields(self) -> dict[str, Any]:
        fields = super()._get_history_user_fields()
        user = fields.get("history_user")
        if user is not None and hasattr(user, "db_index"):
            user.db_index = False  # nothing looks history up by who made it
        return fields

    @property
    def _date_indexing(self) -> bool:
        return False  # records are read per object and sorted in memory


def set_history_user(
    instance: models.Model,
    user: AbstractBaseUser | AnonymousUser | None,
    reason: str | None = None,
) -> None:
    """Who makes the next save of ``instance`` (and why), for its historical record: the
    attributes simple-history reads off the instance when it writes the record."""
    # simple-history ships no types: nothing declares these attributes on a model
    instance._history_user = user  # type: ignore[attr-defined]
    if reason is not None:
        instance._change_reason = reason[:100]  # type: ignore[attr-defined]

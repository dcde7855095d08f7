"""Reading the kept history of a goal (django-simple-history): who changed what, when, from
what to what — the goal itself, its indicators and its adjustment requests."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from backend.goals.models import AdjustmentRequest, GoalIndicator, PerformanceGoal

IGNORED = {"updated_at", "created_at"}


def _entries(records: list[Any], label: Any) -> list[dict[str, Any]]:
    """Diff each history record against the previous one of the same object."""
    by_object: dict[int, list[Any]] = defaultdict(list)
    for record in records:
        by_object[record.id].append(record)
    entries = []
    for versions in by_object.values():
        versions.sort(key=lambda r: (r.history_date, r.history_id))
        previous = None
        for record in versions:
            changes: list[list[Any]] = []
            if previous is not None and record.history_type == "~":
                delta = record.diff_against(previous, excluded_fields=IGNORED)
                changes = [[c.field, _json(c.old), _json(c.new)] for c in delta.changes]
                if not changes:
                    previous = record
                    continue
            entries.append(
                {
                    "at": record.history_date,
                    "user": record.history_user.username if record.history_user else None,
                    "kind": record.history_type,
                    "object": label(record),
                    "changes": changes,
                }
            )
            previous = record
    return entries


def _json(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def goal_history(goal: PerformanceGoal) -> list[dict[str, Any]]:
    """Every recorded change of ``goal``, oldest first (three queries)."""
    records = _entries(list(goal.history.select_related("history_user")), lambda r: "goal")
    records += _entries(
        list(GoalIndicator.history.filter(goal_id=goal.pk).select_related("history_user")),
        lambda r: f"indicator {r.code}",
    )
    records += _entries(
        list(AdjustmentRequest.history.filter(goal_id=goal.pk).select_related("history_user")),
        lambda r: f"adjustment {r.id}",
    )
    return sorted(records, key=lambda e: e["at"])

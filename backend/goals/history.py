"""Reading the kept history of a goal (django-simple-history): who changed what, when, from
what to what — the goal itself, its indicators and its adjustment requests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
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
    return goals_history([goal.pk])[goal.pk]


def goals_history(goal_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """``goal_history`` of each goal of ``goal_ids``, in three queries for them all."""
    return histories(
        goal_ids,
        [
            (PerformanceGoal.history.filter(id__in=goal_ids), "id", lambda r: "goal"),
            (
                GoalIndicator.history.filter(goal_id__in=goal_ids),
                "goal_id",
                lambda r: f"indicator {r.code}",
            ),
            (
                AdjustmentRequest.history.filter(goal_id__in=goal_ids),
                "goal_id",
                lambda r: f"adjustment {r.id}",
            ),
        ],
    )


def histories(
    owner_ids: list[int], sources: list[tuple[Any, str, Callable[[Any], str]]]
) -> dict[int, list[dict[str, Any]]]:
    """The history entries of each owner (a goal, an evaluation), oldest first: ``sources``
    are ``(history queryset, the field naming the owner, label of a record)``, one query
    each whatever the number of owners."""
    records: dict[int, list[dict[str, Any]]] = {pk: [] for pk in owner_ids}
    for queryset, owner_field, label in sources:
        per_owner: dict[int, list[Any]] = defaultdict(list)
        for record in queryset.select_related("history_user"):
            per_owner[getattr(record, owner_field)].append(record)
        for pk, rows in per_owner.items():
            records[pk] += _entries(rows, label)
    return {pk: sorted(entries, key=lambda e: e["at"]) for pk, entries in records.items()}

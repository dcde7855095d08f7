"""Loaders of a template push's nested rows (``graphql_schema/core/dataloaders.py``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from backend.indicators import models
from graphql_schema.core.dataloaders import DataLoader


class TargetsByPushLoader(DataLoader[tuple[int, str | None], list[models.PushTarget]]):
    """A push's per-unit targets with their units, in the units' order; keyed by
    ``(push id, status or None for all)``."""

    def batch_load(self, keys: Sequence[tuple[int, str | None]]) -> list[list[models.PushTarget]]:
        grouped: dict[int, list[models.PushTarget]] = defaultdict(list)
        targets = models.PushTarget.objects.select_related("unit").order_by("unit__path")
        for target in targets.filter(push_id__in={push for push, _status in keys}):
            grouped[target.push_id].append(target)
        return [
            [t for t in grouped.get(push, []) if status is None or t.status == status]
            for push, status in keys
        ]

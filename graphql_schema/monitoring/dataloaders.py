"""Loaders of a monitoring entry's nested rows (``graphql_schema/core/dataloaders.py``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from backend.monitoring import models
from graphql_schema.core.dataloaders import ChildrenLoader


class IndicatorsByEntryLoader(ChildrenLoader):
    """An entry's indicators with the goal indicators they report on."""

    model = models.EntryIndicator
    parent_field = "entry"

    def queryset(self) -> QuerySet[Any]:
        return models.EntryIndicator.objects.select_related("goal_indicator")

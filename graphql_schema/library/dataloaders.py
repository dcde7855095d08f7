"""Loaders of a library indicator's nested rows (``graphql_schema/core/dataloaders.py``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from backend.library import models
from graphql_schema.core.dataloaders import ChildrenLoader


class OpenConflictsByIndicatorLoader(ChildrenLoader):
    model = models.MergeConflict
    parent_field = "indicator"

    def queryset(self) -> QuerySet[Any]:
        return models.MergeConflict.objects.filter(status=models.ConflictStatus.OPEN)

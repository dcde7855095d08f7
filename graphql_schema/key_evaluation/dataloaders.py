"""Loaders of a key evaluation's nested rows (``graphql_schema/core/dataloaders.py``)."""

from __future__ import annotations

from backend.key_evaluation import models
from graphql_schema.core.dataloaders import ChildrenLoader


class IndicatorsByKeyEvaluationLoader(ChildrenLoader):
    model = models.KeyIndicator
    parent_field = "key_evaluation"

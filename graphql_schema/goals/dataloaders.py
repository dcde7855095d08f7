"""Loaders of a project's and a goal's nested rows (``graphql_schema/core/dataloaders.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from backend.budgets import models as budgets
from backend.goals import models as goals
from graphql_schema.core.dataloaders import ChildrenLoader, DataLoader


class BudgetAdjustmentsByProjectLoader(ChildrenLoader):
    model = budgets.BudgetAdjustment
    parent_field = "project"


class ExpendituresByProjectLoader(ChildrenLoader):
    model = budgets.Expenditure
    parent_field = "project"


class IndicatorsByGoalLoader(ChildrenLoader):
    model = goals.GoalIndicator
    parent_field = "goal"

    def queryset(self) -> QuerySet[Any]:
        return goals.GoalIndicator.objects.order_by("sort_order", "id")


class ReviewsByGoalLoader(ChildrenLoader):
    """A goal's reviews with their reviewer and their comments' indicators."""

    model = goals.GoalReview
    parent_field = "goal"

    def queryset(self) -> QuerySet[Any]:
        return goals.GoalReview.objects.select_related("reviewer").prefetch_related(
            "comments__indicator"
        )


class AdjustmentRequestsByGoalLoader(ChildrenLoader):
    model = goals.AdjustmentRequest
    parent_field = "goal"


class HistoryByGoalLoader(DataLoader[int, list[dict[str, Any]]]):
    def batch_load(self, keys: Sequence[int]) -> list[list[dict[str, Any]]]:
        from backend.goals.history import goals_history

        found = goals_history(list(keys))
        return [found[key] for key in keys]

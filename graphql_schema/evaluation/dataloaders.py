"""Loaders of an evaluation's nested rows (``graphql_schema/core/dataloaders.py``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from backend.evaluation import models
from graphql_schema.core.dataloaders import ChildrenLoader, DataLoader


class IndicatorScoresByEvaluationLoader(ChildrenLoader):
    model = models.IndicatorScore
    parent_field = "evaluation"


class DepartmentScoresByEvaluationLoader(ChildrenLoader):
    model = models.DepartmentIndicatorScore
    parent_field = "evaluation"


class EvidenceIdsByScoreLoader(DataLoader[int, list[str]]):
    """The ids of the documents an indicator score cites, newest document first."""

    def batch_load(self, keys: Sequence[int]) -> list[list[str]]:
        links = models.IndicatorScore.evidence.through.objects.filter(
            indicatorscore_id__in=set(keys)
        ).order_by("-document__created_at", "document_id")
        grouped: dict[int, list[str]] = defaultdict(list)
        for score_id, document_id in links.values_list("indicatorscore_id", "document_id"):
            grouped[score_id].append(str(document_id))
        return [grouped.get(key, []) for key in keys]


class SelfEvaluationHistoryLoader(DataLoader[int, list[dict[str, Any]]]):
    kind: type[models.SelfEvaluation] | type[models.DepartmentEvaluation] = models.SelfEvaluation

    def batch_load(self, keys: Sequence[int]) -> list[list[dict[str, Any]]]:
        from backend.evaluation.selectors import evaluations_history

        found = evaluations_history(self.kind, list(keys))
        return [found[key] for key in keys]


class DepartmentEvaluationHistoryLoader(SelfEvaluationHistoryLoader):
    kind = models.DepartmentEvaluation

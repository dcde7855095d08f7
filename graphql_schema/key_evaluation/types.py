"""Key evaluation types. Public host: ``KeyEvaluation`` with its indicators and the evaluators'
scores the caller may read (a manager: all; an evaluator: their own). Unit host:
``UnitKeyEvaluation``, the key evaluations of the unit's own projects, without the evaluators.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphene import relay
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id

from backend.evaluation.models import Band
from backend.key_evaluation import models, selectors
from backend.oversight.models import KeyScoreRule
from graphql_schema.core.dataloaders import Deferred, prefetched_or
from graphql_schema.core.types import CountableConnection, attribute_or_none
from graphql_schema.key_evaluation.dataloaders import IndicatorsByKeyEvaluationLoader
from graphql_schema.tenants.types import Unit

KeyEvaluationKindEnum = graphene.Enum.from_enum(
    models.KeyEvaluationKind, name="KeyEvaluationKind", description="重点评价类型"
)
KeyEvaluationStatusEnum = graphene.Enum.from_enum(
    models.KeyEvaluationStatus, name="KeyEvaluationStatus", description="重点评价状态"
)
AssignmentStatusEnum = graphene.Enum.from_enum(
    models.AssignmentStatus, name="EvaluatorAssignmentStatus", description="评分状态"
)
KeyScoreRuleEnum = graphene.Enum.from_enum(
    KeyScoreRule, name="KeyScoreRule", description="重点评价得分口径"
)
KeyBandEnum = graphene.Enum.from_enum(Band, name="KeyEvaluationBand", description="定性档次")


def _manager_paths(info: graphene.ResolveInfo) -> list[str]:
    """The caller's manager paths, read once per request."""
    context = info.context
    cached = getattr(context, "_key_manager_paths", None)
    if cached is None:
        cached = selectors.manager_paths(context.user)
        context._key_manager_paths = cached
    return cached


def manages(info: graphene.ResolveInfo, key_eval: models.KeyEvaluation) -> bool:
    user = info.context.user
    if not user.is_authenticated:
        return False
    return bool(user.is_staff) or any(
        key_eval.unit.path.startswith(p) for p in _manager_paths(info)
    )


class Evaluator(graphene.ObjectType):
    """A user who scores key evaluations."""

    id = graphene.ID(required=True, description="User ID for assignEvaluators")
    username = graphene.String(required=True)
    full_name = graphene.String(required=True)

    @staticmethod
    def resolve_id(root: Any, info: graphene.ResolveInfo) -> str:
        return to_global_id("User", root.pk)


class KeyIndicator(DjangoObjectType):
    """One indicator as the unit finalised it, and (once finalised) the evaluators' combined
    score of it by the key evaluation's rule."""

    self_band = graphene.Field(KeyBandEnum, resolver=attribute_or_none("self_band"))
    self_flags = graphene.JSONString(required=True)

    class Meta:
        model = models.KeyIndicator
        fields = (
            "code",
            "level1",
            "level2",
            "name",
            "value_type",
            "direction",
            "unit",
            "target_value",
            "target_text",
            "weight",
            "template_code",
            "self_actual_value",
            "self_actual_text",
            "self_band_score",
            "self_explanation",
            "deviation_cause",
            "deviation_reason",
            "self_computed_score",
            "self_override_score",
            "self_override_reason",
            "self_score",
            "self_computation",
            "key_score",
        )
        convert_choices_to_enum = False


class EvaluatorScore(DjangoObjectType):
    indicator_code = graphene.String(required=True)
    band = graphene.Field(KeyBandEnum, resolver=attribute_or_none("band"))
    flags = graphene.JSONString(required=True)

    class Meta:
        model = models.EvaluatorScore
        fields = (
            "actual_value",
            "actual_text",
            "band_score",
            "computed_score",
            "rule",
            "computation",
            "override_score",
            "override_reason",
            "final_score",
            "comment",
            "updated_at",
        )

    @staticmethod
    def resolve_indicator_code(root: models.EvaluatorScore, info: graphene.ResolveInfo) -> str:
        return root.indicator.code


class EvaluatorAssignment(DjangoObjectType):
    """One evaluator's sheet of a key evaluation."""

    evaluator = graphene.Field(Evaluator, required=True)
    status = graphene.Field(
        AssignmentStatusEnum, required=True, resolver=attribute_or_none("status")
    )
    group_scores = graphene.JSONString(required=True)
    flags = graphene.JSONString(required=True)
    scores = graphene.List(graphene.NonNull(EvaluatorScore), required=True)
    key_evaluation = graphene.Field(lambda: KeyEvaluation, required=True)

    class Meta:
        model = models.EvaluatorAssignment
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = (
            "comment",
            "execution_score",
            "total",
            "grade",
            "scored_at",
            "submitted_at",
            "assigned_at",
        )

    @staticmethod
    def resolve_scores(
        root: models.EvaluatorAssignment, info: graphene.ResolveInfo
    ) -> list[models.EvaluatorScore]:
        rows = root.scores.all()
        if "scores" not in getattr(root, "_prefetched_objects_cache", {}):
            rows = rows.select_related("indicator")
        return sorted(rows, key=lambda s: (s.indicator.sort_order, s.indicator_id))


class KeyEvaluation(DjangoObjectType):
    """A key evaluation (重点评价) or sampled re-review (抽查复核) of a unit's project."""

    unit = graphene.Field(Unit, required=True)
    issuer = graphene.Field(Unit, required=True)
    kind = graphene.Field(KeyEvaluationKindEnum, required=True, resolver=attribute_or_none("kind"))
    status = graphene.Field(
        KeyEvaluationStatusEnum, required=True, resolver=attribute_or_none("status")
    )
    rule = graphene.Field(KeyScoreRuleEnum, resolver=attribute_or_none("rule"))
    project_id = graphene.ID(required=True, description="the project's ID on the unit's host")
    self_flags = graphene.JSONString(required=True)
    self_group_scores = graphene.JSONString(required=True)
    group_weights = graphene.JSONString()
    indicators = graphene.List(graphene.NonNull(KeyIndicator), required=True)
    assignments = graphene.List(
        graphene.NonNull(EvaluatorAssignment),
        required=True,
        description="every evaluator's sheet for the issuer's managers; an evaluator's own only",
    )
    draw_id = graphene.ID(description="the sampling draw that chose it")

    class Meta:
        model = models.KeyEvaluation
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = (
            "fiscal_year",
            "project_code",
            "project_name",
            "layout",
            "execution_weight",
            "full_budget",
            "executed",
            "execution_rate",
            "execution_score",
            "self_score",
            "self_grade",
            "self_finalised_at",
            "deviation_analysis",
            "key_score",
            "key_grade",
            "gap",
            "overrated",
            "overrate_points",
            "score_explanation",
            "conclusion",
            "selected_at",
            "finalised_at",
        )
        convert_choices_to_enum = False

    @staticmethod
    def resolve_project_id(root: models.KeyEvaluation, info: graphene.ResolveInfo) -> str:
        return to_global_id("Project", root.project_id)

    @staticmethod
    def resolve_draw_id(root: models.KeyEvaluation, info: graphene.ResolveInfo) -> str | None:
        return to_global_id("SamplingDraw", root.draw_id) if root.draw_id else None

    @staticmethod
    def resolve_indicators(
        root: models.KeyEvaluation, info: graphene.ResolveInfo
    ) -> Deferred[list[models.KeyIndicator]]:
        return prefetched_or(root, "indicators", IndicatorsByKeyEvaluationLoader.of(info))

    @staticmethod
    def resolve_assignments(
        root: models.KeyEvaluation, info: graphene.ResolveInfo
    ) -> list[models.EvaluatorAssignment]:
        return selectors.assignments_for(info.context.user, root, manages=manages(info, root))


class UnitKeyEvaluation(DjangoObjectType):
    """A key evaluation of one of the unit's own projects, as the unit sees it: its self-score
    beside the key score and the gap; not who the evaluators were."""

    issuer = graphene.Field(Unit, required=True)
    kind = graphene.Field(KeyEvaluationKindEnum, required=True, resolver=attribute_or_none("kind"))
    status = graphene.Field(
        KeyEvaluationStatusEnum, required=True, resolver=attribute_or_none("status")
    )
    rule = graphene.Field(KeyScoreRuleEnum, resolver=attribute_or_none("rule"))
    project_id = graphene.ID(required=True)
    indicators = graphene.List(graphene.NonNull(KeyIndicator), required=True)

    class Meta:
        model = models.KeyEvaluation
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        skip_registry = True
        fields = (
            "fiscal_year",
            "project_code",
            "project_name",
            "execution_rate",
            "execution_score",
            "self_score",
            "self_grade",
            "key_score",
            "key_grade",
            "gap",
            "overrated",
            "overrate_points",
            "score_explanation",
            "conclusion",
            "selected_at",
            "finalised_at",
        )
        convert_choices_to_enum = False

    @staticmethod
    def resolve_project_id(root: models.KeyEvaluation, info: graphene.ResolveInfo) -> str:
        return to_global_id("Project", root.project_id)

    @staticmethod
    def resolve_indicators(
        root: models.KeyEvaluation, info: graphene.ResolveInfo
    ) -> Deferred[list[models.KeyIndicator]]:
        return prefetched_or(root, "indicators", IndicatorsByKeyEvaluationLoader.of(info))


class SamplingDraw(DjangoObjectType):
    """A recorded draw: enough to redo it by hand (docs/key_evaluation.md)."""

    issuer = graphene.Field(Unit, required=True)
    chosen = graphene.JSONString(
        required=True, description="[{unit, project_id, project_code, rank}]"
    )
    flagged = graphene.JSONString(
        required=True, description="[{unit, project_id, project_code, flags}]"
    )
    drawn_by = graphene.String(description="username")

    class Meta:
        model = models.SamplingDraw
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = (
            "fiscal_year",
            "share",
            "seed",
            "population_size",
            "sample_size",
            "created",
            "drawn_at",
        )

    @staticmethod
    def resolve_drawn_by(root: models.SamplingDraw, info: graphene.ResolveInfo) -> str | None:
        return root.drawn_by.username if root.drawn_by is not None else None


class KeyEvaluationPolicy(graphene.ObjectType):
    """A province's key-evaluation settings (domain.md defaults when never set)."""

    province = graphene.String(required=True)
    sampling_share = graphene.Decimal(required=True)
    key_score_rule = graphene.Field(KeyScoreRuleEnum, required=True)
    overrate_points = graphene.Decimal(required=True)

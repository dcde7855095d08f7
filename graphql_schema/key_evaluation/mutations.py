"""key_evaluation: GraphQL mutations (public host). Resolvers find the row among those the
caller may see (else ``NOT_FOUND``) and call one service, which checks the role and the state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene

from backend.accounts.policy import Op
from backend.core.errors import CoreErrorCode, DomainError
from backend.key_evaluation import models, selectors, services
from backend.oversight.models import KeyScoreRule
from graphql_schema.core.ids import decode_id
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_console
from graphql_schema.key_evaluation.types import (
    EvaluatorAssignment,
    KeyBandEnum,
    KeyEvaluation,
    KeyEvaluationKindEnum,
    KeyEvaluationPolicy,
    KeyScoreRuleEnum,
    SamplingDraw,
)
from tenants.models import Procuratorate


def _value(enum_value: Any) -> Any:
    return getattr(enum_value, "value", enum_value)


def _unit(code: str, field: str) -> Procuratorate:
    unit = Procuratorate.objects.filter(code=code).first()
    if unit is None:
        raise DomainError.single(CoreErrorCode.NOT_FOUND, f"单位“{code}”不存在。", field)
    return unit


def _key_evaluation(info: graphene.ResolveInfo, global_id: str) -> models.KeyEvaluation:
    """The key evaluation, if the caller may see it, locked for the mutation."""
    pk = decode_id(global_id, "KeyEvaluation")
    row = (
        selectors.visible_key_evaluations(info.context.user)
        .filter(pk=pk)
        .select_for_update(of=("self",))
        .first()
    )
    if row is None:
        raise DomainError.single(CoreErrorCode.NOT_FOUND, "重点评价不存在。", "id")
    return row


def _assignment(info: graphene.ResolveInfo, global_id: str) -> models.EvaluatorAssignment:
    """The caller's own assignment, locked for the mutation."""
    pk = decode_id(global_id, "EvaluatorAssignment", "assignmentId")
    row = (
        models.EvaluatorAssignment.objects.filter(pk=pk, evaluator=info.context.user)
        .select_related("key_evaluation")
        .select_for_update(of=("self",))
        .first()
    )
    if row is None:
        raise DomainError.single(CoreErrorCode.NOT_FOUND, "评分任务不存在。", "assignmentId")
    return row


class SelectForKeyEvaluation(BaseMutation):
    """Select a unit's project with a finalised self-evaluation for key evaluation (or a
    re-review): the issuer (a province or city above the unit) acts through its managers."""

    key_evaluation = graphene.Field(KeyEvaluation)

    class Arguments:
        issuer = graphene.String(required=True, description="the selecting province or city")
        unit = graphene.String(required=True, description="the evaluated unit's code")
        project_id = graphene.ID(required=True, description="the project's ID on the unit's host")
        fiscal_year = graphene.Int(required=True)
        kind = KeyEvaluationKindEnum(default_value="key")

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        issuer: str,
        unit: str,
        project_id: str,
        fiscal_year: int,
        # The enum member, or the argument's default as it stands ("key").
        kind: models.KeyEvaluationKind | str = "key",
    ) -> dict[str, Any]:
        user = require_console(info, Op.KEY_EVALUATION_MANAGE)
        key_eval = services.select_for_key_evaluation(
            _unit(issuer, "issuer"),
            user,
            _unit(unit, "unit"),
            decode_id(project_id, "Project", "projectId"),
            fiscal_year,
            _value(kind),
        )
        return {"key_evaluation": key_eval}


class AssignEvaluators(BaseMutation):
    """Set the evaluators (User IDs from ``keyEvaluators``): new ones added, unlisted ones
    removed unless they submitted."""

    key_evaluation = graphene.Field(KeyEvaluation)

    class Arguments:
        id = graphene.ID(required=True)
        user_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, user_ids: list[str]
    ) -> dict[str, Any]:
        user = require_console(info, Op.KEY_EVALUATION_MANAGE)
        key_eval = _key_evaluation(info, id)
        ids = [decode_id(g, "User", f"userIds.{i}") for i, g in enumerate(user_ids)]
        services.assign_evaluators(key_eval, user, ids)
        return {"key_evaluation": key_eval}


class EvaluatorScoreInput(graphene.InputObjectType):
    code = graphene.String(required=True, description="the indicator's code")
    actual_value = graphene.Decimal(description="quantitative: the evaluator's actual value")
    actual_text = graphene.String()
    band = KeyBandEnum(description="qualitative: the band")
    band_score = graphene.Decimal(description="qualitative: points inside the band")
    override_score = graphene.Decimal(description="replaces the computed score, 0..weight")
    override_reason = graphene.String()
    comment = graphene.String()


class RecordEvaluatorScores(BaseMutation):
    """The evaluator records their assessment of some indicators (each replaces that
    indicator's earlier entry); the sheet is scored again."""

    assignment = graphene.Field(EvaluatorAssignment)

    class Arguments:
        assignment_id = graphene.ID(required=True)
        indicators = graphene.List(graphene.NonNull(EvaluatorScoreInput), required=True)
        comment = graphene.String()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        assignment_id: str,
        indicators: list[EvaluatorScoreInput],
        comment: str | None = None,
    ) -> dict[str, Any]:
        user = require_console(info, Op.KEY_EVALUATION_SCORE)
        assignment = _assignment(info, assignment_id)
        rows = [{k: _value(v) for k, v in item.items()} for item in indicators]
        services.record_evaluator_scores(assignment, user, rows, comment)
        return {"assignment": assignment}


class SubmitEvaluatorScores(BaseMutation):
    """Submit the evaluator's sheet (every indicator assessed); frozen afterwards."""

    assignment = graphene.Field(EvaluatorAssignment)

    class Arguments:
        assignment_id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, assignment_id: str) -> dict[str, Any]:
        user = require_console(info, Op.KEY_EVALUATION_SCORE)
        assignment = _assignment(info, assignment_id)
        return {"assignment": services.submit_evaluator_scores(assignment, user)}


class FinaliseKeyEvaluation(BaseMutation):
    """Combine the evaluators' totals by the province's rule; gap, overrated flag and the
    project's facts in the same transaction."""

    key_evaluation = graphene.Field(KeyEvaluation)

    class Arguments:
        id = graphene.ID(required=True)
        conclusion = graphene.String()

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, conclusion: str | None = None
    ) -> dict[str, Any]:
        user = require_console(info, Op.KEY_EVALUATION_MANAGE)
        key_eval = _key_evaluation(info, id)
        services.finalise_key_evaluation(key_eval, user, conclusion or "")
        return {"key_evaluation": key_eval}


class DrawSample(BaseMutation):
    """Draw a reproducible share of the finalised self-evaluations below the issuer (plus
    every flagged one) for re-review."""

    draw = graphene.Field(SamplingDraw)

    class Arguments:
        issuer = graphene.String(required=True)
        fiscal_year = graphene.Int(required=True)
        share = graphene.Decimal(description="percent; default: the province's setting")
        seed = graphene.String(description='default "<issuer code>-<year>"')

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        issuer: str,
        fiscal_year: int,
        share: Decimal | None = None,
        seed: str | None = None,
    ) -> dict[str, Any]:
        user = require_console(info, Op.KEY_EVALUATION_MANAGE)
        draw = services.draw_sample(_unit(issuer, "issuer"), user, fiscal_year, share, seed)
        return {"draw": draw}


class SetKeyEvaluationPolicy(BaseMutation):
    """The province's key-evaluation settings (province_admin): sampling share, the rule
    combining evaluators' scores, the overrate threshold. Only the given ones change."""

    policy = graphene.Field(KeyEvaluationPolicy)

    class Arguments:
        province = graphene.String(required=True)
        sampling_share = graphene.Decimal()
        key_score_rule = KeyScoreRuleEnum()
        overrate_points = graphene.Decimal()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        province: str,
        sampling_share: Decimal | None = None,
        key_score_rule: KeyScoreRule | None = None,
        overrate_points: Decimal | None = None,
    ) -> dict[str, Any]:
        user = require_console(info, Op.POLICY_MANAGE)
        policy = services.set_key_evaluation_policy(
            _unit(province, "province"),
            user,
            sampling_share=sampling_share,
            key_score_rule=_value(key_score_rule) if key_score_rule is not None else None,
            overrate_points=overrate_points,
        )
        return {
            "policy": KeyEvaluationPolicy(
                province=province,
                sampling_share=policy.sampling_share,
                key_score_rule=policy.key_score_rule,
                overrate_points=policy.overrate_points,
            )
        }


class TenantKeyEvaluationMutations(graphene.ObjectType):
    """On a unit's host: none (a unit reads its key evaluations, it does not run them)."""


class PublicKeyEvaluationMutations(graphene.ObjectType):
    """On the public host."""

    select_for_key_evaluation = SelectForKeyEvaluation.Field()
    assign_evaluators = AssignEvaluators.Field()
    record_evaluator_scores = RecordEvaluatorScores.Field()
    submit_evaluator_scores = SubmitEvaluatorScores.Field()
    finalise_key_evaluation = FinaliseKeyEvaluation.Field()
    draw_sample = DrawSample.Field()
    set_key_evaluation_policy = SetKeyEvaluationPolicy.Field()

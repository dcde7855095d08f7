"""key_evaluation: GraphQL queries. Public host: the key evaluations in the caller's reach (an
evaluator: only those assigned to them), their own assignments, the sampling draws, the
province's settings and the evaluators an issuer may assign. Unit host: the key evaluations of
the unit's own projects."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import QuerySet
from graphene_django import DjangoConnectionField

from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.core.errors import DomainError
from backend.key_evaluation import models, selectors
from backend.key_evaluation.rules import DEFAULT_OVERRATE_POINTS
from backend.key_evaluation.services import DEFAULT_SHARE, is_manager
from graphql_schema.core.ids import decode_id
from graphql_schema.core.permissions import (
    in_province,
    require_console,
    require_unit_access,
    require_user,
)
from graphql_schema.key_evaluation.types import (
    Evaluator,
    EvaluatorAssignment,
    KeyEvaluation,
    KeyEvaluationKindEnum,
    KeyEvaluationPolicy,
    KeyEvaluationStatusEnum,
    SamplingDraw,
    UnitKeyEvaluation,
)
from tenants.models import Procuratorate, UnitLevel


def _value(enum_value: Any) -> str | None:
    return getattr(enum_value, "value", enum_value) or None


class TenantKeyEvaluationQueries(graphene.ObjectType):
    """On a unit's host."""

    key_evaluations = DjangoConnectionField(
        UnitKeyEvaluation,
        fiscal_year=graphene.Int(),
        description="Key evaluations and re-reviews of this unit's own projects.",
    )

    @staticmethod
    def resolve_key_evaluations(
        root: None, info: graphene.ResolveInfo, fiscal_year: int | None = None, **kwargs: Any
    ) -> QuerySet[models.KeyEvaluation]:
        unit = require_unit_access(info)
        return selectors.unit_key_evaluations(unit, fiscal_year=fiscal_year)


class PublicKeyEvaluationQueries(graphene.ObjectType):
    """On the public host."""

    key_evaluations = DjangoConnectionField(
        KeyEvaluation,
        fiscal_year=graphene.Int(),
        status=KeyEvaluationStatusEnum(),
        kind=KeyEvaluationKindEnum(),
        unit=graphene.String(description="a unit's code"),
        description="Key evaluations in the caller's reach; an evaluator sees only those "
        "assigned to them.",
    )
    key_evaluation = graphene.Field(KeyEvaluation, id=graphene.ID(required=True))
    my_key_evaluation_assignments = DjangoConnectionField(
        EvaluatorAssignment,
        status=graphene.String(description="assigned or submitted"),
        fiscal_year=graphene.Int(),
        description="The caller's own evaluator assignments.",
    )
    sampling_draws = DjangoConnectionField(
        SamplingDraw, fiscal_year=graphene.Int(), description="Draws of the issuers managed."
    )
    key_evaluation_policy = graphene.Field(
        KeyEvaluationPolicy, province=graphene.String(required=True)
    )
    key_evaluators = graphene.List(
        graphene.NonNull(Evaluator),
        required=True,
        issuer=graphene.String(required=True),
        description="Users holding the evaluator role at the issuer or above.",
    )

    @staticmethod
    def resolve_key_evaluations(
        root: None,
        info: graphene.ResolveInfo,
        fiscal_year: int | None = None,
        status: models.KeyEvaluationStatus | None = None,
        kind: models.KeyEvaluationKind | None = None,
        unit: str | None = None,
        **kwargs: Any,
    ) -> QuerySet[models.KeyEvaluation]:
        user = require_user(info)
        qs = selectors.visible_key_evaluations(
            user,
            fiscal_year=fiscal_year,
            status=_value(status),
            kind=_value(kind),
            unit_code=unit,
        )
        return selectors.with_details(qs)

    @staticmethod
    def resolve_key_evaluation(
        root: None, info: graphene.ResolveInfo, id: str
    ) -> models.KeyEvaluation | None:
        user = require_user(info)
        try:
            pk = decode_id(id, "KeyEvaluation")
        except DomainError:
            return None
        qs = selectors.with_details(selectors.visible_key_evaluations(user))
        return qs.filter(pk=pk).first()

    @staticmethod
    def resolve_my_key_evaluation_assignments(
        root: None,
        info: graphene.ResolveInfo,
        status: str | None = None,
        fiscal_year: int | None = None,
        **kwargs: Any,
    ) -> QuerySet[models.EvaluatorAssignment]:
        user = require_console(info, Op.KEY_EVALUATION_SCORE)
        return selectors.my_assignments(
            user, status=status.lower() if status else None, fiscal_year=fiscal_year
        ).prefetch_related(
            "scores__indicator",
            "key_evaluation__indicators",
            "key_evaluation__assignments__evaluator",
        )

    @staticmethod
    def resolve_sampling_draws(
        root: None, info: graphene.ResolveInfo, fiscal_year: int | None = None, **kwargs: Any
    ) -> QuerySet[models.SamplingDraw]:
        user = require_console(info, Op.KEY_EVALUATION_MANAGE)
        return selectors.visible_draws(user, fiscal_year=fiscal_year)

    @staticmethod
    def resolve_key_evaluation_policy(
        root: None, info: graphene.ResolveInfo, province: str
    ) -> KeyEvaluationPolicy | None:
        from backend.oversight.selectors import policy_for

        require_console(info, Op.KEY_EVALUATION_MANAGE)
        unit = Procuratorate.objects.filter(code=province, level=UnitLevel.PROVINCE).first()
        if unit is None or not in_province(info, unit, Op.KEY_EVALUATION_MANAGE):
            return None
        policy = policy_for(unit)
        return KeyEvaluationPolicy(
            province=unit.code,
            sampling_share=policy.sampling_share if policy else DEFAULT_SHARE,
            key_score_rule=policy.key_score_rule if policy else "mean",
            overrate_points=policy.overrate_points if policy else DEFAULT_OVERRATE_POINTS,
        )

    @staticmethod
    def resolve_key_evaluators(root: None, info: graphene.ResolveInfo, issuer: str) -> list[User]:
        user = require_console(info, Op.KEY_EVALUATION_MANAGE)
        unit = Procuratorate.objects.filter(code=issuer).first()
        if unit is None or not is_manager(user, unit):
            return []
        return list(selectors.evaluators_for(unit))

from __future__ import annotations

from datetime import datetime

import graphene
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id

from backend.oversight import models
from graphql_schema.goals.enums import GoalStatusEnum, GradeEnum
from graphql_schema.tenants.types import Unit


class GoalSubmission(DjangoObjectType):
    """A unit's goal as its reviewers see it from the public host. Act on it on the unit's own
    host (``unit.domain``) with ``goalId``."""

    unit = graphene.Field(Unit, required=True)
    status = graphene.Field(GoalStatusEnum, required=True)
    grade = graphene.Field(GradeEnum)
    goal_id = graphene.ID(required=True, description="the goal's ID on the unit's host")

    class Meta:
        model = models.GoalSubmission
        fields = (
            "project_code",
            "project_name",
            "fiscal_year",
            "full_budget",
            "warnings",
            "submitted_at",
            "updated_at",
            "adjustment_status",
        )

    @staticmethod
    def resolve_status(root: models.GoalSubmission, info: graphene.ResolveInfo) -> str:
        return root.status

    @staticmethod
    def resolve_grade(root: models.GoalSubmission, info: graphene.ResolveInfo) -> str | None:
        return root.grade or None

    @staticmethod
    def resolve_goal_id(root: models.GoalSubmission, info: graphene.ResolveInfo) -> str:
        return to_global_id("PerformanceGoal", root.goal_id)


class DepartmentWeights(graphene.ObjectType):
    """投入 / 过程 / 产出 / 效果 of a department-wide evaluation (points, together 100; the
    budget execution rate's points count inside 过程)."""

    input = graphene.Decimal(required=True, description="投入")
    process = graphene.Decimal(required=True, description="过程")
    output = graphene.Decimal(required=True, description="产出")
    outcome = graphene.Decimal(required=True, description="效果")


class DepartmentWeightsInput(graphene.InputObjectType):
    input = graphene.Decimal(required=True, description="投入")
    process = graphene.Decimal(required=True, description="过程")
    output = graphene.Decimal(required=True, description="产出")
    outcome = graphene.Decimal(required=True, description="效果")


class ProvincePolicy(DjangoObjectType):
    """The province's settings; when the province set none, the effective defaults
    (``isDefault`` true, ``updatedAt`` null)."""

    province = graphene.Field(Unit, required=True)
    updated_at = graphene.DateTime(description="null while the defaults apply")
    is_default = graphene.Boolean(
        required=True, description="true when the province has set nothing: the defaults apply"
    )
    department_weights = graphene.Field(DepartmentWeights, required=True)

    class Meta:
        model = models.ProvincePolicy
        fields = ("require_city_review",)

    @staticmethod
    def resolve_updated_at(
        root: models.ProvincePolicy, info: graphene.ResolveInfo
    ) -> datetime | None:
        return root.updated_at if root.pk else None

    @staticmethod
    def resolve_is_default(root: models.ProvincePolicy, info: graphene.ResolveInfo) -> bool:
        return root.pk is None

    @staticmethod
    def resolve_department_weights(
        root: models.ProvincePolicy, info: graphene.ResolveInfo
    ) -> DepartmentWeights:
        from decimal import Decimal

        weights = root.department_weights or models.default_department_weights()
        return DepartmentWeights(**{k: Decimal(str(v)) for k, v in weights.items()})

from __future__ import annotations

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


class ProvincePolicy(DjangoObjectType):
    province = graphene.Field(Unit, required=True)

    class Meta:
        model = models.ProvincePolicy
        fields = ("require_city_review", "updated_at")

from __future__ import annotations

import base64
from decimal import Decimal

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from backend.budgets import models as budgets
from backend.goals import models as goals
from graphql_schema.core.dataloaders import Deferred, prefetched_or, then
from graphql_schema.core.types import CountableConnection, attribute_or_none
from graphql_schema.core.versioning import version_field
from graphql_schema.goals.dataloaders import (
    AdjustmentRequestsByGoalLoader,
    BudgetAdjustmentsByProjectLoader,
    ExpendituresByProjectLoader,
    HistoryByGoalLoader,
    IndicatorsByGoalLoader,
    ReviewsByGoalLoader,
)
from graphql_schema.goals.enums import (
    AdjustmentStatusEnum,
    CategoryEnum,
    DecisionEnum,
    FundingSourceEnum,
    GoalStatusEnum,
    GradeEnum,
    IndicatorSourceEnum,
    ProjectKindEnum,
    ReviewStageEnum,
)
from graphql_schema.indicators.fields import INDICATOR_MODEL_FIELDS, IndicatorFieldsMixin


class BudgetAdjustment(DjangoObjectType):
    class Meta:
        model = budgets.BudgetAdjustment
        fields = ("id", "date", "amount", "reason", "created_at")


class Expenditure(DjangoObjectType):
    class Meta:
        model = budgets.Expenditure
        fields = ("id", "date", "amount", "description", "monthly_total")


class GoalIndicator(IndicatorFieldsMixin, DjangoObjectType):
    source = graphene.Field(
        IndicatorSourceEnum, required=True, resolver=attribute_or_none("source")
    )

    class Meta:
        model = goals.GoalIndicator
        interfaces = (relay.Node,)
        fields = (
            *INDICATOR_MODEL_FIELDS,
            "template_code",
            "template_version",
            "actual_value",
            "actual_text",
        )


class IndicatorComment(graphene.ObjectType):
    indicator_code = graphene.String(required=True)
    comment = graphene.String(required=True)


class GoalReview(DjangoObjectType):
    stage = graphene.Field(ReviewStageEnum, required=True, resolver=attribute_or_none("stage"))
    decision = graphene.Field(DecisionEnum, required=True, resolver=attribute_or_none("decision"))
    grade = graphene.Field(GradeEnum, resolver=attribute_or_none("grade"))
    reviewer = graphene.String(description="the reviewer's username")
    indicator_comments = graphene.List(graphene.NonNull(IndicatorComment), required=True)

    class Meta:
        model = goals.GoalReview
        fields = ("comment", "reviewer_unit_code", "snapshot", "created_at")

    @staticmethod
    def resolve_reviewer(root: goals.GoalReview, info: graphene.ResolveInfo) -> str | None:
        return root.reviewer.username if root.reviewer is not None else None

    @staticmethod
    def resolve_indicator_comments(
        root: goals.GoalReview, info: graphene.ResolveInfo
    ) -> list[IndicatorComment]:
        return [
            IndicatorComment(indicator_code=c.indicator.code, comment=c.comment)
            for c in root.comments.all()
        ]


class AdjustmentRequest(DjangoObjectType):
    status = graphene.Field(
        AdjustmentStatusEnum, required=True, resolver=attribute_or_none("status")
    )
    changes = graphene.JSONString(required=True)

    class Meta:
        model = goals.AdjustmentRequest
        interfaces = (relay.Node,)
        fields = ("reason", "created_at", "decided_at")


class Warning(graphene.ObjectType):
    indicator = graphene.String()
    code = graphene.String(required=True)
    message = graphene.String(required=True)


class HistoryEntry(graphene.ObjectType):
    """One recorded change: who, when, which fields from what to what."""

    at = graphene.DateTime(required=True)
    user = graphene.String()
    kind = graphene.String(required=True, description="+ created, ~ changed, - deleted")
    object = graphene.String(required=True)
    changes = graphene.JSONString(required=True, description="[[field, before, after], ...]")


class PerformanceGoal(DjangoObjectType):
    status = graphene.Field(GoalStatusEnum, required=True, resolver=attribute_or_none("status"))
    grade = graphene.Field(GradeEnum, resolver=attribute_or_none("grade"))
    indicators = graphene.List(graphene.NonNull(GoalIndicator), required=True)
    warnings = graphene.List(graphene.NonNull(Warning), required=True)
    reviews = graphene.List(graphene.NonNull(GoalReview), required=True)
    adjustments = graphene.List(graphene.NonNull(AdjustmentRequest), required=True)
    project = graphene.Field(lambda: Project, required=True)
    history = graphene.List(graphene.NonNull(HistoryEntry), required=True)
    xlsx_base64 = graphene.String(
        required=True, description="The goal declaration form (绩效目标申报表), XLSX, base64."
    )
    version = version_field()

    class Meta:
        model = goals.PerformanceGoal
        interfaces = (relay.Node,)
        fields = (
            "fiscal_year",
            "overall_goal",
            "midterm_goal",
            "submitted_at",
            "approved_at",
            "created_at",
            "updated_at",
        )

    @staticmethod
    def resolve_indicators(
        root: goals.PerformanceGoal, info: graphene.ResolveInfo
    ) -> Deferred[list[goals.GoalIndicator]]:
        # The projects' selector prefetches them in the same order.
        return prefetched_or(root, "indicators", IndicatorsByGoalLoader.of(info))

    @staticmethod
    def resolve_warnings(root: goals.PerformanceGoal, info: graphene.ResolveInfo) -> list[Warning]:
        return [
            Warning(
                indicator=w.get("indicator"), code=w.get("code", ""), message=w.get("message", "")
            )
            for w in root.warnings or []
        ]

    @staticmethod
    def resolve_reviews(
        root: goals.PerformanceGoal, info: graphene.ResolveInfo
    ) -> Deferred[list[goals.GoalReview]]:
        return ReviewsByGoalLoader.of(info).load(root.pk)

    @staticmethod
    def resolve_adjustments(
        root: goals.PerformanceGoal, info: graphene.ResolveInfo
    ) -> Deferred[list[goals.AdjustmentRequest]]:
        return AdjustmentRequestsByGoalLoader.of(info).load(root.pk)

    @staticmethod
    def resolve_history(
        root: goals.PerformanceGoal, info: graphene.ResolveInfo
    ) -> Deferred[list[HistoryEntry]]:
        return then(
            HistoryByGoalLoader.of(info).load(root.pk),
            lambda entries: [HistoryEntry(**entry) for entry in entries],
        )

    @staticmethod
    def resolve_xlsx_base64(root: goals.PerformanceGoal, info: graphene.ResolveInfo) -> str:
        from backend.goals.services import xlsx

        return base64.b64encode(xlsx.export_goal(root)).decode()


class Project(DjangoObjectType):
    category = graphene.Field(CategoryEnum, required=True, resolver=attribute_or_none("category"))
    kind = graphene.Field(ProjectKindEnum, required=True, resolver=attribute_or_none("kind"))
    funding_source = graphene.Field(
        FundingSourceEnum, required=True, resolver=attribute_or_none("funding_source")
    )
    spent = graphene.Decimal(required=True, description="支出合计（元）")
    execution_rate = graphene.Decimal(
        description="预算执行率 (spent ÷ full-year budget) as a fraction 0–1",
        deprecation_reason="The only rate on a 0–1 scale: use executionRatePercent (percent "
        "0–100, like every other rate). Kept until 2027-06-30.",
    )
    execution_rate_percent = graphene.Decimal(
        description="预算执行率 (spent ÷ full-year budget) in percent 0–100, rounded half-up to "
        "2 places (87.50 = 87.5 %); null without a budget"
    )
    goal = graphene.Field(PerformanceGoal, description="this fiscal year's goal")
    adjustments = graphene.List(graphene.NonNull(BudgetAdjustment), required=True)
    expenditures = graphene.List(graphene.NonNull(Expenditure), required=True)

    class Meta:
        model = budgets.Project
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = (
            "code",
            "name",
            "fiscal_year",
            "department",
            "person_in_charge",
            "initial_budget",
            "full_budget",
            "created_at",
        )

    @staticmethod
    def resolve_spent(root: budgets.Project, info: graphene.ResolveInfo) -> Decimal:
        spent = getattr(root, "spent", None)
        if spent is None:
            from backend.budgets.selectors import spent_to

            spent = spent_to(root, None)
        return spent

    @staticmethod
    def resolve_execution_rate(root: budgets.Project, info: graphene.ResolveInfo) -> Decimal | None:
        spent = Project.resolve_spent(root, info)
        if not root.full_budget:
            return None
        return (spent / root.full_budget).quantize(type(root.full_budget)("0.0001"))

    @staticmethod
    def resolve_execution_rate_percent(
        root: budgets.Project, info: graphene.ResolveInfo
    ) -> Decimal | None:
        from backend.evaluation.scoring import execution_rate

        spent = Project.resolve_spent(root, info)
        if not root.full_budget or root.full_budget <= 0:
            return None
        return execution_rate(spent, root.full_budget)

    @staticmethod
    def resolve_goal(
        root: budgets.Project, info: graphene.ResolveInfo
    ) -> goals.PerformanceGoal | None:
        return next((g for g in root.goals.all() if g.fiscal_year == root.fiscal_year), None)

    @staticmethod
    def resolve_adjustments(
        root: budgets.Project, info: graphene.ResolveInfo
    ) -> Deferred[list[budgets.BudgetAdjustment]]:
        return BudgetAdjustmentsByProjectLoader.of(info).load(root.pk)

    @staticmethod
    def resolve_expenditures(
        root: budgets.Project, info: graphene.ResolveInfo
    ) -> Deferred[list[budgets.Expenditure]]:
        return ExpendituresByProjectLoader.of(info).load(root.pk)

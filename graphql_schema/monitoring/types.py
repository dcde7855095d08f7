from __future__ import annotations

from decimal import Decimal

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from backend.benchmarking import models as facts
from backend.monitoring import models
from backend.oversight import models as oversight
from graphql_schema.core.dataloaders import Deferred, prefetched_or
from graphql_schema.core.types import CountableConnection, attribute_or_none
from graphql_schema.core.versioning import version_field
from graphql_schema.monitoring.dataloaders import IndicatorsByEntryLoader
from graphql_schema.tenants.types import Unit

KindEnum = graphene.Enum.from_enum(models.AlertKind, description="预警类型")
SeverityEnum = graphene.Enum.from_enum(models.Severity, description="预警等级")
AlertStatusEnum = graphene.Enum.from_enum(models.AlertStatus, description="预警状态")
ResponseEnum = graphene.Enum.from_enum(models.Response, description="处理意见")
LikelihoodEnum = graphene.Enum.from_enum(models.Likelihood, description="年底能否完成")
CauseEnum = graphene.Enum.from_enum(models.DeviationCause, description="偏差原因")
EntryStatusEnum = graphene.Enum.from_enum(models.EntryStatus, description="填报状态")
SpentSourceEnum = graphene.Enum.from_enum(models.SpentSource, description="支出数来源")
RoundKindEnum = graphene.Enum.from_enum(oversight.RoundKind, description="监控轮次类型")
ExecutionRuleEnum = graphene.Enum.from_enum(oversight.ExecutionRule, description="执行预警口径")


class MonitoringRound(DjangoObjectType):
    kind = graphene.Field(RoundKindEnum, required=True, resolver=attribute_or_none("kind"))
    state = graphene.String(required=True, description="upcoming, open or closed (today)")

    class Meta:
        model = oversight.MonitoringRound
        interfaces = (relay.Node,)
        fields = ("fiscal_year", "month", "opens_on", "closes_on")

    @staticmethod
    def resolve_state(root: oversight.MonitoringRound, info: graphene.ResolveInfo) -> str:
        from django.utils import timezone

        from backend.oversight.selectors import round_state

        return round_state(root, timezone.localdate())


class EntryIndicator(DjangoObjectType):
    likelihood = graphene.Field(LikelihoodEnum, resolver=attribute_or_none("likelihood"))
    deviation_cause = graphene.Field(CauseEnum, resolver=attribute_or_none("deviation_cause"))
    goal_indicator_id = graphene.ID(required=True)
    code = graphene.String(required=True)
    name = graphene.String(required=True)
    target_value = graphene.Decimal()
    unit = graphene.String()

    class Meta:
        model = models.EntryIndicator
        fields = ("value_to_date", "text_to_date", "projected_value", "corrective_measure")

    @staticmethod
    def resolve_goal_indicator_id(root: models.EntryIndicator, info: graphene.ResolveInfo) -> str:
        from graphql_relay import to_global_id

        return to_global_id("GoalIndicator", root.goal_indicator_id)

    @staticmethod
    def resolve_code(root: models.EntryIndicator, info: graphene.ResolveInfo) -> str:
        return root.goal_indicator.code

    @staticmethod
    def resolve_name(root: models.EntryIndicator, info: graphene.ResolveInfo) -> str:
        return root.goal_indicator.name

    @staticmethod
    def resolve_target_value(
        root: models.EntryIndicator, info: graphene.ResolveInfo
    ) -> Decimal | None:
        return root.goal_indicator.target_value

    @staticmethod
    def resolve_unit(root: models.EntryIndicator, info: graphene.ResolveInfo) -> str:
        return root.goal_indicator.unit


class MonitoringEntry(DjangoObjectType):
    status = graphene.Field(EntryStatusEnum, required=True, resolver=attribute_or_none("status"))
    spent_source = graphene.Field(
        SpentSourceEnum, required=True, resolver=attribute_or_none("spent_source")
    )
    indicators = graphene.List(graphene.NonNull(EntryIndicator), required=True)
    project_code = graphene.String(required=True)
    version = version_field()
    late = graphene.Boolean(
        required=True, description="recorded after the round closed (逾期补报), with a reason"
    )

    class Meta:
        model = models.MonitoringEntry
        interfaces = (relay.Node,)
        fields = (
            "month",
            "full_budget",
            "spent_to_date",
            "execution_rate",
            "time_progress",
            "forecast_rate",
            "submitted_at",
            "updated_at",
            "late_reason",
            "late_on",
        )

    @staticmethod
    def resolve_late(root: models.MonitoringEntry, info: graphene.ResolveInfo) -> bool:
        return root.late

    @staticmethod
    def resolve_indicators(
        root: models.MonitoringEntry, info: graphene.ResolveInfo
    ) -> Deferred[list[models.EntryIndicator]]:
        # The entries' selector prefetches them with their goal indicators.
        return prefetched_or(root, "indicators", IndicatorsByEntryLoader.of(info))

    @staticmethod
    def resolve_project_code(root: models.MonitoringEntry, info: graphene.ResolveInfo) -> str:
        return root.project.code


class Alert(DjangoObjectType):
    kind = graphene.Field(KindEnum, required=True, resolver=attribute_or_none("kind"))
    severity = graphene.Field(SeverityEnum, required=True, resolver=attribute_or_none("severity"))
    status = graphene.Field(AlertStatusEnum, required=True, resolver=attribute_or_none("status"))
    response = graphene.Field(ResponseEnum, resolver=attribute_or_none("response"))
    evidence = graphene.JSONString(required=True, description="the numbers that triggered it")
    project_code = graphene.String()
    project_name = graphene.String()
    indicator_code = graphene.String()

    class Meta:
        model = models.Alert
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = (
            "fiscal_year",
            "month",
            "message",
            "raised_at",
            "last_seen_at",
            "answer_due",
            "response_note",
            "answered_at",
            "resolved_at",
            "resolution",
        )

    @staticmethod
    def resolve_project_code(root: models.Alert, info: graphene.ResolveInfo) -> str | None:
        return root.project.code if root.project is not None else None

    @staticmethod
    def resolve_project_name(root: models.Alert, info: graphene.ResolveInfo) -> str | None:
        return root.project.name if root.project is not None else None

    @staticmethod
    def resolve_indicator_code(root: models.Alert, info: graphene.ResolveInfo) -> str | None:
        return root.goal_indicator.code if root.goal_indicator is not None else None


class AlertRecord(DjangoObjectType):
    """A unit's alert as seen from the public host."""

    unit = graphene.Field(Unit, required=True)
    kind = graphene.Field(KindEnum, required=True, resolver=attribute_or_none("kind"))
    severity = graphene.Field(SeverityEnum, required=True, resolver=attribute_or_none("severity"))
    status = graphene.Field(AlertStatusEnum, required=True, resolver=attribute_or_none("status"))
    evidence = graphene.JSONString(required=True)

    class Meta:
        model = oversight.AlertRecord
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = (
            "alert_id",
            "fiscal_year",
            "month",
            "project_code",
            "project_name",
            "message",
            "raised_at",
            "answer_due",
        )


class ExecutionFact(DjangoObjectType):
    unit = graphene.Field(Unit, required=True)

    class Meta:
        model = facts.ExecutionFact
        fields = (
            "fiscal_year",
            "month",
            "projects",
            "full_budget",
            "spent",
            "execution_rate",
            "time_progress",
        )


class CurvePoint(graphene.ObjectType):
    month = graphene.Int(required=True)
    execution_rate = graphene.Decimal(required=True)
    time_progress = graphene.Decimal(required=True)
    forecast_rate = graphene.Decimal()

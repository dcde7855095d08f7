from __future__ import annotations

import base64

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from backend.indicators import models, push_selectors
from graphql_schema.core.dataloaders import Deferred
from graphql_schema.core.types import CountableConnection
from graphql_schema.indicators.dataloaders import TargetsByPushLoader
from graphql_schema.indicators.enums import (
    LayoutEnum,
    PushStatusEnum,
    TemplateScopeEnum,
    VersionStatusEnum,
)
from graphql_schema.indicators.fields import INDICATOR_MODEL_FIELDS, IndicatorFieldsMixin
from graphql_schema.tenants.types import Unit


class TemplateIndicator(IndicatorFieldsMixin, DjangoObjectType):
    class Meta:
        model = models.TemplateIndicator
        interfaces = (relay.Node,)
        fields = INDICATOR_MODEL_FIELDS


class TemplateVersion(DjangoObjectType):
    status = graphene.Field(VersionStatusEnum, required=True)
    indicators = graphene.List(graphene.NonNull(TemplateIndicator), required=True)
    template = graphene.Field(lambda: Template, required=True)
    xlsx_base64 = graphene.String(
        required=True, description="The version as an indicator-library sheet (XLSX, base64)."
    )

    class Meta:
        model = models.TemplateVersion
        interfaces = (relay.Node,)
        fields = ("number", "changelog", "created_at", "published_at", "retired_at")

    @staticmethod
    def resolve_status(root: models.TemplateVersion, info: graphene.ResolveInfo) -> str:
        return root.status

    @staticmethod
    def resolve_indicators(
        root: models.TemplateVersion, info: graphene.ResolveInfo
    ) -> list[models.TemplateIndicator]:
        return list(root.indicators.all())  # prefetched by the queries

    @staticmethod
    def resolve_xlsx_base64(root: models.TemplateVersion, info: graphene.ResolveInfo) -> str:
        from backend.indicators.services import xlsx

        return base64.b64encode(xlsx.export_version(root)).decode()


class Template(DjangoObjectType):
    layout = graphene.Field(LayoutEnum, required=True)
    scope = graphene.Field(TemplateScopeEnum, required=True)
    versions = graphene.List(graphene.NonNull(TemplateVersion), required=True)
    latest_published = graphene.Field(TemplateVersion)
    group_weights = graphene.JSONString()

    class Meta:
        model = models.Template
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = ("code", "name", "project_kind", "description", "execution_weight", "created_at")

    @staticmethod
    def resolve_layout(root: models.Template, info: graphene.ResolveInfo) -> str:
        return root.layout

    @staticmethod
    def resolve_scope(root: models.Template, info: graphene.ResolveInfo) -> str:
        return root.scope

    @staticmethod
    def resolve_versions(
        root: models.Template, info: graphene.ResolveInfo
    ) -> list[models.TemplateVersion]:
        return list(root.versions.all())

    @staticmethod
    def resolve_latest_published(
        root: models.Template, info: graphene.ResolveInfo
    ) -> models.TemplateVersion | None:
        published = [v for v in root.versions.all() if v.status == models.VersionStatus.PUBLISHED]
        return max(published, key=lambda v: v.number, default=None)


class PushCounts(graphene.ObjectType):
    total = graphene.Int(required=True)
    pending = graphene.Int(required=True)
    running = graphene.Int(required=True)
    succeeded = graphene.Int(required=True)
    conflicted = graphene.Int(required=True)
    failed = graphene.Int(required=True)


class PushTarget(DjangoObjectType):
    status = graphene.Field(PushStatusEnum, required=True)
    unit = graphene.Field(Unit, required=True)

    class Meta:
        model = models.PushTarget
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = (
            "error",
            "attempts",
            "created",
            "updated",
            "retired",
            "conflicts",
            "started_at",
            "finished_at",
            "duration_ms",
        )

    @staticmethod
    def resolve_status(root: models.PushTarget, info: graphene.ResolveInfo) -> str:
        return root.status


class TemplatePush(DjangoObjectType):
    status = graphene.String(
        required=True, description="running, completed or completed_with_errors"
    )
    counts = graphene.Field(PushCounts, required=True)
    version = graphene.Field(TemplateVersion, required=True)
    targets = graphene.JSONString(required=True, description="the target specification")
    units = graphene.List(
        graphene.NonNull(PushTarget),
        required=True,
        status=PushStatusEnum(description="only the units in this state"),
        description="per-unit status, error text and timing",
    )

    class Meta:
        model = models.TemplatePush
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = ("created_at",)

    @staticmethod
    def resolve_counts(root: models.TemplatePush, info: graphene.ResolveInfo) -> PushCounts:
        return PushCounts(**push_selectors.push_counts(root))

    @staticmethod
    def resolve_status(root: models.TemplatePush, info: graphene.ResolveInfo) -> str:
        return push_selectors.push_status(root)

    @staticmethod
    def resolve_units(
        root: models.TemplatePush,
        info: graphene.ResolveInfo,
        status: models.PushStatus | None = None,
    ) -> Deferred[list[models.PushTarget]]:
        return TargetsByPushLoader.of(info).load((root.pk, getattr(status, "value", status)))

from __future__ import annotations

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from backend.library import models
from backend.library.merge import field_values
from graphql_schema.core.dataloaders import Deferred
from graphql_schema.indicators.fields import INDICATOR_MODEL_FIELDS, IndicatorFieldsMixin
from graphql_schema.library.dataloaders import OpenConflictsByIndicatorLoader

ConflictStatusEnum = graphene.Enum.from_enum(models.ConflictStatus, description="冲突状态")
SourceEnum = graphene.Enum.from_enum(models.Source, description="指标来源")


class MergeConflict(DjangoObjectType):
    status = graphene.Field(ConflictStatusEnum, required=True)
    base_value = graphene.JSONString(description="the value both sides started from")
    local_value = graphene.JSONString(description="the unit's value (kept)")
    upstream_value = graphene.JSONString(description="the province's new value")
    version_number = graphene.Int(required=True)

    class Meta:
        model = models.MergeConflict
        interfaces = (relay.Node,)
        fields = ("field", "created_at", "resolved_at")

    @staticmethod
    def resolve_status(root: models.MergeConflict, info: graphene.ResolveInfo) -> str:
        return root.status

    @staticmethod
    def resolve_version_number(root: models.MergeConflict, info: graphene.ResolveInfo) -> int:
        return root.version.number


class LibraryIndicator(IndicatorFieldsMixin, DjangoObjectType):
    source = graphene.Field(SourceEnum, required=True)
    template_code = graphene.String()
    version_number = graphene.Int(description="the template version last merged")
    upstream = graphene.JSONString(description="the province's values as last adopted")
    overridden_fields = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="fields where this unit's value differs from the province's",
    )
    retired = graphene.Boolean(required=True)
    open_conflicts = graphene.List(graphene.NonNull(MergeConflict), required=True)

    class Meta:
        model = models.LibraryIndicator
        interfaces = (relay.Node,)
        fields = (*INDICATOR_MODEL_FIELDS, "retired_at")

    @staticmethod
    def resolve_source(root: models.LibraryIndicator, info: graphene.ResolveInfo) -> str:
        return root.source

    @staticmethod
    def resolve_template_code(
        root: models.LibraryIndicator, info: graphene.ResolveInfo
    ) -> str | None:
        return root.template.code if root.template is not None else None

    @staticmethod
    def resolve_version_number(
        root: models.LibraryIndicator, info: graphene.ResolveInfo
    ) -> int | None:
        return root.version.number if root.version is not None else None

    @staticmethod
    def resolve_overridden_fields(
        root: models.LibraryIndicator, info: graphene.ResolveInfo
    ) -> list[str]:
        if not root.upstream:
            return []
        local = field_values(root)
        return [name for name, value in local.items() if root.upstream.get(name) != value]

    @staticmethod
    def resolve_retired(root: models.LibraryIndicator, info: graphene.ResolveInfo) -> bool:
        return root.retired_at is not None

    @staticmethod
    def resolve_open_conflicts(
        root: models.LibraryIndicator, info: graphene.ResolveInfo
    ) -> Deferred[list[models.MergeConflict]]:
        # The library's selector prefetches them as ``open_conflicts``.
        prefetched = getattr(root, "open_conflicts", None)
        if prefetched is not None:
            return prefetched
        return OpenConflictsByIndicatorLoader.of(info).load(root.pk)


class AdoptedTemplate(graphene.ObjectType):
    template_code = graphene.String(required=True)
    template_name = graphene.String(required=True)
    version_number = graphene.Int(required=True)
    adopted_at = graphene.DateTime(required=True)


class Library(graphene.ObjectType):
    """This unit's indicator library."""

    adopted_templates = graphene.List(graphene.NonNull(AdoptedTemplate), required=True)
    indicators = graphene.List(
        graphene.NonNull(LibraryIndicator),
        required=True,
        include_retired=graphene.Boolean(default_value=False),
        source=SourceEnum(),
    )
    open_conflicts = graphene.List(graphene.NonNull(MergeConflict), required=True)

    @staticmethod
    def resolve_adopted_templates(
        root: Library, info: graphene.ResolveInfo
    ) -> list[AdoptedTemplate]:
        from backend.library import selectors

        return [
            AdoptedTemplate(
                template_code=a.template.code,
                template_name=a.template.name,
                version_number=a.version.number,
                adopted_at=a.adopted_at,
            )
            for a in selectors.adopted_templates()
        ]

    @staticmethod
    def resolve_indicators(
        root: Library,
        info: graphene.ResolveInfo,
        include_retired: bool = False,
        source: models.Source | None = None,
    ) -> list[models.LibraryIndicator]:
        from backend.library import selectors

        return list(
            selectors.library_indicators(
                include_retired=include_retired, source=getattr(source, "value", source)
            )
        )

    @staticmethod
    def resolve_open_conflicts(
        root: Library, info: graphene.ResolveInfo
    ) -> list[models.MergeConflict]:
        from backend.library import selectors

        return list(selectors.open_conflicts())

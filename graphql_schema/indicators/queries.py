from __future__ import annotations

from typing import Any

import django_filters
import graphene
from django.db.models import Prefetch, QuerySet
from graphene_django.filter import DjangoFilterConnectionField

from backend.accounts.policy import Op
from backend.indicators import models
from graphql_schema.core.filters import GlobalIDFilterSet
from graphql_schema.core.ids import decode_id
from graphql_schema.core.permissions import require_console, require_user
from graphql_schema.indicators.types import Template, TemplatePush, TemplateVersion


class TemplatePushFilter(GlobalIDFilterSet):
    template = django_filters.CharFilter(field_name="version__template__code")

    class Meta:
        model = models.TemplatePush
        fields = ["template"]


def _templates() -> QuerySet[models.Template]:
    versions = models.TemplateVersion.objects.prefetch_related("indicators").order_by("number")
    return models.Template.objects.prefetch_related(Prefetch("versions", queryset=versions))


def _version_or_none(global_id: str) -> models.TemplateVersion | None:
    from backend.core.errors import DomainError

    try:
        pk = decode_id(global_id, "TemplateVersion")
    except DomainError:
        return None
    return (
        models.TemplateVersion.objects.select_related("template")
        .prefetch_related("indicators")
        .filter(pk=pk)
        .first()
    )


class TemplateQueries(graphene.ObjectType):
    templates = DjangoFilterConnectionField(
        Template, fields=["code"], description="The provincial indicator library (any log-in)."
    )
    template = graphene.Field(Template, code=graphene.String(required=True))
    template_version = graphene.Field(TemplateVersion, id=graphene.ID(required=True))
    template_pushes = DjangoFilterConnectionField(
        TemplatePush,
        filterset_class=TemplatePushFilter,
        description="Pushes, newest first (province_admin).",
    )
    template_push = graphene.Field(TemplatePush, id=graphene.ID(required=True))

    @staticmethod
    def resolve_templates(
        root: None, info: graphene.ResolveInfo, **kwargs: Any
    ) -> QuerySet[models.Template]:
        require_user(info)
        return _templates()

    @staticmethod
    def resolve_template(
        root: None, info: graphene.ResolveInfo, code: str
    ) -> models.Template | None:
        require_user(info)
        return _templates().filter(code=code).first()

    @staticmethod
    def resolve_template_version(
        root: None, info: graphene.ResolveInfo, id: str
    ) -> models.TemplateVersion | None:
        require_user(info)
        return _version_or_none(id)

    @staticmethod
    def resolve_template_pushes(
        root: None, info: graphene.ResolveInfo, **kwargs: Any
    ) -> QuerySet[models.TemplatePush]:
        require_console(info, Op.TEMPLATE_MANAGE)
        return models.TemplatePush.objects.select_related("version__template")

    @staticmethod
    def resolve_template_push(
        root: None, info: graphene.ResolveInfo, id: str
    ) -> models.TemplatePush | None:
        from backend.core.errors import DomainError

        require_console(info, Op.TEMPLATE_MANAGE)
        try:
            pk = decode_id(id, "TemplatePush")
        except DomainError:
            return None
        return models.TemplatePush.objects.select_related("version__template").filter(pk=pk).first()

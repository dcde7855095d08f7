from __future__ import annotations

from typing import Any

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from graphql_schema.core.types import CountableConnection
from graphql_schema.tenants.dataloaders import UnitLoader
from tenants import selectors
from tenants.models import Procuratorate, UnitLevel

UnitLevelEnum = graphene.Enum.from_enum(UnitLevel, description="检察院层级")


class Unit(DjangoObjectType):
    """A procuratorate. Registry facts only: what a unit holds lives in its own schema."""

    level = graphene.Field(UnitLevelEnum, required=True)
    parent_code = graphene.String(description="上级院代码")
    domain = graphene.String(required=True, description="该院的主机名")

    class Meta:
        model = Procuratorate
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = ("code", "name", "level", "parent", "region", "active", "depth")

    @staticmethod
    def resolve_level(root: Procuratorate, info: graphene.ResolveInfo) -> str:
        return root.level

    @staticmethod
    def resolve_parent(root: Procuratorate, info: graphene.ResolveInfo) -> Any:
        """The selected parent when the queryset selected it, else loaded with the parents of
        the response's other units (one query)."""
        if root.parent_id is None:
            return None
        if Procuratorate.parent.is_cached(root):
            return root.parent
        return UnitLoader.of(info).load(root.parent_id)

    @staticmethod
    def resolve_parent_code(root: Procuratorate, info: graphene.ResolveInfo) -> str | None:
        codes = root.ancestor_codes
        return codes[-1] if codes else None

    @staticmethod
    def resolve_domain(root: Procuratorate, info: graphene.ResolveInfo) -> str:
        from tenants.services import domain_for

        return domain_for(root.code)


class UnitPath(graphene.ObjectType):
    """The current unit with its chain of parents (root first)."""

    unit = graphene.Field(Unit, required=True)
    ancestors = graphene.List(graphene.NonNull(Unit), required=True)

    @staticmethod
    def resolve_ancestors(root: UnitPath, info: graphene.ResolveInfo) -> list[Procuratorate]:
        return list(selectors.ancestors(root.unit))

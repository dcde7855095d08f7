from __future__ import annotations

from typing import Any

import graphene
from django.db.models import QuerySet
from graphene_django.filter import DjangoFilterConnectionField

from backend.accounts import policy
from backend.accounts.policy import Op
from graphql_schema.core.permissions import require_unit_access, require_user
from graphql_schema.tenants.filters import UnitFilter
from graphql_schema.tenants.types import Unit, UnitPath
from tenants.models import Procuratorate


class PublicUnitQueries(graphene.ObjectType):
    units = DjangoFilterConnectionField(
        Unit,
        filterset_class=UnitFilter,
        description="The units whose host the caller may open: where a role of theirs reads "
        "the unit (a unit's own finance and leader: that unit; a reviewer: the subtree).",
    )
    unit = graphene.Field(Unit, code=graphene.String(required=True))

    @staticmethod
    def resolve_units(
        root: None, info: graphene.ResolveInfo, **kwargs: Any
    ) -> QuerySet[Procuratorate]:
        user = require_user(info)
        return policy.units_allowing(user, Op.UNIT_VIEW).select_related("parent")

    @staticmethod
    def resolve_unit(root: None, info: graphene.ResolveInfo, code: str) -> Procuratorate | None:
        user = require_user(info)
        return policy.units_allowing(user, Op.UNIT_VIEW).filter(code=code).first()


class TenantUnitQueries(graphene.ObjectType):
    unit = graphene.Field(
        UnitPath, required=True, description="The unit of this host and its parents."
    )

    @staticmethod
    def resolve_unit(root: None, info: graphene.ResolveInfo) -> UnitPath:
        return UnitPath(unit=require_unit_access(info))

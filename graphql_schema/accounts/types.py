from __future__ import annotations

import graphene
from graphene_django import DjangoObjectType

from backend.accounts.models import ApiToken, Membership, Role, User
from graphql_schema.tenants.types import Unit

RoleEnum = graphene.Enum.from_enum(Role, description="角色")


class MembershipType(DjangoObjectType):
    role = graphene.Field(RoleEnum, required=True)
    unit = graphene.Field(Unit, required=True)

    class Meta:
        model = Membership
        name = "Membership"
        fields = ("role", "unit")

    @staticmethod
    def resolve_role(root: Membership, info: graphene.ResolveInfo) -> str:
        return root.role


class UserType(DjangoObjectType):
    memberships = graphene.List(graphene.NonNull(MembershipType), required=True)

    class Meta:
        model = User
        name = "User"
        fields = ("username", "full_name", "email")

    @staticmethod
    def resolve_memberships(root: User, info: graphene.ResolveInfo) -> list[Membership]:
        return list(root.memberships.select_related("unit").order_by("unit__path", "role"))


class ApiTokenType(DjangoObjectType):
    class Meta:
        model = ApiToken
        name = "ApiToken"
        fields = ("id", "name", "prefix", "created_at", "expires_at", "revoked_at")

from __future__ import annotations

import graphene

from backend.accounts.models import User
from graphql_schema.accounts.types import UserType
from graphql_schema.core.permissions import require_user


class AccountQueries(graphene.ObjectType):
    me = graphene.Field(UserType, required=True, description="The caller and their memberships.")

    @staticmethod
    def resolve_me(root: None, info: graphene.ResolveInfo) -> User:
        return require_user(info)

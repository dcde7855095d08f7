from __future__ import annotations

from typing import Any

import graphene

from backend.accounts import services
from backend.core.errors import DomainError
from graphql_schema.accounts.types import ApiTokenType, UserType
from graphql_schema.core.errors import errors_from
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_user


class LoginInput(graphene.InputObjectType):
    username = graphene.String(required=True)
    password = graphene.String(required=True)
    token_name = graphene.String(description="A label for the token, e.g. the client's name.")


class Login(BaseMutation):
    """Exchange a username and password for an API token (shown once)."""

    token = graphene.String(description="Send as `Authorization: Bearer <token>`.")
    user = graphene.Field(UserType)

    class Arguments:
        input = LoginInput(required=True)

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, input: LoginInput) -> Login:
        # Not BaseMutation's one transaction: a failed attempt is recorded by the login
        # throttling and must survive the failure (services.login).
        try:
            issued = services.login(
                info.context, input.username, input.password, token_name=input.token_name or "api"
            )
        except DomainError as error:
            return cls(errors=errors_from(error))
        return cls(errors=[], token=issued.secret, user=issued.token.user)


class RevokeToken(BaseMutation):
    """Revoke one of the caller's tokens (by default the one used for this request)."""

    token = graphene.Field(ApiTokenType)

    class Arguments:
        id = graphene.ID(description="The token's id; omit to revoke the current token.")

    @classmethod
    def perform(
        cls, root: Any, info: graphene.ResolveInfo, id: str | None = None
    ) -> dict[str, Any]:
        user = require_user(info)
        if id is None:
            header = info.context.headers.get("Authorization", "")
            token = services.revoke_current(user, header.partition(" ")[2].strip())
        else:
            token = services.revoke_token(user, int(id) if id.isdigit() else -1)
        return {"token": token}


class AccountMutations(graphene.ObjectType):
    login = Login.Field()
    revoke_token = RevokeToken.Field()

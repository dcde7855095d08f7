"""Typed errors: expected failures travel in mutation payloads as ``errors { field code
message }``; refusals of access and unexpected failures become GraphQL errors with a ``code``
extension (never a 500, never a stack trace)."""

from __future__ import annotations

import graphene
from graphql import GraphQLError

from backend.core.errors import DomainError, Problem


class Error(graphene.ObjectType):
    field = graphene.String(description="The input field the problem concerns, if any.")
    code = graphene.String(required=True, description="A stable machine-readable code.")
    message = graphene.String(required=True, description="A human-readable explanation.")


def errors_from(error: DomainError) -> list[Error]:
    return [Error(field=p.field, code=p.code, message=p.message) for p in error.problems]


class Unauthenticated(GraphQLError):
    def __init__(self) -> None:
        super().__init__(
            "需要登录：请提供有效的 Authorization: Bearer 令牌。",
            extensions={"code": "UNAUTHENTICATED"},
        )


class Forbidden(GraphQLError):
    def __init__(self, message: str = "您无权访问该单位的数据。") -> None:
        super().__init__(message, extensions={"code": "PERMISSION_DENIED"})


class InvalidArgument(GraphQLError):
    """A query's argument refused by the cleaner: the problem's code, field and message."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message, extensions={"code": problem.code, "field": problem.field})

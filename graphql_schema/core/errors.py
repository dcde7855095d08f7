"""Typed errors: expected failures travel in mutation payloads as ``errors { field code
message }``; refusals of access and unexpected failures become GraphQL errors with a ``code``
extension (never a 500, never a stack trace)."""

from __future__ import annotations

from enum import StrEnum

import graphene
from graphql import GraphQLError

from backend.accounts.errors import AccountErrorCode
from backend.benchmarking.errors import BenchmarkErrorCode
from backend.budgets.errors import BudgetErrorCode
from backend.core.errors import BaseErrorCode, CoreErrorCode, DomainError, Problem
from backend.documents.errors import DocumentErrorCode
from backend.evaluation.errors import EvaluationErrorCode
from backend.feedback.errors import FeedbackErrorCode
from backend.goals.errors import GoalErrorCode
from backend.indicators.errors import IndicatorErrorCode
from backend.key_evaluation.errors import KeyEvaluationErrorCode
from backend.library.errors import LibraryErrorCode
from backend.monitoring.errors import MonitoringErrorCode
from backend.oversight.errors import OversightErrorCode
from tenants.errors import TenantErrorCode


class ApiErrorCode(BaseErrorCode):
    """The API's own codes: authentication, request limits, IDs, uploads, unexpected failures
    (GraphQL errors' ``extensions.code``; ``INVALID_INPUT`` also in payloads)."""

    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED", "查询参数无效。"
    INTERNAL_ERROR = "INTERNAL_ERROR", "服务器内部错误，请稍后重试。"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED", "该接口未开放内省查询。"
    INVALID_ARGUMENT = "INVALID_ARGUMENT", "参数无效。"
    INVALID_ID = "INVALID_ID", "ID 无效。"
    INVALID_INPUT = "INVALID_INPUT", "输入参数不能同时提供，请二选一。"
    INVALID_MULTIPART = "INVALID_MULTIPART", "上传请求无法解析。"
    INVALID_VALUE = "INVALID_VALUE", "值无效。"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX", "查询过于复杂或过大，请拆分后重试。"
    TOO_MANY_FILES = "TOO_MANY_FILES", "一次请求上传的文件过多。"
    UNAUTHENTICATED = "UNAUTHENTICATED", "需要登录：请提供有效的 Authorization: Bearer 令牌。"


# The registry: every domain's codes, by the domain's name (docs/api.md's "domain" column).
# A new domain enum is added here; a test fails on a subclass of BaseErrorCode missing.
DOMAINS: dict[str, type[BaseErrorCode]] = {
    "core": CoreErrorCode,
    "api": ApiErrorCode,
    "accounts": AccountErrorCode,
    "tenants": TenantErrorCode,
    "indicators": IndicatorErrorCode,
    "library": LibraryErrorCode,
    "budgets": BudgetErrorCode,
    "goals": GoalErrorCode,
    "monitoring": MonitoringErrorCode,
    "oversight": OversightErrorCode,
    "evaluation": EvaluationErrorCode,
    "key_evaluation": KeyEvaluationErrorCode,
    "feedback": FeedbackErrorCode,
    "benchmarking": BenchmarkErrorCode,
    "documents": DocumentErrorCode,
}


def registered() -> list[tuple[str, BaseErrorCode]]:
    """Every code with its domain, in the order of DOMAINS and of each enum."""
    return [(domain, code) for domain, codes in DOMAINS.items() for code in codes]


MESSAGES: dict[str, str] = {code.value: code.message for _, code in registered()}

# One Python enum of every value (mypy cannot see members built at run time: fine, nothing
# names them; resolvers hand over the domain members' values).
AnyErrorCode = StrEnum(  # type: ignore[misc]
    "AnyErrorCode", {value: value for value in sorted(MESSAGES)}
)


def _describe(value: AnyErrorCode | None) -> str:
    if value is None:
        return (
            "A stable machine-readable code: every code of every domain (one enum per domain, "
            "gathered in graphql_schema/core/errors.py; docs/api.md lists them with their "
            "domain). Each value's description is its default Chinese message."
        )
    return MESSAGES[value.value]


ErrorCode = graphene.Enum.from_enum(AnyErrorCode, name="ErrorCode", description=_describe)


class Error(graphene.ObjectType):
    field = graphene.String(description="The input field the problem concerns, if any.")
    code = graphene.Field(ErrorCode, required=True, description="A stable machine-readable code.")
    message = graphene.String(required=True, description="A human-readable explanation.")


def errors_from(error: DomainError) -> list[Error]:
    return [Error(field=p.field, code=str(p.code), message=p.message) for p in error.problems]


class Unauthenticated(GraphQLError):
    def __init__(self) -> None:
        super().__init__(
            "需要登录：请提供有效的 Authorization: Bearer 令牌。",
            extensions={"code": ApiErrorCode.UNAUTHENTICATED},
        )


class Forbidden(GraphQLError):
    def __init__(self, message: str = "您无权访问该单位的数据。") -> None:
        super().__init__(message, extensions={"code": CoreErrorCode.PERMISSION_DENIED})


class InvalidArgument(GraphQLError):
    """A query's argument refused by the cleaner: the problem's code, field and message."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message, extensions={"code": problem.code, "field": problem.field})

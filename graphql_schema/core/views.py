"""The GraphQL endpoint: depth limit, GraphiQL in development only, no internals in errors;
with DEBUG off, no introspection and no GraphiQL for anonymous callers."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView
from graphql import FieldNode, GraphQLError, ValidationRule, specified_rules

logger = logging.getLogger("jixiao.graphql")


def _schema_hidden(request: HttpRequest) -> bool:
    """Introspection and GraphiQL are for developers and signed-in callers: with DEBUG off an
    anonymous request gets neither."""
    user = getattr(request, "user", None)
    return not settings.DEBUG and not (user is not None and user.is_authenticated)


class NoIntrospection(ValidationRule):
    """Refuses ``__schema`` and ``__type`` (``__typename`` stays allowed)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.report_error(
                GraphQLError(
                    "未登录时不提供 GraphQL 模式内省，请先登录。",
                    node,
                    extensions={"code": "INTROSPECTION_DISABLED"},
                )
            )


class JixiaoGraphQLView(GraphQLView):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("graphiql", settings.JIXIAO_GRAPHIQL)
        kwargs.setdefault(
            # The standard rules plus the depth limit: a custom list replaces graphql-core's
            # ``specified_rules`` entirely, which would let unknown fields pass silently.
            "validation_rules",
            (*specified_rules, depth_limit_validator(settings.JIXIAO_GRAPHQL_MAX_DEPTH)),
        )
        super().__init__(**kwargs)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # In production an anonymous caller cannot read the schema (__schema, __type): the
        # view is instantiated per request, so the rule is added for this request only.
        if _schema_hidden(request):
            self.validation_rules = (*self.validation_rules, NoIntrospection)
        return super().dispatch(request, *args, **kwargs)

    def can_display_graphiql(self, request: HttpRequest, data: Any) -> bool:  # type: ignore[override]
        if _schema_hidden(request):
            return False
        return bool(super().can_display_graphiql(request, data))

    def render_graphiql(self, request: HttpRequest, **data: Any) -> HttpResponse:
        response = super().render_graphiql(request, **data)
        # GraphiQL's page loads its scripts from a CDN with an inline bootstrap script, which
        # the site's Content Security Policy forbids; it is served to signed-in users only.
        response._csp_exempt = True  # type: ignore[attr-defined]
        return response

    @staticmethod
    def format_error(error: Any) -> dict[str, Any]:
        if (
            isinstance(error, GraphQLError)
            and error.original_error is not None
            and not isinstance(error.original_error, GraphQLError)
        ):
            logger.exception("GraphQL resolver failed", exc_info=error.original_error)
            return {
                "message": "服务器内部错误。",
                "locations": [loc._asdict() for loc in error.locations or []],
                "path": error.path,
                "extensions": {"code": "INTERNAL_ERROR"},
            }
        formatted = GraphQLView.format_error(error)
        formatted.setdefault("extensions", {}).setdefault("code", "GRAPHQL_VALIDATION_FAILED")
        return formatted

"""The GraphQL endpoint: the root-field gate (``graphql_schema.core.access``), depth limit,
GraphiQL in development only, no internals in errors."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView
from graphql import GraphQLError, specified_rules

from graphql_schema.core.access import gate_for

logger = logging.getLogger("jixiao.graphql")


class JixiaoGraphQLView(GraphQLView):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("graphiql", settings.JIXIAO_GRAPHIQL)
        kwargs.setdefault(
            # The standard rules plus the depth limit: a custom list replaces graphql-core's
            # ``specified_rules`` entirely, which would let unknown fields pass silently.
            "validation_rules",
            (*specified_rules, depth_limit_validator(settings.JIXIAO_GRAPHQL_MAX_DEPTH)),
        )
        # Every root field is checked against the access map before its resolver runs.
        kwargs.setdefault("middleware", [gate_for(kwargs.get("schema"))])
        super().__init__(**kwargs)

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

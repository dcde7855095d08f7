"""The GraphQL endpoint: the root-field gate (``graphql_schema.core.access``), request limits,
typed errors for bad values, file uploads by the multipart request spec
(``graphql_schema/core/uploads.py``), GraphiQL in development only, no internals in errors;
with DEBUG off, no introspection and no GraphiQL for anonymous callers."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from graphene_django.views import GraphQLView, HttpError
from graphql import ASTValidationRule, ExecutionResult, FieldNode, GraphQLError, ValidationRule

from graphql_schema.core import inputs, limits, uploads
from graphql_schema.core.access import gate_for
from graphql_schema.core.dataloaders import ExecutionContext
from graphql_schema.core.errors import ApiErrorCode

logger = logging.getLogger("jixiao.graphql")


class _Refusal(HttpError):
    """A request refused before GraphQL reads it: HTTP 400 with a typed error."""

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(HttpResponseBadRequest(), message)
        self.extensions = extensions


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
                    extensions={"code": ApiErrorCode.INTROSPECTION_DISABLED},
                )
            )


class JixiaoGraphQLView(GraphQLView):
    # Set by GraphQLView.__init__ (graphene-django ships no types).
    validation_rules: Sequence[type[ASTValidationRule]]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("graphiql", settings.JIXIAO_GRAPHIQL)
        # graphql-core's standard rules, with values refused as typed errors; the depth, alias
        # and cost limits are checked before them (``limits.check``). A custom list replaces
        # ``specified_rules`` entirely, which would let unknown fields pass silently.
        kwargs.setdefault("validation_rules", inputs.VALIDATION_RULES)
        # Every root field is checked against the access map before its resolver runs.
        kwargs.setdefault("middleware", [gate_for(kwargs.get("schema"))])
        # Resolvers may return a DataLoader's future (graphql_schema/core/dataloaders.py).
        kwargs.setdefault("execution_context_class", ExecutionContext)
        super().__init__(**kwargs)

    def parse_body(self, request: Any) -> Any:
        uploads.check_request_size(request)
        if self.get_content_type(request) == "multipart/form-data":
            post, _files = uploads.read_form(request)
            if "operations" in post:
                return uploads.operations_from(request)
        try:
            return super().parse_body(request)
        except RequestDataTooBig:
            raise uploads.too_large() from None
        except RecursionError:
            # json.loads of a body nested thousands deep
            raise _Refusal(
                "请求体嵌套过深。", code=ApiErrorCode.QUERY_TOO_COMPLEX, limit="depth"
            ) from None

    def execute_graphql_request(
        self,
        request: Any,
        data: Any,
        query: Any,
        variables: Any,
        operation_name: Any,
        show_graphiql: bool = False,
    ) -> ExecutionResult | None:
        if query:
            schema = self.schema.graphql_schema
            document, refusals = limits.check(schema, query, variables, operation_name)
            if refusals:
                return ExecutionResult(data=None, errors=refusals)
            if document is not None:
                errors = inputs.variable_errors(schema, document, variables, operation_name)
                if errors:
                    return ExecutionResult(data=None, errors=errors)
        return super().execute_graphql_request(
            request, data, query, variables, operation_name, show_graphiql
        )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # In production an anonymous caller cannot read the schema (__schema, __type): the
        # view is instantiated per request, so the rule is added for this request only.
        if _schema_hidden(request):
            self.validation_rules = (*self.validation_rules, NoIntrospection)
        return super().dispatch(request, *args, **kwargs)

    def can_display_graphiql(self, request: HttpRequest, data: Any) -> bool:
        if _schema_hidden(request):
            return False
        return bool(super().can_display_graphiql(request, data))

    def render_graphiql(self, request: HttpRequest, **data: Any) -> HttpResponse:
        response = super().render_graphiql(request, **data)
        # GraphiQL's page loads its scripts from a CDN with an inline bootstrap script, which
        # the site's Content Security Policy forbids; it is served to signed-in users only.
        response._csp_exempt = True
        return response

    @staticmethod
    def format_error(error: Any) -> dict[str, Any]:
        if isinstance(error, uploads.UploadRequestError):
            return error.as_dict()
        if isinstance(error, _Refusal):
            return {"message": error.message, "extensions": error.extensions}
        original = getattr(error, "original_error", None)
        if isinstance(error, GraphQLError) and isinstance(original, ValidationError):
            # A FilterSet refusing its arguments (graphene-django raises Django's error).
            return {
                "message": "查询参数无效：" + "；".join(original.messages)[:200],
                "locations": [loc._asdict() for loc in error.locations or []],
                "path": error.path,
                "extensions": {"code": ApiErrorCode.INVALID_ARGUMENT},
            }
        if (
            isinstance(error, GraphQLError)
            and original is not None
            and not isinstance(original, GraphQLError)
        ):
            logger.exception("GraphQL resolver failed", exc_info=original)
            return {
                "message": "服务器内部错误。",
                "locations": [loc._asdict() for loc in error.locations or []],
                "path": error.path,
                "extensions": {"code": ApiErrorCode.INTERNAL_ERROR},
            }
        formatted = GraphQLView.format_error(error)
        formatted.setdefault("extensions", {}).setdefault("code", "GRAPHQL_VALIDATION_FAILED")
        return formatted

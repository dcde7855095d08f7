"""Request limits of the GraphQL endpoints, checked before graphql-core validates or executes
anything: the document's size and token count, and — walking the parsed document once, with
fragments expanded where they are spread — its depth, its aliases and its cost, and the
pagination arguments of every connection.

Cost: every field selected counts 1, multiplied by the page size of each connection above it
(``first``/``last``, else the largest page, 200). ``units(first: 50) { edges { node { code
name } } }`` costs 1 + 50 × 4 = 201.

The walk is safe on any document: a fragment spread inside itself counts nothing here (the
standard ``NoFragmentCyclesRule`` then refuses the document with GRAPHQL_VALIDATION_FAILED), and
each fragment is measured once however often it is spread, so a "fragment bomb" costs a walk of
the document, not of its expansion.

The same walk checks the arguments every field shares: a ``fiscalYear`` outside 2000–2100 is
``INVALID_YEAR`` (``backend.core.cleaning.fiscal_year``).

Refusals are GraphQL errors with ``extensions.code`` ``QUERY_TOO_COMPLEX`` (with ``limit``,
``max`` and ``actual``), ``INVALID_PAGINATION``, ``INVALID_CURSOR`` or ``INVALID_YEAR`` (with
``field``), and a Chinese message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    get_named_type,
    parse,
)

from backend.core import cleaning
from graphql_schema.core.errors import ApiErrorCode

PAGE_ARGUMENTS = ("first", "last", "offset", "before", "after")
# Introspection: `ofType` chains (TypeRef) do not deepen a query; member lists of a type
# reached through a reference (`type`, `ofType`, `interfaces`, `possibleTypes`) are refused,
# which stops the exponential `types { fields { type { fields { … } } } }`.
_TYPE_REFERENCES = {"type", "ofType", "interfaces", "possibleTypes"}
_TYPE_MEMBERS = {"fields", "inputFields", "enumValues", "interfaces", "possibleTypes"}

LIMIT_LABELS = {
    "chars": "查询文本长度",
    "tokens": "查询词法单元数",
    "depth": "查询嵌套深度",
    "aliases": "别名数",
    "cost": "查询成本",
    "introspection": "内省查询嵌套",
}


@dataclass(frozen=True)
class Limits:
    chars: int
    tokens: int
    depth: int
    aliases: int
    cost: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            chars=settings.JIXIAO_GRAPHQL_MAX_QUERY_CHARS,
            tokens=settings.JIXIAO_GRAPHQL_MAX_TOKENS,
            depth=settings.JIXIAO_GRAPHQL_MAX_DEPTH,
            aliases=settings.JIXIAO_GRAPHQL_MAX_ALIASES,
            cost=settings.JIXIAO_GRAPHQL_MAX_COST,
        )


def too_complex(limit: str, maximum: int, actual: int | None = None) -> GraphQLError:
    label = LIMIT_LABELS[limit]
    if actual is None:
        message = f"查询过于复杂：{label}超过上限 {maximum}，请拆分或简化查询。"
    else:
        message = f"查询过于复杂：{label} {actual} 超过上限 {maximum}，请拆分或简化查询。"
    extensions: dict[str, Any] = {
        "code": ApiErrorCode.QUERY_TOO_COMPLEX,
        "limit": limit,
        "max": maximum,
    }
    if actual is not None:
        extensions["actual"] = actual
    return GraphQLError(message, extensions=extensions)


@dataclass(frozen=True)
class _Measure:
    depth: int  # levels of fields, 0 for an empty selection
    aliases: int
    cost: int

    def __add__(self, other: _Measure) -> _Measure:
        return _Measure(
            max(self.depth, other.depth), self.aliases + other.aliases, self.cost + other.cost
        )


_NOTHING = _Measure(0, 0, 0)


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[tuple[str, bool], _Measure] = {}
        self.active: set[str] = set()
        self.errors: list[GraphQLError] = []
        self.introspection_too_deep = False

    def _argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                return self.variables.get(value.name.value)
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, StringValueNode):
                return value.value
            if isinstance(value, NullValueNode):
                return None
            return value  # a wrong literal: left to the standard validation
        return None

    def _check_year(self, node: FieldNode) -> None:
        """A ``fiscalYear`` argument is a year the platform accepts (2000–2100)."""
        year = self._argument(node, "fiscalYear")
        if isinstance(year, int) and not isinstance(year, bool):
            problem = cleaning.year_problem(year, "fiscalYear")
            if problem is not None:
                self.errors.append(
                    GraphQLError(
                        f"{node.name.value}: {problem.message}",
                        [node],
                        extensions={"code": problem.code, "field": problem.field},
                    )
                )

    def _page(self, node: FieldNode, field_type: GraphQLNamedType | None) -> int:
        """The page size a connection field multiplies its selection by (1 elsewhere); its
        pagination arguments are checked on the way."""
        if not (isinstance(field_type, GraphQLObjectType) and "edges" in field_type.fields):
            return 1
        arguments = {name: self._argument(node, name) for name in PAGE_ARGUMENTS}
        problems = cleaning.page_arguments(
            {k: v for k, v in arguments.items() if isinstance(v, int | str) or v is None}
        )
        for problem in problems:
            self.errors.append(
                GraphQLError(
                    f"{node.name.value}: {problem.message}",
                    [node],
                    extensions={"code": problem.code, "field": problem.field},
                )
            )
        largest = cleaning.max_page_size()
        sizes = [
            v
            for v in (arguments["first"], arguments["last"])
            if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= largest
        ]
        return min(sizes) if sizes else largest

    def selection_set(
        self, node: SelectionSetNode | None, parent: GraphQLNamedType | None, reference: bool
    ) -> _Measure:
        total = _NOTHING
        if node is None:
            return total
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total = total + self.field(selection, parent, reference)
            elif isinstance(selection, InlineFragmentNode):
                condition = (
                    self.schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else parent
                )
                total = total + self.selection_set(selection.selection_set, condition, reference)
            elif isinstance(selection, FragmentSpreadNode):
                total = total + self.fragment(selection.name.value, reference)
        return total

    def fragment(self, name: str, reference: bool) -> _Measure:
        key = (name, reference)
        if key in self.memo:
            return self.memo[key]
        definition = self.fragments.get(name)
        if definition is None or name in self.active:
            return _NOTHING  # unknown or cyclic: the standard rules refuse the document
        self.active.add(name)
        try:
            condition = self.schema.get_type(definition.type_condition.name.value)
            measure = self.selection_set(definition.selection_set, condition, reference)
        finally:
            self.active.discard(name)
        self.memo[key] = measure
        return measure

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, reference: bool) -> _Measure:
        name = node.name.value
        aliases = 1 if node.alias is not None else 0
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        if name == "__schema":
            field_type = self.schema.get_type("__Schema")
        elif name == "__type":
            field_type = self.schema.get_type("__Type")
        else:
            field_type = get_named_type(definition.type) if definition is not None else None
        if parent is not None and parent.name == "__Type" and name in _TYPE_MEMBERS and reference:
            self.introspection_too_deep = True
            return _Measure(1, aliases, 1)
        if name in _TYPE_REFERENCES and parent is not None and parent.name.startswith("__"):
            child_reference = True
        elif name in ("types", "__type"):
            child_reference = False
        else:
            child_reference = reference
        self._check_year(node)
        page = self._page(node, field_type)
        below = self.selection_set(node.selection_set, field_type, child_reference)
        levels = below.depth if name == "ofType" else below.depth + 1
        return _Measure(levels, aliases + below.aliases, 1 + page * below.cost)


def check(
    schema: GraphQLSchema,
    query: Any,
    variables: Any,
    operation_name: Any,
    limits: Limits | None = None,
) -> tuple[DocumentNode | None, list[GraphQLError]]:
    """The parsed document and the refusals of a request under the limits (none: go on). A
    document that does not parse for another reason is left to graphql-core, which reports its
    syntax error (``None, []``)."""
    limits = limits or Limits.from_settings()
    if not isinstance(query, str):
        return None, []
    if len(query) > limits.chars:
        return None, [too_complex("chars", limits.chars, len(query))]
    try:
        document = parse(
            query, no_location=True, max_lexical_tokens=limits.tokens, max_comments=limits.tokens
        )
    except GraphQLSyntaxError as error:
        if "more than" in error.message:
            return None, [too_complex("tokens", limits.tokens)]
        if "nested too deeply" in error.message:
            return None, [too_complex("depth", limits.depth)]
        return None, []
    walker = _Walker(schema, document, variables if isinstance(variables, Mapping) else {})
    roots = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }
    total = _NOTHING
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name and definition.name and definition.name.value != operation_name:
            continue
        root = roots.get(definition.operation.value)
        total = total + walker.selection_set(definition.selection_set, root, False)
    refusals: list[GraphQLError] = []
    # graphene's depth rule counts the fields above the deepest one: keep its meaning.
    if total.depth - 1 > limits.depth:
        refusals.append(too_complex("depth", limits.depth, total.depth - 1))
    if total.aliases > limits.aliases:
        refusals.append(too_complex("aliases", limits.aliases, total.aliases))
    if total.cost > limits.cost:
        refusals.append(too_complex("cost", limits.cost, total.cost))
    if walker.introspection_too_deep:
        refusals.append(too_complex("introspection", 1))
    return document, refusals + walker.errors

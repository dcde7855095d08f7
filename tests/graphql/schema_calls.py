"""Calls of every root field of a schema, generated from the schema itself: each required
argument is filled from its type (IDs that name nothing, strings, numbers, an enum's first
value, input objects recursively), so a field added tomorrow is called by the reach tests the
day it exists. One document per operation type: the fields of a host are sent in one request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from graphene import Schema
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    get_named_type,
)
from graphql.pyutils import Undefined
from graphql_relay import to_global_id

# An ID of a row that does not exist (and of no real type): an admitted caller gets NOT_FOUND
# or INVALID_ID, a refused one is stopped before anything is looked up.
MISSING_ID = to_global_id("Nothing", "987654321")
SCALARS: dict[str, str] = {
    "ID": json.dumps(MISSING_ID),
    "String": '"x"',
    "Int": "1",
    "BigInt": "1",
    "Float": "1.0",
    "Boolean": "false",
    "Decimal": '"1"',
    "Date": '"2026-01-01"',
    "DateTime": '"2026-01-01T00:00:00+08:00"',
    "JSONString": json.dumps("{}"),
}


def root_fields(schema: Schema, operation: str) -> dict[str, GraphQLField]:
    """The root fields of ``operation`` ("query" or "mutation") by name."""
    root = schema.graphql_schema.query_type if operation == "query" else None
    if operation == "mutation":
        root = schema.graphql_schema.mutation_type
    return dict(root.fields) if root is not None else {}


def literal(type_: GraphQLInputType) -> str:
    """A GraphQL literal of ``type_`` (required input fields only, lists of one)."""
    if isinstance(type_, GraphQLNonNull):
        return literal(type_.of_type)
    if isinstance(type_, GraphQLList):
        return f"[{literal(type_.of_type)}]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        fields = [
            f"{name}: {literal(field.type)}"
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        ]
        return "{" + ", ".join(fields) + "}"
    if isinstance(type_, GraphQLScalarType):
        return SCALARS[type_.name]
    raise TypeError(f"no literal for {type_}")


def selection(type_: GraphQLOutputType) -> str:
    """The least a field must select: nothing for a leaf, ``__typename`` for an object, and
    the typed errors of a mutation payload (a service's PERMISSION_DENIED travels there)."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return ""
    if "errors" in named.fields:
        return " { __typename errors { code } }"
    return " { __typename }"


def call(name: str, field: GraphQLField) -> str:
    """``name(requiredArg: value, ...) { selection }``."""
    arguments = [
        # a fiscal year must look like one: the request check refuses the whole document
        # (INVALID_YEAR) before any field runs otherwise
        f"{arg}: {'2026' if 'year' in arg.lower() else literal(spec.type)}"
        for arg, spec in field.args.items()
        if isinstance(spec.type, GraphQLNonNull) and spec.default_value is Undefined
    ]
    args = f"({', '.join(arguments)})" if arguments else ""
    return f"{name}{args}{selection(field.type)}"


def documents(operation: str, fields: dict[str, GraphQLField]) -> list[str]:
    """Documents calling every field of ``fields``: the nullable ones together (mutations run
    one after another), each non-null one alone (graphql-core stops executing a document once
    an error in a non-null root field has made ``data`` null)."""
    together = [call(n, f) for n, f in fields.items() if not isinstance(f.type, GraphQLNonNull)]
    alone = [[call(n, f)] for n, f in fields.items() if isinstance(f.type, GraphQLNonNull)]
    return [
        operation + " {\n" + "\n".join(calls) + "\n}"
        for calls in ([together] if together else []) + alone
    ]


def send_all(
    send: Callable[[str], dict[str, Any]], operation: str, fields: dict[str, GraphQLField]
) -> tuple[dict[str, set[str]], dict[str, Any]]:
    """Call every field (``send(document)`` returns the response): field → its error codes,
    and field → the data it returned."""
    codes: dict[str, set[str]] = {name: set() for name in fields}
    data: dict[str, Any] = {}
    for text in documents(operation, fields):
        result = send(text)
        for name, found in codes_by_field(result).items():
            codes.setdefault(name, set()).update(found)
        data.update({k: v for k, v in (result.get("data") or {}).items() if k in fields})
    return codes, data


def codes_by_field(result: dict[str, Any]) -> dict[str, set[str]]:
    """Field → the error codes it got: GraphQL errors (by the first element of their path)
    and the typed errors of its payload."""
    found: dict[str, set[str]] = {}
    for error in result.get("errors") or []:
        path = error.get("path") or ["?"]
        found.setdefault(str(path[0]), set()).add(error.get("extensions", {}).get("code", ""))
    for name, value in (result.get("data") or {}).items():
        if isinstance(value, dict):
            for problem in value.get("errors") or []:
                found.setdefault(name, set()).add(problem.get("code", ""))
    return found

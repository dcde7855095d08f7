"""Issue 16, "changelog marked required in the SDL where it is required": every mutation
argument (or input field) that a service refuses to go without is non-null in the SDL; one
that a service requires only in some cases stays nullable and its description says when
(with the error code). The lists below were read off the services' ``*REQUIRED`` problems."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import get_nullable_type, is_non_null_type

from graphql_schema.public import schema as public_schema
from graphql_schema.tenant import schema as tenant_schema

SCHEMAS = {"public": public_schema, "tenant": tenant_schema}

# (schema, mutation, argument or "input.field"): refused when missing, whatever else is sent.
ALWAYS = [
    ("public", "openRectification", "input.title"),
    ("public", "openRectification", "input.requirement"),
    ("public", "rejectRectification", "comment"),
    ("public", "issueFeedback", "input.title"),
    ("public", "issueFeedback", "input.body"),
    ("public", "decideBudgetLinkage", "reason"),
    ("public", "createTemplate", "input.name"),
    ("tenant", "answerAlert", "note"),
    ("tenant", "answerFeedback", "text"),
    ("tenant", "respondRectification", "text"),
    ("tenant", "returnSelfEvaluation", "comment"),
    ("tenant", "requestGoalAdjustment", "reason"),
]

PUBLISH = ["publishTemplateVersion", "CHANGELOG_REQUIRED"]
# (schema, mutation, argument or "input.field", words of its description): required only
# in some cases, so nullable, and the description says when.
SOMETIMES = [
    ("public", "publishTemplateVersion", "changelog", ["Required unless", "CHANGELOG_REQUIRED"]),
    (
        "public",
        "draftTemplateVersion",
        "changelog",
        PUBLISH,
    ),
    (
        "public",
        "importTemplateVersion",
        "changelog",
        PUBLISH,
    ),
    ("public", "decideBudgetLinkage", "pct", ["Required when action is INCREASE or REDUCE"]),
    ("public", "issueFeedback", "input.dueOn", ["Required when requiresRectification"]),
    ("tenant", "reviewGoal", "comment", ["Required when decision is RETURN", "COMMENT_REQUIRED"]),
    ("tenant", "reviewGoal", "grade", ["Required when decision is APPROVE", "GRADE_REQUIRED"]),
    ("tenant", "reviewGoalAdjustment", "comment", ["Required when decision is RETURN"]),
]


def _argument(schema: str, mutation: str, path: str) -> Any:
    graphql = SCHEMAS[schema].graphql_schema
    field = graphql.mutation_type.fields[mutation]
    name, _, inner = path.partition(".")
    argument = field.args[name]
    if not inner:
        return argument
    input_type = get_nullable_type(argument.type)
    return input_type.fields[inner]


@pytest.mark.parametrize(("schema", "mutation", "path"), ALWAYS)
def test_what_a_service_always_requires_is_non_null(schema: str, mutation: str, path: str) -> None:
    assert is_non_null_type(_argument(schema, mutation, path).type), f"{mutation}({path})"


@pytest.mark.parametrize(("schema", "mutation", "path", "words"), SOMETIMES)
def test_what_a_service_sometimes_requires_says_when(
    schema: str, mutation: str, path: str, words: list[str]
) -> None:
    argument = _argument(schema, mutation, path)
    assert not is_non_null_type(argument.type), f"{mutation}({path}) is not always required"
    for word in words:
        assert word in (argument.description or ""), f"{mutation}({path}): {word}"

"""The ``Decimal`` scalar as input: lenient, so that the field's cleaner decides.

graphene's Decimal refuses a float literal (``1.5``) and any string ``decimal.Decimal`` cannot
read, with an English request error (HTTP 400), while it lets ``"NaN"`` and ``"1E+999999"``
through. Here any string or number is accepted: a finite number of sane size arrives as a
``Decimal``, anything else as the text given, and the service's cleaner
(``backend/core/cleaning.py``) answers with a typed ``INVALID_NUMBER`` naming the field, in the
mutation's ``errors``. Other values (booleans, lists, objects) stay a typed request error
(``graphql_schema/core/inputs.py``).

Applied to the built schema's one ``Decimal`` type, so model fields converted by
graphene-django, filters and our own arguments all behave alike."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene
from graphql import FloatValueNode, IntValueNode, StringValueNode, Undefined, ValueNode
from graphql.pyutils import UndefinedType

from backend.core import cleaning

DESCRIPTION = (
    'A decimal number, given as a string (`"1234.50"`, recommended: exact) or a number. '
    "Values that are not finite numbers of sane size reach the field as text and are refused "
    "there with a typed `INVALID_NUMBER` error."
)


def parse_decimal_value(value: Any) -> Decimal | str | UndefinedType:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return Undefined
    try:
        return cleaning.to_decimal(value)
    except ValueError:
        return str(value)


def parse_decimal_literal(node: ValueNode, _variables: Any = None) -> Decimal | str | UndefinedType:
    if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
        return parse_decimal_value(node.value)
    return Undefined


def lenient_decimal(schema: graphene.Schema) -> graphene.Schema:
    """Make ``schema``'s Decimal input lenient (see the module's docstring)."""
    scalar = schema.graphql_schema.type_map.get("Decimal")
    if scalar is not None:
        scalar.parse_value = parse_decimal_value
        scalar.parse_literal = parse_decimal_literal
        scalar.description = DESCRIPTION
    return schema

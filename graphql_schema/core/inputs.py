"""Typed errors for argument values the schema's types refuse, in literals and in variables:
the GraphQL error carries ``extensions.code`` (``INVALID_NUMBER`` for Int/Float/Decimal,
``INVALID_DATE`` for Date/DateTime, ``REQUIRED`` for a missing or null required value,
``INVALID_TEXT`` for control characters, ``INVALID_VALUE`` otherwise), ``extensions.field``
(the argument, then the path inside it: ``input.fiscalYear``, ``indicators.2.weight``) and a
Chinese message, instead of graphql-core's English one.

Decimal values themselves are lenient (``graphql_schema/core/scalars.py``): any string or
number reaches the field, whose service cleans it (``backend/core/cleaning.py``) and answers
with the payload's ``errors { field code message }``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLSchema,
    ObjectFieldNode,
    OperationDefinitionNode,
    StringValueNode,
    ValidationContext,
    ValuesOfCorrectTypeRule,
    Visitor,
    coerce_input_value,
    get_named_type,
    is_input_type,
    is_list_type,
    is_non_null_type,
    print_ast,
    specified_rules,
    type_from_ast,
    visit,
)

from backend.core import cleaning
from backend.core.errors import CoreErrorCode
from graphql_schema.core.errors import ApiErrorCode

_NUMBERS = {"Int": "整数（-2147483648 至 2147483647）", "Float": "数字", "Decimal": "数字"}
_DATES = {"Date": "日期（YYYY-MM-DD）", "DateTime": "日期时间（ISO 8601）", "Time": "时间"}
_OTHERS = {"Boolean": "true 或 false", "ID": "ID", "String": "文本", "UUID": "UUID"}


def _expected(type_: Any) -> tuple[str, str]:
    """(code, what a value of the type looks like) for the message."""
    named = get_named_type(type_) if type_ is not None else None
    name = getattr(named, "name", "")
    if name in _NUMBERS:
        return "INVALID_NUMBER", _NUMBERS[name]
    if name in _DATES:
        return "INVALID_DATE", _DATES[name]
    if isinstance(named, GraphQLEnumType):
        values = "、".join(list(named.values)[:12])
        return "INVALID_VALUE", f"以下之一：{values}"
    if isinstance(named, GraphQLInputObjectType):
        return "INVALID_VALUE", f"{name} 对象"
    return "INVALID_VALUE", _OTHERS.get(name, name or "有效的值")


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 40 else text[:37] + "…"


def value_error(
    field: str, value: Any, type_: Any, nodes: Any = None, *, reason: str = ""
) -> GraphQLError:
    """The typed error for ``value`` given to ``field`` where ``type_`` was expected."""
    if reason == "required":
        return GraphQLError(
            f"{field} 不能为空。",
            nodes,
            extensions={"code": CoreErrorCode.REQUIRED, "field": field},
        )
    if reason == "unknown":
        return GraphQLError(
            f"{field} 中有未定义的字段 {_shown(value)}。",
            nodes,
            extensions={"code": ApiErrorCode.INVALID_VALUE, "field": field},
        )
    code, expected = _expected(type_)
    return GraphQLError(
        f"{field} 的值 {_shown(value)} 无效，应为{expected}。",
        nodes,
        extensions={"code": code, "field": field},
    )


def _reason(message: str) -> str:
    if "not to be None" in message or "was not provided" in message or "found null" in message:
        return "required"
    if "is not defined by type" in message:
        return "unknown"
    return ""


class TypedValuesRule(ValuesOfCorrectTypeRule):
    """graphql-core's ValuesOfCorrectTypeRule, reporting typed Chinese errors that name the
    argument (and the input field inside it)."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.names: list[str] = []

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self.names.append(node.name.value)

    def leave_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self.names.pop()

    def enter_object_field(self, node: ObjectFieldNode, *args: Any) -> None:
        self.names.append(node.name.value)
        super().enter_object_field(node, *args)

    def leave_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
        self.names.pop()

    def report_error(self, error: GraphQLError) -> None:
        field = ".".join(self.names) or "value"
        node = error.nodes[0] if error.nodes else None
        reason = _reason(error.message)
        if reason == "unknown" and "Field '" in error.message:
            shown: Any = error.message.split("'")[1]
        else:
            shown = print_ast(node) if node is not None and reason != "required" else ""
        super().report_error(
            value_error(field, shown, self.context.get_input_type(), error.nodes, reason=reason)
        )


VALIDATION_RULES = tuple(
    TypedValuesRule if rule is ValuesOfCorrectTypeRule else rule for rule in specified_rules
)


def _type_at(type_: Any, path: list[str | int]) -> Any:
    """The input type found at ``path`` inside a value of ``type_``."""
    for key in path:
        while is_non_null_type(type_):
            type_ = type_.of_type
        if is_list_type(type_):
            type_ = type_.of_type
            if isinstance(key, int):
                continue
        named = get_named_type(type_)
        if isinstance(named, GraphQLInputObjectType) and key in named.fields:
            type_ = named.fields[key].type
        else:
            return None
    return type_


def _operation(document: DocumentNode, name: Any) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        operations = [o for o in operations if o.name and o.name.value == name]
    return operations[0] if len(operations) == 1 else None


def variable_errors(
    schema: GraphQLSchema, document: DocumentNode, variables: Any, operation_name: Any
) -> list[GraphQLError]:
    """The typed errors of the request's variables (coerced as graphql-core will, so the
    execution that follows finds none), and control characters in any text of the request."""
    errors: list[GraphQLError] = []
    values = variables if isinstance(variables, Mapping) else {}
    operation = _operation(document, operation_name)
    for definition in operation.variable_definitions if operation else ():
        name = definition.variable.name.value
        var_type = type_from_ast(schema, definition.type)
        if var_type is None or not is_input_type(var_type):
            continue  # refused by the standard validation
        if name not in values:
            if definition.default_value is None and is_non_null_type(var_type):
                errors.append(value_error(name, None, var_type, [definition], reason="required"))
            continue

        def on_error(
            path: list[str | int],
            invalid: Any,
            error: GraphQLError,
            name: str = name,
            var_type: Any = var_type,
            node: Any = definition,
        ) -> None:
            field = ".".join(str(p) for p in [name, *path])
            reason = _reason(error.message)
            if reason == "unknown":
                invalid = error.message.split("'")[1]
            leaf = _type_at(var_type, list(path))
            errors.append(value_error(field, invalid, leaf, [node], reason=reason))

        try:
            # is_input_type above narrows nothing: graphql-core types it as a plain bool
            coerce_input_value(values[name], var_type, on_error)  # type: ignore[arg-type]
        except RecursionError:
            errors.append(
                GraphQLError(
                    f"{name} 嵌套过深。",
                    extensions={"code": ApiErrorCode.INVALID_VALUE, "field": name},
                )
            )
        where = cleaning.control_character_path(values[name], name)
        if where is not None:
            errors.append(_control_error(where))
    errors += _literal_control_errors(document)
    return errors


def _control_error(field: str, nodes: Any = None) -> GraphQLError:
    problem = cleaning.text_problem("\x00", field, field)
    assert problem is not None
    return GraphQLError(
        problem.message, nodes, extensions={"code": problem.code, "field": problem.field}
    )


def _literal_control_errors(document: DocumentNode) -> list[GraphQLError]:
    errors: list[GraphQLError] = []

    class Finder(Visitor):
        names: list[str] = []

        def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
            self.names.append(node.name.value)

        def leave_argument(self, node: ArgumentNode, *_args: Any) -> None:
            self.names.pop()

        def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
            self.names.append(node.name.value)

        def leave_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
            self.names.pop()

        def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
            if cleaning.has_control_characters(node.value):
                errors.append(_control_error(".".join(self.names) or "value", [node]))

    finder = Finder()
    finder.names = []
    visit(document, finder)
    return errors

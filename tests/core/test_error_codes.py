"""The registry of error codes (backend/core/errors.py, one enum per domain): every code a
service or resolver can emit is a member, each member is its own name with a Chinese message,
no code is in two domains, and the GraphQL enum ``ErrorCode`` holds exactly the registry."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections import Counter
from pathlib import Path

import pytest

from backend.core.errors import BaseErrorCode, CoreErrorCode, DomainError, Problem
from backend.goals.errors import GoalErrorCode
from graphql_schema.core.errors import DOMAINS, MESSAGES, ErrorCode, registered

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("backend", "tenants", "graphql_schema")
CODE_SHAPE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]{4,}$")
# Calls whose first argument is a code (besides functions of the source whose first parameter
# is named ``code``), and keywords that take one.
CODE_CALLS = {"Problem", "single", "UploadRequestError", "_Refusal"}
CODE_KEYWORDS = {"code", "negative_code"}


def _literals(node: ast.AST | None) -> list[ast.Constant]:
    """The code-shaped string literals ``node`` is, or chooses between."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node] if CODE_SHAPE.match(node.value) else []
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [literal for element in node.elts for literal in _literals(element)]
    return []


def _sources() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8")))
        for folder in SOURCES
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _code_functions(trees: list[tuple[str, ast.Module]]) -> set[str]:
    names = set(CODE_CALLS)
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                parameters = [a.arg for a in arguments if a.arg not in ("self", "cls")]
                if parameters[:1] == ["code"]:
                    names.add(node.name)
                # a problem-making function handed in: cell_problem: Callable[[…], Problem]
                names |= {
                    a.arg
                    for a in arguments
                    if a.annotation is not None and "], Problem]" in ast.unparse(a.annotation)
                }
    return names


def code_literals(tree: ast.Module, functions: set[str]) -> list[ast.Constant]:
    """Every string literal of ``tree`` in a code position: the first argument of Problem /
    DomainError.single / a function taking ``code`` first (``functions``), a ``code=``
    keyword, a ``{"code": …}`` entry (GraphQL errors' extensions), a parameter's default, a
    comparison with ``….code``, and a constant holding a code (``X = "X"``, ``code = "X"``)."""
    found: list[ast.Constant] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in functions and node.args:
                found += _literals(node.args[0])
            for keyword in node.keywords:
                if keyword.arg in CODE_KEYWORDS:
                    found += _literals(keyword.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    found += _literals(value)
        elif isinstance(node, ast.FunctionDef):
            arguments = node.args
            positional = arguments.posonlyargs + arguments.args
            defaults = [None] * (len(positional) - len(arguments.defaults))
            pairs = [
                *zip(positional, [*defaults, *arguments.defaults], strict=True),
                *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
            ]
            for argument, default in pairs:
                if argument.arg in CODE_KEYWORDS:
                    found += _literals(default)
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(side, ast.Attribute) and side.attr == "code" for side in sides):
                for side in sides:
                    found += _literals(side)
        elif isinstance(node, ast.Assign) and not isinstance(node.value, ast.Tuple):
            # (a tuple is an enum member's declaration: ``X = "X", "提示。"``)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    literals = _literals(node.value)
                    found += [lit for lit in literals if lit.value == target.id]
                    if "code" in target.id.lower():  # code = …, _DJANGO_CODES = {…: …}
                        value = node.value
                        if isinstance(value, ast.Dict):
                            literals = [lit for v in value.values for lit in _literals(v)]
                        elif isinstance(value, ast.Call):  # CODES.get(key, "DEFAULT")
                            literals = [lit for arg in value.args for lit in _literals(arg)]
                        found += [lit for lit in literals if lit.value != target.id]
    return found


def literal_codes(trees: list[tuple[str, ast.Module]]) -> list[tuple[str, str]]:
    """``code_literals`` of every tree, as ``(place, code)``."""
    functions = _code_functions(trees)
    return [
        (f"{path}:{literal.lineno}", literal.value)
        for path, tree in trees
        for literal in code_literals(tree, functions)
    ]


def test_no_code_is_a_bare_string() -> None:
    """Every code a service or resolver emits is an enum member (``GoalErrorCode.GOAL_EXISTS``),
    never a string: mypy checks it where types are checked, this scan everywhere."""
    assert literal_codes(_sources()) == []


def test_every_literal_code_in_the_source_is_registered() -> None:
    unknown = [(place, code) for place, code in literal_codes(_sources()) if code not in MESSAGES]
    assert unknown == [], "register these codes in their domain's errors.py"


def test_the_scan_finds_a_bare_string_in_every_code_position() -> None:
    source = """
def cell_problem(code, letter, row, message): ...
def parse(row, make: Callable[[str, int], Problem] | None = None):
    make("HANDED_IN", 3)
def check(value, negative_code="BELOW_ZERO"): ...
DomainError.single("GOAL_LOCKED", "x")
Problem(code="NOT_THERE")
Problem(GoalErrorCode.GOAL_EXISTS, "x")
cell_problem("DUPLICATE_CODE" if twice else "LOCKED", "A", 2, "x")
raise GraphQLError("x", extensions={"code": "NOPE_NOPE"})
if problem.code == "SOME_CODE": ...
TOO_MANY = "TOO_MANY"
code = "PICKED" if bad else "OTHER_ONE"
_DJANGO_CODES = {"blank": "FROM_DICT"}
code = _DJANGO_CODES.get(django_code, "FALLBACK")
label("NOT_A_CODE_POSITION")
LABEL = "LABEL_TEXT"
class Codes(BaseErrorCode):
    MEMBER = "MEMBER", "提示。"
Problem(code="fileBase64")
"""
    found = {code for _, code in literal_codes([("example.py", ast.parse(source))])}
    assert found == {
        "BELOW_ZERO",
        "GOAL_LOCKED",
        "NOT_THERE",
        "DUPLICATE_CODE",
        "LOCKED",
        "NOPE_NOPE",
        "SOME_CODE",
        "TOO_MANY",
        "PICKED",
        "OTHER_ONE",
        "FROM_DICT",
        "FALLBACK",
        "HANDED_IN",
    }


def test_no_code_is_in_two_domains() -> None:
    counts = Counter(code.value for _, code in registered())
    assert [value for value, count in counts.items() if count > 1] == []


def test_every_member_is_its_own_name_with_a_chinese_message() -> None:
    for _, code in registered():
        assert code.value == code.name
        assert re.search(r"[\u4e00-\u9fff]", code.message), code.name
        assert code.message.endswith(("。", "）")), code.name


def test_every_domain_enum_is_in_the_registry() -> None:
    for package in ("backend", "tenants"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if info.name.endswith(".errors"):
                importlib.import_module(info.name)
    subclasses: set[type[BaseErrorCode]] = set()
    stack = list(BaseErrorCode.__subclasses__())
    while stack:
        cls = stack.pop()
        subclasses.add(cls)
        stack += cls.__subclasses__()
    assert subclasses == set(DOMAINS.values())


def test_the_graphql_enum_is_the_registry() -> None:
    assert sorted(member.name for member in ErrorCode._meta.enum) == sorted(MESSAGES)


def test_a_problem_without_a_message_says_the_default() -> None:
    problem = Problem(GoalErrorCode.GOAL_EXISTS, field="project")
    assert problem.message == GoalErrorCode.GOAL_EXISTS.message
    error = DomainError.single(CoreErrorCode.STALE, "目标已被他人修改。", "version")
    assert error.problems[0].message == "目标已被他人修改。"
    assert error.problems[0].code == "STALE"  # what clients receive: the name


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_each_domain_has_codes(domain: str) -> None:
    assert len(DOMAINS[domain]) > 0

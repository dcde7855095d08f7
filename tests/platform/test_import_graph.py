"""The import graph of ``backend/``, ``tenants/`` and ``graphql_schema/`` has no cycle
(docs/architecture.md "Apps and imports"): tasks call services, services queue tasks by name
(backend/core/queue.py), and a module that needs a model of a module importing it looks the
model up through the app registry.

Every ``import`` and ``from … import`` counts, at module level and inside functions alike (a
late import only hides a cycle); imports under ``if TYPE_CHECKING:`` do not (they never run).
``from package import name`` counts as an import of ``package.name`` when that is a module,
else of ``package``. Migrations are left out (Django loads them, nothing imports them).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("backend", "tenants", "graphql_schema")

# Cycles tolerated for now, each a sorted tuple of module names with the reason. Empty: add
# to it only with a reason and an issue, and shrink it back.
ALLOWED_CYCLES: dict[tuple[str, ...], str] = {}


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(module: str, is_package: bool, tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Every dotted name the module imports, with the line, outside TYPE_CHECKING blocks."""

    def walk(node: ast.AST) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if _is_type_checking(child):
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    source = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    source = child.module or ""
                for alias in child.names:
                    yield f"{source}.{alias.name}", child.lineno
            yield from walk(child)

    yield from walk(tree)


@functools.cache
def import_graph() -> dict[str, dict[str, int]]:
    """module → {imported module → first line}, for the modules of PACKAGES only (built once
    per run; do not change the result)."""
    known = modules()

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, dict[str, int]] = {}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: dict[str, int] = {}
        for name, line in _imported_names(module, path.name == "__init__.py", tree):
            target = resolve(name)
            if target is not None and target != module:
                edges.setdefault(target, line)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[tuple[str, ...]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(graph.get(successor, {}))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(tuple(sorted(component)))
    return found


def describe(cycle: tuple[str, ...], graph: dict[str, dict[str, int]]) -> str:
    members = set(cycle)
    lines = [
        f"  {source} → {target} (line {line})"
        for source in cycle
        for target, line in sorted(graph[source].items())
        if target in members
    ]
    return "\n".join([" ↔ ".join(cycle), *lines])


def test_the_graph_sees_the_packages_and_their_late_imports() -> None:
    graph = import_graph()
    assert "backend.indicators.tasks" in graph
    assert "backend.indicators.services.push" in graph["backend.indicators.tasks"]
    # A function-level import is an edge: Procuratorate.create_schema imports the blueprint.
    assert "tenants.blueprint" in graph["tenants.models"]
    # A TYPE_CHECKING import is not: the blueprint reaches its model through the app registry.
    assert "tenants.models" not in graph["tenants.blueprint"]
    # The cycle finder itself: a three-module ring, and a module that only leads into it.
    assert cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [("a", "b", "c")]


def test_there_is_no_import_cycle() -> None:
    graph = import_graph()
    found = [cycle for cycle in cycles(graph) if cycle not in ALLOWED_CYCLES]
    assert not found, "import cycles:\n" + "\n".join(describe(c, graph) for c in found)


def test_the_allow_list_holds_only_live_cycles() -> None:
    """A cycle that is gone leaves the list (it only shrinks)."""
    live = set(cycles(import_graph()))
    assert [cycle for cycle in ALLOWED_CYCLES if cycle not in live] == []

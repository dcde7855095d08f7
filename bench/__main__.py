"""Run the benchmarks under bench/: ``python -m bench [name ...] [options]``.

Every module ``bench/<name>.py`` that defines ``run(argv: list[str]) -> dict`` is a benchmark.
The named ones run (all of them when none is named), in alphabetical order. Arguments from the
first one starting with ``-`` on (or everything after ``--``) are handed to each benchmark's
``run``, e.g. ``python -m bench provisioning --units 5``.

Each result is printed as a table, by the module's ``table(result: dict) -> str`` when it has one,
else as key/value lines, and written to ``bench/results/<name>.json`` (git-ignored).

Exit status: 0 when every benchmark ran (a missed target is reported, not a failure), 1 when one
raised, 2 on a usage error such as an unknown benchmark name.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"

USAGE = "usage: python -m bench [name ...] [-- | --option ...]"


def discover() -> list[str]:
    """Names of the modules in bench/ that define a top-level ``run`` function.

    The source is parsed rather than imported, so that listing the benchmarks (and rejecting an
    unknown name) needs neither Django nor a database.
    """
    names = []
    for path in sorted(BENCH_DIR.glob("*.py")):
        if path.stem.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        if any(isinstance(node, ast.FunctionDef) and node.name == "run" for node in tree.body):
            names.append(path.stem)
    return names


def split_argv(argv: list[str]) -> tuple[list[str], list[str]]:
    """Benchmark names, then the options handed to every benchmark."""
    for index, arg in enumerate(argv):
        if arg == "--":
            return argv[:index], argv[index + 1 :]
        if arg.startswith("-"):
            return argv[:index], argv[index:]
    return argv, []


def default_table(result: dict[str, Any]) -> str:
    width = max((len(key) for key in result), default=0)
    return "\n".join(
        f"{key:<{width}}  {value}"
        for key, value in result.items()
        if not isinstance(value, dict | list)
    )


def write_result(name: str, result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    target = RESULTS_DIR / f"{name}.json"
    target.write_text(
        json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    return target


def display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str]) -> int:
    available = discover()
    if argv[:1] in (["-h"], ["--help"]):
        print(USAGE)
        print(f"benchmarks: {', '.join(available) or '(none)'}")
        return 0
    names, options = split_argv(argv)
    unknown = [name for name in names if name not in available]
    if unknown:
        print(
            f"unknown benchmark{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}"
            f" (available: {', '.join(available) or 'none'})",
            file=sys.stderr,
        )
        return 2
    selected = list(dict.fromkeys(names)) or available  # keep order, drop repeats

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()

    failed = []
    for name in selected:
        module = importlib.import_module(f"bench.{name}")
        run: Callable[[list[str]], dict[str, Any]] = module.run
        print(f"== {name}", flush=True)
        try:
            result = run(list(options))
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        render: Callable[[dict[str, Any]], str] = getattr(module, "table", default_table)
        print(render(result))
        print(f"-> {display_path(write_result(name, result))}\n", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""docs/architecture.md "Apps and imports" describes the packages as they are: every installed
app of ours (and every other package of ``backend/``) has its row, and no package imports one
its row does not name (the import graph of tests/platform/test_import_graph.py, grouped by
package)."""

from __future__ import annotations

import re

from django.conf import settings

from tests.platform.test_import_graph import ROOT, import_graph

DOC = ROOT / "docs" / "architecture.md"
# Project modules: they wire the apps together and have no row.
PROJECT_MODULES = {"settings", "celery", "urls", "urls_public", "wsgi", "embedded", "storage"}


def package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "backend":
        if len(parts) == 1 or parts[1] in PROJECT_MODULES:
            return None
        return f"backend.{parts[1]}"
    return parts[0]


def documented() -> dict[str, set[str]]:
    """package → the packages its row lets it import, in the order of the table."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Apps and imports", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        package, imports = cells[0].strip("`"), cells[3]
        named = set(re.findall(r"`([\w.]+)`", imports))
        if imports.startswith("every package above"):
            named = set(rows) - (named if "except" in imports else set())
        rows[package] = named
    return rows


def packages() -> set[str]:
    found = {"tenants", "graphql_schema"}
    for path in (ROOT / "backend").iterdir():
        if (path / "__init__.py").exists():
            found.add(f"backend.{path.name}")
    return found


def test_every_app_and_package_has_its_row() -> None:
    rows = documented()
    ours = {app for app in settings.INSTALLED_APPS if app.startswith("backend.")}
    ours |= {app for app in settings.INSTALLED_APPS if app == "tenants"}
    assert ours, "no app of ours in INSTALLED_APPS?"
    assert sorted(ours - set(rows)) == [], "installed apps missing from docs/architecture.md"
    assert sorted(packages() - set(rows)) == [], "packages missing from docs/architecture.md"
    assert sorted(set(rows) - packages()) == [], "rows for packages that do not exist"


def test_every_package_imports_only_what_its_row_names() -> None:
    rows = documented()
    graph = import_graph()
    extra: dict[str, set[str]] = {}
    for module, targets in graph.items():
        source = package_of(module)
        if source is None:
            continue
        for target in targets:
            imported = package_of(target)
            if imported is None or imported == source:
                continue
            if imported not in rows.get(source, set()):
                extra.setdefault(f"{source} → {imported}", set()).add(f"{module} → {target}")
    assert extra == {}, (
        "imports the table of docs/architecture.md 'Apps and imports' does not allow "
        "(add them to the row or remove the import):\n"
        + "\n".join(f"  {pair}: {sorted(why)}" for pair, why in sorted(extra.items()))
    )


def test_the_table_is_read() -> None:
    rows = documented()
    assert rows["tenants"] == {"backend.core"}
    assert "backend.web" not in rows["graphql_schema"]
    assert "backend.console" in rows["backend.web"]

"""Page speed: the server-side render time of every GET page of the workspace (issue 14) and of
the console (issue 15), with the SQL queries each page runs, on the demo province.

The data: the demo province as ``manage.py demo --prepare-only`` prepares it, in a database of
its own (``--demo-database``, else ``$BENCH_WEB_DEMO_DB``, else ``<NAME>_webdemo``). Preparing
takes about 50 minutes, so that database is kept and reused: it is marked (``COMMENT ON
DATABASE``, ``jixiao bench web demo migrations=<key> demo=<key>``) with two keys, one of the
migrations on disk and one of the demo's code and data (backend/demo). Same two keys: reused.
Same demo key, other migrations key, and every migration the database has applied still on
disk (migrations were only added): migrated forward in place (``manage.py migrate_schemas``,
in a subprocess) and marked with the new key; the output says so ("reused, migrated forward by
N migrations"). Anything else (no mark, another demo key, a migration removed or renamed, or
``--fresh-demo``): dropped and prepared again (in a subprocess, ``DATABASE_URL`` pointed at
it). The first marks had one key of both (``<MARK> <key>``): such a mark still counts when its
key is today's. Every run then works on a copy
(``CREATE DATABASE <demo>_run TEMPLATE <demo>``, a file copy, seconds), analysed (``ANALYZE``:
the statistics autovacuum keeps on a running server) and dropped at the end, so log-ins,
sessions and the synthetic units never reach the prepared database.

The requests: in process, through Django's test ``Client`` (the whole middleware stack, the
view, the templates; no socket, no HTTP parsing). The time of a page is the wall time around
``client.get`` — request in, response body out — which is what the server spends on it. Each
role signs in through the real login page (GET ``/login/``, the CSRF token read from the form,
POST the demo password with CSRF checks on), as a browser does.

What is walked: every URL pattern of the ``ws`` namespace (unit host) and of the ``console``
namespace (base host), read from the URL configuration, so a page added tomorrow is walked
too. Path arguments are filled from real rows (``FILLERS``, else the model whose name ends
with the argument's name: ``batch_id`` → ``FeedbackBatch``), one candidate per status, until
one answers 200. Per role and URL the first GET decides: 200 → timed; 405 → a POST-only URL
(not a page); 403 → not this role's page; anything else, or no value for an argument → listed
as not filled. Nothing is skipped silently: every URL name shows up in one of those lists.
Some pages have variants (tabs, the part htmx loads after the page) in ``VARIANTS``.

- Workspace: on ``--unit``'s host (lengshuijiang) as its finance officer and leader, and as its
  city's reviewer (who has the 市院审核 pages there). Target: p95 < 150 ms on every page.
- Console: as the province admin and the unit's city reviewer, at the demo size and again after
  adding synthetic counties under the demo's cities until the province has ``--units`` (3,600)
  units, with a year of public facts each for this year and last
  (``bench.benchmarking.add_counties`` / ``write_facts``: the benchmark bench's units). Targets:
  p95 < 300 ms on every page at both sizes, and the same number of queries at both sizes.

Each page: 2 untimed requests, then ``--repeat`` timed ones: p50, p95 and max wall time, the
p50 of this thread's CPU time (the Python side: middleware, view, templates; unlike the wall
time it is not inflated when other processes load the machine), and the query count (min–max).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import html
import logging
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from bench.benchmarking import add_counties, percentile, write_facts
from bench.load import database_url

ROOT = Path(settings.BASE_DIR)
WS_TARGET_MS = 150.0
CONSOLE_TARGET_MS = 300.0
DEFAULT_REPEAT = 20
WARMUP = 2
DEFAULT_UNIT = "lengshuijiang"
LARGE_UNITS = 3600
SYNTHETIC_PREFIX = "bw"
MAX_CANDIDATES = 8
# Demo log-ins (backend/demo/services.py): <unit>-finance, <unit>-leader, <city>-reviewer, admin.
DEMO_PASSWORD = "jixiao-demo"
MARK = "jixiao bench web demo"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench web", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="timed requests a page")
    parser.add_argument(
        "--demo-database",
        default=os.environ.get("BENCH_WEB_DEMO_DB") or "",
        help="the prepared demo database (default: $BENCH_WEB_DEMO_DB, else <NAME>_webdemo)",
    )
    parser.add_argument("--fresh-demo", action="store_true", help="prepare the demo database again")
    parser.add_argument("--unit", default=DEFAULT_UNIT, help="the workspace's unit (a county)")
    parser.add_argument(
        "--units", type=int, default=LARGE_UNITS, help="units of the console's large size"
    )
    parser.add_argument(
        "--only", choices=("ws", "console"), default=None, help="one host's pages only"
    )
    parser.add_argument(
        "--page", action="append", default=[], help="only URL names containing this (repeatable)"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


# --- the demo database --------------------------------------------------------------------------


def migration_names() -> set[tuple[str, str]]:
    """(app, name) of every migration on disk."""
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def hash_migrations(digest: Any) -> Any:
    for app, name in sorted(migration_names()):
        digest.update(f"{app}.{name}\n".encode())
    return digest


def hash_demo_code(digest: Any) -> Any:
    for path in sorted((ROOT / "backend" / "demo").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest


def migrations_key() -> str:
    return str(hash_migrations(hashlib.sha256()).hexdigest()[:16])


def demo_code_key() -> str:
    """The demo's own code and data (backend/demo)."""
    return str(hash_demo_code(hashlib.sha256()).hexdigest()[:16])


def legacy_key() -> str:
    """The single key of the first marks (``<MARK> <key>``): migrations and demo code in one
    digest, still recognised so a database prepared under them is not prepared again."""
    return str(hash_demo_code(hash_migrations(hashlib.sha256())).hexdigest()[:16])


MARK_PARTS = re.compile(rf"^{MARK} migrations=(\w+) demo=(\w+)$")


def mark_of(migrations: str, demo: str) -> str:
    return f"{MARK} migrations={migrations} demo={demo}"


def read_mark(comment: str | None) -> tuple[str, str] | None:
    """(migrations key, demo-code key) of a database's mark, None when it has none. A legacy
    mark is read as both parts current when its single key is today's, else as unknown."""
    if not comment:
        return None
    match = MARK_PARTS.match(comment)
    if match:
        return match.group(1), match.group(2)
    if comment == f"{MARK} {legacy_key()}":
        return migrations_key(), demo_code_key()
    return None


def quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def database_comment(name: str) -> str | None:
    """None when the database does not exist, else its comment ('' when none)."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
            "WHERE datname = %s",
            [name],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def applied_migrations(name: str) -> set[tuple[str, str]]:
    """(app, name) of the migrations recorded in a database's public schema."""
    import psycopg

    with psycopg.connect(database_url(name)) as conn:
        rows = conn.execute("SELECT app, name FROM public.django_migrations").fetchall()
    return {(app, migration) for app, migration in rows}


def migrate_forward(name: str) -> int | None:
    """Apply the migrations added since ``name`` was prepared (``migrate_schemas``, in a
    subprocess pointed at it): the number applied, or None when the database has one that is
    no longer on disk (removed or renamed: the demo must be prepared again)."""
    applied = applied_migrations(name)
    on_disk = migration_names()
    if not applied or applied - on_disk:
        return None
    added = len(on_disk - applied)
    print(f"migrating the demo database {name} forward ({added} new migrations)…", flush=True)
    manage(name, "migrate_schemas", "--noinput")
    return added


def manage(database: str, *command: str) -> None:
    """``manage.py <command>`` in a subprocess whose ``DATABASE_URL`` points at ``database``."""
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command],
        env={**os.environ, "DATABASE_URL": database_url(database)},
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def mark(name: str, migrations: str, code: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"COMMENT ON DATABASE {quoted(name)} IS %s", [mark_of(migrations, code)])


def ensure_demo(name: str, fresh: bool) -> dict[str, Any]:
    """Reuse the prepared demo database, migrate it forward when only migrations were added
    since, or (re)create and prepare it."""
    migrations, code = migrations_key(), demo_code_key()
    key = f"migrations={migrations} demo={code}"
    found = read_mark(database_comment(name))
    if found is not None and found[1] == code and not fresh:
        if found[0] == migrations:
            return {"database": name, "prepared": "reused", "key": key}
        started = time.perf_counter()
        added = migrate_forward(name)
        if added is not None:
            mark(name, migrations, code)
            seconds = round(time.perf_counter() - started, 1)
            return {
                "database": name,
                "prepared": f"reused, migrated forward by {added} migrations in {seconds} s",
                "key": key,
            }
        print(f"{name} has a migration no longer on disk: preparing it again", flush=True)
    started = time.perf_counter()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted(name)} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quoted(name)}")
    print(f"preparing the demo province in {name} (manage.py demo --prepare-only)…", flush=True)
    manage(name, "demo", "--prepare-only")
    mark(name, migrations, code)
    seconds = round(time.perf_counter() - started, 1)
    return {"database": name, "prepared": f"now, {seconds} s", "key": key}


@contextlib.contextmanager
def copy_of(template: str) -> Iterator[str]:
    """Point the default connection at a copy of ``template``; drop the copy on the way out."""
    settings_dict = connection.settings_dict
    original = settings_dict["NAME"]
    copy = f"{template}_run"
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted(copy)}")
        cursor.execute(f"CREATE DATABASE {quoted(copy)} TEMPLATE {quoted(template)}")
    settings_dict["NAME"] = copy
    try:
        # Planner statistics, as autovacuum keeps them on a running server (it may be off on a
        # development server: without them every estimate is one row and the plans are loops).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        yield copy
    finally:
        connection.close()
        settings_dict["NAME"] = original
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted(copy)} WITH (FORCE)")


# --- the URLs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespaced: ws:project-detail
    args: tuple[str, ...]  # path argument names, in order
    methods: frozenset[str] | None  # what ``require_http_methods`` allows, None: not limited


def allowed_methods(view: Any) -> frozenset[str] | None:
    """The methods a view's ``require_http_methods`` (``require_POST``, …) lets through, found
    in the closures along its ``__wrapped__`` chain; None when it has no such limit."""
    fn = view
    while fn is not None:
        code = getattr(fn, "__code__", None)
        for name, cell in zip(
            code.co_freevars if code else (), getattr(fn, "__closure__", None) or (), strict=False
        ):
            if name == "request_method_list":
                return frozenset(m.upper() for m in cell.cell_contents)
        fn = getattr(fn, "__wrapped__", None)
    return None


def routes(namespace: str) -> list[Route]:
    """Every named URL of a namespace, with its path arguments (the reach test's walk)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from backend import urls as unit_urls
    from backend import urls_public

    conf = unit_urls if namespace == "ws" else urls_public
    found: list[Route] = []

    def walk(patterns: list[Any], args: tuple[str, ...], inside: bool) -> None:
        for entry in patterns:
            here = args + tuple(getattr(entry.pattern, "converters", {}) or ())
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, here, inside or entry.namespace == namespace)
            elif isinstance(entry, URLPattern) and inside and entry.name:
                found.append(
                    Route(f"{namespace}:{entry.name}", here, allowed_methods(entry.callback))
                )

    walk(get_resolver(conf).url_patterns, (), False)
    return found


def variants() -> dict[str, list[tuple[str, bool]]]:
    """Pages with more than one face: (query string, asked by htmx). The tabs are full page
    loads (a link opened directly); ``part=trends`` is what htmx loads after the 对标 page."""
    from backend.web.workspace.projects.views import TABS

    return {
        "ws:project-detail": [(f"?tab={tab}", False) for tab in TABS if tab != "info"],
        "ws:benchmark": [("?part=trends", True)],
        "ws:review": [("?tab=done", False)],
        "ws:review-city": [("?tab=done", False)],
    }


# --- filling path arguments ---------------------------------------------------------------------


@dataclass
class Scope:
    """Where the ids come from: the unit whose host is browsed (workspace), or the subtree of
    the signed-in reviewer (console)."""

    unit: Any  # Procuratorate
    workspace: bool


# Statuses first tried (the richest page first: an editable draft before a read-only record).
STATUS_ORDER = ("draft", "returned", "submitted", "city_review", "approved", "open", "responded")


def by_status(queryset: Any) -> list[Any]:
    """One id per status (the latest of each), in ``STATUS_ORDER``."""
    rows = list(queryset.order_by("status", "-pk").distinct("status").values_list("status", "pk"))
    rank = {status: i for i, status in enumerate(STATUS_ORDER)}
    rows.sort(key=lambda row: rank.get(row[0], len(rank)))
    return [pk for _status, pk in rows]


def in_scope(queryset: Any, scope: Scope) -> Any:
    """Public rows of the scope's subtree (of the unit itself on its host)."""
    if scope.workspace:
        return queryset.filter(unit=scope.unit)
    return queryset.filter(unit__path__startswith=scope.unit.path)


def fill_project(scope: Scope, _chosen: dict[str, Any]) -> list[Any]:
    from django.db.models import Count

    from backend.budgets.models import Project

    # The project with the most to show (this year's, with goals, the largest budget), then
    # one without a goal (the pages that start one).
    projects = Project.objects.annotate(n=Count("goals"))
    richest = projects.order_by("-fiscal_year", "-n", "-full_budget")
    bare = projects.filter(n=0).order_by("-fiscal_year", "pk")
    return [*richest.values_list("pk", flat=True)[:2], *bare.values_list("pk", flat=True)[:1]]


def fill_goal(scope: Scope, _chosen: dict[str, Any]) -> list[Any]:
    from backend.goals.models import PerformanceGoal

    return by_status(PerformanceGoal.objects.all())


def fill_goal_indicator(scope: Scope, chosen: dict[str, Any]) -> list[Any]:
    from backend.goals.models import GoalIndicator

    rows = GoalIndicator.objects.all()
    if "goal_id" in chosen:
        rows = rows.filter(goal_id=chosen["goal_id"])
    return list(rows.order_by("pk").values_list("pk", flat=True)[:2])


def fill_adjustment(scope: Scope, _chosen: dict[str, Any]) -> list[Any]:
    from backend.goals.models import AdjustmentRequest

    return by_status(AdjustmentRequest.objects.all())


def fill_entry(scope: Scope, _chosen: dict[str, Any]) -> list[Any]:
    from backend.monitoring.models import MonitoringEntry

    return by_status(MonitoringEntry.objects.all())


def fill_alert(scope: Scope, _chosen: dict[str, Any]) -> list[Any]:
    if scope.workspace:
        from backend.monitoring.models import Alert

        return by_status(Alert.objects.all())
    from backend.oversight.models import AlertRecord

    return by_status(in_scope(AlertRecord.objects.all(), scope))


def fill_evaluation(scope: Scope, _chosen: dict[str, Any]) -> list[Any]:
    if scope.workspace:
        from backend.evaluation.models import SelfEvaluation

        return by_status(SelfEvaluation.objects.all())
    from backend.key_evaluation.models import KeyEvaluation

    return by_status(in_scope(KeyEvaluation.objects.all(), scope))


def fill_fiscal_year(scope: Scope, _chosen: dict[str, Any]) -> list[Any]:
    from django.utils import timezone

    this_year = timezone.localdate().year
    years: list[int] = []
    if scope.workspace:
        from backend.evaluation.models import DepartmentEvaluation

        years = list(
            DepartmentEvaluation.objects.order_by("-fiscal_year").values_list(
                "fiscal_year", flat=True
            )
        )
    return list(dict.fromkeys([*years, this_year - 1, this_year]))


def fill_rectification(scope: Scope, _chosen: dict[str, Any]) -> list[Any]:
    from backend.feedback.models import RectificationRequest

    return by_status(in_scope(RectificationRequest.objects.all(), scope))


def fill_feedback_item(scope: Scope, _chosen: dict[str, Any]) -> list[Any]:
    from backend.feedback.models import FeedbackItem

    rows = in_scope(FeedbackItem.objects.all(), scope)
    # One not answered yet, one answered.
    return [
        pk
        for pk in (
            rows.filter(answered_at__isnull=True).values_list("pk", flat=True).first(),
            rows.filter(answered_at__isnull=False).values_list("pk", flat=True).first(),
        )
        if pk is not None
    ]


def fill_unit_code(scope: Scope, _chosen: dict[str, Any]) -> list[Any]:
    from tenants.models import Procuratorate

    # A county of the scope (a real one, with a schema), then the scope's own unit.
    counties = Procuratorate.objects.filter(
        path__startswith=scope.unit.path, level="county"
    ).exclude(code__startswith=f"{SYNTHETIC_PREFIX}-")
    return [*counties.order_by("path").values_list("code", flat=True)[:2], scope.unit.code]


FILLERS: dict[str, Callable[[Scope, dict[str, Any]], list[Any]]] = {
    "project_id": fill_project,
    "goal_id": fill_goal,
    "indicator_id": fill_goal_indicator,
    "adjustment_id": fill_adjustment,
    "entry_id": fill_entry,
    "alert_id": fill_alert,
    "evaluation_id": fill_evaluation,
    "fiscal_year": fill_fiscal_year,
    "year": fill_fiscal_year,
    "rectification_id": fill_rectification,
    "item_id": fill_feedback_item,
    "code": fill_unit_code,
    "unit_code": fill_unit_code,
}


def model_filler(arg: str, scope: Scope) -> Callable[[Scope, dict[str, Any]], list[Any]] | None:
    """For an argument no filler names, ``<thing>_id``: the model of the host's apps whose name
    is ``<thing>`` or ends with it (``batch_id`` → FeedbackBatch) when exactly one does."""
    from django.apps import apps
    from django.db import models as db_models

    if not arg.endswith("_id"):
        return None
    wanted = arg[: -len("_id")].replace("_", "")
    shared = set(settings.SHARED_APPS)
    candidates = [
        model
        for model in apps.get_models()
        if not model._meta.model_name.startswith("historical")
        and (model._meta.app_config.name not in shared) == scope.workspace
        and model._meta.model_name.endswith(wanted)
    ]
    exact = [m for m in candidates if m._meta.model_name == wanted]
    if len(exact) == 1:
        candidates = exact
    if len(candidates) != 1:
        return None
    model = candidates[0]
    names = {f.name for f in model._meta.get_fields()}

    def fill(scope: Scope, _chosen: dict[str, Any]) -> list[Any]:
        rows = model.objects.all()
        unit_field = model._meta.get_field("unit") if "unit" in names else None
        if isinstance(unit_field, db_models.ForeignKey):
            rows = in_scope(rows, scope)
        if "status" in names:
            return by_status(rows)
        return list(rows.order_by("-pk").values_list("pk", flat=True)[:3])

    return fill


def fillings(route: Route, scope: Scope) -> tuple[list[dict[str, Any]], str | None]:
    """Candidate argument sets for a route (in order), or the reason there are none."""
    from django_tenants.utils import schema_context

    combos: list[dict[str, Any]] = [{}]
    for arg in route.args:
        filler = FILLERS.get(arg) or model_filler(arg, scope)
        if filler is None:
            return [], f"no filler for <{arg}>"
        grown: list[dict[str, Any]] = []
        for chosen in combos:
            if scope.workspace:
                with schema_context(scope.unit.schema_name):
                    values = filler(scope, chosen)
            else:
                connection.set_schema_to_public()
                values = filler(scope, chosen)
            grown.extend({**chosen, arg: value} for value in values)
        combos = grown[:MAX_CANDIDATES]
        if not combos:
            return [], f"no row for <{arg}>"
    return combos, None


# --- the browser --------------------------------------------------------------------------------


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class Browser:
    """A test client on one host, signed in through the login page."""

    host: str
    client: Any = field(default=None)

    def get(self, path: str, htmx: bool = False) -> tuple[Any, float, int, float]:
        """(response, wall ms, queries, this thread's CPU ms)."""
        headers = {"HX-Request": "true"} if htmx else {}
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            cpu = time.thread_time()
            started = time.perf_counter()
            response = self.client.get(path, HTTP_HOST=self.host, headers=headers)
            _body = response.content
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.thread_time() - cpu) * 1000
        connection.set_schema_to_public()
        return response, elapsed, counter.count, cpu


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(username: str, host: str) -> Browser:
    from django.test import Client

    browser = Browser(host, Client(enforce_csrf_checks=True))
    page, *_figures = browser.get("/login/")
    match = TOKEN.search(page.content.decode())
    if page.status_code != 200 or match is None:
        raise RuntimeError(f"{host}/login/: {page.status_code}, no login form")
    response = browser.client.post(
        "/login/",
        {
            "csrfmiddlewaretoken": html.unescape(match.group(1)),
            "username": username,
            "password": DEMO_PASSWORD,
        },
        HTTP_HOST=host,
    )
    connection.set_schema_to_public()
    if response.status_code != 302:
        raise RuntimeError(f"{username} could not sign in on {host}: {response.status_code}")
    return browser


# --- walking ------------------------------------------------------------------------------------


def timed(browser: Browser, path: str, htmx: bool, repeat: int) -> dict[str, Any]:
    for _ in range(WARMUP):
        browser.get(path, htmx)
    samples, queries, cpu = [], [], []
    for _ in range(repeat):
        response, ms, count, cpu_ms = browser.get(path, htmx)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} on a timed request")
        samples.append(ms)
        queries.append(count)
        cpu.append(cpu_ms)
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "max_ms": round(max(samples), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "queries": min(queries),
        "queries_max": max(queries),
    }


def walk(
    namespace: str,
    browser: Browser,
    scope: Scope,
    repeat: int,
    only: list[str],
    names: set[str] | None = None,
    tag: str = "",
) -> dict[str, Any]:
    """Every route of the namespace (or those ``names``) as this signed-in browser: timed
    pages and the rest. ``tag`` is added to the page names (`` @hongjiang``)."""
    from django.urls import reverse

    urlconf = "backend.urls" if namespace == "ws" else "backend.urls_public"
    pages: list[dict[str, Any]] = []
    post_only: list[str] = []
    refused: list[str] = []
    unfilled: dict[str, str] = {}
    extra = variants()
    for route in routes(namespace):
        if only and not any(part in route.name for part in only):
            continue
        if names is not None and route.name not in names:
            continue
        if route.methods is not None and "GET" not in route.methods:
            post_only.append(route.name)
            continue
        combos, reason = fillings(route, scope)
        if reason:
            unfilled[route.name] = reason
            continue
        outcome: str | None = None
        path = ""
        tried = []
        for kwargs in combos:
            path = reverse(route.name, kwargs=kwargs, urlconf=urlconf)
            response, *_figures = browser.get(path)
            status = response.status_code
            tried.append(status)
            if status in (200, 403, 405):
                outcome = {200: "page", 403: "refused", 405: "post"}[status]
                break
        if outcome == "post":
            post_only.append(route.name)
        elif outcome == "refused":
            refused.append(route.name)
        elif outcome is None:
            unfilled[route.name] = f"no candidate answered 200 (got {tried})"
        else:
            for query, htmx in [("", False), *extra.get(route.name, [])]:
                figures = timed(browser, path + query, htmx, repeat)
                pages.append(
                    {
                        "page": route.name + query + tag,
                        "route": route.name,
                        "path": path + query,
                        **figures,
                    }
                )
                print(
                    f"  {pages[-1]['page']:<40} p95 {figures['p95_ms']:7.1f} ms"
                    f"  {figures['queries']:3} queries",
                    flush=True,
                )
    return {"pages": pages, "post_only": post_only, "refused": refused, "unfilled": unfilled}


def elsewhere(route: Route, unit: Any) -> Any | None:
    """Another unit of the same level whose rows fill ``route`` (the first by path)."""
    from tenants.models import Procuratorate

    for other in (
        Procuratorate.objects.filter(level=unit.level, active=True)
        .exclude(pk=unit.pk)
        .exclude(code__startswith=f"{SYNTHETIC_PREFIX}-")
        .order_by("path")
    ):
        combos, _reason = fillings(route, Scope(other, True))
        if combos:
            return other
    return None


def walk_elsewhere(walked: dict[str, Any], unit: Any, role: str, args: argparse.Namespace) -> None:
    """The pages ``unit`` has no row for (no rectification, no feedback), walked on the host of
    another unit of its level that has them, as the same role there."""
    base = settings.JIXIAO_BASE_DOMAIN
    by_route = {route.name: route for route in routes("ws")}
    hosts: dict[str, tuple[Any, set[str]]] = {}
    for name, reason in walked["unfilled"].items():
        if not reason.startswith("no row"):
            continue
        other = elsewhere(by_route[name], unit)
        if other is not None:
            hosts.setdefault(other.code, (other, set()))[1].add(name)
    for code, (other, names) in hosts.items():
        username = f"{other.parent.code}-reviewer" if role == "city_reviewer" else None
        username = username or f"{code}-{role}"
        print(f"  … on {code} as {username}: {', '.join(sorted(names))}", flush=True)
        there = walk(
            "ws",
            sign_in(username, f"{code}.{base}"),
            Scope(other, True),
            args.repeat,
            [],
            names,
            f" @{code}",
        )
        walked["pages"] += there["pages"]
        timed_there = {p["route"] for p in there["pages"]}
        for name in names:
            if name in timed_there:
                reason = walked["unfilled"].pop(name)
                walked.setdefault("elsewhere", {})[name] = f"{reason} at {unit.code}; at {code}"
            elif name in there["unfilled"]:
                walked["unfilled"][name] += f"; at {code}: {there['unfilled'][name]}"


def grow_province(province: Any, units: int) -> dict[str, Any]:
    """Synthetic counties under the demo's cities until the province has ``units`` units, with
    this year's and last year's facts (the benchmark bench's)."""
    from django.utils import timezone

    from tenants.models import Procuratorate, UnitLevel

    connection.set_schema_to_public()
    below = Procuratorate.objects.filter(path__startswith=province.path).exclude(pk=province.pk)
    before = below.count()
    cities = list(below.filter(level=UnitLevel.CITY).order_by("path"))
    started = time.perf_counter()
    added = add_counties(cities, SYNTHETIC_PREFIX, max(0, units - before))
    rng = random.Random(15)
    this_year = timezone.localdate().year
    for year in (this_year, this_year - 1):
        write_facts(added, rng, year)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "units_before": before,
        "units_after": below.count(),
        "added": len(added),
        "seconds": round(time.perf_counter() - started, 1),
    }


def measure(args: argparse.Namespace, demo: dict[str, Any]) -> dict[str, Any]:
    from backend.demo.services import PROVINCE_ADMIN
    from tenants.models import Procuratorate

    base = settings.JIXIAO_BASE_DOMAIN
    unit = Procuratorate.objects.get(code=args.unit)
    city = unit.parent
    province = Procuratorate.objects.get(path=f"/{unit.path.split('/')[1]}/")
    result: dict[str, Any] = {
        **demo,
        "debug": settings.DEBUG,
        "repeat": args.repeat,
        "unit": unit.code,
        "how": "in-process Django test Client, wall time around client.get (server side, "
        "no HTTP); signed in through /login/",
    }
    if args.only in (None, "ws"):
        workspace: dict[str, Any] = {}
        host = f"{unit.code}.{base}"
        for role, username in (
            ("finance", f"{unit.code}-finance"),
            ("leader", f"{unit.code}-leader"),
            ("city_reviewer", f"{city.code}-reviewer"),
        ):
            print(f"workspace as {role} ({username}) on {host}", flush=True)
            browser = sign_in(username, host)
            workspace[role] = walk("ws", browser, Scope(unit, True), args.repeat, args.page)
            walk_elsewhere(workspace[role], unit, role, args)
        worst = max((p["p95_ms"] for w in workspace.values() for p in w["pages"]), default=0.0)
        result["workspace"] = workspace
        result["workspace_worst_p95_ms"] = worst
        result["workspace_met"] = worst < WS_TARGET_MS
    if args.only in (None, "console"):
        console: dict[str, Any] = {}
        people = (("province_admin", PROVINCE_ADMIN, province), ("city_reviewer", None, city))
        for size in ("demo", str(args.units)):
            if size != "demo":
                result["growth"] = grow_province(province, args.units)
                print(f"province grown: {result['growth']}", flush=True)
            for role, username, where in people:
                username = username or f"{where.code}-reviewer"
                print(f"console as {role} ({username}) at {size} units", flush=True)
                browser = sign_in(username, base)
                console.setdefault(size, {})[role] = walk(
                    "console", browser, Scope(where, False), args.repeat, args.page
                )
        result["console"] = console
        result.update(console_verdict(console, str(args.units)))
    return result


def console_verdict(console: dict[str, Any], large: str) -> dict[str, Any]:
    worst = max(
        (p["p95_ms"] for size in console.values() for w in size.values() for p in w["pages"]),
        default=0.0,
    )
    growing = []
    for role, walked in console["demo"].items():
        small = {p["page"]: p["queries"] for p in walked["pages"]}
        for page in console[large][role]["pages"]:
            if page["page"] in small and page["queries"] != small[page["page"]]:
                growing.append(f"{role} {page['page']}: {small[page['page']]} → {page['queries']}")
    return {
        "console_worst_p95_ms": worst,
        "console_queries_growing": growing,
        "console_met": worst < CONSOLE_TARGET_MS and not growing,
    }


def run(argv: list[str]) -> dict[str, Any]:
    args = parse_args(argv)
    # The walk answers 403 and 404 on purpose and signs in many times: keep the log quiet.
    for name in ("django.request", "axes"):
        logging.getLogger(name).setLevel(logging.ERROR)
    name = args.demo_database or f"{connection.settings_dict['NAME']}_webdemo"
    demo = ensure_demo(name, args.fresh_demo)
    with copy_of(name) as copy:
        return {**measure(args, demo), "copy": copy}


# --- the table ----------------------------------------------------------------------------------


def page_lines(walked: dict[str, Any], target: float) -> list[str]:
    lines = []
    for p in walked["pages"]:
        queries = str(p["queries"])
        if p["queries_max"] != p["queries"]:
            queries += f"–{p['queries_max']}"
        flag = "" if p["p95_ms"] < target else "  ← over"
        lines.append(
            f"  {p['page']:<40} {p['p50_ms']:>7.1f} {p['p95_ms']:>7.1f} {p['max_ms']:>7.1f}"
            f" {p['cpu_p50_ms']:>7.1f} {queries:>7}{flag}"
        )
    if walked["post_only"]:
        lines.append(f"  POST only (not pages): {', '.join(walked['post_only'])}")
    if walked["refused"]:
        lines.append(f"  refused to this role (403): {', '.join(walked['refused'])}")
    for name, reason in walked.get("elsewhere", {}).items():
        lines.append(f"  walked on another unit's host {name}: {reason}")
    for name, reason in walked["unfilled"].items():
        lines.append(f"  NOT FILLED {name}: {reason}")
    return lines


def table(result: dict[str, Any]) -> str:
    verdict = {True: "PASS", False: "MISS"}
    head = f"  {'page':<40} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'cpu p50':>7} {'queries':>7}"
    lines = [
        f"demo database {result['database']} ({result['prepared']}), copy {result['copy']}, "
        f"DEBUG={result['debug']}, {result['repeat']} timed requests a page",
    ]
    for role, walked in result.get("workspace", {}).items():
        lines += [
            f"workspace ({result['unit']}) as {role}",
            head,
            *page_lines(walked, WS_TARGET_MS),
        ]
    if "workspace" in result:
        lines.append(
            f"workspace p95 < {WS_TARGET_MS:.0f} ms on every page: "
            f"{verdict[result['workspace_met']]} (worst {result['workspace_worst_p95_ms']} ms)"
        )
    for size, people in result.get("console", {}).items():
        for role, walked in people.items():
            lines += [
                f"console at {size} units as {role}",
                head,
                *page_lines(walked, CONSOLE_TARGET_MS),
            ]
    if "console" in result:
        growth = result.get("growth", {})
        lines.append(
            f"console p95 < {CONSOLE_TARGET_MS:.0f} ms at {growth.get('units_before')} and "
            f"{growth.get('units_after')} units: worst {result['console_worst_p95_ms']} ms; "
            f"query counts growing: {result['console_queries_growing'] or 'none'}: "
            f"{verdict[result['console_met']]}"
        )
    return "\n".join(lines)

"""Every GET page of the console rendered server-side at 136 and 3,600 units, as the province
admin and as a city reviewer: p50/p95 wall time, p50 CPU time and SQL queries side by side.

Runs in a throw-away database (``bench/provisioning.py``; ``--keep`` keeps it as
``<NAME>_console_pages`` and reuses it on the next run, for quick iterations). Two synthetic
provinces of registry rows (``bench.benchmarking.build_province``: one city per ten units) with
a year of public facts per unit for this year and last (``write_facts``), plus what the other
pages read: this year's monitoring rounds, three goal submissions per unit (one waiting for its
city's review), a budget linkage per unit, a feedback batch to every unit and a handful of key
evaluations. Each size has a province admin and a reviewer of its first city.

Timed: each page through Django's test client in this process (the whole middleware stack, the
view, the template; no HTTP), after ``WARMUP`` untimed requests, ``--repeat`` times. Wall time
is what the server spends; the CPU time (``time.thread_time``, the Python side only — the
database's own work is in the wall time) is not inflated when other processes load the machine.
``sql`` is the p50 of the wall time spent inside the statements (the database's share).
The query count of each page (the most of any timed request) must be the same at both sizes;
p95 must stay under 300 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import random
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from bench.benchmarking import YEAR, build_province, percentile, write_facts
from bench.provisioning import throwaway_database

SIZES = (136, 3600)
WARMUP = 3
DEFAULT_REPEAT = 20
P95_TARGET_MS = 300.0
KEPT_SUFFIX = "_console_pages"


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # may hold {city} (the reviewer's city), {county} (a county of the scope)
    params: dict[str, str]
    roles: tuple[str, ...] = ("admin", "reviewer")
    htmx: bool = False


PAGES = (
    Page("home", "/console/", {}),
    Page("home city", "/console/", {"city": "{city}"}),
    Page("home sorted", "/console/", {"sort": "execution", "dir": "desc", "page": "2"}),
    Page("units", "/console/units/", {}, ("admin",)),
    Page("units search", "/console/units/", {"q": "基层院1"}, ("admin",)),
    Page("units city", "/console/units/{city}/", {}, ("admin",)),
    Page("unit users", "/console/units/users/", {}, ("admin",)),
    Page("templates", "/console/templates/", {}, ("admin",)),
    Page("template conflicts", "/console/templates/conflicts/", {}, ("admin",)),
    Page("review", "/console/review/", {}),
    Page("benchmark", "/console/benchmark/", {"year": str(YEAR), "month": "6"}),
    Page(
        "benchmark name p3",
        "/console/benchmark/",
        {"year": str(YEAR), "month": "6", "sort": "name", "page": "3"},
    ),
    Page(
        "benchmark per case",
        "/console/benchmark/",
        {"year": str(YEAR), "metric": "budget", "per": "case"},
    ),
    Page(
        "benchmark search",
        "/console/benchmark/",
        {"year": str(YEAR), "month": "6", "q": "基层院1", "band": "top25"},
    ),
    Page(
        "benchmark trends",
        "/console/benchmark/",
        {"year": str(YEAR), "month": "6", "part": "trends"},
        htmx=True,
    ),
    Page("benchmark unit", "/console/benchmark/units/{county}/", {"year": str(YEAR)}),
    Page("feedback", "/console/feedback/", {}),
    Page(
        "feedback new",
        "/console/feedback/new/",
        {"metric": "self_score", "fiscal_year": str(YEAR), "percentile": "10"},
    ),
    Page("rectifications", "/console/feedback/rectifications/", {}),
    Page("key evaluations", "/console/key-evaluations/", {}),
    Page("key evaluation plan", "/console/key-evaluations/plan/", {"fiscal_year": str(YEAR)}),
    Page("linkage", "/console/linkage/", {}),
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench console_pages", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="timed requests a page")
    parser.add_argument(
        "--page", action="append", default=[], help="only pages whose name contains this"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help=f"keep the database (<NAME>{KEPT_SUFFIX}) and reuse it when it is there",
    )
    return parser.parse_args(argv)


# --- data ---------------------------------------------------------------------------------------


def write_cycle(province: Any, units: list[Any], rng: random.Random) -> None:
    """What the console's pages read beyond the facts: rounds, goal submissions, linkage rows,
    a feedback batch to every unit, a few key evaluations."""
    from backend.feedback.models import BudgetLinkage, FeedbackBatch, FeedbackItem
    from backend.key_evaluation.models import KeyEvaluation
    from backend.oversight.models import GoalSubmission, MonitoringRound

    now = timezone.now()
    today = timezone.localdate()
    MonitoringRound.objects.bulk_create(
        MonitoringRound(
            province=province,
            fiscal_year=YEAR,
            month=month,
            opens_on=today.replace(month=month, day=1),
            closes_on=today.replace(month=month, day=10),
        )
        for month in range(1, today.month + 1)
    )
    statuses = ("approved", "approved", "submitted", "unit_approved", "returned", "draft")
    goals, linkages, items = [], [], []
    for u in units:
        for p in range(3):
            status = statuses[rng.randrange(len(statuses))]
            goals.append(
                GoalSubmission(
                    unit=u,
                    goal_id=p + 1,
                    project_code=f"p{p}",
                    project_name=f"项目{p}",
                    fiscal_year=YEAR,
                    full_budget=Decimal(rng.randrange(100, 5000) * 1000),
                    status=status,
                    submitted_at=None if status == "draft" else now,
                )
            )
        linkages.append(
            BudgetLinkage(
                unit=u,
                fiscal_year=YEAR - 1,
                project_id=1,
                project_code="p0",
                project_name="项目0",
                grade="良",
                score=Decimal(rng.randrange(6000, 10000)) / 100,
                base_budget=Decimal(1_000_000),
                suggested_action="keep",
                suggested_min_pct=Decimal(0),
                suggested_max_pct=Decimal(0),
            )
        )
    GoalSubmission.objects.bulk_create(goals, batch_size=5000)
    BudgetLinkage.objects.bulk_create(linkages, batch_size=5000)
    batch = FeedbackBatch.objects.create(
        issuer=province, fiscal_year=YEAR - 1, title="年度反馈", body="请阅。"
    )
    for u in units:
        items.append(
            FeedbackItem(
                batch=batch, unit=u, figures={}, read_at=now if rng.random() < 0.5 else None
            )
        )
    FeedbackItem.objects.bulk_create(items, batch_size=5000)
    KeyEvaluation.objects.bulk_create(
        KeyEvaluation(
            unit=u,
            issuer=province,
            kind="key",
            fiscal_year=YEAR - 1,
            project_id=1,
            project_code="p0",
            project_name="项目0",
            evaluation_id=1,
            layout="standard",
            execution_weight=Decimal(10),
            full_budget=Decimal(1_000_000),
            executed=Decimal(900_000),
            execution_rate=Decimal(90),
            execution_score=Decimal(9),
            self_score=Decimal(88),
            self_grade="良",
        )
        for u in units[:20]
    )


def user_at(unit: Any, username: str, role: str) -> Any:
    from backend.accounts.models import Membership, User

    user = User.objects.create(username=username)
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


def build() -> dict[int, dict[str, Any]]:
    """The two provinces with their people; {size: {admin, reviewer, city, county}} (codes and
    user ids)."""
    from backend.accounts.models import Role
    from tenants import blueprint

    blueprint.ensure_blueprint()
    made: dict[int, dict[str, Any]] = {}
    for size in SIZES:
        province, units = build_province(f"cp{size}", size, schemas=False)
        rng = random.Random(size)
        write_facts(units, rng)
        write_facts(units, rng, year=YEAR - 1)
        write_cycle(province, units, rng)
        city = next(u for u in units if u.level == "city")
        county = next(u for u in units if u.parent_id == city.pk)
        made[size] = {
            "admin": user_at(province, f"cp-admin-{size}", Role.PROVINCE_ADMIN).pk,
            "reviewer": user_at(city, f"cp-reviewer-{size}", Role.CITY_REVIEWER).pk,
            "city": city.code,
            "county": county.code,
        }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return made


def people() -> dict[int, dict[str, Any]]:
    """The people and codes of a kept database (``build``'s answer, read back)."""
    from backend.accounts.models import User
    from tenants.models import Procuratorate

    made: dict[int, dict[str, Any]] = {}
    for size in SIZES:
        city = Procuratorate.objects.filter(code__startswith=f"cp{size}-c").order_by("code")[0]
        county = Procuratorate.objects.filter(parent=city).order_by("code")[0]
        made[size] = {
            "admin": User.objects.get(username=f"cp-admin-{size}").pk,
            "reviewer": User.objects.get(username=f"cp-reviewer-{size}").pk,
            "city": city.code,
            "county": county.code,
        }
    return made


@contextlib.contextmanager
def kept_database() -> Iterator[tuple[str, bool]]:
    """``<NAME>_console_pages``: (name, True) when it already holds the data, else created and
    migrated here, (name, False). Never dropped."""
    settings_dict = connection.settings_dict
    original = settings_dict["NAME"]
    name = f"{original}{KEPT_SUFFIX}"
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
    if exists:
        connection.close()
        settings_dict["NAME"] = name
        connection.settings_dict["NAME"] = name
        try:
            from backend.accounts.models import User

            ready = User.objects.filter(username=f"cp-admin-{SIZES[-1]}").exists()
        except Exception:
            ready = False
        if ready:
            try:
                yield name, True
            finally:
                connection.close()
                settings_dict["NAME"] = original
            return
        connection.close()
        settings_dict["NAME"] = original
    test_settings = settings_dict.setdefault("TEST", {})
    test_settings["NAME"] = name
    try:
        yield (
            connection.creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False, keepdb=False
            ),
            False,
        )
    finally:
        connection.close()
        settings_dict["NAME"] = original
        del test_settings["NAME"]


# --- timing -------------------------------------------------------------------------------------


def client_for(user_id: int) -> Client:
    from backend.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    return client


def fill(page: Page, where: dict[str, Any]) -> tuple[str, dict[str, str]]:
    return (
        page.path.format(**where),
        {k: v.format(**where) for k, v in page.params.items()},
    )


def request(client: Client, path: str, params: dict[str, str], htmx: bool) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(path, params, HTTP_HOST="localhost", headers=headers)
    connection.set_schema_to_public()
    if response.status_code != 200:
        raise RuntimeError(f"{path} {params}: {response.status_code}")
    return response


class SqlClock:
    """Counts the statements run and the wall time spent in them (an execute wrapper)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def timed(client: Client, path: str, params: dict[str, str], htmx: bool, repeat: int) -> dict:
    for _ in range(WARMUP):
        request(client, path, params, htmx)
    wall, cpu, sql, counts = [], [], [], set()
    response = None
    for _ in range(repeat):
        clock = SqlClock()
        with connection.execute_wrapper(clock):
            started, started_cpu = time.perf_counter(), time.thread_time()
            response = request(client, path, params, htmx)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        sql.append(clock.seconds * 1000)
        counts.add(clock.count)
    assert response is not None
    return {
        "p50_ms": round(statistics.median(wall), 1),
        "p95_ms": round(percentile(wall, 0.95), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "sql_p50_ms": round(statistics.median(sql), 1),
        "queries": max(counts),
        "kb": round(len(response.content) / 1024, 1),
    }


def measure(args: argparse.Namespace, database: str, made: dict[int, dict[str, Any]]) -> dict:
    clients = {
        (size, role): client_for(made[size][role])
        for size in SIZES
        for role in ("admin", "reviewer")
    }
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for page in PAGES:
        if args.page and not any(p in page.name for p in args.page):
            continue
        for role in page.roles:
            key = f"{page.name} [{role}]"
            results[key] = {}
            for size in SIZES:
                path, params = fill(page, made[size])
                results[key][str(size)] = timed(
                    clients[size, role], path, params, page.htmx, args.repeat
                )
            print(line(key, results[key]), flush=True)
    p95s = [r["p95_ms"] for by_size in results.values() for r in by_size.values()]
    growing = [
        key for key, by_size in results.items() if len({r["queries"] for r in by_size.values()}) > 1
    ]
    return {
        "database": database,
        "repeat": args.repeat,
        "pages": results,
        "worst_p95_ms": max(p95s, default=0.0),
        "queries_growing": growing,
        "targets": {"p95_ms_max": P95_TARGET_MS, "queries_constant": True},
        "met": {
            "p95_under_target": all(v < P95_TARGET_MS for v in p95s),
            "queries_constant": not growing,
        },
    }


def run(argv: list[str]) -> dict[str, Any]:
    args = parse_args(argv)
    for name in ("jixiao.request", "axes"):  # a line per request would bury the table
        logging.getLogger(name).setLevel(logging.WARNING)
    if args.keep:
        with kept_database() as (database, ready):
            made = people() if ready else build()
            return measure(args, database, made)
    with throwaway_database() as database:
        made = build()
        try:
            return measure(args, database, made)
        finally:
            for alias in connections:
                connections[alias].close()


HEADER = (
    f"{'page [role]':<34}"
    + "".join(
        f" {f'p50@{s}':>8} {f'p95@{s}':>8} {f'cpu@{s}':>8} {f'sql@{s}':>8} {f'q@{s}':>6}"
        for s in SIZES
    )
    + f" {'KB@' + str(SIZES[-1]):>8}"
)


def line(key: str, by_size: dict[str, dict[str, Any]]) -> str:
    cells = "".join(
        f" {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['cpu_p50_ms']:>8.1f} {r['sql_p50_ms']:>8.1f}"
        f" {r['queries']:>6}"
        for r in (by_size[str(s)] for s in SIZES)
    )
    return f"{key:<34}{cells} {by_size[str(SIZES[-1])]['kb']:>8.1f}"


def table(result: dict[str, Any]) -> str:
    lines = [HEADER]
    lines += [line(key, by_size) for key, by_size in result["pages"].items()]
    lines.append(
        f"worst p95 {result['worst_p95_ms']} ms (target < {P95_TARGET_MS:.0f}); "
        f"query counts growing: {', '.join(result['queries_growing']) or 'none'}; "
        f"met: {result['met']}"
    )
    return "\n".join(lines)

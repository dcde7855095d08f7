"""The console's 对标 page (``console:benchmark``) rendered server-side at 136 and 3,600 units.

Runs in a throw-away database (``bench/provisioning.py``): two synthetic provinces of registry
rows and a year of public facts per unit (``bench/benchmarking.py``'s figures), each with its
province admin. Timed (warm, after 5 untimed requests): the whole page — form, ranking statement,
the page's statement (25 rows, bottom N, band counts, city boxes), the chart options, the
template — through Django's test client in this process (no HTTP: what the server spends).
``bench/console_pages.py`` times every console page the same way, with CPU and SQL time.
Three variants: the default table (execution rate to June), the same sorted
by name on page 3, and the budget per case (a size-adjusted metric). Also the SQL query count of
each, which must be the same at both sizes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

from django.db import connection
from django.test import Client

from bench.benchmarking import build_province, percentile, write_facts
from bench.console_pages import SqlClock
from bench.provisioning import throwaway_database

SIZES = (136, 3600)
WARMUP = 5
DEFAULT_REPEAT = 30
P95_TARGET_MS = 300.0
URL = "/console/benchmark/"
VARIANTS = {
    "default": {"year": "2026", "month": "6"},
    "sorted_page3": {"year": "2026", "month": "6", "sort": "name", "page": "3"},
    "budget_per_case": {"year": "2026", "metric": "budget", "per": "case"},
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench console_league", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="timed requests")
    return parser.parse_args(argv)


def client_for(province: Any, username: str) -> Client:
    from backend.accounts.models import Membership, Role, User

    user = User.objects.create(username=username)
    Membership.objects.create(user=user, unit=province, role=Role.PROVINCE_ADMIN)
    client = Client()
    client.force_login(user)
    return client


def get(client: Client, params: dict[str, str]) -> Any:
    response = client.get(URL, params, HTTP_HOST="localhost")
    connection.set_schema_to_public()
    assert response.status_code == 200, response.status_code
    return response


def measure(repeat: int, database: str) -> dict[str, Any]:
    from tenants import blueprint

    blueprint.ensure_blueprint()
    clients: dict[int, Client] = {}
    for size in SIZES:
        province, units = build_province(f"cl{size}", size, schemas=False)
        write_facts(units, random.Random(size))
        clients[size] = client_for(province, f"console-admin-{size}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    p50: dict[str, dict[str, float]] = {}
    p95: dict[str, dict[str, float]] = {}
    queries: dict[str, dict[str, int]] = {}
    sizes_kb: dict[str, dict[str, float]] = {}
    for name, params in VARIANTS.items():
        p50[name], p95[name], queries[name], sizes_kb[name] = {}, {}, {}, {}
        for size in SIZES:
            client = clients[size]
            for _ in range(WARMUP):
                get(client, params)
            clock = SqlClock()  # counts what the test client's request runs
            with connection.execute_wrapper(clock):
                response = get(client, params)
            samples = []
            for _ in range(repeat):
                start = time.perf_counter()
                get(client, params)
                samples.append((time.perf_counter() - start) * 1000)
            p50[name][str(size)] = round(statistics.median(samples), 1)
            p95[name][str(size)] = round(percentile(samples, 0.95), 1)
            queries[name][str(size)] = clock.count
            sizes_kb[name][str(size)] = round(len(response.content) / 1024, 1)
        print(f"{name}: p50 {p50[name]} p95 {p95[name]} queries {queries[name]}", flush=True)
    return {
        "database": database,
        "page": "console:benchmark, server-side (Django test client, in process)",
        "repeat": repeat,
        "p50_ms": p50,
        "p95_ms": p95,
        "queries": queries,
        "html_kb": sizes_kb,
        "targets": {"p95_ms_max": P95_TARGET_MS, "queries_constant": True},
        "met": {
            "p95_under_target": all(
                v < P95_TARGET_MS for by_size in p95.values() for v in by_size.values()
            ),
            "queries_constant": all(len(set(q.values())) == 1 for q in queries.values()),
        },
    }


def run(argv: list[str]) -> dict[str, Any]:
    args = parse_args(argv)
    with throwaway_database() as database:
        return measure(args.repeat, database)


def table(result: dict[str, Any]) -> str:
    lines = [f"{'variant':<16} {'units':>6} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'KB':>7}"]
    for name in VARIANTS:
        for size in SIZES:
            key = str(size)
            lines.append(
                f"{name:<16} {size:>6} {result['p50_ms'][name][key]:>8.1f} "
                f"{result['p95_ms'][name][key]:>8.1f} {result['queries'][name][key]:>8} "
                f"{result['html_kb'][name][key]:>7.1f}"
            )
    lines.append(f"met: {result['met']}")
    return "\n".join(lines)

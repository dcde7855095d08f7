"""Benchmarks across units: the ranking query through GraphQL over HTTP at 140, 1,000 and 3,600
units, beside a naive loop over the tenant schemas at 140.

Runs in a throw-away database (like ``bench/provisioning.py``). Three synthetic provinces are
written straight into the public tables: registry rows (one city per ten units, the rest
counties), and a year of facts per unit for every metric (5 projects with execution, self and
key scores; 12 monthly execution facts with forecasts; the unit-year roll-up; 5 standard
indicators with targets, actuals and verdicts; 2 alerts; 1 rectification; staff statistics).
Only the 140-unit province gets real schemas (``provision_unit``), with the same June figures
as monitoring entries in each, so that the naive loop reads the same numbers from the tenants.

Timed (warm, after 5 untimed requests): ``benchmark(metric: EXECUTION_RATE, month: 6)`` with the
distribution and the first 200 ranked rows (code, name, city, value, rank, percentile), POSTed
by a province admin's bearer token to ``/graphql/`` of a real WSGI server (wsgiref, in a thread
of this process) over a TCP socket. The naive baseline, in process (no HTTP, which favours it):
for each of the 140 units, ``schema_context`` + one aggregate of its submitted June monitoring
entries, then the same ranking in Python.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import threading
import time
from decimal import Decimal
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.utils import timezone

from bench.provisioning import throwaway_database

SIZES = (140, 1000, 3600)
YEAR = 2026
MONTH = 6
PROJECTS = 5
INDICATORS = 5
WARMUP = 5
DEFAULT_REPEAT = 50
P95_TARGET_MS = 100.0

QUERY = """
query($year: Int!, $month: Int) {
  benchmark(metric: EXECUTION_RATE, fiscalYear: $year, month: $month) {
    label distribution { count min q1 median q3 max mean }
    rows(first: 200) { totalCount edges { node {
      code name cityName value rank percentile } } }
  }
}
"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench benchmarking", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="timed requests")
    return parser.parse_args(argv)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = (len(ordered) - 1) * p
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


# --- data ---------------------------------------------------------------------------------------


def figures(rng: random.Random) -> dict[str, Any]:
    """One unit's synthetic year."""
    budgets = [Decimal(rng.randrange(200, 5000) * 1000) for _ in range(PROJECTS)]
    june = [Decimal(rng.randrange(20, 70)) for _ in range(PROJECTS)]  # % spent by June
    return {
        "budgets": budgets,
        "june_spent": [
            (b * r / 100).quantize(Decimal("0.01")) for b, r in zip(budgets, june, strict=True)
        ],
        "year_rate": [Decimal(rng.randrange(70, 101)) for _ in range(PROJECTS)],
        "self": [Decimal(rng.randrange(6000, 10000)) / 100 for _ in range(PROJECTS)],
        "key": [Decimal(rng.randrange(5500, 9800)) / 100 for _ in range(PROJECTS)],
        "staff": rng.randrange(30, 300),
        "cases": rng.randrange(300, 6000),
    }


def build_province(code: str, units: int, *, schemas: bool) -> tuple[Any, list[Any]]:
    """A province with ``units`` units under it (one city per ten), registry rows only or
    provisioned schemas. Returns (province, units)."""
    from tenants.models import Procuratorate, UnitLevel
    from tenants.services import UnitSpec, provision_unit

    cities = max(1, units // 10)
    specs = [(f"{code}-c{c:03}", f"基准市院{c}", UnitLevel.CITY, code) for c in range(cities)]
    specs += [
        (f"{code}-u{i:04}", f"基准基层院{i}", UnitLevel.COUNTY, f"{code}-c{i % cities:03}")
        for i in range(units - cities)
    ]
    if schemas:
        province = provision_unit(UnitSpec(code, f"基准省院{code}", UnitLevel.PROVINCE, None))
        made = [provision_unit(UnitSpec(c, n, lv, parent)) for c, n, lv, parent in specs]
        return province, made
    province = Procuratorate.objects.create(
        code=code,
        schema_name=code.replace("-", "_"),
        name=f"基准省院{code}",
        level=UnitLevel.PROVINCE,
        path=f"/{code}/",
        depth=0,
    )
    cities_made = add_units(
        [
            Procuratorate(
                code=c,
                schema_name=c.replace("-", "_"),
                name=n,
                level=lv,
                path=f"/{code}/{c}/",
                depth=1,
                parent=province,
            )
            for c, n, lv, _parent in specs[:cities]
        ]
    )
    made = cities_made + add_counties(cities_made, code, units - cities)
    return province, made


def add_units(rows: list[Any]) -> list[Any]:
    """Registry rows without schemas (creating a tenant through save() makes a schema;
    bulk_create does not)."""
    from tenants.models import Procuratorate

    return Procuratorate.objects.bulk_create(rows, batch_size=2000)


def add_counties(cities: list[Any], prefix: str, count: int) -> list[Any]:
    """``count`` county rows (registry only) spread round-robin over ``cities``, coded
    ``<prefix>-u0000`` on."""
    from tenants.models import Procuratorate, UnitLevel

    rows = []
    for i in range(count):
        city = cities[i % len(cities)]
        c = f"{prefix}-u{i:04}"
        rows.append(
            Procuratorate(
                code=c,
                schema_name=c.replace("-", "_"),
                name=f"基准基层院{i}",
                level=UnitLevel.COUNTY,
                path=f"{city.path}{c}/",
                depth=city.depth + 1,
                parent=city,
            )
        )
    return add_units(rows)


def write_facts(
    units: list[Any], rng: random.Random, year: int = YEAR
) -> dict[int, dict[str, Any]]:
    """A synthetic year of facts for every metric, for each of ``units``."""
    from backend.benchmarking.models import (
        ExecutionFact,
        IndicatorFact,
        ProjectFact,
        UnitStatistics,
        UnitYearFact,
    )
    from backend.feedback.models import RectificationRequest
    from backend.oversight.models import AlertRecord

    now = timezone.now()
    today = timezone.localdate()
    # Ids in a unit's schema are unique across years: another year's projects come after.
    first = abs(YEAR - year) * PROJECTS + 1
    data = {u.pk: figures(rng) for u in units}
    projects, executions, years, indicators, alerts, rects, stats = [], [], [], [], [], [], []
    for u in units:
        f = data[u.pk]
        total = sum(f["budgets"])
        executed_total = Decimal(0)
        for p, budget in enumerate(f["budgets"]):
            executed = (budget * f["year_rate"][p] / 100).quantize(Decimal("0.01"))
            executed_total += executed
            projects.append(
                ProjectFact(
                    unit=u,
                    fiscal_year=year,
                    project_id=first + p,
                    project_code=f"p{p}",
                    project_name=f"项目{p}",
                    category="project",
                    kind="case_funds",
                    initial_budget=budget,
                    full_budget=budget,
                    goal_id=first + p,
                    goal_grade="excellent",
                    approved_at=now,
                    executed=executed,
                    execution_rate=f["year_rate"][p],
                    self_score=f["self"][p],
                    self_grade="优" if f["self"][p] >= 90 else "良",
                    finalised_at=now,
                    key_score=f["key"][p],
                )
            )
            for i in range(INDICATORS):
                actual = Decimal(rng.randrange(60, 120))
                indicators.append(
                    IndicatorFact(
                        unit=u,
                        fiscal_year=year,
                        project_id=first + p,
                        goal_id=first + p,
                        template_code="bench",
                        template_version=1,
                        indicator_code=f"i{i}",
                        level1="产出指标",
                        level2="数量指标",
                        name=f"指标{i}",
                        value_type="quantitative",
                        direction="gte",
                        unit_of_measure="件",
                        target_value=Decimal(100),
                        weight=Decimal(10),
                        actual_value=actual,
                        achievement=actual,
                        score=Decimal(10),
                        met=actual >= 100,
                        deviation_cause="" if actual >= 100 else "funding",
                    )
                )
        june_spent = sum(f["june_spent"])
        for month in range(1, 13):
            spent = (june_spent * month / MONTH).quantize(Decimal("0.01"))
            executions.append(
                ExecutionFact(
                    unit=u,
                    fiscal_year=year,
                    month=month,
                    projects=PROJECTS,
                    full_budget=total,
                    spent=spent,
                    execution_rate=(spent * 100 / total).quantize(Decimal("0.01")),
                    time_progress=(Decimal(month * 100) / 12).quantize(Decimal("0.01")),
                    forecast_rate=Decimal(rng.randrange(60, 110)),
                )
            )
        years.append(
            UnitYearFact(
                unit=u,
                fiscal_year=year,
                evaluated_projects=PROJECTS,
                evaluated_budget=total,
                evaluated_executed=executed_total,
                project_score=(sum(f["self"]) / PROJECTS).quantize(Decimal("0.01")),
                project_grade="良",
            )
        )
        for a in range(2):
            alerts.append(
                AlertRecord(
                    unit=u,
                    alert_id=first + a,
                    kind="execution_lag",
                    severity="warning",
                    status="open",
                    fiscal_year=year,
                    month=MONTH,
                    message="预算执行滞后",
                    raised_at=now,
                    answer_due=today,
                )
            )
        rects.append(
            RectificationRequest(
                unit=u,
                issuer=u,
                fiscal_year=year,
                origin="reviewer",
                title="整改",
                requirement="整改",
                due_on=today,
                overdue=rng.random() < 0.3,
            )
        )
        stats.append(
            UnitStatistics(
                unit=u,
                fiscal_year=year,
                staff=f["staff"],
                procurators=f["staff"] // 3,
                cases=f["cases"],
            )
        )
    for model, rows in (
        (ProjectFact, projects),
        (IndicatorFact, indicators),
        (ExecutionFact, executions),
        (UnitYearFact, years),
        (AlertRecord, alerts),
        (RectificationRequest, rects),
        (UnitStatistics, stats),
    ):
        model.objects.bulk_create(rows, batch_size=5000)
    return data


def write_tenant_entries(province: Any, units: list[Any], data: dict[int, dict[str, Any]]) -> None:
    """The June monitoring entries in each unit's own schema (for the naive loop)."""
    from django_tenants.utils import schema_context

    from backend.budgets.models import Project
    from backend.monitoring.models import MonitoringEntry
    from backend.oversight.models import MonitoringRound

    today = timezone.localdate()
    june = MonitoringRound.objects.create(
        province=province, fiscal_year=YEAR, month=MONTH, opens_on=today, closes_on=today
    )
    for u in units:
        f = data[u.pk]
        with schema_context(u.schema_name):
            projects = Project.objects.bulk_create(
                [
                    Project(
                        code=f"p{p}",
                        name=f"项目{p}",
                        category="project",
                        kind="case_funds",
                        fiscal_year=YEAR,
                        funding_source="general",
                        initial_budget=b,
                        full_budget=b,
                    )
                    for p, b in enumerate(f["budgets"])
                ]
            )
            MonitoringEntry.objects.bulk_create(
                [
                    MonitoringEntry(
                        project=project,
                        round=june,
                        month=MONTH,
                        full_budget=project.full_budget,
                        spent_to_date=spent,
                        spent_source="entered",
                        execution_rate=(spent * 100 / project.full_budget).quantize(
                            Decimal("0.01")
                        ),
                        time_progress=Decimal(50),
                        status="submitted",
                        submitted_at=timezone.now(),
                    )
                    for project, spent in zip(projects, f["june_spent"], strict=True)
                ]
            )


def admin_token(province: Any, username: str) -> str:
    from backend.accounts import services as account_services
    from backend.accounts.models import Membership, Role, User

    user = User.objects.create_user(username=username, password="bench-pass-1")
    Membership.objects.create(user=user, unit=province, role=Role.PROVINCE_ADMIN)
    return account_services.issue_token(user).secret


# --- timing -------------------------------------------------------------------------------------


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve() -> tuple[WSGIServer, int]:
    server = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def post(port: int, token: str) -> tuple[float, dict[str, Any]]:
    body = json.dumps({"query": QUERY, "variables": {"year": YEAR, "month": MONTH}})
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request(
        "POST",
        "/graphql/",
        body=body,
        headers={
            "Host": "localhost",
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
        },
    )
    response = conn.getresponse()
    payload = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    result = json.loads(payload)
    if response.status != 200 or "errors" in result:
        raise RuntimeError(f"benchmark query failed: {response.status} {payload[:500]!r}")
    return elapsed, result


def naive_ms(units: list[Any]) -> tuple[float, list[tuple[str, Decimal | None, int]]]:
    """The loop over tenant schemas the fact tables avoid: one aggregate per schema, then the
    ranking. Returns (ms, [(code, rate, rank)])."""
    from django.db.models import Sum
    from django_tenants.utils import schema_context

    from backend.benchmarking.selectors import ranks
    from backend.monitoring.models import MonitoringEntry

    started = time.perf_counter()
    values: list[tuple[str, Decimal]] = []
    for u in units:
        with schema_context(u.schema_name):
            agg = MonitoringEntry.objects.filter(
                status="submitted", month=MONTH, project__fiscal_year=YEAR
            ).aggregate(spent=Sum("spent_to_date"), budget=Sum("full_budget"))
        if agg["budget"]:
            rate = (agg["spent"] * 100 / agg["budget"]).quantize(Decimal("0.01"))
            values.append((u.code, rate))
    positions = ranks([v for _c, v in values], True)
    elapsed = (time.perf_counter() - started) * 1000
    connection.set_schema_to_public()
    return elapsed, [(c, v, r) for (c, v), (r, _p) in zip(values, positions, strict=True)]


def measure(repeat: int, database: str) -> dict[str, Any]:
    from tenants import blueprint

    blueprint.ensure_blueprint()
    rng = random.Random(7)
    tokens: dict[int, str] = {}
    small_units: list[Any] = []
    build_seconds: dict[str, float] = {}
    for size in SIZES:
        started = time.perf_counter()
        code = f"bp{size}"
        province, units = build_province(code, size, schemas=size == SIZES[0])
        data = write_facts(units, rng)
        if size == SIZES[0]:
            write_tenant_entries(province, units, data)
            small_units = units
        tokens[size] = admin_token(province, f"bench-admin-{size}")
        build_seconds[str(size)] = round(time.perf_counter() - started, 1)
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    server, port = serve()
    p50: dict[str, float] = {}
    p95: dict[str, float] = {}
    check: dict[str, Any] = {}
    try:
        for size in SIZES:
            for _ in range(WARMUP):
                post(port, tokens[size])
            samples = []
            for _ in range(repeat):
                ms, result = post(port, tokens[size])
                samples.append(ms)
            table = result["data"]["benchmark"]
            check[str(size)] = {
                "rows": table["rows"]["totalCount"],
                "median": table["distribution"]["median"],
            }
            p50[str(size)] = round(statistics.median(samples), 2)
            p95[str(size)] = round(percentile(samples, 0.95), 2)
    finally:
        server.shutdown()
        server.server_close()
        # The server thread keeps its (persistent) connection: end it, so that the throw-away
        # database can be dropped.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
    print(f"p50 {p50} p95 {p95}", flush=True)

    naive_samples = []
    naive_rows: list[Any] = []
    for _ in range(2):  # warm the per-schema caches
        naive_ms(small_units)
    for _ in range(max(5, repeat // 5)):
        ms, naive_rows = naive_ms(small_units)
        naive_samples.append(ms)
    # The naive loop and the fact tables must agree on the ranking.
    _ms, fast = post_once_inprocess(tokens[SIZES[0]])
    agree = sorted((c, str(v), r) for c, v, r in naive_rows) == sorted(fast)
    growth = p95[str(SIZES[-1])] / p95[str(SIZES[0])] if p95[str(SIZES[0])] else None
    return {
        "database": database,
        "query": "benchmark(metric: EXECUTION_RATE, month: 6) over HTTP, first 200 rows",
        "repeat": repeat,
        "p50_ms": p50,
        "p95_ms": p95,
        "naive_p50_ms_140": round(statistics.median(naive_samples), 2),
        "naive_p95_ms_140": round(percentile(naive_samples, 0.95), 2),
        "naive_agrees": agree,
        "growth_p95_3600_over_140": round(growth, 2) if growth else None,
        "unit_ratio_3600_over_140": round(SIZES[-1] / SIZES[0], 2),
        "targets": {"p95_ms_3600_max": P95_TARGET_MS, "sub_linear": True},
        "met": {
            "p95_under_target": p95[str(SIZES[-1])] < P95_TARGET_MS,
            "sub_linear": bool(growth and growth < SIZES[-1] / SIZES[0]),
        },
        "checks": check,
        "build_seconds": build_seconds,
    }


def post_once_inprocess(token: str) -> tuple[float, list[tuple[str, str, int]]]:
    """The 140-unit ranking through the test client (every row), to compare with the naive."""
    from django.test import Client

    response = Client().post(
        "/graphql/",
        json.dumps({"query": QUERY, "variables": {"year": YEAR, "month": MONTH}}),
        content_type="application/json",
        HTTP_HOST="localhost",
        headers={"Authorization": f"Bearer {token}"},
    )
    connection.set_schema_to_public()
    rows = response.json()["data"]["benchmark"]["rows"]["edges"]
    return 0.0, [
        (e["node"]["code"], e["node"]["value"], e["node"]["rank"])
        for e in rows
        if e["node"]["value"] is not None
    ]


def run(argv: list[str]) -> dict[str, Any]:
    args = parse_args(argv)
    with throwaway_database() as database:
        return measure(args.repeat, database)


def table(result: dict[str, Any]) -> str:
    verdict = {True: "PASS", False: "MISS"}
    lines = [f"{'units':>6}  {'p50 ms':>8}  {'p95 ms':>8}"]
    for size in SIZES:
        key = str(size)
        lines.append(f"{size:>6}  {result['p50_ms'][key]:>8.2f}  {result['p95_ms'][key]:>8.2f}")
    lines.append(
        f"naive loop over 140 schemas: p50 {result['naive_p50_ms_140']:.2f} ms, "
        f"p95 {result['naive_p95_ms_140']:.2f} ms (agrees: {result['naive_agrees']})"
    )
    lines.append(
        f"p95 < {P95_TARGET_MS:.0f} ms at 3600: {verdict[result['met']['p95_under_target']]}; "
        f"growth 140→3600 ×{result['growth_p95_3600_over_140']} for "
        f"×{result['unit_ratio_3600_over_140']} units: "
        f"{verdict[result['met']['sub_linear']]}"
    )
    return "\n".join(lines)

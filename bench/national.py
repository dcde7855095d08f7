"""National scale on real schemas: N unit schemas provisioned one after another in a throw-away
database (``--units N``, else ``BENCH_UNITS``, else 3,600; a long run, not part of the suite).

At every checkpoint (the first hundred, then every ``--step`` units, and the last) it prints:

- provisioning ms per unit over the units since the last checkpoint (median, p95), and the ratio
  of that median to the first hundred's (target at the end: ≤ 1.5);
- catalog rows (``pg_class``) and database size, and per empty unit (rows, bytes);
- triggers on public tables that belong to unit schemas (target: 0, whatever N);
- a login's ``last_login`` update on a fresh connection and on a warm one, and the ratio to
  the same on the empty platform (target: ≤ 2);

and at every checkpoint but the first hundred (every thousand by default), over all the units
provisioned so far:

- the memory of one database backend that read six tables in every unit without recycling its
  connection (its RSS read from ``/proc/<pid>/status``: the server runs on this machine);
- a no-op ``migrate_schemas --tenant`` (``tenants/migrating.py`` skips the units at the latest
  migration: target < 60 s at 3,600);
- one new migration — a nullable column and an index on ``documents_document`` — applied to
  20 units one at a time through Django's ``migrate`` (the baseline per unit), then to every
  other unit by ``migrate_schemas --tenant --executor=multiprocessing``, which migrates one of
  them by Django's ``migrate`` and replays what it ran on the others (``tenants/migrating.py``):
  seconds, ms per unit and the ratio. The migration is
  written at run time into a temporary directory (a copy of the app's migrations plus the new
  one, on ``MIGRATION_MODULES`` for that step only): nothing is left in the repository, and
  each checkpoint's migration has a name and a column of its own, so every unit gets exactly
  one new migration each time;
- the monitoring sweep (``monitoring.services.sweep_all_inline``) over every unit, the
  connection recycled every ``--recycle`` units, with the backend's peak RSS (target < 10 min
  at 3,600);
- a push of a small template (``--push-indicators``, 5) to every unit by one Celery worker
  (pool solo, ``bench/push.py``): seconds and units per second (target < 5 min at 3,600);
- the benchmark query: the console's 对标 page (``/console/benchmark/``, the province admin,
  execution rate to June) over a year of public facts for every unit (``bench/benchmarking.py``'s
  synthetic figures), median and p95 of ten warm requests;

and at the end: deactivating and anonymising a user (target: each < 1 s), and the memory of one
database backend after a sweep that reads six tables in every unit, with the connection
recycled every ``--recycle`` units.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings

from bench.provisioning import throwaway_database
from tenants.models import UnitLevel
from tenants.services import UnitSpec, provision_unit, schema_name_for

DEFAULT_UNITS = 3600
ROOT = "nat-root"
CITY = "nat-city"
SWEEP_TABLES = (
    "budgets_project",
    "goals_performancegoal",
    "goals_goalindicator",
    "monitoring_monitoringentry",
    "monitoring_alert",
    "evaluation_selfevaluation",
)
TARGETS = {
    "provisioning_ratio_max": 1.5,
    "login_ratio_max": 2.0,
    "user_change_ms_max": 1000,
    "noop_migrate_s_max": 60,
    "push_s_max": 300,
    "monitoring_sweep_s_max": 600,
}
# The tenant app and table the throw-away migration changes.
MIGRATION_APP = "documents"
MIGRATION_MODEL = "document"
# Units migrated one at a time through Django's migrate: the new migration's baseline.
DJANGO_SAMPLE = 20
QUERY_REPEAT = 10
QUERY_WARMUP = 3


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench national", description=__doc__)
    parser.add_argument(
        "--units", type=int, default=int(os.environ.get("BENCH_UNITS") or DEFAULT_UNITS)
    )
    parser.add_argument("--step", type=int, default=1000, help="units between checkpoints")
    parser.add_argument("--recycle", type=int, default=500, help="sweep: units per connection")
    parser.add_argument(
        "--push-indicators", type=int, default=5, help="indicators of the pushed template"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="TENANT_MULTIPROCESSING_MAX_PROCESSES for the new migration (default: the setting)",
    )
    args = parser.parse_args(argv)
    if args.units < 100:
        parser.error("--units must be at least 100")
    return args


def ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def scalar(sql: str, params: list[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def catalog() -> dict[str, int]:
    return {
        "pg_class_rows": scalar("SELECT count(*) FROM pg_class"),
        "database_bytes": scalar("SELECT pg_database_size(current_database())"),
    }


def unit_triggers_on_public() -> int:
    return scalar(
        """
        SELECT count(*) FROM pg_trigger t
        JOIN pg_class target ON target.oid = t.tgrelid
        JOIN pg_namespace tn ON tn.oid = target.relnamespace
        JOIN pg_class source ON source.oid = t.tgconstrrelid
        JOIN pg_namespace sn ON sn.oid = source.relnamespace
        WHERE tn.nspname = 'public' AND sn.nspname <> 'public'
        """
    )


def login_update_ms(user_id: int) -> dict[str, float]:
    """``last_login`` update as a login does it, on a fresh connection then on a warm one
    (median of five each)."""

    def update() -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_user SET last_login = now() WHERE id = %s", [user_id])

    fresh, warm = [], []
    for _ in range(5):
        connection.close()
        connection.ensure_connection()
        connection.set_schema_to_public()
        fresh.append(ms(update))
        warm.append(ms(update))
    return {"fresh": statistics.median(fresh), "warm": statistics.median(warm)}


def backend_rss_kb() -> int | None:
    pid = scalar("SELECT pg_backend_pid()")
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def sweep(schemas: list[str], recycle: int) -> dict[str, Any]:
    """Read six tables in every unit, recycling the connection every ``recycle`` units; the
    backend's RSS is read just before each recycle and at the end."""
    peaks: list[int] = []
    started = time.perf_counter()
    for index, schema in enumerate(schemas, start=1):
        with connection.cursor() as cursor:
            for table in SWEEP_TABLES:
                cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
        if index % recycle == 0 or index == len(schemas):
            rss = backend_rss_kb()
            if rss is not None:
                peaks.append(rss)
            connection.close()
    return {
        "units": len(schemas),
        "seconds": round(time.perf_counter() - started, 1),
        "recycle_every": recycle,
        "max_backend_rss_mb": round(max(peaks) / 1024, 1) if peaks else None,
    }


def seconds(action: Callable[[], object]) -> float:
    return round(ms(action) / 1000, 2)


def migrate_tenants(**options: Any) -> None:
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0, **options)
    connection.set_schema_to_public()


@contextmanager
def throwaway_migration(tag: str) -> Iterator[str]:
    """``MIGRATION_MODULES`` pointing ``documents`` at a temporary package: a copy of the app's
    migrations plus one adding a nullable column and an index named after ``tag``. The
    package and its directory are gone on the way out; the units keep the column, the index
    and the migration record (a record the code no longer has is ignored by Django and by
    ``tenants/migrating.py``)."""
    config = apps.get_app_config(MIGRATION_APP)
    source = Path(config.path) / "migrations"
    leaf = max(p.stem for p in source.glob("[0-9][0-9][0-9][0-9]_*.py"))
    package = f"nat_bench_migrations_{tag}"
    name = f"9{tag[-3:]:0>3}_nat_bench_{tag}"
    directory = Path(tempfile.mkdtemp(prefix="nat-bench-migration-"))
    target = directory / package
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / f"{name}.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [({config.label!r}, {leaf!r})]\n"
        "    operations = [\n"
        "        migrations.AddField(\n"
        f"            model_name={MIGRATION_MODEL!r},\n"
        f"            name='nat_bench_{tag}',\n"
        "            field=models.CharField(max_length=20, null=True),\n"
        "        ),\n"
        "        migrations.AddIndex(\n"
        f"            model_name={MIGRATION_MODEL!r},\n"
        "            index=models.Index(\n"
        f"                fields=['nat_bench_{tag}'], name='nat_bench_{tag}_idx'\n"
        "            ),\n"
        "        ),\n"
        "    ]\n",
        encoding="utf-8",
    )
    sys.path.insert(0, str(directory))
    try:
        with override_settings(MIGRATION_MODULES={config.label: package}):
            yield f"{config.label}.{name}"
    finally:
        sys.path.remove(str(directory))
        for module in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
            del sys.modules[module]
        shutil.rmtree(directory, ignore_errors=True)


def applied_everywhere(schemas: list[str], migration: str) -> int:
    """How many of ``schemas`` record ``migration`` (``app.name``) as applied."""
    app, name = migration.split(".", 1)
    found = 0
    for start in range(0, len(schemas), 500):
        parts = [
            f'SELECT count(*) FROM "{s}".django_migrations WHERE app = %s AND name = %s'
            for s in schemas[start : start + 500]
        ]
        params = [app, name] * len(parts)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT sum(c) FROM ({' UNION ALL '.join(parts)}) AS t(c)", params)
            found += int(cursor.fetchone()[0] or 0)
    return found


def new_migration(schemas: list[str], tag: str, processes: int | None) -> dict[str, Any]:
    """One throw-away migration applied to every unit: first to ``DJANGO_SAMPLE`` of them one
    at a time through Django's ``migrate`` (the replay turned off: the baseline, per unit), then
    to all the others by one ``migrate_schemas --tenant --executor=multiprocessing``, which
    migrates one of them by Django's ``migrate`` and replays what it ran on the others
    (``tenants/migrating.py``)."""
    from tenants.references import unit_schemas

    extra = {} if processes is None else {"TENANT_MULTIPROCESSING_MAX_PROCESSES": processes}
    sample = schemas[:DJANGO_SAMPLE]
    with throwaway_migration(tag) as migration, override_settings(**extra):
        from django.conf import settings

        with patch.dict(os.environ, {"JIXIAO_MIGRATE_REPLAY": "0"}):
            baseline = seconds(lambda: [migrate_tenants(schema_name=s) for s in sample])
        took = seconds(lambda: migrate_tenants(executor="multiprocessing"))
        workers = getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 2)
    rest = len(unit_schemas()) - len(sample)
    per_unit_ms = round(took * 1000 / rest, 1)
    django_ms = round(baseline * 1000 / len(sample), 1)
    return {
        "seconds": took,
        "processes": workers,
        "per_unit_ms": per_unit_ms,
        "django_per_unit_ms": django_ms,
        "ratio_to_django": round(django_ms / per_unit_ms, 1),
        "units_applied": applied_everywhere(schemas, migration),
    }


def monitoring_sweep(recycle: int) -> dict[str, Any]:
    """``sweep_all_inline`` over every unit, ``recycle`` units per connection; the backend's
    RSS is read before each recycle."""
    from backend.monitoring.services import sweep_all_inline
    from tenants import selectors as unit_selectors

    units = list(unit_selectors.active_units().order_by("path"))
    peaks: list[int] = []
    failed = 0
    started = time.perf_counter()
    for start in range(0, len(units), recycle):
        results = sweep_all_inline(units=units[start : start + recycle])
        failed += sum(isinstance(r, Exception) for r in results.values())
        rss = backend_rss_kb()
        if rss is not None:
            peaks.append(rss)
        connection.close()
    took = time.perf_counter() - started
    return {
        "seconds": round(took, 1),
        "units": len(units),
        "failed": failed,
        "units_per_second": round(len(units) / took, 1),
        "max_backend_rss_mb": round(max(peaks) / 1024, 1) if peaks else None,
    }


def push_to_all(tag: str, indicators: int, units: int) -> dict[str, Any]:
    """A new template of ``indicators`` indicators pushed to every unit under the city by one
    Celery worker (``bench/push.py``)."""
    from backend.indicators.models import PushStatus, PushTarget
    from bench.push import close_other_connections, publish_version, push_with_one_worker

    version = publish_version(f"nat-push-{tag}", indicators)
    try:
        took, push = push_with_one_worker(
            version, None, under=CITY, timeout=max(600.0, units * 1.0)
        )
    finally:
        close_other_connections()
        connection.close()
    durations = list(
        PushTarget.objects.filter(push=push, status=PushStatus.SUCCEEDED).values_list(
            "duration_ms", flat=True
        )
    )
    return {
        "seconds": round(took, 1),
        "units_per_second": round(units / took, 1),
        "succeeded": len(durations),
        "per_unit_median_ms": statistics.median(durations) if durations else None,
    }


def benchmark_query(admin: Any, units: list[Any], rng: random.Random) -> dict[str, Any]:
    """Public facts for ``units`` (the ones since the last checkpoint), then the console's
    对标 page for the province admin, warm."""
    from django.test import Client

    from bench.benchmarking import write_facts

    write_facts(units, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(admin)

    def get() -> None:
        response = client.get(
            "/console/benchmark/", {"year": "2026", "month": "6"}, HTTP_HOST="localhost"
        )
        connection.set_schema_to_public()
        assert response.status_code == 200, response.status_code

    for _ in range(QUERY_WARMUP):
        get()
    samples = [ms(get) for _ in range(QUERY_REPEAT)]
    return {"median_ms": round(statistics.median(samples), 1), "p95_ms": round(p95(samples), 1)}


def at_scale(
    args: argparse.Namespace, index: int, admin: Any, new_units: list[Any], rng: random.Random
) -> dict[str, Any]:
    """Everything measured over all the units provisioned so far, at one checkpoint."""
    schemas = [schema_name_for(f"nat-{i:05d}") for i in range(1, index + 1)]
    tag = f"{index:05d}"

    def step(name: str, value: Any) -> Any:
        print({"units": index, name: value}, flush=True)  # a long run shows progress
        return value

    connection.close()
    touched = step("touch_all", sweep(schemas, recycle=len(schemas) + 1))
    noop = step("noop_migrate_s", seconds(migrate_tenants))
    monitoring = step("monitoring_sweep", monitoring_sweep(args.recycle))
    pushed = step("push", push_to_all(tag, args.push_indicators, index))
    query = step("benchmark_query", benchmark_query(admin, new_units, rng))
    migration = step("new_migration", new_migration(schemas, tag, args.processes))
    noop_after = step("noop_migrate_after_s", seconds(migrate_tenants))
    return {
        "touch_all_backend_rss_mb": touched["max_backend_rss_mb"],
        "touch_all_s": touched["seconds"],
        "noop_migrate_s": noop,
        "noop_migrate_after_s": noop_after,
        "new_migration_s": migration["seconds"],
        "new_migration_processes": migration["processes"],
        "new_migration_per_unit_ms": migration["per_unit_ms"],
        "new_migration_django_per_unit_ms": migration["django_per_unit_ms"],
        "new_migration_ratio_to_django": migration["ratio_to_django"],
        "new_migration_units_applied": migration["units_applied"],
        "monitoring_sweep_s": monitoring["seconds"],
        "monitoring_sweep_failed": monitoring["failed"],
        "monitoring_sweep_backend_rss_mb": monitoring["max_backend_rss_mb"],
        "push_s": pushed["seconds"],
        "push_units_per_s": pushed["units_per_second"],
        "push_succeeded": pushed["succeeded"],
        "push_per_unit_median_ms": pushed["per_unit_median_ms"],
        "benchmark_query_median_ms": query["median_ms"],
        "benchmark_query_p95_ms": query["p95_ms"],
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from backend.accounts import services as accounts
    from backend.accounts.models import Membership, Role, User

    root = provision_unit(UnitSpec(ROOT, "全国基准省院", UnitLevel.PROVINCE, region="bench"))
    provision_unit(UnitSpec(CITY, "全国基准市院", UnitLevel.CITY, ROOT))
    admin = User.objects.create_user("nat-admin", password="x")
    Membership.objects.create(user=admin, unit=root, role=Role.PROVINCE_ADMIN)
    clerk = User.objects.create_user("nat-clerk", password="x")
    baseline_login = login_update_ms(clerk.pk)
    empty = catalog()

    checkpoints: list[dict[str, Any]] = []
    window: list[float] = []
    first_hundred: float | None = None
    before = empty
    since = 0
    heavy = {args.units} | set(range(args.step, args.units, args.step))
    marks = {100} | heavy
    rng = random.Random(args.units)
    without_facts: list[Any] = []
    for index in range(1, args.units + 1):
        code = f"nat-{index:05d}"
        spec = UnitSpec(code, f"基准院{index}", UnitLevel.COUNTY, CITY)
        started = time.perf_counter()
        unit = provision_unit(spec)
        window.append((time.perf_counter() - started) * 1000)
        without_facts.append(unit)
        if index == 1:  # the clerk works at the first unit
            Membership.objects.create(user=clerk, unit=unit, role=Role.UNIT_FINANCE)
        if index not in marks:
            continue
        median = statistics.median(window)
        first_hundred = first_hundred or median
        now = catalog()
        added = index - since
        login = login_update_ms(clerk.pk)
        checkpoints.append(
            {
                "units": index,
                "provision_median_ms": round(median, 1),
                "provision_p95_ms": round(p95(window), 1),
                "provision_ratio_to_first_100": round(median / first_hundred, 2),
                "pg_class_rows": now["pg_class_rows"],
                "database_mb": round(now["database_bytes"] / 2**20, 1),
                "catalog_rows_per_unit": round(
                    (now["pg_class_rows"] - before["pg_class_rows"]) / added, 1
                ),
                "mb_per_unit": round(
                    (now["database_bytes"] - before["database_bytes"]) / added / 2**20, 2
                ),
                "unit_triggers_on_public": unit_triggers_on_public(),
                "login_fresh_ms": round(login["fresh"], 2),
                "login_warm_ms": round(login["warm"], 2),
            }
        )
        print(checkpoints[-1], flush=True)
        if index in heavy:
            checkpoints[-1].update(at_scale(args, index, admin, without_facts, rng))
            without_facts = []
            print(checkpoints[-1], flush=True)
        window, before, since = [], now, index

    connection.set_schema_to_public()
    deactivate = ms(lambda: accounts.set_active(clerk, False, by=admin))
    anonymise = ms(lambda: accounts.anonymise_user(clerk, by=admin))
    schemas = [schema_name_for(f"nat-{i:05d}") for i in range(1, args.units + 1)]
    swept = sweep(schemas, args.recycle)
    last = checkpoints[-1]
    login_ratio = max(
        last["login_fresh_ms"] / baseline_login["fresh"],
        last["login_warm_ms"] / baseline_login["warm"],
    )
    return {
        "units": args.units,
        "checkpoints": checkpoints,
        "login_empty_platform_ms": {k: round(v, 2) for k, v in baseline_login.items()},
        "deactivate_ms": round(deactivate, 1),
        "anonymise_ms": round(anonymise, 1),
        "sweep": swept,
        "met": {
            "provisioning_within_1_5x": last["provision_ratio_to_first_100"]
            <= TARGETS["provisioning_ratio_max"],
            "no_unit_triggers_on_public": all(
                c["unit_triggers_on_public"] == 0 for c in checkpoints
            ),
            "login_within_2x": login_ratio <= TARGETS["login_ratio_max"],
            "user_changes_under_1s": max(deactivate, anonymise) < TARGETS["user_change_ms_max"],
            "noop_migrate_under_60s": last["noop_migrate_s"] < TARGETS["noop_migrate_s_max"],
            "push_under_5min": last["push_s"] < TARGETS["push_s_max"],
            "monitoring_sweep_under_10min": last["monitoring_sweep_s"]
            < TARGETS["monitoring_sweep_s_max"],
        },
        "login_ratio": round(login_ratio, 2),
    }


def run(argv: list[str]) -> dict[str, Any]:
    args = parse_args(argv)
    with throwaway_database():
        return measure(args)


def table(result: dict[str, Any]) -> str:
    head = (
        "| units | provision median ms | p95 ms | ×first 100 | pg_class rows | DB MB | "
        "rows/unit | MB/unit | unit triggers on public | login fresh ms | login warm ms |"
    )
    lines = [head, "|" + " --- |" * 11]
    for c in result["checkpoints"]:
        lines.append(
            f"| {c['units']:,} | {c['provision_median_ms']} | {c['provision_p95_ms']} | "
            f"{c['provision_ratio_to_first_100']} | {c['pg_class_rows']:,} | {c['database_mb']} | "
            f"{c['catalog_rows_per_unit']} | {c['mb_per_unit']} | "
            f"{c['unit_triggers_on_public']} | {c['login_fresh_ms']} | {c['login_warm_ms']} |"
        )
    lines += [
        "",
        "| units | backend RSS after every schema MB | no-op migrate s | new migration s "
        "(processes) | new migration ms/unit (Django's migrate ms/unit, ×) | monitoring sweep s "
        "| sweep backend RSS MB | push s | push units/s | benchmark query median / p95 ms |",
        "|" + " --- |" * 10,
    ]
    for c in result["checkpoints"]:
        if "noop_migrate_s" not in c:
            continue
        lines.append(
            f"| {c['units']:,} | {c['touch_all_backend_rss_mb']} | {c['noop_migrate_s']} | "
            f"{c['new_migration_s']} ({c['new_migration_processes']}) | "
            f"{c['new_migration_per_unit_ms']} ({c['new_migration_django_per_unit_ms']}, "
            f"×{c['new_migration_ratio_to_django']}) | "
            f"{c['monitoring_sweep_s']} | {c['monitoring_sweep_backend_rss_mb']} | "
            f"{c['push_s']} | {c['push_units_per_s']} | "
            f"{c['benchmark_query_median_ms']} / {c['benchmark_query_p95_ms']} |"
        )
    empty = result["login_empty_platform_ms"]
    sweep_ = result["sweep"]
    lines += [
        "",
        f"login on the empty platform: fresh {empty['fresh']} ms, warm {empty['warm']} ms "
        f"(×{result['login_ratio']} at {result['units']:,} units)",
        f"deactivate a user: {result['deactivate_ms']} ms; anonymise: {result['anonymise_ms']} ms",
        f"sweep reading {len(SWEEP_TABLES)} tables in {sweep_['units']:,} units: "
        f"{sweep_['seconds']} s, backend RSS max {sweep_['max_backend_rss_mb']} MB "
        f"(connection recycled every {sweep_['recycle_every']} units)",
        "targets met: "
        + ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in result["met"].items()),
    ]
    return "\n".join(lines)

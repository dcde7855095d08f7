"""National scale on real schemas: N unit schemas provisioned one after another in a throw-away
database (``--units N``, else ``BENCH_UNITS``, else 3,600; a long run, not part of the suite).

At every checkpoint (the first hundred, then every ``--step`` units, and the last) it prints:

- provisioning ms per unit over the units since the last checkpoint (median, p95), and the ratio
  of that median to the first hundred's (target at the end: ≤ 1.5);
- catalog rows (``pg_class``) and database size, and per empty unit (rows, bytes);
- triggers on public tables that belong to unit schemas (target: 0, whatever N);
- a login's ``last_login`` update on a fresh connection and on a warm one, and the ratio to
  the same on the empty platform (target: ≤ 2);

and at the end: deactivating and anonymising a user (target: each < 1 s), and the memory of one
database backend after a sweep that reads six tables in every unit (its RSS read from
``/proc/<pid>/status``: the server runs on this machine), with the connection recycled every
``--recycle`` units.

What the scale issue also asks of this benchmark and it does not measure yet: a no-op and a
one-migration ``migrate_schemas`` over all units, a monitoring sweep, a template push and the
benchmark query at each thousand (``docs/scaling.md``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

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
TARGETS = {"provisioning_ratio_max": 1.5, "login_ratio_max": 2.0, "user_change_ms_max": 1000}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench national", description=__doc__)
    parser.add_argument(
        "--units", type=int, default=int(os.environ.get("BENCH_UNITS") or DEFAULT_UNITS)
    )
    parser.add_argument("--step", type=int, default=1000, help="units between checkpoints")
    parser.add_argument("--recycle", type=int, default=500, help="sweep: units per connection")
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
    marks = {100, args.units} | set(range(args.step, args.units, args.step))
    for index in range(1, args.units + 1):
        code = f"nat-{index:05d}"
        spec = UnitSpec(code, f"基准院{index}", UnitLevel.COUNTY, CITY)
        started = time.perf_counter()
        unit = provision_unit(spec)
        window.append((time.perf_counter() - started) * 1000)
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

"""Provisioning: our blueprint replay against django-tenants' per-tenant migration and raw DDL.

Three ways of giving a new unit its schema are timed, N units each (``--units N``, else the
environment variable ``BENCH_UNITS``, else 20):

- ``fast``: ``tenants.services.provision_unit`` - what the platform does (checks, registry row,
  ``CREATE SCHEMA`` + blueprint DDL + migration records, domain, in one transaction);
- ``migrate``: ``TenantMixin.create_schema`` called unbound - django-tenants' own path
  (``CREATE SCHEMA`` + ``migrate_schemas`` for that schema); the registry row is inserted
  beforehand without a schema and is not timed;
- ``ddl``: ``cursor.execute(replay_sql(...))`` - the blueprint DDL alone, the floor of ``fast``.

Everything runs in a throw-away database, ``<NAME>_bench``, created and migrated by Django's
test-database machinery and dropped at the end whatever happens, so the developer's data is
never touched. One unit of each way is provisioned first as a warm-up and not counted; the
order of the three ways then rotates from one round to the next, and every timed call starts on
an open connection (``migrate_schemas`` closes it), so no way pays for another's leftovers.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from typing import Any

from django.db import connection
from django_tenants.models import TenantMixin

from tenants import blueprint
from tenants.models import PATH_SEPARATOR, Procuratorate, SchemaBlueprint, UnitLevel
from tenants.services import UnitSpec, provision_unit, schema_name_for

DEFAULT_UNITS = 20
ROOT_CODE = "bench-root"
WAYS = ("fast", "migrate", "ddl")
CODE_PREFIX = {"fast": "bench-fast", "migrate": "bench-mig", "ddl": "bench-ddl"}
TIMED = {
    "fast": "provision_unit(): checks + registry row + CREATE SCHEMA, blueprint DDL and "
    "migration records + domain, one transaction",
    "migrate": "TenantMixin.create_schema(): CREATE SCHEMA + migrate_schemas of that schema "
    "(row inserted before, untimed)",
    "ddl": "cursor.execute(replay_sql()): CREATE SCHEMA + blueprint DDL, nothing else",
}
# Targets: fast at most this many times raw DDL, and at least this many times faster than
# per-tenant migration.
FAST_VS_DDL_MAX = 1.5
MIGRATE_VS_FAST_MIN = 10.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench provisioning", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--units",
        type=int,
        default=int(os.environ.get("BENCH_UNITS") or DEFAULT_UNITS),
        help=f"units per way (default: $BENCH_UNITS, else {DEFAULT_UNITS})",
    )
    args = parser.parse_args(argv)
    if args.units < 1:
        parser.error("--units must be at least 1")
    return args


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """Create and migrate ``<NAME>_bench``, point the default connection at it, and drop it on
    the way out. A leftover of a killed run is replaced (``autoclobber``); a database in use
    by another run cannot be dropped, so that run is never disturbed."""
    settings_dict = connection.settings_dict
    original_name = settings_dict["NAME"]
    test_settings = settings_dict.setdefault("TEST", {})
    original_test_name = test_settings.get("NAME")
    test_settings["NAME"] = f"{original_name}_bench"
    try:
        yield connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=False
        )
    finally:
        # create_test_db switches NAME once the database exists: drop it if we got that far.
        if settings_dict["NAME"] != original_name:
            connection.creation.destroy_test_db(original_name, verbosity=0, keepdb=False)
        test_settings["NAME"] = original_test_name
        if original_test_name is None:
            del test_settings["NAME"]


def settle() -> None:
    """Open the connection and set its search path before a timed call, outside the timing."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def timed_ms(action: Callable[[], object]) -> float:
    settle()
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def unit_spec(code: str) -> UnitSpec:
    return UnitSpec(
        code=code, name=f"基准测试院 {code}", level=UnitLevel.COUNTY, parent_code=ROOT_CODE
    )


def bare_unit(code: str, root: Procuratorate) -> Procuratorate:
    """A registry row without a schema (what django-tenants creates before migrating)."""
    path = root.path + code + PATH_SEPARATOR
    unit = Procuratorate(
        schema_name=schema_name_for(code),
        code=code,
        name=f"基准测试院 {code}",
        level=UnitLevel.COUNTY,
        parent=root,
        path=path,
        depth=path.count(PATH_SEPARATOR) - 2,
    )
    unit.auto_create_schema = False  # on the instance: the class stays untouched
    unit.save(verbosity=0)
    return unit


def provision(way: str, code: str, root: Procuratorate, bp: SchemaBlueprint) -> float:
    """Provision one unit ``way`` and return the timed part in milliseconds."""
    if way == "fast":
        return timed_ms(lambda: provision_unit(unit_spec(code)))
    if way == "migrate":
        unit = bare_unit(code, root)
        return timed_ms(lambda: TenantMixin.create_schema(unit, check_if_exists=False, verbosity=0))
    sql = blueprint.replay_sql(schema_name_for(code), bp)

    def replay() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    return timed_ms(replay)


def structure(schema: str) -> tuple[frozenset[tuple[str, ...]], ...]:
    """Columns, indexes and constraints of ``schema``, to check the three ways agree."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '')"
            " FROM information_schema.columns WHERE table_schema = %s",
            [schema],
        )
        columns = frozenset(cursor.fetchall())
        cursor.execute(
            "SELECT indexname, tablename FROM pg_indexes WHERE schemaname = %s", [schema]
        )
        indexes = frozenset(cursor.fetchall())
        cursor.execute(
            "SELECT c.conname, c.contype::text FROM pg_constraint c"
            " JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %s",
            [schema],
        )
        constraints = frozenset(cursor.fetchall())
    return columns, indexes, constraints


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples), 3)


def measure(units: int, database: str) -> dict[str, Any]:
    bp = blueprint.ensure_blueprint()  # outside any transaction: preparing needs pg_dump
    root = provision_unit(
        UnitSpec(code=ROOT_CODE, name="基准测试省院", level=UnitLevel.PROVINCE, region="bench")
    )
    for way in WAYS:  # warm-up, not counted
        provision(way, f"{CODE_PREFIX[way]}-00", root, bp)

    samples: dict[str, list[float]] = {way: [] for way in WAYS}
    for index in range(1, units + 1):
        shift = index % len(WAYS)
        for way in WAYS[shift:] + WAYS[:shift]:
            samples[way].append(provision(way, f"{CODE_PREFIX[way]}-{index:02d}", root, bp))

    shapes = {way: structure(schema_name_for(f"{CODE_PREFIX[way]}-01")) for way in WAYS}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()

    fast, migrate, ddl = (median_ms(samples[way]) for way in WAYS)
    fast_vs_ddl = round(fast / ddl, 3)
    migrate_vs_fast = round(migrate / fast, 3)
    return {
        "units": units,
        "fast_ms_per_unit": fast,
        "migrate_ms_per_unit": migrate,
        "ddl_ms_per_unit": ddl,
        "fast_vs_ddl": fast_vs_ddl,
        "migrate_vs_fast": migrate_vs_fast,
        "targets": {
            "fast_vs_ddl_max": FAST_VS_DDL_MAX,
            "fast_vs_ddl_pass": fast_vs_ddl <= FAST_VS_DDL_MAX,
            "migrate_vs_fast_min": MIGRATE_VS_FAST_MIN,
            "migrate_vs_fast_pass": migrate_vs_fast >= MIGRATE_VS_FAST_MIN,
        },
        "timed": TIMED,
        "min_ms": {way: round(min(samples[way]), 3) for way in WAYS},
        "max_ms": {way: round(max(samples[way]), 3) for way in WAYS},
        "samples_ms": {way: [round(s, 3) for s in samples[way]] for way in WAYS},
        "schemas_identical": shapes["fast"] == shapes["migrate"] == shapes["ddl"],
        "schema_tables": len({column[0] for column in shapes["fast"][0]}),
        "blueprint": {
            "state_key": bp.state_key,
            "ddl_lines": len(bp.ddl.splitlines()),
            "migrations": len(bp.migrations),
        },
        "database": database,
        "postgresql": server_version,
        "django_tenants": version("django-tenants"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def run(argv: list[str]) -> dict[str, Any]:
    args = parse_args(argv)
    with throwaway_database() as database:
        return measure(args.units, database)


def table(result: dict[str, Any]) -> str:
    """The figures as printed by ``python -m bench``."""
    medians = {way: result[f"{way}_ms_per_unit"] for way in WAYS}
    targets = result["targets"]
    verdict = {True: "PASS", False: "MISS"}
    lines = [
        f"{result['units']} units per way (+1 warm-up each, not counted);"
        " median / min / max wall time per unit",
        f"PostgreSQL {result['postgresql']}, throw-away database {result['database']}"
        " (dropped afterwards)",
        f"blueprint: {result['blueprint']['ddl_lines']} DDL lines,"
        f" {result['blueprint']['migrations']} migrations, {result['schema_tables']} tables",
        "",
        f"{'way':<8} {'median ms':>10} {'min ms':>9} {'max ms':>9}  what is timed",
    ]
    lines += [
        f"{way:<8} {medians[way]:>10.1f} {result['min_ms'][way]:>9.1f}"
        f" {result['max_ms'][way]:>9.1f}  {result['timed'][way]}"
        for way in WAYS
    ]
    lines += [
        "",
        f"{'target':<48} {'actual':>8}  verdict",
        f"{f'fast within {FAST_VS_DDL_MAX:g}x of raw DDL (fast / ddl)':<48}"
        f" {result['fast_vs_ddl']:>7.2f}x  {verdict[targets['fast_vs_ddl_pass']]}",
        f"{f'fast >= {MIGRATE_VS_FAST_MIN:g}x faster than migrate (migrate / fast)':<48}"
        f" {result['migrate_vs_fast']:>7.2f}x  {verdict[targets['migrate_vs_fast_pass']]}",
        "",
        "schemas of the three ways identical (columns, indexes, constraints): "
        + ("yes" if result["schemas_identical"] else "NO - the comparison is not like for like"),
    ]
    return "\n".join(lines)

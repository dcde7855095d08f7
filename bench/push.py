"""Template push: one published version fanned out to every unit of a province by ONE worker.

N units (``--units N``, else ``BENCH_PUSH_UNITS``, else 137 — about one province; at most
1000) are provisioned under one province, a template version of 20 indicators is published,
and ``push_version()`` sends it to the N units. One Celery worker (a thread of this process,
``celery.contrib.testing.worker.start_worker``, pool ``solo``) consumes the tasks from the real
broker (``REDIS_URL``), each task running in its unit's schema. Timed: from the call to
``push_version()`` until every target is done (polled from ``push_counts``); per unit: the
median ``PushTarget.duration_ms`` (the task body: running mark, adoption transaction and the
target's update), beside the raw SQL cost of the same write measured in the same run — per
unit, one transaction inserting the 20 rows into that schema's ``library_libraryindicator``
with a single multi-row ``INSERT`` (then removed, untimed, before the push).

Runs in a throw-away database, like ``bench/provisioning.py``. The worker thread opens its own
connection, which Django builds from the same settings dictionary that the test-database
machinery pointed at the throw-away database, so the worker works there too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import statistics
import time
from decimal import Decimal
from importlib.metadata import version as package_version
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bench.provisioning import throwaway_database
from tenants import blueprint
from tenants.models import UnitLevel
from tenants.services import UnitSpec, provision_unit

DEFAULT_UNITS = 137
MAX_UNITS = 1000
INDICATORS = 20
ROOT_CODE = "bench-push"
TEMPLATE_CODE = "bench-push-template"
TIMEOUT_SECONDS = 600
POLL_SECONDS = 0.05
# Targets: the whole push to the default number of units within this many seconds, and the
# median unit within this many times its raw SQL write.
SECONDS_MAX = 10.0
PER_UNIT_VS_RAW_MAX = 3.0

LEVEL_PAIRS = [
    ("产出指标", "数量指标"),
    ("产出指标", "质量指标"),
    ("产出指标", "时效指标"),
    ("效益指标", "社会效益指标"),
    ("满意度指标", "服务对象满意度指标"),
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench push", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--units",
        type=int,
        default=int(os.environ.get("BENCH_PUSH_UNITS") or DEFAULT_UNITS),
        help=f"units to push to (default: $BENCH_PUSH_UNITS, else {DEFAULT_UNITS})",
    )
    parser.add_argument(
        "--db-reuse-max",
        type=int,
        default=None,
        help="CELERY_DB_REUSE_MAX for the worker (default: the setting; unset = a new "
        "database connection for every task)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.units <= MAX_UNITS:
        parser.error(f"--units must be between 1 and {MAX_UNITS}")
    return args


def provision(units: int) -> list[str]:
    """The province and ``units`` counties under it; returns the counties' schema names."""
    provision_unit(UnitSpec(ROOT_CODE, "基准测试省院", UnitLevel.PROVINCE, region="bench"))
    schemas = []
    for index in range(1, units + 1):
        unit = provision_unit(
            UnitSpec(f"{ROOT_CODE}-{index:04d}", f"基准测试院 {index}", UnitLevel.COUNTY, ROOT_CODE)
        )
        schemas.append(unit.schema_name)
    return schemas


def publish_version(code: str = TEMPLATE_CODE, indicators: int = INDICATORS) -> Any:
    """A published version of ``indicators`` indicators, written directly (no authoring)."""
    from backend.indicators.models import (
        Template,
        TemplateIndicator,
        TemplateVersion,
        VersionStatus,
    )

    template = Template.objects.create(code=code, name=f"基准测试模板 {code}")
    version = TemplateVersion.objects.create(
        template=template, number=1, status=VersionStatus.PUBLISHED, published_at=timezone.now()
    )
    TemplateIndicator.objects.bulk_create(
        [
            TemplateIndicator(
                version=version,
                code=f"bench-{i:02d}",
                level1=LEVEL_PAIRS[i % len(LEVEL_PAIRS)][0],
                level2=LEVEL_PAIRS[i % len(LEVEL_PAIRS)][1],
                name=f"基准指标 {i}",
                value_type="quantitative",
                direction="gte",
                unit="件",
                target_value=Decimal(100 + i),
                weight=Decimal("4.5"),
                guidance="按年度统计。",
                mandatory=i % 4 == 0,
                locked=i % 5 == 0,
                sort_order=i,
            )
            for i in range(1, indicators + 1)
        ]
    )
    return version


def raw_insert_ms(schemas: list[str], version: Any) -> list[float]:
    """Per unit: one transaction, one 20-row INSERT into the schema's library table. The rows
    carry the same values the push writes (upstream JSON included)."""
    from backend.library.merge import field_values
    from backend.library.models import LibraryIndicator

    sources = list(version.indicators.order_by("sort_order"))
    columns = [
        "code",
        *LibraryIndicator.CONTENT_FIELDS,
        "source",
        "template_id",
        "version_id",
        "upstream",
        "retired_at",
        "created_at",
        "updated_at",
    ]
    now = timezone.now()
    params: list[Any] = []
    for source in sources:
        params += [
            source.code,
            *(getattr(source, name) for name in LibraryIndicator.CONTENT_FIELDS),
        ]
        params += [
            "template",
            version.template_id,
            version.pk,
            json.dumps(field_values(source), ensure_ascii=False),
            None,
            now,
            now,
        ]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    column_list = ", ".join(f'"{c}"' for c in columns)
    samples = []
    for schema in schemas:
        sql = (
            f'INSERT INTO "{schema}"."library_libraryindicator" ({column_list}) VALUES '
            + ", ".join([row] * len(sources))
        )
        settle()
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
        samples.append((time.perf_counter() - start) * 1000)
    for schema in schemas:  # untimed: the push starts from empty libraries
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{schema}"."library_libraryindicator"')
    return samples


def settle() -> None:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def close_other_connections() -> None:
    """The worker thread's connection may outlive the worker: end it so that the throw-away
    database can be dropped."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def push_with_one_worker(
    version: Any,
    db_reuse_max: int | None,
    *,
    under: str = ROOT_CODE,
    timeout: float = TIMEOUT_SECONDS,
) -> tuple[float, Any]:
    """Push ``version`` to every unit below ``under`` with one Celery worker (a thread of this
    process, pool solo) on a queue of this run's own; returns the seconds until every target
    is done, and the push."""
    from backend.celery import app

    if db_reuse_max is not None:
        # Read by Celery's Django fix-up when the worker starts (celery.fixups.django).
        app.conf["CELERY_DB_REUSE_MAX"] = db_reuse_max
    # A queue of this run's own: a worker of the platform (or another run) consuming the usual
    # queue would otherwise take tasks whose schemas only exist in the throw-away database.
    # Set once per process: a second push in the same run (bench/national.py) reuses it.
    suffix = f"-bench-{os.getpid()}"
    if not app.conf.task_default_queue.endswith(suffix):
        app.conf.task_default_queue = f"{app.conf.task_default_queue}{suffix}"
    queue = app.conf.task_default_queue
    try:
        return _push(app, version, under, timeout)
    finally:
        with app.connection_for_write() as broker:
            bound = app.amqp.queues[queue](broker.default_channel)
            bound.declare()  # the channel learns its bindings, which delete() removes
            bound.delete()


def _push(app: Any, version: Any, under: str, timeout: float) -> tuple[float, Any]:
    from celery.contrib.testing.worker import start_worker

    from backend.indicators.push_selectors import RUNNING, push_counts, push_status
    from backend.indicators.services.push import TargetSpec, push_version

    with start_worker(
        app, concurrency=1, pool="solo", perform_ping_check=False, loglevel="WARNING"
    ):
        # After the worker's own logging set-up: no line per task.
        for name in ("celery.app.trace", "celery.worker.strategy"):
            logging.getLogger(name).setLevel(logging.WARNING)
        settle()
        start = time.perf_counter()
        push = push_version(version, TargetSpec("subtree", under=under), user=None)
        deadline = start + timeout
        while True:
            counts = push_counts(push)
            if push_status(push, counts) != RUNNING:
                break
            if time.perf_counter() > deadline:
                raise RuntimeError(f"push not done after {timeout:.0f} s: {counts}")
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - start
    return seconds, push


def app_conf_reuse_max() -> int | None:
    from backend.celery import app

    return app.conf.get("CELERY_DB_REUSE_MAX")


def app_conf_queue() -> str:
    from backend.celery import app

    return app.conf.task_default_queue


def measure(units: int, database: str, db_reuse_max: int | None) -> dict[str, Any]:
    from backend.indicators.models import PushStatus, PushTarget
    from backend.indicators.push_selectors import push_counts

    blueprint.ensure_blueprint()
    schemas = provision(units)
    version = publish_version()
    raw = raw_insert_ms(schemas, version)
    try:
        seconds, push = push_with_one_worker(version, db_reuse_max)
    finally:
        close_other_connections()
    counts = push_counts(push)
    done = list(
        PushTarget.objects.filter(push=push, status=PushStatus.SUCCEEDED).values_list(
            "duration_ms", "started_at", "finished_at"
        )
    )
    durations = [duration for duration, _, _ in done]
    # The same interval to the microsecond (duration_ms is a whole number of milliseconds).
    spans = [(finished - started).total_seconds() * 1000 for _, started, finished in done]
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT count(*) FROM "%s"."library_libraryindicator"' % schemas[-1]  # noqa: UP031
        )
        (rows_in_last_unit,) = cursor.fetchone()
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()

    # 10 s for a province of 137 units; proportionally more for a larger run.
    seconds_max = SECONDS_MAX * max(1.0, units / DEFAULT_UNITS)
    per_unit = statistics.median(durations) if durations else float("nan")
    raw_per_unit = statistics.median(raw)
    per_unit_vs_raw = per_unit / raw_per_unit
    return {
        "units": units,
        "indicators": INDICATORS,
        "seconds": round(seconds, 3),
        "units_per_second": round(units / seconds, 1),
        "per_unit_ms": round(per_unit, 3),
        "raw_per_unit_ms": round(raw_per_unit, 3),
        "per_unit_vs_raw": round(per_unit_vs_raw, 2),
        "per_unit_started_to_finished_ms": round(statistics.median(spans), 3) if spans else None,
        "per_unit_min_max_ms": [min(durations, default=None), max(durations, default=None)],
        "raw_min_max_ms": [round(min(raw), 3), round(max(raw), 3)],
        "counts": counts,
        "rows_in_last_unit": rows_in_last_unit,
        "targets": {
            "seconds_max": seconds_max,
            "seconds_pass": seconds < seconds_max,
            "per_unit_vs_raw_max": PER_UNIT_VS_RAW_MAX,
            "per_unit_vs_raw_pass": per_unit_vs_raw <= PER_UNIT_VS_RAW_MAX,
        },
        "worker": "1 thread, pool solo, prefetch "
        f"{settings.CELERY_WORKER_PREFETCH_MULTIPLIER}, acks_late {settings.CELERY_TASK_ACKS_LATE}",
        "celery_db_reuse_max": app_conf_reuse_max(),
        "queue": app_conf_queue(),
        "database": database,
        "postgresql": server_version,
        "celery": package_version("celery"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def run(argv: list[str]) -> dict[str, Any]:
    args = parse_args(argv)
    with throwaway_database() as database:
        return measure(args.units, database, args.db_reuse_max)


def table(result: dict[str, Any]) -> str:
    verdict = {True: "PASS", False: "MISS"}
    targets = result["targets"]
    seconds_label = f"whole push < {targets['seconds_max']:.0f} s"
    counts = result["counts"]
    lines = [
        f"push of one version ({result['indicators']} indicators) to {result['units']} units,"
        f" {result['worker']}",
        f"PostgreSQL {result['postgresql']}, throw-away database {result['database']}"
        " (dropped afterwards); CELERY_DB_REUSE_MAX "
        f"{result['celery_db_reuse_max']}",
        f"targets: {counts['succeeded']} succeeded, {counts['conflicted']} conflicted,"
        f" {counts['failed']} failed of {counts['total']};"
        f" {result['rows_in_last_unit']} rows in the last unit",
        "",
        f"{'measure':<44} {'value':>10}",
        f"{'whole push, push_version() to all done (s)':<44} {result['seconds']:>10.2f}",
        f"{'units per second':<44} {result['units_per_second']:>10.1f}",
        f"{'per unit, median PushTarget.duration_ms':<44} {result['per_unit_ms']:>10.1f}"
        f"  (min {result['per_unit_min_max_ms'][0]}, max {result['per_unit_min_max_ms'][1]})",
        f"{'  same, finished_at - started_at (ms)':<44}"
        f" {result['per_unit_started_to_finished_ms']:>10.2f}",
        f"{'per unit, raw 20-row INSERT + COMMIT (ms)':<44} {result['raw_per_unit_ms']:>10.2f}"
        f"  (min {result['raw_min_max_ms'][0]}, max {result['raw_min_max_ms'][1]})",
        "",
        f"{'target':<44} {'actual':>10}  verdict",
        f"{seconds_label:<44} {result['seconds']:>9.2f}s  {verdict[targets['seconds_pass']]}",
        f"{f'per unit within {PER_UNIT_VS_RAW_MAX:g}x of raw':<44}"
        f" {result['per_unit_vs_raw']:>9.2f}x  {verdict[targets['per_unit_vs_raw_pass']]}",
    ]
    if result["celery_db_reuse_max"] is None:
        lines += [
            "",
            "CELERY_DB_REUSE_MAX is unset: Celery's Django fix-up closes the database connection"
            " before and after every task, so each unit pays for a new connection; compare"
            " --db-reuse-max 100.",
        ]
    return "\n".join(lines)

"""The daily sweep survives a killed worker: a real prefork Celery worker (a subprocess on the
test database and the real Redis, consuming a queue of its own) runs ``monitoring.sweep_all``;
its pool child is killed with SIGKILL while it sweeps 冷水江 (held mid-task by the unit's sweep
lock, which the test takes first). The message is requeued, not acknowledged
(``reject_on_worker_lost``), a new child sweeps 冷水江, and in the end every unit has been
swept exactly once for the run and 冷水江's alerts exist once. Data are committed for real (a
year no other test uses) and removed at the end."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import psutil
import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from backend.budgets.models import Project
from backend.celery import app
from backend.monitoring import tasks
from backend.monitoring.models import Alert, EntryStatus, MonitoringEntry, SpentSource
from backend.oversight.models import AlertRecord, MonitoringRound, SweepRecord
from tenants import selectors as unit_selectors
from tenants.models import Procuratorate
from tenants.references import disposing_of_units

YEAR = 2032
AS_OF = "2032-10-20"
CODE = "killed-worker"
QUEUE = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-killed-worker"
HELD = "lengshuijiang"


def _cleanup() -> None:
    connection.set_schema_to_public()
    with schema_context(HELD):
        ids = list(Project.objects.filter(code=CODE).values_list("pk", flat=True))
        alerts = Alert.objects.filter(fiscal_year=YEAR)
        Alert.history.filter(id__in=list(alerts.values_list("pk", flat=True))).delete()
        alerts.delete()
        MonitoringEntry.history.filter(project_id__in=ids).delete()
        MonitoringEntry.objects.filter(project_id__in=ids).delete()
        Project.history.filter(code=CODE).delete()
        Project.objects.filter(code=CODE).delete()
    AlertRecord.objects.filter(fiscal_year=YEAR).delete()
    with disposing_of_units():
        MonitoringRound.objects.filter(fiscal_year=YEAR).delete()
    SweepRecord.objects.filter(as_of=AS_OF).delete()


def _purge() -> None:
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(QUEUE)


def _dsn() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "localhost"
    return f"postgresql://{db['USER']}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def _wait(condition: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def committed(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        _cleanup()
        _purge()
        try:
            yield
        finally:
            _purge()
            _cleanup()


@pytest.fixture
def worker(committed: None) -> Iterator[psutil.Process]:
    """A prefork worker with one pool child, on this test's queue and the test database."""
    env = {
        **os.environ,
        "DATABASE_URL": _dsn(),
        "JIXIAO_CELERY_QUEUE": QUEUE,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "backend",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--queues",
            QUEUE,
            "--hostname",
            f"killed-{uuid.uuid4().hex[:8]}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "error",
        ],
        env=env,
        cwd=settings.BASE_DIR,
    )
    try:
        yield psutil.Process(process.pid)
    finally:
        process.send_signal(signal.SIGQUIT)  # cold shutdown: nothing is running any more
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _data() -> None:
    hunan = Procuratorate.objects.get(code="hunan")
    august = MonitoringRound.objects.create(
        province=hunan,
        fiscal_year=YEAR,
        month=8,
        opens_on=datetime.date(YEAR, 9, 1),
        closes_on=datetime.date(YEAR, 9, 15),
    )
    with schema_context(HELD):
        project = Project.objects.create(
            code=CODE,
            name="巡检中断项目",
            category="project",
            kind="case_funds",
            fiscal_year=YEAR,
            initial_budget=Decimal("1000000.00"),
            full_budget=Decimal("1000000.00"),
        )
        MonitoringEntry.objects.create(
            project=project,
            round=august,
            month=8,
            full_budget=project.full_budget,
            spent_to_date=Decimal("100000.00"),
            spent_source=SpentSource.ENTERED,
            execution_rate=Decimal("10.00"),
            time_progress=Decimal("66.67"),
            status=EntryStatus.SUBMITTED,
        )


@pytest.mark.slow
def test_a_killed_pool_child_loses_no_unit_and_sweeps_none_twice(
    worker: psutil.Process,
) -> None:
    _data()
    units = set(unit_selectors.active_units().values_list("pk", flat=True))
    held = Procuratorate.objects.get(code=HELD)

    with psycopg.connect(_dsn(), autocommit=True) as blocker:
        blocker.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"monitoring-sweep:{HELD}"])
        run = tasks.sweep_all_task.apply_async(args=[AS_OF], queue=QUEUE).id

        # The child is inside 冷水江's sweep, waiting for the lock the test holds.
        _wait(
            lambda: blocker.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE %s",
                ["%pg_advisory_xact_lock%"],
            ).fetchone(),
            "the sweep of 冷水江 to start",
            timeout=25,
        )
        (child,) = worker.children()
        assert not SweepRecord.objects.filter(run=run, unit=held).exists()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        _wait(
            lambda: [c for c in worker.children() if c.pid != child.pid],
            "the worker to start a new pool child",
        )
        blocker.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"monitoring-sweep:{HELD}"])

    records = SweepRecord.objects.filter(run=run)
    _wait(lambda: set(records.values_list("unit_id", flat=True)) >= units, "every unit swept")
    # Nothing left to deliver: the fan-out and the requeued message are consumed.
    with app.connection_for_write() as conn:
        _wait(lambda: conn.default_channel.client.llen(QUEUE) == 0, "the queue to drain")
    time.sleep(1.0)  # a duplicate would land within this

    counts = Counter(records.values_list("unit_id", flat=True))
    assert set(counts) == units and set(counts.values()) == {1}
    swept = records.get(unit=held)
    # 冷水江 spent 10 % by August: an execution-lag and a forecast alert, raised once.
    assert sorted(
        AlertRecord.objects.filter(unit=held, fiscal_year=YEAR).values_list("kind", "month")
    ) == [("execution_lag", 8), ("forecast", 8)]
    assert swept.raised == 2
    with schema_context(HELD):
        keys = list(Alert.objects.filter(fiscal_year=YEAR).values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == 2

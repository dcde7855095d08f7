"""The monitoring sweep through the real broker: the beat task, consumed by a worker thread from
Redis, fans out one task per active unit, each run on its unit's schema (the schema travels in
the task's ``_schema_name`` header). Data are committed for real on two session units (a year
no other test uses) and removed at the end."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from backend.budgets.models import Project
from backend.monitoring import tasks
from backend.monitoring.models import (
    Alert,
    EntryStatus,
    MonitoringEntry,
    SpentSource,
)
from backend.oversight.models import AlertRecord, MonitoringRound, SweepRecord
from tenants.models import Procuratorate
from tenants.references import disposing_of_units

YEAR = 2031
AS_OF = "2031-10-20"
SCHEMAS = ("lengshuijiang", "loudi_louxing")
CODE = "celery-monitoring"


def _cleanup() -> None:
    connection.set_schema_to_public()
    for schema in SCHEMAS:
        with schema_context(schema):
            projects = Project.objects.filter(code=CODE, fiscal_year=YEAR)
            ids = list(projects.values_list("pk", flat=True))
            alerts = Alert.objects.filter(fiscal_year=YEAR)
            Alert.history.filter(id__in=list(alerts.values_list("pk", flat=True))).delete()
            alerts.delete()
            entries = MonitoringEntry.objects.filter(project_id__in=ids)
            MonitoringEntry.history.filter(project_id__in=ids).delete()
            entries.delete()
            Project.history.filter(code=CODE, fiscal_year=YEAR).delete()
            projects.delete()
    units = Procuratorate.objects.filter(schema_name__in=SCHEMAS)
    AlertRecord.objects.filter(unit__in=units, fiscal_year=YEAR).delete()
    with disposing_of_units():
        MonitoringRound.objects.filter(fiscal_year=YEAR).delete()
    SweepRecord.objects.filter(as_of=AS_OF).delete()


@pytest.fixture
def worker(celery_worker_thread: None) -> Iterator[None]:
    _cleanup()
    try:
        yield
    finally:
        _cleanup()


def test_the_beat_sweep_runs_through_celery_in_each_units_schema(worker: None) -> None:
    hunan = Procuratorate.objects.get(code="hunan")
    july, august = (
        MonitoringRound.objects.create(
            province=hunan,
            fiscal_year=YEAR,
            month=month,
            opens_on=datetime.date(YEAR, month + 1, 1),
            closes_on=datetime.date(YEAR, month + 1, 15),
        )
        for month in (7, 8)
    )
    # 冷水江 reported August with 10 % spent; 娄星区 reported nothing.
    with schema_context("lengshuijiang"):
        project = Project.objects.create(
            code=CODE,
            name="监控联调项目",
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
    with schema_context("loudi_louxing"):
        Project.objects.create(
            code=CODE,
            name="监控联调项目",
            category="project",
            kind="case_funds",
            fiscal_year=YEAR,
            initial_budget=Decimal("500000.00"),
            full_budget=Decimal("500000.00"),
        )

    tasks.sweep_all_task.delay(AS_OF)  # what the beat schedule sends

    records = AlertRecord.objects.filter(unit__schema_name__in=SCHEMAS, fiscal_year=YEAR)
    deadline = time.monotonic() + 60
    while records.count() < 5:
        assert time.monotonic() < deadline, list(records.values_list("unit__code", "kind"))
        time.sleep(0.1)

    by_unit = sorted(records.values_list("unit__schema_name", "kind", "month"))
    assert by_unit == [
        ("lengshuijiang", "execution_lag", 8),
        ("lengshuijiang", "forecast", 8),
        ("lengshuijiang", "silent_unit", 7),
        ("loudi_louxing", "silent_unit", 7),
        ("loudi_louxing", "silent_unit", 8),
    ]
    with schema_context("lengshuijiang"):
        alerts = {a.kind: a for a in Alert.objects.filter(fiscal_year=YEAR)}
        assert set(alerts) == {"execution_lag", "forecast", "silent_unit"}
        assert alerts["execution_lag"].project_id == project.pk
        assert alerts["execution_lag"].severity == "serious"
    with schema_context("loudi_louxing"):
        assert sorted(Alert.objects.filter(fiscal_year=YEAR).values_list("kind", "month")) == [
            ("silent_unit", 7),
            ("silent_unit", 8),
        ]
    assert (
        july.pk
        and not AlertRecord.objects.filter(fiscal_year=YEAR, unit__schema_name="lianyuan").exists()
    )

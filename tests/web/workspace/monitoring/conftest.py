"""Data of the monitoring page tests, written in 冷水江's schema through the services (and in
bulk with the ORM for the query counts): projects with approved goals, rounds, entries, alerts."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from backend.accounts.models import User
from backend.budgets.models import Project
from backend.monitoring.models import Alert, AlertKind, AlertStatus, MonitoringEntry, Severity
from backend.oversight.models import MonitoringRound
from tests.goals.factories import ProjectFactory
from tests.monitoring.test_entries import make_round, monitored_project, report

D = Decimal
UNIT = "lengshuijiang"


@contextmanager
def in_unit(code: str = UNIT) -> Iterator[None]:
    """Run ORM calls on the unit's schema (page requests leave the connection on public)."""
    with schema_context(code):
        yield
    connection.set_schema_to_public()


@pytest.fixture
def unit_schema() -> Callable[..., object]:
    return in_unit


def lagging_entry(finance: User, *, code: str = "case-funds") -> tuple[Project, MonitoringEntry]:
    """A project whose September entry, submitted in an open round, lags: alerts raised."""
    with in_unit():
        project = monitored_project(code=code, name="办案业务经费")
        entry = report(project, make_round(9), finance, spent=D("480000.00"), progress=D(40))
        return project, entry


def many_projects(n: int, year: int = 2026) -> None:
    with in_unit():
        ProjectFactory.create_batch(n, fiscal_year=year)


def many_alerts(n: int, project: Project | None = None, year: int = 2026) -> None:
    now = timezone.now()
    with in_unit():
        Alert.objects.bulk_create(
            Alert(
                key=f"bulk:{uuid.uuid4().hex}",
                kind=AlertKind.EXECUTION_LAG,
                severity=Severity.WARNING,
                fiscal_year=year,
                month=9,
                project=project,
                message=f"预警 {i}",
                evidence={"month": "9"},
                status=AlertStatus.OPEN,
                last_seen_at=now,
                answer_due=timezone.localdate() + datetime.timedelta(days=5),
            )
            for i in range(n)
        )


def open_round(month: int = 9, state: str = "open") -> MonitoringRound:
    with in_unit():
        return make_round(month, state=state)

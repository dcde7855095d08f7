"""A year's cycle written straight into the public tables the console reads (goal submissions,
execution facts, alert records, project facts, rectification requests, monitoring rounds), and
extra units registered without schemas (the console never opens a unit's schema), for the
query-count tests at two sizes."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from backend.benchmarking.models import ExecutionFact, ProjectFact
from backend.feedback.models import RectificationRequest
from backend.oversight.models import AlertRecord, GoalSubmission, MonitoringRound
from tenants.models import PATH_SEPARATOR, Procuratorate

D = Decimal


def round_of(year: int, month: int, *, closed: bool = True) -> MonitoringRound:
    today = timezone.localdate()
    closes = today - datetime.timedelta(days=3) if closed else today + datetime.timedelta(days=5)
    return MonitoringRound.objects.update_or_create(
        province=Procuratorate.objects.get(code="hunan"),
        fiscal_year=year,
        month=month,
        defaults={"opens_on": closes - datetime.timedelta(days=10), "closes_on": closes},
    )[0]


def extra_units(parent_code: str, count: int, prefix: str = "x") -> list[Procuratorate]:
    """``count`` counties under ``parent_code``, registry rows only."""
    parent = Procuratorate.objects.get(code=parent_code)
    units = [
        Procuratorate(
            schema_name=f"{prefix}{i}_{parent_code}".replace("-", "_"),
            code=f"{prefix}{i}-{parent_code}",
            name=f"测试县{i}人民检察院",
            level="county",
            parent=parent,
            path=f"{parent.path}{prefix}{i}-{parent_code}{PATH_SEPARATOR}",
            depth=parent.depth + 1,
        )
        for i in range(count)
    ]
    return Procuratorate.objects.bulk_create(units)


def unit_year(
    unit: Procuratorate,
    year: int,
    *,
    month: int = 6,
    goals: int = 2,
    approved: int = 1,
    rate: str | None = "40.00",
    alerts: int = 1,
    alert_overdue: bool = False,
    evaluated: int = 1,
    rectifications: int = 1,
    overdue: int = 0,
) -> None:
    """One unit's cycle: ``goals`` submitted (``approved`` of them approved), an execution fact
    for ``month`` at ``rate`` (None: not reported), open alerts, last year's project facts
    (``evaluated`` finalised out of ``evaluated + 1``) and open rectifications."""
    now = timezone.now()
    today = timezone.localdate()
    for i in range(goals):
        GoalSubmission.objects.create(
            unit=unit,
            goal_id=1000 + i,
            project_code=f"P{i}",
            project_name=f"项目{i}",
            fiscal_year=year,
            status="approved" if i < approved else "submitted",
            submitted_at=now,
        )
    if rate is not None:
        ExecutionFact.objects.create(
            unit=unit,
            fiscal_year=year,
            month=month,
            projects=goals,
            full_budget=D("1000000.00"),
            spent=D("1000000.00") * D(rate) / 100,
            execution_rate=D(rate),
            time_progress=D(month * 100) / 12,
        )
    for i in range(alerts):
        AlertRecord.objects.create(
            unit=unit,
            alert_id=2000 + i,
            kind="execution_lag",
            severity="yellow",
            status="open",
            fiscal_year=year,
            month=month,
            message="执行滞后",
            raised_at=now,
            answer_due=today - datetime.timedelta(days=1) if alert_overdue else today,
        )
    for i in range(evaluated + 1):
        ProjectFact.objects.create(
            unit=unit,
            fiscal_year=year - 1,
            project_id=3000 + i,
            project_code=f"L{i}",
            project_name=f"上年项目{i}",
            category="x",
            kind="x",
            initial_budget=D(100),
            full_budget=D(100),
            goal_id=3000 + i,
            approved_at=now,
            finalised_at=now if i < evaluated else None,
        )
    hunan = Procuratorate.objects.get(code="hunan")
    for i in range(rectifications):
        RectificationRequest.objects.create(
            unit=unit,
            issuer=hunan,
            fiscal_year=year - 1,
            origin="reviewer",
            title=f"整改{i}",
            requirement="按要求整改",
            due_on=today,
            overdue=i < overdue,
        )

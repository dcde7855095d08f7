"""Alerts: the unit's answer (continue, re-allocate, cancel, with a note), and the public
``AlertRecord`` mirror of each alert."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.monitoring.errors import MonitoringErrorCode
from backend.monitoring.models import (
    Alert,
    AlertStatus,
    Response,
)
from backend.monitoring.services.base import (
    AnyUser,
    current_unit,
    require_answerer,
    save_with_reason,
)
from backend.oversight.models import AlertRecord
from tenants.models import Procuratorate


@transaction.atomic
def answer_alert(alert: Alert, *, user: AnyUser, response: str, note: str) -> Alert:
    """Answer an open alert: continue, re-allocate or cancel the project, with a note (a late
    answer is accepted; ``answered_at`` after ``answer_due`` shows it). ``unit_finance`` or
    ``unit_leader`` of the unit."""
    unit = current_unit()
    require_answerer(user, unit)
    locked = (
        Alert.objects.select_for_update(of=("self",)).select_related("project").get(pk=alert.pk)
    )
    if locked.status != AlertStatus.OPEN:
        label = AlertStatus(locked.status).label
        raise DomainError.single(
            CoreErrorCode.INVALID_TRANSITION, f"预警当前状态为“{label}”，不能再反馈。", "status"
        )
    problems: list[Problem] = []
    if response not in Response.values:
        problems.append(
            Problem(
                CoreErrorCode.INVALID_CHOICE,
                "处理意见应为继续执行、调整资金用途或取消项目。",
                "response",
            )
        )
    text = (note or "").strip()
    if not text:
        problems.append(Problem(MonitoringErrorCode.NOTE_REQUIRED, "反馈须填写说明。", "note"))
    if problems:
        raise DomainError(*problems)
    locked.status = AlertStatus.ANSWERED
    locked.response = response
    locked.response_note = text
    locked.answered_at = timezone.now()
    locked.answered_by = user if isinstance(user, User) else None
    save_with_reason(locked, user, "反馈预警")
    mirror_alerts(unit, [locked])
    return locked


def _record(unit: Procuratorate, alert: Alert) -> AlertRecord:
    project = alert.project
    return AlertRecord(
        unit=unit,
        alert_id=alert.pk,
        kind=alert.kind,
        severity=alert.severity,
        status=alert.status,
        fiscal_year=alert.fiscal_year,
        month=alert.month,
        project_code=project.code if project is not None else "",
        project_name=project.name if project is not None else "",
        message=alert.message,
        evidence=alert.evidence,
        raised_at=alert.raised_at,
        answer_due=alert.answer_due,
    )


_RECORD_FIELDS = [
    "kind",
    "severity",
    "status",
    "fiscal_year",
    "month",
    "project_code",
    "project_name",
    "message",
    "evidence",
    "raised_at",
    "answer_due",
    "updated_at",
]


def mirror_alerts(unit: Procuratorate, alerts: Sequence[Alert]) -> None:
    """Upsert the public ``AlertRecord`` of each alert (one query)."""
    if not alerts:
        return
    records = [_record(unit, alert) for alert in alerts]
    now = timezone.now()
    for record in records:
        record.updated_at = now
    AlertRecord.objects.bulk_create(
        records,
        update_conflicts=True,
        unique_fields=["unit", "alert_id"],
        update_fields=_RECORD_FIELDS,
    )

"""What every part of monitoring shares: the unit, the roles that may act, the round's window
(late entries admitted with a reason), saving with a history reason, working days."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models

from backend.accounts import policy as role_table
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.core.errors import CoreErrorCode, DomainError
from backend.core.history import set_history_user
from backend.monitoring import selectors as monitoring_selectors
from backend.monitoring.errors import MonitoringErrorCode
from backend.monitoring.models import (
    MonitoringEntry,
)
from backend.oversight import selectors as oversight_selectors
from backend.oversight.models import MonitoringRound
from backend.oversight.selectors import RoundState
from tenants import selectors as unit_selectors
from tenants.models import Procuratorate

AnyUser = User | AnonymousUser
CENT = Decimal("0.01")
LIVE = monitoring_selectors.LIVE_STATUSES

RESOLVED_RECOVERED = "指标已恢复"
RESOLVED_YEAR_END = "年度结束"
RESOLVED_REPORTED = "已补报监控数据"
RESOLVED_EXTENDED = "填报期限已调整"
MESSAGE_LIMIT = 500
LATE_REASON_LIMIT = 500


# Units of measure that mark a rate or a level rather than a running total (rules.py).
RATE_UNITS = {"%", "％", "‰"}


def current_unit() -> Procuratorate:
    """The unit whose schema the connection is on."""
    return unit_selectors.current_unit()


def require_finance(user: AnyUser, unit: Procuratorate) -> None:
    role_table.require(user, Op.MONITORING_ENTER, unit)


def require_answerer(user: AnyUser, unit: Procuratorate) -> None:
    role_table.require(user, Op.ALERT_ANSWER, unit)


def check_round(round: MonitoringRound, today: datetime.date, *, late: bool = False) -> None:
    """The round must be open today: before it opens nothing is recorded; after it closes only
    a late entry (``late``: one that carries the unit's reason) is, flagged as late."""
    state = oversight_selectors.round_state(round, today)
    if state == RoundState.UPCOMING:
        raise DomainError.single(
            MonitoringErrorCode.ROUND_NOT_OPEN,
            f"{round.fiscal_year} 年 {round.month} 月监控自 {round.opens_on:%Y-%m-%d} 起填报，"
            "尚未开始。",
            "round",
        )
    if state == RoundState.CLOSED and not late:
        raise DomainError.single(
            MonitoringErrorCode.ROUND_CLOSED,
            f"{round.fiscal_year} 年 {round.month} 月监控已于 {round.closes_on:%Y-%m-%d} 截止，"
            "逾期补报须填写逾期原因。",
            "late_reason",
        )


def clean_late_reason(value: Any) -> str:
    """The reason of a late entry, stripped; ``TOO_LONG`` past ``LATE_REASON_LIMIT``."""
    text = "" if value is None else str(value).strip()
    if len(text) > LATE_REASON_LIMIT:
        raise DomainError.single(
            CoreErrorCode.TOO_LONG, f"逾期原因不能超过 {LATE_REASON_LIMIT} 个字符。", "late_reason"
        )
    return text


def admit_late(entry: MonitoringEntry, today: datetime.date, late_reason: Any) -> None:
    """Let a draft be written after its round closed: an entry already flagged late goes on
    (a new reason replaces the old one); one that is not needs a reason, and is then flagged
    late as of today. A round that is open or upcoming is checked as usual."""
    reason = clean_late_reason(late_reason)
    closed = oversight_selectors.round_state(entry.round, today) == RoundState.CLOSED
    if closed and reason:
        entry.late_reason = reason
        if entry.late_on is None:
            entry.late_on = today
    check_round(entry.round, today, late=entry.late_on is not None)


def save_with_reason(instance: models.Model, user: AnyUser | None, reason: str) -> None:
    """Save with the acting user and a change reason in the history record."""
    set_history_user(instance, user if isinstance(user, User) else None, reason)
    instance.save()


def lock_entry(entry: MonitoringEntry) -> MonitoringEntry:
    """The entry as it is now, under a row lock, with its project and round."""
    return (
        MonitoringEntry.objects.select_for_update(of=("self",))
        .select_related("project", "round")
        .get(pk=entry.pk)
    )


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days (Monday–Friday) after ``start``."""
    day = start
    left = days
    while left > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])

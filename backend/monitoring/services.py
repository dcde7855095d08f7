"""Writes of a unit's in-year monitoring (绩效运行监控). Every function runs in the CURRENT
schema, which must be the unit's (a request's tenant, ``tenant_context``, or a task's schema).

- ``start_entry`` / ``record_entry`` / ``submit_entry``: a project's figures at a round —
  spending to date (from the project's expenditures when it has any, else entered), execution
  rate, time progress, the year-end forecast, and per goal indicator its progress, likelihood,
  deviation cause and corrective measure. While the round is open; after it closes only as a
  late entry (逾期补报: with the unit's reason, flagged late with its date, never refused), by
  the unit's ``unit_finance``. Submitting checks every indicator (each problem
  names it), then in the same transaction raises the project's alerts and refreshes the public
  ``ExecutionFact`` of the unit's month and the ``AlertRecord`` mirrors (design.md §3).
- ``answer_alert``: open → answered (continue, re-allocate or cancel, with a note), by the
  unit's ``unit_finance`` or ``unit_leader``.
- ``sweep_unit``: every rule of ``rules.py`` over the unit, in one transaction: alerts upserted
  by key (never a duplicate), those not found again resolved, the past year's closed.
- ``dispatch_sweeps`` / ``sweep_all_inline``: the sweep of every active unit, fanned out as one
  Celery task per unit with the unit's schema passed explicitly, or run in this process.

The life of an alert: ``open`` (raised, with its evidence and an answer due within the
province's working days) → ``answered`` → ``resolved`` (the numbers recovered, or the year
ended). An alert's key names its round; when a project's next round finds the same problem
(same kind, project and indicator), the earlier alert is resolved as carried over and the new
one keeps its answer and its deadline, so a problem is never live twice and a unit never gains
time by waiting for the next round.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.db.models import Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django_tenants.utils import tenant_context
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from backend.accounts import policy as role_table
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.benchmarking.services import record_execution_fact
from backend.budgets.models import Expenditure, Project
from backend.budgets.selectors import monthly_spending, spent_to
from backend.core import cleaning
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.core.numbers import VALUE
from backend.core.queue import task_named
from backend.core.versioning import bump, check_version
from backend.monitoring import rules
from backend.monitoring import selectors as monitoring_selectors
from backend.monitoring.errors import MonitoringErrorCode
from backend.monitoring.models import (
    Alert,
    AlertKind,
    AlertStatus,
    DeviationCause,
    EntryIndicator,
    EntryStatus,
    Likelihood,
    MonitoringEntry,
    Response,
    SpentSource,
)
from backend.oversight import selectors as oversight_selectors
from backend.oversight.models import AlertRecord, MonitoringRound, SweepRecord
from backend.oversight.selectors import RoundState
from tenants import selectors as unit_selectors
from tenants.models import Procuratorate

logger = logging.getLogger(__name__)

AnyUser = User | AnonymousUser
CENT = Decimal("0.01")
LIVE = monitoring_selectors.LIVE_STATUSES

RESOLVED_RECOVERED = "指标已恢复"
RESOLVED_YEAR_END = "年度结束"
RESOLVED_REPORTED = "已补报监控数据"
RESOLVED_EXTENDED = "填报期限已调整"
MESSAGE_LIMIT = 500
LATE_REASON_LIMIT = 500

# What an indicator line of ``record_entry`` may set, and how each is cleaned.
INDICATOR_FIELDS = (
    "value_to_date",
    "text_to_date",
    "projected_value",
    "likelihood",
    "deviation_cause",
    "corrective_measure",
)
_LABELS = {
    "value_to_date": "累计完成值",
    "text_to_date": "完成情况",
    "projected_value": "预计全年完成值",
    "likelihood": "年底能否完成",
    "deviation_cause": "偏差原因",
    "corrective_measure": "纠偏措施",
}
_TEXT_LIMITS = {"text_to_date": 500}
_CHOICES: dict[str, type[models.TextChoices]] = {
    "likelihood": Likelihood,
    "deviation_cause": DeviationCause,
}


@dataclass(frozen=True)
class SweepResult:
    """What a sweep did: alerts raised (new, or raised again), updated (new figures or
    severity), resolved."""

    raised: int = 0
    updated: int = 0
    resolved: int = 0

    def __add__(self, other: SweepResult) -> SweepResult:
        return SweepResult(
            self.raised + other.raised,
            self.updated + other.updated,
            self.resolved + other.resolved,
        )


# --- the unit, the roles, the round -------------------------------------------------------------


# Units of measure that mark a rate or a level rather than a running total (rules.py).
RATE_UNITS = {"%", "％", "‰"}


def current_unit() -> Procuratorate:
    """The unit whose schema the connection is on."""
    return unit_selectors.current_unit()


def _require_finance(user: AnyUser, unit: Procuratorate) -> None:
    role_table.require(user, Op.MONITORING_ENTER, unit)


def _require_answerer(user: AnyUser, unit: Procuratorate) -> None:
    role_table.require(user, Op.ALERT_ANSWER, unit)


def _check_round(round: MonitoringRound, today: datetime.date, *, late: bool = False) -> None:
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


def _clean_late_reason(value: Any) -> str:
    """The reason of a late entry, stripped; ``TOO_LONG`` past ``LATE_REASON_LIMIT``."""
    text = "" if value is None else str(value).strip()
    if len(text) > LATE_REASON_LIMIT:
        raise DomainError.single(
            CoreErrorCode.TOO_LONG, f"逾期原因不能超过 {LATE_REASON_LIMIT} 个字符。", "late_reason"
        )
    return text


def _admit_late(entry: MonitoringEntry, today: datetime.date, late_reason: Any) -> None:
    """Let a draft be written after its round closed: an entry already flagged late goes on
    (a new reason replaces the old one); one that is not needs a reason, and is then flagged
    late as of today. A round that is open or upcoming is checked as usual."""
    reason = _clean_late_reason(late_reason)
    closed = oversight_selectors.round_state(entry.round, today) == RoundState.CLOSED
    if closed and reason:
        entry.late_reason = reason
        if entry.late_on is None:
            entry.late_on = today
    _check_round(entry.round, today, late=entry.late_on is not None)


def _save(instance: models.Model, user: AnyUser | None, reason: str) -> None:
    """Save with the acting user and a change reason in the history record."""
    instance._history_user = user if isinstance(user, User) else None  # type: ignore[attr-defined]
    instance._change_reason = reason[:100]  # type: ignore[attr-defined]
    instance.save()


ENTRY = "监控填报"


def _lock_entry(entry: MonitoringEntry) -> MonitoringEntry:
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


# --- spending and rates -------------------------------------------------------------------------


def spread_cumulative(cumulative: Mapping[int, Decimal], month: int) -> dict[int, Decimal]:
    """Month → that month's spending, for months 1..``month``, from cumulative figures known
    at some months (entered at the rounds): the spending between two known months is spread
    evenly over the months between them (to the cent, the last month taking the remainder).
    Months after the last known one up to ``month`` spent nothing."""
    known = sorted((m, v) for m, v in cumulative.items() if 1 <= m <= month)
    monthly = dict.fromkeys(range(1, month + 1), Decimal("0.00"))
    previous_month, previous_total = 0, Decimal(0)
    for known_month, total in known:
        span = known_month - previous_month
        delta = Decimal(total) - previous_total
        share = (delta / span).quantize(CENT, rounding=ROUND_HALF_UP)
        for m in range(previous_month + 1, known_month):
            monthly[m] = share
        monthly[known_month] = delta - share * (span - 1)
        previous_month, previous_total = known_month, Decimal(total)
    return monthly


def _figures(entry: MonitoringEntry, monthly: Mapping[int, Decimal]) -> None:
    """Execution rate, time progress and forecast of ``entry`` from its money."""
    entry.execution_rate = rules.execution_rate(entry.spent_to_date, entry.full_budget)
    entry.time_progress = rules.time_progress(entry.month)
    entry.forecast_rate = rules.forecast_rate(monthly, entry.full_budget, entry.month)


def _refresh_money(entry: MonitoringEntry, project: Project) -> None:
    """Bring the entry's budget and spending up to date: the full-year budget as it is now;
    the spending from the expenditures up to the end of the round's month when the project
    has any (the entry then follows them), else the figure the unit entered (two or three
    queries)."""
    entry.full_budget = project.full_budget
    if Expenditure.objects.filter(project=project).exists():
        entry.spent_source = SpentSource.EXPENDITURES
        entry.spent_to_date = spent_to(project, month_end(project.fiscal_year, entry.month))
        spending = monthly_spending(project)
        monthly = {m: spending[m] for m in range(1, entry.month + 1)}
    else:
        if entry.spent_source != SpentSource.ENTERED:
            entry.spent_source = SpentSource.ENTERED
            entry.spent_to_date = Decimal("0.00")
        series = monitoring_selectors.entered_series(project, before_month=entry.month)
        series[entry.month] = entry.spent_to_date
        monthly = spread_cumulative(series, entry.month)
    _figures(entry, monthly)


# --- entries ------------------------------------------------------------------------------------


@transaction.atomic
def start_entry(
    project: Project, round: MonitoringRound, *, user: AnyUser, late_reason: str = ""
) -> MonitoringEntry:
    """The project's entry for ``round``, created as a draft if it has none: the spending to
    the end of the round's month (from the expenditures when the project has any, else 0 to
    be entered), the rates, and one line per indicator of the project's approved goal. The
    round must be the unit's province's, of the project's year, and open — or closed, for a
    late entry (逾期补报): then ``late_reason`` is required and the entry is flagged late
    (``late_on``), never refused. An existing draft of a closed round given a reason is flagged
    late too. ``unit_finance``."""
    unit = current_unit()
    _require_finance(user, unit)
    project = Project.objects.select_for_update().get(pk=project.pk)
    problems: list[Problem] = []
    if round.province.code != oversight_selectors.province_code(unit):
        problems.append(Problem(MonitoringErrorCode.WRONG_ROUND, "该监控轮次不属于本省。", "round"))
    elif round.fiscal_year != project.fiscal_year:
        problems.append(
            Problem(
                MonitoringErrorCode.WRONG_YEAR,
                f"项目属于 {project.fiscal_year} 年度，不能填报 {round.fiscal_year} 年度的监控。",
                "round",
            )
        )
    if problems:
        raise DomainError(*problems)
    today = timezone.localdate()
    existing = MonitoringEntry.objects.filter(project=project, round=round).first()
    if existing is not None:
        if existing.status == EntryStatus.DRAFT and existing.late_on is None and late_reason:
            locked = _lock_entry(existing)
            _admit_late(locked, today, late_reason)
            if locked.late_on is not None:
                _save(locked, user, "逾期补报")
            return locked
        return existing
    entry = MonitoringEntry(
        project=project,
        round=round,
        month=round.month,
        full_budget=project.full_budget,
        spent_to_date=Decimal("0.00"),
        spent_source=SpentSource.ENTERED,
        status=EntryStatus.DRAFT,
    )
    _admit_late(entry, today, late_reason)
    _refresh_money(entry, project)
    _save(entry, user, "开始填报")
    goal = monitoring_selectors.approved_goal(project)
    if goal is not None:
        bulk_create_with_history(
            [EntryIndicator(entry=entry, goal_indicator=gi) for gi in goal.indicators.all()],
            EntryIndicator,
            default_user=user if isinstance(user, User) else None,
            default_change_reason="开始填报",
        )
    return entry


def _clean_value(name: str, value: Any, where: str) -> tuple[Any, Problem | None]:
    """One indicator field's value, cleaned, or the problem with it."""
    if name in ("value_to_date", "projected_value"):
        return cleaning.decimal(value, where, _LABELS[name], size=VALUE, negative=False)
    text = "" if value is None else str(value).strip()
    if name in _CHOICES and text and text not in _CHOICES[name].values:
        labels = "、".join(str(label) for label in _CHOICES[name].labels)
        return None, Problem(
            CoreErrorCode.INVALID_CHOICE, f"{_LABELS[name]}应为{labels}之一。", where
        )
    text, problem = cleaning.text(text, where, _LABELS[name], max_length=_TEXT_LIMITS.get(name))
    return (None, problem) if problem else (text, None)


def _clean_spent(value: Any) -> tuple[Decimal | None, Problem | None]:
    return cleaning.money(value, "spent_to_date", "累计支出")


def _as_id(value: Any) -> int | None:
    """An id given as an int or a string of digits; None otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _indicator_label(line: EntryIndicator) -> str:
    gi = line.goal_indicator
    return f"指标“{gi.code} {gi.name}”"


@transaction.atomic
def record_entry(
    entry: MonitoringEntry,
    *,
    user: AnyUser,
    spent_to_date: Decimal | None = None,
    indicators: Sequence[Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
    late_reason: str | None = None,
) -> MonitoringEntry:
    """Record figures on a draft entry while its round is open (after it closed: a late entry,
    flagged late, which needs ``late_reason`` unless it already has one; see ``start_entry``):
    the spending to date (only
    when it is entered: a project with expenditures follows them, ``SPENT_FROM_EXPENDITURES``)
    and, per indicator line (``goal_indicator_id`` plus any of value_to_date, text_to_date,
    projected_value, likelihood, deviation_cause, corrective_measure; keys left out are left
    as they are), then recompute the rates and the forecast. Every problem is reported, each
    naming its indicator (``indicators.<code>.<field>``). ``unit_finance``.
    ``expected_version``: the entry's version the caller read (``STALE`` when it changed
    since); every recording raises it."""
    unit = current_unit()
    _require_finance(user, unit)
    locked = _lock_entry(entry)
    check_version(locked, expected_version, ENTRY)
    if locked.status != EntryStatus.DRAFT:
        raise DomainError.single(
            CoreErrorCode.ALREADY_SUBMITTED, "该监控填报已提交，不能再修改。", "status"
        )
    _admit_late(locked, timezone.localdate(), late_reason)
    project = Project.objects.get(pk=locked.project_id)
    has_expenditures = Expenditure.objects.filter(project=project).exists()
    problems: list[Problem] = []
    spent: Decimal | None = None
    if spent_to_date is not None:
        if has_expenditures:
            problems.append(
                Problem(
                    MonitoringErrorCode.SPENT_FROM_EXPENDITURES,
                    "该项目已登记支出，累计支出按支出记录自动计算，不能手工填报。",
                    "spent_to_date",
                )
            )
        else:
            spent, problem = _clean_spent(spent_to_date)
            if problem:
                problems.append(problem)
    lines = {
        line.goal_indicator_id: line
        for line in EntryIndicator.objects.filter(entry=locked).select_related("goal_indicator")
    }
    changed: dict[int, EntryIndicator] = {}
    for index, row in enumerate(indicators or ()):
        line = lines.get(_as_id(row.get("goal_indicator_id")))
        if line is None:
            problems.append(
                Problem(
                    CoreErrorCode.UNKNOWN_INDICATOR,
                    f"该填报没有 id 为“{row.get('goal_indicator_id')}”的指标。",
                    f"indicators.{index}.goal_indicator_id",
                )
            )
            continue
        code = line.goal_indicator.code
        for name in INDICATOR_FIELDS:
            if name not in row:
                continue
            value, problem = _clean_value(name, row[name], f"indicators.{code}.{name}")
            if problem:
                problems.append(
                    Problem(
                        problem.code, f"{_indicator_label(line)}：{problem.message}", problem.field
                    )
                )
                continue
            if getattr(line, name) != value:
                setattr(line, name, value)
                changed[line.pk] = line
    if problems:
        raise DomainError(*problems)
    if spent is not None:
        locked.spent_source = SpentSource.ENTERED
        locked.spent_to_date = spent
    _refresh_money(locked, project)
    bump(locked)
    _save(locked, user, "填报监控数据")
    if changed:
        bulk_update_with_history(
            list(changed.values()),
            EntryIndicator,
            list(INDICATOR_FIELDS),
            default_user=user if isinstance(user, User) else None,
            default_change_reason="填报监控数据",
        )
    return locked


def _submission_problems(lines: Iterable[EntryIndicator]) -> list[Problem]:
    """Every indicator must say whether it will be met by year end; one that is not certain
    needs a deviation cause and a corrective measure."""
    problems: list[Problem] = []
    for line in lines:
        code = line.goal_indicator.code
        label = _indicator_label(line)
        if not line.likelihood:
            problems.append(
                Problem(
                    MonitoringErrorCode.LIKELIHOOD_REQUIRED,
                    f"{label}须填写年底能否完成。",
                    f"indicators.{code}.likelihood",
                )
            )
            continue
        if line.likelihood == Likelihood.CERTAIN:
            continue
        if not line.deviation_cause:
            problems.append(
                Problem(
                    MonitoringErrorCode.CAUSE_REQUIRED,
                    f"{label}预计不能确定完成，须选择偏差原因。",
                    f"indicators.{code}.deviation_cause",
                )
            )
        if not line.corrective_measure.strip():
            problems.append(
                Problem(
                    MonitoringErrorCode.MEASURE_REQUIRED,
                    f"{label}预计不能确定完成，须填写纠偏措施。",
                    f"indicators.{code}.corrective_measure",
                )
            )
    return problems


@transaction.atomic
def submit_entry(
    entry: MonitoringEntry,
    *,
    user: AnyUser,
    late_reason: str | None = None,
    expected_version: int | None = None,
) -> MonitoringEntry:
    """Submit a draft entry while its round is open — or, flagged late, after it closed (with
    a reason, given now or before; ``late_on`` becomes the day of the late submission; an
    entry submitted within its round, e.g. after the province extended the deadline, is not
    late). Checks every indicator (all problems at
    once, each naming its indicator); the money is brought up to date first. Then, in the same
    transaction: the project's alerts (the rules on this entry; the round's silent-unit alert,
    if any, resolved), the unit's ``ExecutionFact`` of the month, and the alert mirrors.
    ``unit_finance``. ``expected_version``: the entry's version the caller read."""
    unit = current_unit()
    _require_finance(user, unit)
    locked = _lock_entry(entry)
    check_version(locked, expected_version, ENTRY)
    if locked.status != EntryStatus.DRAFT:
        raise DomainError.single(CoreErrorCode.ALREADY_SUBMITTED, "该监控填报已提交。", "status")
    today = timezone.localdate()
    _admit_late(locked, today, late_reason)
    if oversight_selectors.round_state(locked.round, today) == RoundState.CLOSED:
        locked.late_on = today
    else:
        locked.late_on, locked.late_reason = None, ""
    lines = list(
        EntryIndicator.objects.filter(entry=locked)
        .select_related("goal_indicator")
        .order_by("goal_indicator__sort_order", "goal_indicator_id")
    )
    problems = _submission_problems(lines)
    if problems:
        raise DomainError(*problems)
    project = Project.objects.get(pk=locked.project_id)
    _refresh_money(locked, project)
    locked.status = EntryStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.submitted_by = user if isinstance(user, User) else None
    bump(locked)
    _save(locked, user, "提交监控数据")
    _sweep(unit, as_of=today, only_project=locked.project_id, silent_round=locked.round)
    record_execution_fact(unit, project.fiscal_year, locked.month)
    return locked


# --- alerts -------------------------------------------------------------------------------------


@transaction.atomic
def answer_alert(alert: Alert, *, user: AnyUser, response: str, note: str) -> Alert:
    """Answer an open alert: continue, re-allocate or cancel the project, with a note (a late
    answer is accepted; ``answered_at`` after ``answer_due`` shows it). ``unit_finance`` or
    ``unit_leader`` of the unit."""
    unit = current_unit()
    _require_answerer(user, unit)
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
    _save(locked, user, "反馈预警")
    _mirror(unit, [locked])
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


def _mirror(unit: Procuratorate, alerts: Sequence[Alert]) -> None:
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


# --- the sweep ----------------------------------------------------------------------------------


def _lock_sweep() -> None:
    """Serialise the sweeps of one unit (a beat sweep, a command, a submission) for the rest
    of the transaction: they would otherwise race to raise the same alert."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"monitoring-sweep:{connection.schema_name}"],
        )


def _year_over(rounds: Sequence[MonitoringRound], year: int, as_of: datetime.date) -> bool:
    """A fiscal year is over once the calendar year has ended and its last round has closed."""
    if as_of.year <= year:
        return False
    return all(r.closes_on < as_of for r in rounds if r.fiscal_year == year)


@dataclass
class _Plan:
    """What one sweep found, and where it may resolve what it did not find again."""

    findings: list[tuple[rules.Finding, int, int]]  # finding, fiscal year, month
    projects: dict[int, Project]
    evaluated: dict[int, int]  # project id → month evaluated
    scope: Q  # live alerts that must be found again or be resolved
    as_of: datetime.date
    live_years: set[int] | None  # None: a one-project sweep, which ends no year
    reported: set[tuple[int, int]]  # (fiscal year, month) of the rounds with a submitted entry

    @property
    def year_end(self) -> Q:
        """Live alerts of fiscal years that are over."""
        if self.live_years is None:
            return Q(pk__in=[])
        return Q(fiscal_year__lt=self.as_of.year) & ~Q(fiscal_year__in=sorted(self.live_years))

    def year_over(self, year: int) -> bool:
        return (
            self.live_years is not None and year < self.as_of.year and (year not in self.live_years)
        )


def _monthly_for(
    entry: MonitoringEntry,
    expenditures: Mapping[int, Mapping[int, Decimal]],
    entered: Mapping[int, Mapping[int, Decimal]],
) -> dict[int, Decimal]:
    if entry.spent_source == SpentSource.EXPENDITURES:
        spending = expenditures.get(entry.project_id, {})
        return {m: spending.get(m, Decimal("0.00")) for m in range(1, entry.month + 1)}
    return spread_cumulative(entered.get(entry.project_id, {}), entry.month)


def _plan(
    *,
    as_of: datetime.date,
    policy: rules.Policy,
    unit: Procuratorate,
    only_project: int | None,
    silent_round: MonitoringRound | None,
) -> _Plan:
    """Read what the rules need (a constant number of queries) and run them."""
    rounds = list(oversight_selectors.rounds_for(unit))
    opened = [r for r in rounds if r.opens_on <= as_of]
    years = {r.fiscal_year for r in opened}
    live_years = {y for y in years if not _year_over(rounds, y, as_of)}
    live_rounds = {r.pk: r for r in opened if r.fiscal_year in live_years}

    submitted = MonitoringEntry.objects.filter(
        status=EntryStatus.SUBMITTED, round_id__in=list(live_rounds)
    ).select_related("project")
    if only_project is not None:
        submitted = submitted.filter(project_id=only_project)
    all_entries = list(submitted.order_by("project_id", "month"))
    latest: dict[int, MonitoringEntry] = {}
    entered: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for entry in all_entries:
        latest[entry.project_id] = entry  # ordered by month: the last one wins
        entered[entry.project_id][entry.month] = entry.spent_to_date

    with_expenditures = [
        e.project_id for e in latest.values() if e.spent_source == SpentSource.EXPENDITURES
    ]
    expenditures: dict[int, dict[int, Decimal]] = defaultdict(dict)
    if with_expenditures:
        years_of = {e.project_id: e.project.fiscal_year for e in latest.values()}
        rows = (
            Expenditure.objects.filter(project_id__in=with_expenditures)
            .annotate(year=ExtractYear("date"), m=ExtractMonth("date"))
            .order_by()
            .values("project_id", "year", "m")
            .annotate(total=Sum("amount"))
            .values_list("project_id", "year", "m", "total")
        )
        for project_id, year, month, total in rows:
            if year == years_of[project_id]:
                expenditures[project_id][int(month)] = total

    lines: dict[int, list[EntryIndicator]] = defaultdict(list)
    if latest:
        for line in (
            EntryIndicator.objects.filter(entry_id__in=[e.pk for e in latest.values()])
            .select_related("goal_indicator")
            .order_by("goal_indicator__sort_order", "goal_indicator_id")
        ):
            lines[line.entry_id].append(line)

    findings: list[tuple[rules.Finding, int, int]] = []
    for entry in latest.values():
        snapshot = rules.ProjectSnapshot(
            project_id=entry.project_id,
            project_code=entry.project.code,
            project_name=entry.project.name,
            month=entry.month,
            full_budget=entry.full_budget,
            spent_to_date=entry.spent_to_date,
            monthly_spent=_monthly_for(entry, expenditures, entered),
            indicators=[
                rules.IndicatorProgress(
                    indicator_id=line.goal_indicator_id,
                    code=line.goal_indicator.code,
                    value_type=line.goal_indicator.value_type,
                    direction=line.goal_indicator.direction,
                    target_value=line.goal_indicator.target_value,
                    value_to_date=line.value_to_date,
                    likelihood=line.likelihood,
                    cumulative=line.goal_indicator.unit.strip() not in RATE_UNITS,
                    name=line.goal_indicator.name,
                )
                for line in lines[entry.pk]
            ],
        )
        year = entry.project.fiscal_year
        findings += [(f, year, entry.month) for f in rules.project_findings(snapshot, policy)]

    projects = {e.project_id: e.project for e in latest.values()}
    evaluated = {e.project_id: e.month for e in latest.values()}
    if only_project is not None:
        scope = Q(project_id=only_project)
        if silent_round is not None:
            scope |= Q(
                kind=AlertKind.SILENT_UNIT,
                fiscal_year=silent_round.fiscal_year,
                month=silent_round.month,
            )
        reported = (
            {(silent_round.fiscal_year, silent_round.month)} if silent_round is not None else set()
        )
        return _Plan(findings, projects, evaluated, scope, as_of, None, reported)

    reported = {e.round_id for e in all_entries}
    years_with_projects = set(
        Project.objects.filter(fiscal_year__in=live_years)
        .order_by()
        .values_list("fiscal_year", flat=True)
        .distinct()
    )
    for round in live_rounds.values():
        if round.fiscal_year not in years_with_projects or round.closes_on >= as_of:
            continue
        found = rules.silent_finding(
            month=round.month,
            closes_on=round.closes_on,
            as_of=as_of,
            has_entry=round.pk in reported,
            policy=policy,
            fiscal_year=round.fiscal_year,
        )
        if found is not None:
            findings.append((found, round.fiscal_year, round.month))
    scope = Q(project_id__in=list(evaluated)) | Q(
        kind=AlertKind.SILENT_UNIT, fiscal_year__in=list(live_years)
    )
    reported_months = {(r.fiscal_year, r.month) for r in live_rounds.values() if r.pk in reported}
    return _Plan(findings, projects, evaluated, scope, as_of, live_years, reported_months)


def _identity(kind: str, project_id: int | None, indicator_id: int | None) -> tuple[Any, ...]:
    return (kind, project_id, indicator_id)


def _sweep(
    unit: Procuratorate,
    *,
    as_of: datetime.date,
    only_project: int | None = None,
    silent_round: MonitoringRound | None = None,
) -> SweepResult:
    """Run the rules and bring the unit's alerts in line with what they find: one sweep of
    the whole unit, or (``only_project``) of one project just submitted."""
    _lock_sweep()
    settings = monitoring_selectors.monitoring_settings(unit)
    plan = _plan(
        as_of=as_of,
        policy=settings.policy,
        unit=unit,
        only_project=only_project,
        silent_round=silent_round,
    )
    now = timezone.now()
    keys = [finding.key for finding, _, _ in plan.findings]
    existing = list(
        Alert.objects.select_related("project").filter(
            Q(key__in=keys) | (Q(status__in=LIVE) & (plan.scope | plan.year_end))
        )
    )
    by_key = {alert.key: alert for alert in existing}
    found_keys = set(keys)
    # Live alerts of earlier rounds for the same problem: carried over to the new round.
    predecessors: dict[tuple[Any, ...], Alert] = {}
    for alert in existing:
        if (
            alert.status in LIVE
            and alert.key not in found_keys
            and alert.project_id in plan.evaluated
            and alert.month < plan.evaluated[alert.project_id]
        ):
            predecessors[_identity(alert.kind, alert.project_id, alert.goal_indicator_id)] = alert

    created: list[Alert] = []
    changed: dict[int, Alert] = {}
    seen: list[int] = []
    raised = updated = resolved = 0
    answer_due = add_working_days(as_of, settings.answer_working_days)
    for finding, year, month in plan.findings:
        message = finding.message[:MESSAGE_LIMIT]
        alert = by_key.get(finding.key)
        if alert is None:
            alert = Alert(
                key=finding.key,
                kind=finding.kind,
                severity=finding.severity,
                fiscal_year=year,
                month=month,
                project=plan.projects.get(finding.project_id) if finding.project_id else None,
                goal_indicator_id=finding.indicator_id,
                message=message,
                evidence=finding.evidence,
                status=AlertStatus.OPEN,
                last_seen_at=now,
                answer_due=answer_due,
            )
            before = predecessors.get(
                _identity(finding.kind, finding.project_id, finding.indicator_id)
            )
            if before is not None:
                alert.answer_due = before.answer_due
                if before.status == AlertStatus.ANSWERED:
                    alert.status = AlertStatus.ANSWERED
                    alert.response = before.response
                    alert.response_note = before.response_note
                    alert.answered_at = before.answered_at
                    alert.answered_by_id = before.answered_by_id
            created.append(alert)
            raised += 1
            continue
        if alert.status == AlertStatus.RESOLVED:
            alert.status = AlertStatus.ANSWERED if alert.response else AlertStatus.OPEN
            alert.resolved_at = None
            alert.resolution = ""
            raised += 1
        elif (alert.severity, alert.message, alert.evidence) != (
            finding.severity,
            message,
            finding.evidence,
        ):
            updated += 1
        else:
            seen.append(alert.pk)
            continue
        alert.severity = finding.severity
        alert.message = message
        alert.evidence = finding.evidence
        alert.last_seen_at = now
        changed[alert.pk] = alert

    carried = {_identity(a.kind, a.project_id, a.goal_indicator_id): a.month for a in created}
    for alert in existing:
        if alert.status not in LIVE or alert.key in found_keys:
            continue
        identity = _identity(alert.kind, alert.project_id, alert.goal_indicator_id)
        if plan.year_over(alert.fiscal_year):
            alert.resolution = RESOLVED_YEAR_END
        elif identity in carried and predecessors.get(identity) is alert:
            alert.resolution = f"已转入{carried[identity]}月监控预警"
        elif alert.kind == AlertKind.SILENT_UNIT:
            # The unit reported (a deadline extended let it), or the round is open again.
            reported = (alert.fiscal_year, alert.month) in plan.reported
            alert.resolution = RESOLVED_REPORTED if reported else RESOLVED_EXTENDED
        else:
            alert.resolution = RESOLVED_RECOVERED
        alert.status = AlertStatus.RESOLVED
        alert.resolved_at = now
        changed[alert.pk] = alert
        resolved += 1

    if created:
        bulk_create_with_history(created, Alert, default_change_reason="监控预警")
    if changed:
        bulk_update_with_history(
            list(changed.values()),
            Alert,
            [
                "severity",
                "message",
                "evidence",
                "last_seen_at",
                "status",
                "resolved_at",
                "resolution",
            ],
            default_change_reason="监控预警",
        )
    if seen:
        Alert.objects.filter(pk__in=seen).update(last_seen_at=now)
    _mirror(unit, [*created, *changed.values()])
    return SweepResult(raised=raised, updated=updated, resolved=resolved)


@transaction.atomic
def sweep_unit(*, as_of: datetime.date | None = None) -> SweepResult:
    """Run every rule over the unit whose schema the connection is on, in one transaction
    (a constant number of queries, whatever the number of projects and indicators):

    - for each project, its latest submitted entry among the rounds opened by ``as_of`` (of
      the fiscal years not over): ``rules.project_findings``;
    - for each closed round of those years, when the unit has projects that year:
      ``rules.silent_finding``;
    - alerts upserted by key (a re-run never duplicates one; one resolved and found again is
      raised again), live alerts of the swept projects and silent-unit alerts not found any
      more resolved (``指标已恢复``; a silent unit that reported late: ``已补报监控数据``, whose
      round was reopened: ``填报期限已调整``), and every
      live alert of a fiscal year that is over resolved (``年度结束``);
    - the public ``AlertRecord`` of every alert raised, changed or resolved.

    Resolving and raising are idempotent: a second sweep with the same data writes nothing
    but the alerts' ``last_seen_at``."""
    unit = current_unit()
    day = as_of if as_of is not None else timezone.localdate()
    return _sweep(unit, as_of=day)


@transaction.atomic
def sweep_unit_once(*, run: str, as_of: datetime.date | None = None) -> SweepResult | None:
    """``sweep_unit`` for one run of the daily sweep, at most once per (run, unit): the unit's
    ``SweepRecord`` of ``run`` is written in the sweep's transaction, under the unit's sweep
    lock, and a sweep that finds it does nothing (returns None). A worker killed mid-sweep
    commits nothing, so the redelivered task sweeps the unit; one killed after the commit but
    before the acknowledgement leaves a record, so the redelivered task skips it."""
    unit = current_unit()
    day = as_of if as_of is not None else timezone.localdate()
    _lock_sweep()
    if SweepRecord.objects.filter(run=run, unit=unit).exists():
        return None
    result = sweep_unit(as_of=day)
    SweepRecord.objects.create(
        run=run,
        unit=unit,
        as_of=day,
        raised=result.raised,
        updated=result.updated,
        resolved=result.resolved,
    )
    return result


# --- every unit ---------------------------------------------------------------------------------


def dispatch_sweeps(*, as_of: datetime.date | None = None, run: str | None = None) -> int:
    """Queue one ``monitoring.sweep_unit`` task per active unit, each with the unit's schema
    passed explicitly (tenant-schemas-celery's ``_schema_name``: design.md §7) and the same
    ``as_of`` and ``run`` for all (``sweep_unit_once``). The messages leave once the current
    transaction (if any) commits. Returns how many were queued."""
    day = (as_of if as_of is not None else timezone.localdate()).isoformat()
    schemas = list(
        unit_selectors.active_units().order_by("path").values_list("schema_name", flat=True)
    )
    if schemas:
        transaction.on_commit(lambda: _send(schemas, day, run))
    return len(schemas)


def _send(schemas: Sequence[str], day: str, run: str | None) -> None:
    # By name, not by import: backend.monitoring.tasks calls this module (backend/core/queue.py).
    sweep_unit_task = task_named("monitoring.sweep_unit")
    for schema in schemas:
        sweep_unit_task.apply_async(
            args=[day], kwargs={"run": run}, headers={"_schema_name": schema}
        )


def sweep_all_inline(
    *,
    as_of: datetime.date | None = None,
    units: Iterable[Procuratorate] | None = None,
    progress: Callable[[Procuratorate, SweepResult | None], None] | None = None,
) -> dict[str, SweepResult | Exception]:
    """Sweep every active unit (or ``units``) in this process, one after the other, each on
    its own schema and in its own transaction: what the worker does, for the command, the demo
    and tests. A unit that fails is rolled back alone and reported (code → the exception);
    the others go on."""
    day = as_of if as_of is not None else timezone.localdate()
    todo = (
        list(units) if units is not None else list(unit_selectors.active_units().order_by("path"))
    )
    results: dict[str, SweepResult | Exception] = {}
    try:
        for unit in todo:
            outcome: SweepResult | None = None
            with tenant_context(unit):
                try:
                    outcome = sweep_unit(as_of=day)
                    results[unit.code] = outcome
                except Exception as exc:  # one unit's failure must not stop the others
                    logger.exception("monitoring sweep of %s failed", unit.code)
                    results[unit.code] = exc
            if progress:
                progress(unit, outcome)
    finally:
        connection.set_schema_to_public()
    return results

"""Monitoring entries: ``start_entry`` / ``record_entry`` / ``submit_entry`` — a project's
figures at a round and per indicator its progress, likelihood, deviation cause and measure;
submitting checks every line, then raises the project's alerts in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from backend.accounts.models import User
from backend.benchmarking.services import record_execution_fact
from backend.budgets.models import Expenditure, Project
from backend.core import cleaning
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.core.numbers import VALUE
from backend.core.versioning import bump, check_version
from backend.monitoring import selectors as monitoring_selectors
from backend.monitoring.errors import MonitoringErrorCode
from backend.monitoring.models import (
    DeviationCause,
    EntryIndicator,
    EntryStatus,
    Likelihood,
    MonitoringEntry,
    SpentSource,
)
from backend.monitoring.services.base import (
    AnyUser,
    admit_late,
    current_unit,
    lock_entry,
    require_finance,
    save_with_reason,
)
from backend.monitoring.services.spending import refresh_money
from backend.monitoring.services.sweep import run_rules
from backend.oversight import selectors as oversight_selectors
from backend.oversight.models import MonitoringRound
from backend.oversight.selectors import RoundState

ENTRY = "监控填报"

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
    require_finance(user, unit)
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
            locked = lock_entry(existing)
            admit_late(locked, today, late_reason)
            if locked.late_on is not None:
                save_with_reason(locked, user, "逾期补报")
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
    admit_late(entry, today, late_reason)
    refresh_money(entry, project)
    save_with_reason(entry, user, "开始填报")
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
    spent_to_date: Decimal | str | None = None,  # as entered: cleaned here
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
    require_finance(user, unit)
    locked = lock_entry(entry)
    check_version(locked, expected_version, ENTRY)
    if locked.status != EntryStatus.DRAFT:
        raise DomainError.single(
            CoreErrorCode.ALREADY_SUBMITTED, "该监控填报已提交，不能再修改。", "status"
        )
    admit_late(locked, timezone.localdate(), late_reason)
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
        line_id = _as_id(row.get("goal_indicator_id"))
        line = lines.get(line_id) if line_id is not None else None
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
    refresh_money(locked, project)
    bump(locked)
    save_with_reason(locked, user, "填报监控数据")
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
    require_finance(user, unit)
    locked = lock_entry(entry)
    check_version(locked, expected_version, ENTRY)
    if locked.status != EntryStatus.DRAFT:
        raise DomainError.single(CoreErrorCode.ALREADY_SUBMITTED, "该监控填报已提交。", "status")
    today = timezone.localdate()
    admit_late(locked, today, late_reason)
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
    refresh_money(locked, project)
    locked.status = EntryStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.submitted_by = user if isinstance(user, User) else None
    bump(locked)
    save_with_reason(locked, user, "提交监控数据")
    run_rules(unit, as_of=today, only_project=locked.project_id, silent_round=locked.round)
    record_execution_fact(unit, project.fiscal_year, locked.month)
    return locked

"""Reads of a unit's in-year monitoring, in the CURRENT schema (the unit's): entries, alerts,
execution curves, and the province's monitoring settings as the rules take them. Querysets are
lazy: evaluate them inside the unit's schema (design.md §7)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from backend.budgets.models import Project
from backend.goals.models import GoalStatus, PerformanceGoal
from backend.monitoring import rules
from backend.monitoring.models import (
    Alert,
    AlertStatus,
    EntryIndicator,
    EntryStatus,
    MonitoringEntry,
)
from backend.oversight import selectors as oversight_selectors
from backend.oversight.models import MonitoringRound, ProvincePolicy
from tenants.models import Procuratorate

LIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.ANSWERED)
DEFAULT_ANSWER_WORKING_DAYS = 10


class CurvePoint(NamedTuple):
    """One month of an execution curve (what ``charts.execution_svg`` draws): percentages
    as Decimal points of 100; ``forecast`` is the projected year-end rate, if any."""

    month: int
    execution_rate: Decimal
    time_progress: Decimal
    forecast: Decimal | None


@dataclass(frozen=True)
class MonitoringSettings:
    """The province's monitoring settings for a unit: the rules' ``Policy`` and the number of
    working days a warned unit has to answer."""

    policy: rules.Policy
    answer_working_days: int


def settings_from(row: ProvincePolicy | None) -> MonitoringSettings:
    """The settings of a ``ProvincePolicy`` row (None: domain.md's defaults). No query."""
    days = row.answer_working_days if row is not None else DEFAULT_ANSWER_WORKING_DAYS
    return MonitoringSettings(policy=rules.policy_from(row), answer_working_days=days)


def monitoring_settings(unit: Procuratorate) -> MonitoringSettings:
    """The settings of the unit's province (one query)."""
    return settings_from(oversight_selectors.policy_for(unit))


# --- entries ------------------------------------------------------------------------------------


def indicators_prefetch() -> Prefetch:
    """An entry's indicators in the goal's order, each with its goal indicator."""
    return Prefetch(
        "indicators",
        queryset=EntryIndicator.objects.select_related("goal_indicator").order_by(
            "goal_indicator__sort_order", "goal_indicator_id"
        ),
    )


def entries(
    *,
    project: Project | int | None = None,
    round: MonitoringRound | int | None = None,
    fiscal_year: int | None = None,
    month: int | None = None,
    status: str | None = None,
) -> QuerySet[MonitoringEntry]:
    """The unit's monitoring entries, filtered, each with its project, round and indicators
    (with their goal indicators): two queries whatever the number of entries."""
    qs = MonitoringEntry.objects.select_related("project", "round", "submitted_by")
    qs = qs.prefetch_related(indicators_prefetch())
    if project is not None:
        qs = qs.filter(project=project)
    if round is not None:
        qs = qs.filter(round=round)
    if fiscal_year is not None:
        qs = qs.filter(project__fiscal_year=fiscal_year)
    if month is not None:
        qs = qs.filter(month=month)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("project__code", "month", "id")


def entry(pk: int) -> MonitoringEntry:
    """One entry with its project, round and indicators (``MonitoringEntry.DoesNotExist`` if
    the unit has none with ``pk``)."""
    return entries().get(pk=pk)


def approved_goal(project: Project) -> PerformanceGoal | None:
    """The project's approved goal of its fiscal year, with its indicators in order (two
    queries), or None."""
    from backend.goals.selectors import indicators_prefetch as goal_indicators

    return (
        PerformanceGoal.objects.filter(
            project=project, fiscal_year=project.fiscal_year, status=GoalStatus.APPROVED
        )
        .prefetch_related(goal_indicators())
        .first()
    )


def entered_series(project: Project | int, *, before_month: int) -> dict[int, Decimal]:
    """Month → cumulative spending the unit entered in its submitted entries of the project,
    for the months before ``before_month`` (one query)."""
    rows = MonitoringEntry.objects.filter(
        project=project, status=EntryStatus.SUBMITTED, month__lt=before_month
    ).values_list("month", "spent_to_date")
    return dict(rows)


# --- alerts -------------------------------------------------------------------------------------


def alerts(
    *,
    status: str | None = None,
    kind: str | None = None,
    severity: str | None = None,
    project: Project | int | None = None,
    fiscal_year: int | None = None,
    month: int | None = None,
    overdue_on: datetime.date | None = None,
) -> QuerySet[Alert]:
    """The unit's alerts, newest first, filtered, each with its project and indicator (one
    query). ``overdue_on`` (a date) keeps the open alerts whose answer was due before it."""
    qs = Alert.objects.select_related("project", "goal_indicator", "answered_by")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if severity:
        qs = qs.filter(severity=severity)
    if project is not None:
        qs = qs.filter(project=project)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if month is not None:
        qs = qs.filter(month=month)
    if overdue_on is not None:
        qs = qs.filter(status=AlertStatus.OPEN, answer_due__lt=overdue_on)
    return qs.order_by("-raised_at", "-id")


def open_alert_counts(*, fiscal_year: int | None = None) -> dict[str, int]:
    """Kind → number of open or answered (not yet resolved) alerts (one query)."""
    qs = Alert.objects.filter(status__in=LIVE_STATUSES)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    rows = qs.order_by().values_list("kind").annotate(n=Count("id"))
    return {kind: n for kind, n in rows}


# --- execution curves ---------------------------------------------------------------------------


def execution_curve(project: Project | int) -> list[CurvePoint]:
    """The project's execution curve: one point per submitted entry, by month (one query)."""
    rows = (
        MonitoringEntry.objects.filter(project=project, status=EntryStatus.SUBMITTED)
        .order_by("month")
        .values_list("month", "execution_rate", "time_progress", "forecast_rate")
    )
    return [CurvePoint(month, rate, progress, forecast) for month, rate, progress, forecast in rows]


def unit_execution_curve(*, fiscal_year: int | None = None) -> list[CurvePoint]:
    """The unit's execution curve for ``fiscal_year`` (default: the current year): per month,
    the money spent by the projects with a submitted entry over their full-year budgets, and
    their forecasts weighted by budget. One query."""
    year = fiscal_year if fiscal_year is not None else timezone.localdate().year
    rows = (
        MonitoringEntry.objects.filter(status=EntryStatus.SUBMITTED, project__fiscal_year=year)
        .order_by("month")
        .values("month")
        .annotate(
            budget=Sum("full_budget"),
            spent=Sum("spent_to_date"),
            forecast_weighted=Sum(F("forecast_rate") * F("full_budget")),
            forecast_budget=Sum("full_budget", filter=Q(forecast_rate__isnull=False)),
        )
    )
    points = []
    for row in rows:
        month = int(row["month"])
        forecast: Decimal | None = None
        if row["forecast_budget"] and row["forecast_weighted"] is not None:
            forecast = rules.quantize(Decimal(row["forecast_weighted"]) / row["forecast_budget"])
        points.append(
            CurvePoint(
                month,
                rules.execution_rate(row["spent"], row["budget"]),
                rules.time_progress(month),
                forecast,
            )
        )
    return points


# --- the workspace's monitoring page ------------------------------------------------------------


def entries_of_round(
    round: MonitoringRound | int, projects: list[int]
) -> dict[int, MonitoringEntry]:
    """Project id → its entry for ``round``, for the given projects (one query)."""
    rows = MonitoringEntry.objects.filter(round=round, project_id__in=projects).select_related(
        "submitted_by"
    )
    return {entry.project_id: entry for entry in rows}


def projects_without_submission(round: MonitoringRound) -> int:
    """How many of the unit's projects of the round's year have no submitted entry for it
    (one query)."""
    submitted = MonitoringEntry.objects.filter(round=round, status=EntryStatus.SUBMITTED)
    return (
        Project.objects.filter(fiscal_year=round.fiscal_year)
        .exclude(pk__in=submitted.values("project_id"))
        .count()
    )

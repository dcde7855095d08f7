"""The sweep: the monitoring rules run over a unit's projects (or one project just submitted)
and its alerts brought in line — raised, updated, resolved — with their public mirrors."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from backend.budgets.models import Expenditure, Project
from backend.core.schemas import current_schema
from backend.monitoring import rules
from backend.monitoring import selectors as monitoring_selectors
from backend.monitoring.models import (
    Alert,
    AlertKind,
    AlertStatus,
    EntryIndicator,
    EntryStatus,
    MonitoringEntry,
    SpentSource,
)
from backend.monitoring.services.alerts import mirror_alerts
from backend.monitoring.services.base import (
    LIVE,
    MESSAGE_LIMIT,
    RATE_UNITS,
    RESOLVED_EXTENDED,
    RESOLVED_RECOVERED,
    RESOLVED_REPORTED,
    RESOLVED_YEAR_END,
    add_working_days,
    current_unit,
)
from backend.monitoring.services.spending import spread_cumulative
from backend.oversight import selectors as oversight_selectors
from backend.oversight.models import MonitoringRound, SweepRecord
from tenants.models import Procuratorate


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


def _lock_sweep() -> None:
    """Serialise the sweeps of one unit (a beat sweep, a command, a submission) for the rest
    of the transaction: they would otherwise race to raise the same alert."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"monitoring-sweep:{current_schema()}"],
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

    reported_rounds = {e.round_id for e in all_entries}
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
            has_entry=round.pk in reported_rounds,
            policy=policy,
            fiscal_year=round.fiscal_year,
        )
        if found is not None:
            findings.append((found, round.fiscal_year, round.month))
    scope = Q(project_id__in=list(evaluated)) | Q(
        kind=AlertKind.SILENT_UNIT, fiscal_year__in=list(live_years)
    )
    reported_months = {
        (r.fiscal_year, r.month) for r in live_rounds.values() if r.pk in reported_rounds
    }
    return _Plan(findings, projects, evaluated, scope, as_of, live_years, reported_months)


def _identity(kind: str, project_id: int | None, indicator_id: int | None) -> tuple[Any, ...]:
    return (kind, project_id, indicator_id)


def run_rules(
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
    for earlier in existing:
        if (
            earlier.status in LIVE
            and earlier.key not in found_keys
            and earlier.project_id in plan.evaluated
            and earlier.month < plan.evaluated[earlier.project_id]
        ):
            predecessors[_identity(earlier.kind, earlier.project_id, earlier.goal_indicator_id)] = (
                earlier
            )

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
    mirror_alerts(unit, [*created, *changed.values()])
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
    return run_rules(unit, as_of=day)


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

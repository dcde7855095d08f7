"""首页: where every unit in the reader's scope stands in a year's cycle, read from the public
tables only (goal submissions, execution facts, alert records, project facts, rectification
requests, monitoring rounds) — never a unit's schema. A fixed number of queries whatever the
number of units: one per table, grouped by unit, then rolled up in Python.

The cycle of year Y (docs/console.md, "home"): goals, monitoring and alerts of fiscal year Y;
the year-end self-evaluation of fiscal year Y − 1 (done during Y) and the rectifications it
opened. Self-evaluations appear in the public facts when finalised (``ProjectFact.finalised_at``),
so the page counts finalised ones: a submitted, not yet finalised evaluation lives only in the
unit's schema.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from backend.benchmarking.models import ExecutionFact, ProjectFact
from backend.feedback.models import RectificationRequest, RectificationStatus
from backend.monitoring.rules import time_progress
from backend.oversight.models import AlertRecord, GoalSubmission, MonitoringRound
from tenants.models import PATH_SEPARATOR, Procuratorate, UnitLevel

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
DECLARED = ("submitted", "unit_approved", "approved", "returned", "rejected")

# Why a unit is marked late (逾期), in the order shown.
LATE_MONITORING = "monitoring"
LATE_ALERTS = "alerts"
LATE_RECTIFICATION = "rectification"
LATE_LABELS = {
    LATE_MONITORING: "监控未按期填报",
    LATE_ALERTS: "预警逾期未反馈",
    LATE_RECTIFICATION: "整改逾期",
}

SORTS = {
    "name": "单位",
    "goals": "已申报目标",
    "approved": "已批复目标",
    "reported": "监控已填报",
    "execution": "执行率",
    "alerts": "未反馈预警",
    "evaluated": "自评定稿",
    "rectifications": "整改未完成",
    "overdue": "整改逾期",
    "late": "逾期单位",
}


def rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part`` ÷ ``whole`` in points of 100, two places; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """The cycle's figures of one unit, or summed over a group of units."""

    units: int = 0
    goals_declared: int = 0
    goals_approved: int = 0
    reported_units: int = 0  # units with submitted entries for the reference round
    reported_projects: int = 0
    full_budget: Decimal = Decimal(0)
    spent: Decimal = Decimal(0)
    alerts_open: int = 0
    alerts_overdue: int = 0
    evaluations_due: int = 0  # projects of Y − 1 with an approved goal
    evaluations_finalised: int = 0
    rectifications_open: int = 0
    rectifications_overdue: int = 0
    late_units: int = 0
    late: set[str] = field(default_factory=set)  # a single unit's reasons

    def add(self, other: Figures) -> None:
        for name in (
            "units",
            "goals_declared",
            "goals_approved",
            "reported_units",
            "reported_projects",
            "full_budget",
            "spent",
            "alerts_open",
            "alerts_overdue",
            "evaluations_due",
            "evaluations_finalised",
            "rectifications_open",
            "rectifications_overdue",
            "late_units",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.late |= other.late

    @property
    def execution_rate(self) -> Decimal | None:
        return rate(self.spent, self.full_budget)

    @property
    def approval_rate(self) -> Decimal | None:
        return rate(self.goals_approved, self.goals_declared)

    @property
    def evaluation_rate(self) -> Decimal | None:
        return rate(self.evaluations_finalised, self.evaluations_due)

    @property
    def late_labels(self) -> list[str]:
        return [LATE_LABELS[key] for key in LATE_LABELS if key in self.late]


@dataclass
class Row:
    """A line of the table: a unit with its subtree rolled up (``children`` > 0: a city whose
    counties the reader can drill into), or the root unit's own figures (``own``)."""

    unit_id: int
    code: str
    name: str
    level: str
    figures: Figures
    children: int = 0
    own: bool = False
    url: str | None = None  # the page's link for a unit row (set by the view)

    @property
    def level_label(self) -> str:
        return UnitLevel(self.level).label if self.level in UnitLevel.values else self.level


@dataclass(frozen=True)
class MonthPoint:
    month: int
    execution_rate: Decimal | None
    time_progress: Decimal
    units: int


@dataclass(frozen=True)
class RoundInfo:
    month: int
    closes_on: datetime.date
    closed: bool


@dataclass
class Overview:
    fiscal_year: int
    today: datetime.date
    roots: list[Procuratorate]
    rows: list[Row]
    total: Figures
    round: RoundInfo | None
    curve: list[MonthPoint]
    years: list[int]

    @property
    def evaluated_year(self) -> int:
        return self.fiscal_year - 1

    @property
    def latest(self) -> MonthPoint | None:
        known = [p for p in self.curve if p.execution_rate is not None]
        return known[-1] if known else None


def _scope(paths: Sequence[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(unit__path__startswith=path)
    return condition


def _root_of(path: str, roots: Sequence[Procuratorate]) -> Procuratorate | None:
    for root in roots:
        if path.startswith(root.path):
            return root
    return None


def _head(path: str, root: Procuratorate) -> str | None:
    """The path of the child of ``root`` whose subtree holds ``path`` (None: the root itself)."""
    if path == root.path:
        return None
    rest = path[len(root.path) :].strip(PATH_SEPARATOR).split(PATH_SEPARATOR)
    return root.path + rest[0] + PATH_SEPARATOR


def reference_round(
    provinces: Iterable[str], fiscal_year: int, today: datetime.date
) -> RoundInfo | None:
    """The round the table reports on: the latest round of the year already open (one query);
    units without entries for it are late once it has closed."""
    rounds = list(
        MonitoringRound.objects.filter(
            province__code__in=list(provinces),
            fiscal_year=fiscal_year,
            opens_on__lte=today,
        )
        .order_by("-month")
        .values_list("month", "closes_on")[:1]
    )
    if not rounds:
        return None
    month, closes_on = rounds[0]
    return RoundInfo(month=month, closes_on=closes_on, closed=closes_on < today)


def overview(
    roots: Sequence[Procuratorate],
    *,
    fiscal_year: int,
    today: datetime.date,
    sort: str = "name",
    descending: bool = False,
) -> Overview:
    """The cycle of ``fiscal_year`` for the subtrees of ``roots`` (the reader's scope, or one
    city of it): one row for each root's own figures and one for each of its children with
    their subtrees rolled up. Nine queries whatever the number of units."""
    # A root inside another root's subtree (a province admin who is also a city reviewer) adds
    # nothing: the outer root's rows cover it.
    roots = sorted(
        (r for r in roots if not any(o.pk != r.pk and r.path.startswith(o.path) for o in roots)),
        key=lambda unit: unit.path,
    )
    paths = [root.path for root in roots]
    scope = _scope(paths)
    unit_condition = Q(pk__in=[])
    for path in paths:
        unit_condition |= Q(path__startswith=path)
    units = list(
        Procuratorate.objects.filter(unit_condition, active=True)
        .order_by()
        .values("id", "code", "name", "level", "path")
    )
    units.sort(key=lambda unit: unit["path"])  # byte order: a unit before its subtree
    provinces = {path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)[0] for path in paths}
    current = reference_round(provinces, fiscal_year, today)
    figures: dict[int, Figures] = {u["id"]: Figures(units=1) for u in units}

    def at(unit_id: int) -> Figures | None:
        return figures.get(unit_id)

    goals = (
        GoalSubmission.objects.filter(scope, fiscal_year=fiscal_year)
        .order_by()
        .values("unit_id")
        .annotate(
            declared=Count("id", filter=Q(status__in=DECLARED) | Q(submitted_at__isnull=False)),
            approved=Count("id", filter=Q(status="approved")),
        )
    )
    for row in goals:
        if (f := at(row["unit_id"])) is not None:
            f.goals_declared, f.goals_approved = row["declared"], row["approved"]

    if current is not None:
        reported = (
            ExecutionFact.objects.filter(scope, fiscal_year=fiscal_year, month=current.month)
            .order_by()
            .values_list("unit_id", "projects", "full_budget", "spent")
        )
        for unit_id, projects, budget, spent in reported:
            if (f := at(unit_id)) is not None:
                f.reported_units = 1
                f.reported_projects = projects
                f.full_budget, f.spent = budget, spent

    alerts = (
        AlertRecord.objects.filter(scope, fiscal_year=fiscal_year, status="open")
        .order_by()
        .values("unit_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(answer_due__lt=today)))
    )
    for row in alerts:
        if (f := at(row["unit_id"])) is not None:
            f.alerts_open, f.alerts_overdue = row["open"], row["overdue"]

    evaluations = (
        ProjectFact.objects.filter(scope, fiscal_year=fiscal_year - 1)
        .order_by()
        .values("unit_id")
        .annotate(due=Count("id"), done=Count("id", filter=Q(finalised_at__isnull=False)))
    )
    for row in evaluations:
        if (f := at(row["unit_id"])) is not None:
            f.evaluations_due, f.evaluations_finalised = row["due"], row["done"]

    rectifications = (
        RectificationRequest.objects.filter(
            scope,
            fiscal_year=fiscal_year - 1,
            status__in=(RectificationStatus.OPEN, RectificationStatus.RESPONDED),
        )
        .order_by()
        .values("unit_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(overdue=True)))
    )
    for row in rectifications:
        if (f := at(row["unit_id"])) is not None:
            f.rectifications_open, f.rectifications_overdue = row["open"], row["overdue"]

    for f in figures.values():
        if current is not None and current.closed and not f.reported_units:
            f.late.add(LATE_MONITORING)
        if f.alerts_overdue:
            f.late.add(LATE_ALERTS)
        if f.rectifications_overdue:
            f.late.add(LATE_RECTIFICATION)
        f.late_units = 1 if f.late else 0

    rows: dict[str, Row] = {}
    for root in roots:
        rows[root.path] = Row(root.pk, root.code, root.name, root.level, Figures(), own=True)
    for unit in units:
        root = _root_of(unit["path"], roots)
        if root is None:
            continue
        head = _head(unit["path"], root)
        f = figures[unit["id"]]
        if head is None:
            rows[root.path].figures.add(f)
            continue
        if head not in rows:
            if unit["path"] != head:  # a child's descendant before the child: not in order
                continue
            rows[head] = Row(unit["id"], unit["code"], unit["name"], unit["level"], Figures())
        else:
            rows[head].children += 1
        rows[head].figures.add(f)
    table = [row for row in rows.values() if row.own or row.figures.units]
    total = Figures()
    for row in table:
        total.add(row.figures)
    table = sort_rows(table, sort, descending)

    curve_rows = (
        ExecutionFact.objects.filter(scope, fiscal_year=fiscal_year)
        .order_by()
        .values("month")
        .annotate(budget=Sum("full_budget"), spent=Sum("spent"), units=Count("unit_id"))
    )
    by_month = {r["month"]: r for r in curve_rows}
    curve = [
        MonthPoint(
            month=m,
            execution_rate=rate(by_month[m]["spent"], by_month[m]["budget"])
            if m in by_month
            else None,
            time_progress=time_progress(m),
            units=by_month[m]["units"] if m in by_month else 0,
        )
        for m in range(1, 13)
    ]
    years = sorted(
        set(
            GoalSubmission.objects.filter(scope)
            .order_by()
            .values_list("fiscal_year", flat=True)
            .distinct()
        )
        | {today.year, fiscal_year},
        reverse=True,
    )
    return Overview(
        fiscal_year=fiscal_year,
        today=today,
        roots=list(roots),
        rows=table,
        total=total,
        round=current,
        curve=curve,
        years=years,
    )


def _sort_key(sort: str):  # type: ignore[no-untyped-def]
    keys = {
        "goals": lambda r: r.figures.goals_declared,
        "approved": lambda r: r.figures.goals_approved,
        "reported": lambda r: r.figures.reported_units,
        "execution": lambda r: (
            r.figures.execution_rate if r.figures.execution_rate is not None else Decimal(-1)
        ),
        "alerts": lambda r: r.figures.alerts_open,
        "evaluated": lambda r: r.figures.evaluations_finalised,
        "rectifications": lambda r: r.figures.rectifications_open,
        "overdue": lambda r: r.figures.rectifications_overdue,
        "late": lambda r: r.figures.late_units,
    }
    return keys.get(sort)


def sort_rows(rows: list[Row], sort: str, descending: bool) -> list[Row]:
    """The root's own row first, then the others by ``sort`` (ties by code; ``name``: the
    registry's order, the tree's)."""
    own = [row for row in rows if row.own]
    others = [row for row in rows if not row.own]
    key = _sort_key(sort)
    if key is not None:
        others.sort(key=lambda r: r.code)
        others.sort(key=key, reverse=descending)
    elif descending:
        others.reverse()
    return own + others

"""首页: where every unit in the reader's scope stands in a year's cycle, read from the public
tables only (goal submissions, execution facts, alert records, project facts, rectification
requests, monitoring rounds) — never a unit's schema. A fixed number of queries whatever the
number of units, and rows of the size of the table shown: the figures are grouped by unit and
rolled up by the root's children in one statement (``_GROUPS_SQL``), so a province of 3,600
units brings back one row per city, not one per unit.

The cycle of year Y (docs/console.md, "home"): goals, monitoring and alerts of fiscal year Y;
the year-end self-evaluation of fiscal year Y − 1 (done during Y) and the rectifications it
opened. Self-evaluations appear in the public facts when finalised (``ProjectFact.finalised_at``),
so the page counts finalised ones: a submitted, not yet finalised evaluation lives only in the
unit's schema.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Model, Q, Sum

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
    path: str = ""  # the unit's path (the registry's order)

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


@dataclass(frozen=True)
class Group:
    """One line of the grouped statement: a root's own figures (``head`` None) or a child of the
    root with its subtree (``unit_id`` None: the child is not an active unit)."""

    root: str
    head: str | None
    unit_id: int | None
    code: str
    name: str
    level: str
    figures: Figures


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# The cycle's figures of every unit of the scope, rolled up in PostgreSQL by the child of the
# root whose subtree holds the unit (``head``: the child's path; NULL for the root itself), so
# that ~one row per city leaves the database whatever the number of units. Per unit first
# (each table grouped by unit, joined to the units), then per group: the counts summed, the
# late units counted, the reasons found under the group or-ed.
_GROUPS_SQL = """
WITH u AS (
    SELECT id, root,
        CASE WHEN path = root THEN NULL
            ELSE root || split_part(substr(path, length(root) + 1), '/', 1) || '/'
        END AS head
    FROM (
        SELECT p.id, p.path, (
            SELECT r FROM unnest(%(roots)s::text[]) r WHERE left(p.path, length(r)) = r LIMIT 1
        ) AS root
        -- LIKE on constant patterns: the planner sees how many units (3,600, not a guess)
        FROM {units} p WHERE p.active AND p.path LIKE ANY(%(patterns)s::text[])
    ) s
),
g AS (
    SELECT unit_id,
        count(*) FILTER (WHERE status = ANY(%(declared)s) OR submitted_at IS NOT NULL) AS declared,
        count(*) FILTER (WHERE status = 'approved') AS approved
    FROM {goals} WHERE fiscal_year = %(year)s AND unit_id IN (SELECT id FROM u)
    GROUP BY unit_id
),
e AS (
    SELECT unit_id, projects, full_budget, spent
    FROM {executions}
    WHERE fiscal_year = %(year)s AND month = %(month)s AND unit_id IN (SELECT id FROM u)
),
a AS (
    SELECT unit_id, count(*) AS open, count(*) FILTER (WHERE answer_due < %(today)s) AS overdue
    FROM {alerts}
    WHERE fiscal_year = %(year)s AND status = 'open' AND unit_id IN (SELECT id FROM u)
    GROUP BY unit_id
),
ev AS (
    SELECT unit_id, count(*) AS due, count(finalised_at) AS done
    FROM {projects} WHERE fiscal_year = %(last_year)s AND unit_id IN (SELECT id FROM u)
    GROUP BY unit_id
),
rc AS (
    SELECT unit_id, count(*) AS open, count(*) FILTER (WHERE overdue) AS overdue
    FROM {rectifications}
    WHERE fiscal_year = %(last_year)s AND status = ANY(%(open_statuses)s)
        AND unit_id IN (SELECT id FROM u)
    GROUP BY unit_id
),
-- one row per unit and table, added up per unit (a join of the five would make the planner
-- multiply its guesses into millions of rows and compile the statement: seconds)
facts AS (
    SELECT unit_id, declared, approved, 0 AS reported, 0 AS projects, 0 AS full_budget,
        0 AS spent, 0 AS alerts_open, 0 AS alerts_overdue, 0 AS due, 0 AS done,
        0 AS rect_open, 0 AS rect_overdue
    FROM g
    UNION ALL
    SELECT unit_id, 0, 0, 1, projects, full_budget, spent, 0, 0, 0, 0, 0, 0 FROM e
    UNION ALL
    SELECT unit_id, 0, 0, 0, 0, 0, 0, open, overdue, 0, 0, 0, 0 FROM a
    UNION ALL
    SELECT unit_id, 0, 0, 0, 0, 0, 0, 0, 0, due, done, 0, 0 FROM ev
    UNION ALL
    SELECT unit_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, open, overdue FROM rc
),
per_unit AS (
    SELECT u.root, u.head,
        coalesce(sum(f.declared), 0) AS declared, coalesce(sum(f.approved), 0) AS approved,
        coalesce(sum(f.reported), 0) > 0 AS reported,
        coalesce(sum(f.projects), 0) AS projects,
        coalesce(sum(f.full_budget), 0) AS full_budget, coalesce(sum(f.spent), 0) AS spent,
        coalesce(sum(f.alerts_open), 0) AS alerts_open,
        coalesce(sum(f.alerts_overdue), 0) AS alerts_overdue,
        coalesce(sum(f.due), 0) AS due, coalesce(sum(f.done), 0) AS done,
        coalesce(sum(f.rect_open), 0) AS rect_open,
        coalesce(sum(f.rect_overdue), 0) AS rect_overdue,
        (%(closed)s AND coalesce(sum(f.reported), 0) = 0) AS late_monitoring
    FROM u LEFT JOIN facts f ON f.unit_id = u.id
    GROUP BY u.id, u.root, u.head
),
grouped AS (
    SELECT root, head, count(*) AS units,
        sum(declared) AS declared, sum(approved) AS approved,
        count(*) FILTER (WHERE reported) AS reported, sum(projects) AS projects,
        sum(full_budget) AS full_budget, sum(spent) AS spent,
        sum(alerts_open) AS alerts_open, sum(alerts_overdue) AS alerts_overdue,
        sum(due) AS due, sum(done) AS done,
        sum(rect_open) AS rect_open, sum(rect_overdue) AS rect_overdue,
        count(*) FILTER (
            WHERE late_monitoring OR alerts_overdue > 0 OR rect_overdue > 0
        ) AS late_units,
        bool_or(late_monitoring) AS late_monitoring,
        bool_or(alerts_overdue > 0) AS late_alerts,
        bool_or(rect_overdue > 0) AS late_rectification
    FROM per_unit GROUP BY root, head
)
SELECT grouped.*, h.id, h.code, h.name, h.level
FROM grouped LEFT JOIN {units} h ON h.path = grouped.head AND h.active
"""


def _like_prefix(path: str) -> str:
    """A LIKE pattern for the paths starting with ``path``."""
    escaped = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def _groups(
    paths: Sequence[str], fiscal_year: int, today: datetime.date, current: RoundInfo | None
) -> list[Group]:
    """The figures of each root's own unit and of each child of a root with its subtree (one
    statement, ``_GROUPS_SQL``)."""
    sql = _GROUPS_SQL.format(
        units=_table(Procuratorate),
        goals=_table(GoalSubmission),
        executions=_table(ExecutionFact),
        alerts=_table(AlertRecord),
        projects=_table(ProjectFact),
        rectifications=_table(RectificationRequest),
    )
    params: dict[str, Any] = {
        "roots": list(paths),
        "patterns": [_like_prefix(path) for path in paths],
        "declared": list(DECLARED),
        "year": fiscal_year,
        "last_year": fiscal_year - 1,
        "month": current.month if current is not None else 0,
        "today": today,
        "closed": bool(current is not None and current.closed),
        "open_statuses": [RectificationStatus.OPEN.value, RectificationStatus.RESPONDED.value],
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    groups = []
    for (
        root,
        head,
        units,
        declared,
        approved,
        reported,
        projects,
        full_budget,
        spent,
        alerts_open,
        alerts_overdue,
        due,
        done,
        rect_open,
        rect_overdue,
        late_units,
        late_monitoring,
        late_alerts,
        late_rectification,
        unit_id,
        code,
        name,
        level,
    ) in fetched:
        late = {
            key
            for key, found in (
                (LATE_MONITORING, late_monitoring),
                (LATE_ALERTS, late_alerts),
                (LATE_RECTIFICATION, late_rectification),
            )
            if found
        }
        figures = Figures(
            units=units,
            goals_declared=int(declared),
            goals_approved=int(approved),
            reported_units=reported,
            reported_projects=int(projects),
            full_budget=Decimal(full_budget),
            spent=Decimal(spent),
            alerts_open=int(alerts_open),
            alerts_overdue=int(alerts_overdue),
            evaluations_due=int(due),
            evaluations_finalised=int(done),
            rectifications_open=int(rect_open),
            rectifications_overdue=int(rect_overdue),
            late_units=late_units,
            late=late,
        )
        groups.append(Group(root, head, unit_id, code or "", name or "", level or "", figures))
    return groups


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
    their subtrees rolled up. Four queries whatever the number of units: the reference round,
    the grouped figures, the curve, the years."""
    # A root inside another root's subtree (a province admin who is also a city reviewer) adds
    # nothing: the outer root's rows cover it.
    roots = sorted(
        (r for r in roots if not any(o.pk != r.pk and r.path.startswith(o.path) for o in roots)),
        key=lambda unit: unit.path,
    )
    paths = [root.path for root in roots]
    scope = _scope(paths)
    provinces = {path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)[0] for path in paths}
    current = reference_round(provinces, fiscal_year, today)
    rows: dict[str, Row] = {}
    for root in roots:
        rows[root.path] = Row(
            root.pk, root.code, root.name, root.level, Figures(), own=True, path=root.path
        )
    heads: list[Row] = []
    for group in _groups(paths, fiscal_year, today, current):
        if group.head is None:
            rows[group.root].figures = group.figures
        elif group.unit_id is not None:  # an inactive child hides its subtree, as the registry
            heads.append(
                Row(
                    group.unit_id,
                    group.code,
                    group.name,
                    group.level,
                    group.figures,
                    children=group.figures.units - 1,
                    path=group.head,
                )
            )
    heads.sort(key=lambda row: row.path)  # byte order: the registry's
    for head in heads:
        rows[head.path] = head
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


def _sort_key(sort: str) -> Callable[[Row], int | Decimal] | None:
    keys: dict[str, Callable[[Row], int | Decimal]] = {
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

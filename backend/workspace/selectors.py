"""The unit workspace's cross-domain reads (no writes, no rules of their own: each item is a
state the owning app defines).

- ``my_tasks``: what waits for the user at the unit, by the roles held there (工作台);
- ``project_overview``: a project's goal, monitoring, evaluations and results (the project
  page's tabs);
- ``benchmark_overview``: the unit's position on the key metrics (对标).

Each runs a fixed number of queries, whatever the number of projects."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Case, Exists, IntegerField, Max, OuterRef, Prefetch, Value, When
from django.utils import timezone

from backend.accounts.models import Role
from backend.accounts.policy import Op, UnitAccess
from backend.benchmarking.models import ExecutionFact
from backend.benchmarking.selectors import UnitPosition, unit_positions
from backend.budgets.models import Project
from backend.evaluation.models import DepartmentEvaluation, EvaluationStatus, SelfEvaluation
from backend.feedback.models import (
    BudgetLinkage,
    FeedbackItem,
    RectificationRequest,
    RectificationStatus,
)
from backend.goals.models import (
    AdjustmentRequest,
    AdjustmentStatus,
    Decision,
    GoalReview,
    GoalStatus,
    PerformanceGoal,
)
from backend.goals.selectors import goals
from backend.monitoring.models import Alert, AlertStatus, EntryStatus, MonitoringEntry
from backend.oversight import selectors as oversight
from backend.oversight.models import MonitoringRound
from tenants.models import Procuratorate


class Group(StrEnum):
    GOALS = "goals"
    MONITORING = "monitoring"
    EVALUATION = "evaluation"
    RESULTS = "results"


GROUP_LABELS = {
    Group.GOALS: "绩效目标",
    Group.MONITORING: "运行监控",
    Group.EVALUATION: "绩效自评",
    Group.RESULTS: "结果应用",
}


class TaskKind(StrEnum):
    GOAL_TO_DRAFT = "goal_to_draft"  # a project of this year or later without a goal
    GOAL_DRAFT = "goal_draft"
    GOAL_RETURNED = "goal_returned"
    GOAL_TO_APPROVE = "goal_to_approve"  # submitted, awaiting the unit's leader
    GOAL_TO_CITY_REVIEW = "goal_to_city_review"  # approved by the leader, awaiting the city
    ADJUSTMENT_TO_FINISH = "adjustment_to_finish"  # a draft or returned adjustment request
    ADJUSTMENT_TO_APPROVE = "adjustment_to_approve"
    MONITORING_ENTRY = "monitoring_entry"  # a project without a submitted entry in an open round
    ALERT = "alert"  # an alert not answered yet
    EVALUATION_TO_START = "evaluation_to_start"  # last year's approved goal, no evaluation
    EVALUATION_DRAFT = "evaluation_draft"
    EVALUATION_RETURNED = "evaluation_returned"
    EVALUATION_TO_FINALISE = "evaluation_to_finalise"  # submitted, awaiting the leader
    RECTIFICATION = "rectification"  # open: the unit's response is due
    FEEDBACK = "feedback"  # a feedback item not answered yet


class Target(StrEnum):
    """What a task's link opens."""

    PROJECT = "project"  # the project (a goal is drafted from it)
    GOAL = "goal"
    MONITORING = "monitoring"  # the open round (an entry not started yet)
    MONITORING_ENTRY = "monitoring_entry"
    ALERT = "alert"
    EVALUATIONS = "evaluations"  # the list (an evaluation is started from it)
    EVALUATION = "evaluation"
    DEPARTMENT_EVALUATION = "department_evaluation"
    RECTIFICATION = "rectification"
    FEEDBACK = "feedback"


@dataclass(frozen=True)
class Task:
    kind: TaskKind
    group: Group
    title: str  # what to do, in Chinese ("编制绩效目标")
    subject: str  # what it is about (a project's name, an alert's message, a title)
    detail: str  # e.g. the return comment, the project's code and year
    target: Target
    target_id: int | None
    project_id: int | None = None
    due_on: datetime.date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class OpenRound:
    """A monitoring round open today: its deadline and how many expected projects (those with
    an approved goal of the round's year) have not submitted their entry."""

    round_id: int
    fiscal_year: int
    month: int
    kind_label: str
    closes_on: datetime.date
    expected: int
    missing: int


@dataclass(frozen=True)
class TaskList:
    tasks: tuple[Task, ...]
    rounds: tuple[OpenRound, ...]
    # The caller holds no role at the unit (a reviewer above reading it): the list is the
    # unit's open items, shown for reading, not the caller's own work.
    read_only: bool
    today: datetime.date = field(default_factory=timezone.localdate)

    def in_group(self, group: Group) -> list[Task]:
        return [t for t in self.tasks if t.group == group]

    @property
    def overdue(self) -> int:
        return sum(1 for t in self.tasks if t.overdue)


@dataclass(frozen=True)
class Perspective:
    """Which kinds of work the list shows, from the roles the user holds at the unit."""

    prepare: bool  # unit_finance: drafts, entries, self-evaluations
    approve: bool  # unit_leader: goals, adjustments and self-evaluations to decide
    respond: bool  # either: alerts, rectifications, feedback
    city_review: bool  # a city reviewer above the unit
    read_only: bool

    @classmethod
    def of(cls, access: UnitAccess) -> Perspective:
        prepare = Role.UNIT_FINANCE in access.here
        approve = Role.UNIT_LEADER in access.here
        city = access.allows(Op.GOAL_CITY_REVIEW)
        if prepare or approve:
            return cls(prepare, approve, True, city, read_only=False)
        # A reviewer above reads what the unit still has to do (and may have its own review).
        return cls(True, True, True, city, read_only=True)


def _project_label(project: Project) -> str:
    return f"{project.code} · {project.fiscal_year} 年度"


def _goal_tasks(view: Perspective, today: datetime.date) -> list[Task]:
    tasks: list[Task] = []
    statuses: list[str] = []
    if view.prepare:
        statuses += [GoalStatus.DRAFT, GoalStatus.RETURNED]
    if view.approve:
        statuses.append(GoalStatus.SUBMITTED)
    if view.city_review:
        statuses.append(GoalStatus.UNIT_APPROVED)
    if view.prepare:
        without_goal = (
            Project.objects.filter(fiscal_year__gte=today.year)
            .filter(~Exists(PerformanceGoal.objects.filter(project=OuterRef("pk"))))
            .order_by("fiscal_year", "code")
        )
        tasks += [
            Task(
                TaskKind.GOAL_TO_DRAFT,
                Group.GOALS,
                "编制绩效目标",
                p.name,
                _project_label(p),
                Target.PROJECT,
                p.pk,
                p.pk,
            )
            for p in without_goal
        ]
    if statuses:
        returns = GoalReview.objects.filter(decision=Decision.RETURN, adjustment__isnull=True)
        goals = (
            PerformanceGoal.objects.filter(status__in=statuses)
            .select_related("project")
            .prefetch_related(
                Prefetch("reviews", queryset=returns.order_by("-created_at", "-id"), to_attr="rs")
            )
            .order_by("fiscal_year", "project__code")
        )
        titles = {
            GoalStatus.DRAFT: (TaskKind.GOAL_DRAFT, "完成绩效目标并上报送审"),
            GoalStatus.RETURNED: (TaskKind.GOAL_RETURNED, "修改退回的绩效目标"),
            GoalStatus.SUBMITTED: (TaskKind.GOAL_TO_APPROVE, "审核绩效目标"),
            GoalStatus.UNIT_APPROVED: (TaskKind.GOAL_TO_CITY_REVIEW, "市院审核绩效目标"),
        }
        for goal in goals:
            kind, title = titles[GoalStatus(goal.status)]
            detail = _project_label(goal.project)
            if goal.status == GoalStatus.RETURNED and goal.rs and goal.rs[0].comment:
                detail = f"退回意见：{goal.rs[0].comment}"
            tasks.append(
                Task(
                    kind,
                    Group.GOALS,
                    title,
                    goal.project.name,
                    detail,
                    Target.GOAL,
                    goal.pk,
                    goal.project_id,
                )
            )
    adjustment_statuses: list[str] = []
    if view.prepare:
        adjustment_statuses += [AdjustmentStatus.DRAFT, AdjustmentStatus.RETURNED]
    if view.approve:
        adjustment_statuses.append(AdjustmentStatus.SUBMITTED)
    if view.city_review:
        adjustment_statuses.append(AdjustmentStatus.UNIT_APPROVED)
    if adjustment_statuses:
        requests = (
            AdjustmentRequest.objects.filter(status__in=adjustment_statuses)
            .select_related("goal__project")
            .order_by("created_at", "id")
        )
        for request in requests:
            to_finish = request.status in (AdjustmentStatus.DRAFT, AdjustmentStatus.RETURNED)
            tasks.append(
                Task(
                    TaskKind.ADJUSTMENT_TO_FINISH if to_finish else TaskKind.ADJUSTMENT_TO_APPROVE,
                    Group.GOALS,
                    ("完成目标调整申请" if to_finish else "审核目标调整申请")
                    + f"（{AdjustmentStatus(request.status).label}）",
                    request.goal.project.name,
                    f"调整原因：{request.reason}",
                    Target.GOAL,
                    request.goal_id,
                    request.goal.project_id,
                )
            )
    return tasks


def _open_rounds(unit: Procuratorate, today: datetime.date) -> list[MonitoringRound]:
    return list(oversight.rounds_for(unit).filter(opens_on__lte=today, closes_on__gte=today))


def _monitoring(
    unit: Procuratorate, view: Perspective, today: datetime.date
) -> tuple[list[Task], list[OpenRound]]:
    tasks: list[Task] = []
    rounds: list[OpenRound] = []
    for round in _open_rounds(unit, today):  # at most a few, whatever the projects
        expected = (
            Project.objects.filter(fiscal_year=round.fiscal_year)
            .filter(
                Exists(
                    PerformanceGoal.objects.filter(
                        project=OuterRef("pk"),
                        fiscal_year=round.fiscal_year,
                        status=GoalStatus.APPROVED,
                    )
                )
            )
            .prefetch_related(
                Prefetch(
                    "monitoring_entries",
                    queryset=MonitoringEntry.objects.filter(round=round),
                    to_attr="round_entries",
                )
            )
            .order_by("code")
        )
        missing = 0
        expected_count = 0
        for project in expected:
            expected_count += 1
            entry = project.round_entries[0] if project.round_entries else None
            if entry is not None and entry.status == EntryStatus.SUBMITTED:
                continue
            missing += 1
            if view.prepare:
                tasks.append(
                    Task(
                        TaskKind.MONITORING_ENTRY,
                        Group.MONITORING,
                        f"填报 {round.month} 月运行监控"
                        + ("（填报中）" if entry is not None else ""),
                        project.name,
                        _project_label(project),
                        Target.MONITORING_ENTRY if entry is not None else Target.MONITORING,
                        entry.pk if entry is not None else round.pk,
                        project.pk,
                        round.closes_on,
                        round.closes_on < today,
                    )
                )
        rounds.append(
            OpenRound(
                round.pk,
                round.fiscal_year,
                round.month,
                round.get_kind_display(),
                round.closes_on,
                expected_count,
                missing,
            )
        )
    if view.respond:
        alerts = (
            Alert.objects.filter(status=AlertStatus.OPEN)
            .select_related("project")
            .order_by("answer_due", "id")
        )
        tasks += [
            Task(
                TaskKind.ALERT,
                Group.MONITORING,
                f"答复预警（{alert.get_severity_display()}）",
                alert.message,
                alert.project.name if alert.project is not None else "本院",
                Target.ALERT,
                alert.pk,
                alert.project_id,
                alert.answer_due,
                alert.answer_due < today,
            )
            for alert in alerts
        ]
    return tasks, rounds


def _evaluation_tasks(view: Perspective, today: datetime.date) -> list[Task]:
    tasks: list[Task] = []
    if view.prepare:
        last_year = today.year - 1
        to_start = (
            Project.objects.filter(fiscal_year=last_year)
            .filter(
                Exists(
                    PerformanceGoal.objects.filter(
                        project=OuterRef("pk"), fiscal_year=last_year, status=GoalStatus.APPROVED
                    )
                )
            )
            .filter(
                ~Exists(
                    SelfEvaluation.objects.filter(project=OuterRef("pk"), fiscal_year=last_year)
                )
            )
            .order_by("code")
        )
        tasks += [
            Task(
                TaskKind.EVALUATION_TO_START,
                Group.EVALUATION,
                f"开展 {last_year} 年度绩效自评",
                p.name,
                _project_label(p),
                Target.EVALUATIONS,
                None,
                p.pk,
            )
            for p in to_start
        ]
    statuses = ([EvaluationStatus.DRAFT] if view.prepare else []) + (
        [EvaluationStatus.SUBMITTED] if view.approve else []
    )
    if not statuses:
        return tasks
    for evaluation in (
        SelfEvaluation.objects.filter(status__in=statuses)
        .select_related("project")
        .order_by("fiscal_year", "project__code")
    ):
        kind, title = _evaluation_step(evaluation.status, evaluation.return_comment)
        tasks.append(
            Task(
                kind,
                Group.EVALUATION,
                f"{title} {evaluation.fiscal_year} 年度项目自评",
                evaluation.project.name,
                f"退回意见：{evaluation.return_comment}"
                if evaluation.return_comment
                else _project_label(evaluation.project),
                Target.EVALUATION,
                evaluation.pk,
                evaluation.project_id,
            )
        )
    for department in DepartmentEvaluation.objects.filter(status__in=statuses).order_by(
        "fiscal_year"
    ):
        kind, title = _evaluation_step(department.status, department.return_comment)
        tasks.append(
            Task(
                kind,
                Group.EVALUATION,
                f"{title} {department.fiscal_year} 年度部门整体自评",
                "部门整体支出绩效自评",
                f"退回意见：{department.return_comment}" if department.return_comment else "",
                Target.DEPARTMENT_EVALUATION,
                department.pk,
            )
        )
    return tasks


def _evaluation_step(status: str, return_comment: str) -> tuple[TaskKind, str]:
    if status == EvaluationStatus.SUBMITTED:
        return TaskKind.EVALUATION_TO_FINALISE, "审核定稿"
    if return_comment:
        return TaskKind.EVALUATION_RETURNED, "修改退回的"
    return TaskKind.EVALUATION_DRAFT, "完成并提交"


def _results_tasks(unit: Procuratorate, view: Perspective, today: datetime.date) -> list[Task]:
    if not view.respond:
        return []
    tasks = [
        Task(
            TaskKind.RECTIFICATION,
            Group.RESULTS,
            "答复整改通知",
            r.title,
            r.project_name or r.get_origin_display(),
            Target.RECTIFICATION,
            r.pk,
            r.project_id,
            r.due_on,
            r.overdue or r.due_on < today,
        )
        for r in RectificationRequest.objects.filter(
            unit=unit, status=RectificationStatus.OPEN
        ).order_by("due_on", "id")
    ]
    for item in (
        FeedbackItem.objects.filter(unit=unit, answered_at__isnull=True)
        .select_related("batch")
        .order_by("batch__due_on", "-batch__created_at", "id")
    ):
        due = item.batch.due_on
        tasks.append(
            Task(
                TaskKind.FEEDBACK,
                Group.RESULTS,
                "回复反馈意见" + ("（未读）" if item.read_at is None else ""),
                item.batch.title,
                f"{item.batch.fiscal_year} 年度",
                Target.FEEDBACK,
                item.pk,
                None,
                due,
                due is not None and due < today,
            )
        )
    return tasks


def my_tasks(
    unit: Procuratorate, access: UnitAccess, *, today: datetime.date | None = None
) -> TaskList:
    """What waits at ``unit`` for the user whose access is ``access`` (the roles held there):

    - ``unit_finance`` prepares: projects of this year or later without a goal, goals in draft
      or returned, adjustment requests in draft or returned, the projects with an approved
      goal that have not submitted their entry in an open monitoring round, last year's
      approved goals without a self-evaluation, self-evaluations in draft (returned ones say
      so);
    - ``unit_leader`` approves: submitted goals, adjustment requests and self-evaluations;
    - both answer: open alerts, open rectification requests, unanswered feedback;
    - a city reviewer above the unit also sees the goals and adjustment requests awaiting the
      city; a reviewer above without a role here reads the unit's whole list (``read_only``).

    Items with a deadline carry it (``due_on``) and whether it has passed (``overdue``). A fixed
    number of queries (about ten, plus one per open round), whatever the number of projects.
    """
    today = today or timezone.localdate()
    view = Perspective.of(access)
    tasks = _goal_tasks(view, today)
    monitoring_tasks, rounds = _monitoring(unit, view, today)
    tasks += monitoring_tasks
    tasks += _evaluation_tasks(view, today)
    tasks += _results_tasks(unit, view, today)
    return TaskList(tuple(tasks), tuple(rounds), view.read_only, today)


# --- a project's page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectResults:
    rectifications: list[RectificationRequest]
    linkages: list[BudgetLinkage]


def project_goals(project: Project) -> list[PerformanceGoal]:
    """The project's goals (latest year first) with their indicators: two queries."""
    return list(goals(project=project).order_by("-fiscal_year"))


def project_entries(project: Project) -> list[MonitoringEntry]:
    """The project's monitoring entries by month: one query."""
    return list(MonitoringEntry.objects.filter(project=project).order_by("month", "id"))


def project_alerts(project: Project) -> list[Alert]:
    """The project's alerts, open ones first, newest first: one query."""
    order = Case(
        When(status=AlertStatus.OPEN, then=Value(0)),
        When(status=AlertStatus.ANSWERED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(
        Alert.objects.filter(project=project)
        .select_related("goal_indicator")
        .order_by(order, "-raised_at", "-id")
    )


def project_evaluations(project: Project) -> list[SelfEvaluation]:
    """The project's self-evaluations, latest year first: one query."""
    return list(SelfEvaluation.objects.filter(project=project).order_by("-fiscal_year"))


def project_results(unit: Procuratorate, project: Project) -> ProjectResults:
    """The rectification requests and budget linkage about the project (public rows of this
    unit that name the project): two queries."""
    rectifications = RectificationRequest.objects.filter(
        unit=unit, project_id=project.pk
    ).select_related("issuer")
    linkages = BudgetLinkage.objects.filter(unit=unit, project_id=project.pk)
    return ProjectResults(
        list(rectifications.order_by("-fiscal_year", "due_on", "id")),
        list(linkages.order_by("-fiscal_year")),
    )


# --- the unit's benchmark -----------------------------------------------------------------------


# The key metrics a unit compares itself on: in-year (latest month with figures) and year-end.
IN_YEAR_METRICS = ("execution_rate", "forecast_rate", "open_alerts", "spending_per_procurator")
YEAR_END_METRICS = (
    "self_score",
    "department_score",
    "key_score",
    "self_key_gap",
    "cases_per_procurator",
    "rectifications_open",
    "rectifications_overdue",
)


@dataclass(frozen=True)
class BenchmarkOverview:
    fiscal_year: int  # the in-year figures
    month: int | None  # the latest month with the unit's execution figures, if any
    evaluation_year: int  # the year-end figures (the year before)
    in_year: list[UnitPosition]
    year_end: list[UnitPosition]


def latest_month(unit: Procuratorate, fiscal_year: int) -> int | None:
    """The latest month of ``fiscal_year`` with the unit's execution figures (one query)."""
    return ExecutionFact.objects.filter(unit=unit, fiscal_year=fiscal_year).aggregate(
        m=Max("month")
    )["m"]


def benchmark_overview(unit: Procuratorate, fiscal_year: int) -> BenchmarkOverview:
    """The unit's rank, percentile and group distributions on the key metrics — the same reads
    as ``myBenchmark`` (``benchmarking.selectors.unit_position``), never another unit's
    identity. In-year metrics for ``fiscal_year`` at its latest month with figures; year-end
    metrics for the year before. One query per metric, plus the groups, the units of each of
    the two years and the latest month."""
    month = latest_month(unit, fiscal_year)
    positions = unit_positions(
        unit,
        [(key, fiscal_year, month or 12, None) for key in IN_YEAR_METRICS]
        + [(key, fiscal_year - 1, None, None) for key in YEAR_END_METRICS],
    )
    split = len(IN_YEAR_METRICS)
    return BenchmarkOverview(
        fiscal_year, month, fiscal_year - 1, positions[:split], positions[split:]
    )

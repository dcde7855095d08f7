"""A unit's year with one item of every kind the 工作台 lists, written with the ORM inside the
unit's schema (call inside ``tenant_context``). Used by the selector and API tests, the page
tests and the browser test (which passes a ``bt-`` prefix for the codes and commits)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from backend.budgets.models import Expenditure, Project
from backend.evaluation.models import EvaluationStatus, SelfEvaluation
from backend.feedback.models import FeedbackBatch, FeedbackItem, RectificationRequest
from backend.goals.models import Decision, GoalReview, GoalStatus, ReviewStage
from backend.monitoring.models import Alert, AlertKind, EntryStatus, MonitoringEntry, Severity
from backend.oversight.models import MonitoringRound, RoundKind
from tenants.models import Procuratorate
from tests.goals.factories import ProjectFactory, make_goal

D = Decimal
DAY = datetime.timedelta(days=1)


@dataclass
class Year:
    """What ``build_year`` made, by role in the story."""

    today: datetime.date
    no_goal: Project
    draft: Any
    returned: Any
    submitted: Any
    approved: list[Any]
    round: MonitoringRound
    submitted_entry: MonitoringEntry
    draft_entry: MonitoringEntry
    alert_overdue: Alert
    alert_due: Alert
    evaluation_draft: SelfEvaluation
    evaluation_returned: SelfEvaluation
    evaluation_submitted: SelfEvaluation
    last_year_unevaluated: Project
    rectification: RectificationRequest
    feedback: FeedbackItem
    extra: dict[str, Any] = field(default_factory=dict)


def _project(prefix: str, code: str, name: str, year: int, **fields: Any) -> Project:
    return ProjectFactory(code=f"{prefix}{code}", name=name, fiscal_year=year, **fields)


def build_year(prefix: str = "", *, today: datetime.date | None = None) -> Year:
    """Everything the to-do list shows, in the current schema (a unit's)."""
    unit: Procuratorate = connection.tenant
    today = today or timezone.localdate()
    year = today.year
    no_goal = _project(prefix, "tech", "检察技术装备购置", year, kind="equipment")
    draft = make_goal(project=_project(prefix, "train", "检察人员教育培训", year))
    returned = make_goal(
        project=_project(prefix, "info", "智慧检务系统建设", year),
        status=GoalStatus.RETURNED,
    )
    GoalReview.objects.create(
        goal=returned,
        stage=ReviewStage.UNIT,
        decision=Decision.RETURN,
        grade="fair",
        comment="办案数量指标偏低，请按上年实际调整。",
        reviewer_unit_code=unit.code,
    )
    submitted = make_goal(
        project=_project(prefix, "pil", "公益诉讼专项经费", year),
        status=GoalStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    approved = [
        make_goal(
            project=_project(
                prefix, code, name, year, initial_budget=budget, department="计划财务装备处"
            ),
            status=GoalStatus.APPROVED,
            approved_at=timezone.now(),
        )
        for code, name, budget in (
            ("case", "办案业务经费", D("1280000.00")),
            ("upkeep", "检察技术装备运行维护", D("356000.00")),
            ("station", "派驻检察室运转经费", D("185500.00")),
        )
    ]
    hunan = Procuratorate.objects.get(code="hunan")
    month = 11 if today.month == 12 else max(today.month - 1, 1)
    round, _ = MonitoringRound.objects.get_or_create(
        province=hunan,
        fiscal_year=year,
        month=month,
        defaults={
            "kind": RoundKind.MONTHLY,
            "opens_on": today - 3 * DAY,
            "closes_on": today + 10 * DAY,
        },
    )
    entries = [
        MonitoringEntry.objects.create(
            project=goal.project,
            round=round,
            month=month,
            full_budget=goal.project.full_budget,
            spent_to_date=goal.project.full_budget * D("0.6"),
            spent_source="entered",
            execution_rate=D("60.00"),
            time_progress=D(month * 100) / 12,
            forecast_rate=D("92.00"),
            status=status,
            submitted_at=timezone.now() if status == EntryStatus.SUBMITTED else None,
        )
        for goal, status in zip(
            approved[:2], (EntryStatus.SUBMITTED, EntryStatus.DRAFT), strict=True
        )
    ]
    alerts = [
        Alert.objects.create(
            key=f"{prefix}lag-{approved[0].project_id}-{due}",
            kind=AlertKind.EXECUTION_LAG,
            severity=severity,
            fiscal_year=year,
            month=month,
            project=approved[0].project,
            message=message,
            last_seen_at=timezone.now(),
            answer_due=due,
        )
        for due, severity, message in (
            (today - 2 * DAY, Severity.SERIOUS, "预算执行率落后时间进度 25.0 个百分点"),
            (today + 7 * DAY, Severity.WARNING, "预算执行率落后时间进度 12.0 个百分点"),
        )
    ]
    last = year - 1
    evaluated = [
        make_goal(
            project=_project(prefix, f"{last}-{code}", name, last),
            status=GoalStatus.APPROVED,
            approved_at=timezone.now(),
        )
        for code, name in (
            ("case", "办案业务经费"),
            ("info", "电子卷宗系统升级"),
            ("train", "检察官业务培训"),
            ("pil", "公益诉讼快速检测设备"),
        )
    ]
    evaluations = [
        SelfEvaluation.objects.create(
            project=goal.project,
            goal=goal,
            fiscal_year=last,
            status=status,
            full_budget=goal.project.full_budget,
            layout="split",
            execution_weight=D("10"),
            return_comment=comment,
        )
        for goal, status, comment in (
            (evaluated[0], EvaluationStatus.DRAFT, ""),
            (evaluated[1], EvaluationStatus.DRAFT, "请补充偏差原因分析。"),
            (evaluated[2], EvaluationStatus.SUBMITTED, ""),
        )
    ]
    Expenditure.objects.create(
        project=approved[0].project, date=datetime.date(year, 3, 1), amount=D("1000.00")
    )
    rectification = RectificationRequest.objects.create(
        unit=unit,
        issuer=Procuratorate.objects.get(code="loudi"),
        fiscal_year=last,
        origin="reviewer",
        project_id=evaluated[3].project_id,
        project_code=evaluated[3].project.code,
        project_name=evaluated[3].project.name,
        title="绩效目标设置不够细化",
        requirement="细化产出指标，补充佐证材料。",
        due_on=today - 5 * DAY,
        overdue=True,
    )
    batch = FeedbackBatch.objects.create(
        issuer=hunan,
        fiscal_year=last,
        title=f"关于{last}年度绩效自评情况的反馈",
        body="请对照问题清单逐项说明。",
        due_on=today + 20 * DAY,
    )
    feedback = FeedbackItem.objects.create(batch=batch, unit=unit)
    return Year(
        today=today,
        no_goal=no_goal,
        draft=draft,
        returned=returned,
        submitted=submitted,
        approved=approved,
        round=round,
        submitted_entry=entries[0],
        draft_entry=entries[1],
        alert_overdue=alerts[0],
        alert_due=alerts[1],
        evaluation_draft=evaluations[0],
        evaluation_returned=evaluations[1],
        evaluation_submitted=evaluations[2],
        last_year_unevaluated=evaluated[3].project,
        rectification=rectification,
        feedback=feedback,
    )

"""In-year monitoring (绩效运行监控, "dual monitoring") of a unit's projects (tenant schema):
one entry per project and round, alerts with their evidence and their life."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from backend.core.history import UnitHistory
from backend.core.numbers import MONEY, PERCENT


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "填报中"
    SUBMITTED = "submitted", "已提交"


class SpentSource(models.TextChoices):
    EXPENDITURES = "expenditures", "按支出记录"
    ENTERED = "entered", "手工填报"


class MonitoringEntry(models.Model):
    """A project's figures at one round (checkpoint): money and indicator progress."""

    project = models.ForeignKey(
        "budgets.Project",
        on_delete=models.CASCADE,
        related_name="monitoring_entries",
        db_index=False,
    )
    round = models.ForeignKey(
        "oversight.MonitoringRound",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    month = models.PositiveSmallIntegerField("截至月份")  # the round's month, copied
    full_budget = models.DecimalField("全年预算数（元）", **MONEY)  # as at the round
    spent_to_date = models.DecimalField("累计支出（元）", **MONEY)
    spent_source = models.CharField(max_length=16, choices=SpentSource.choices)
    execution_rate = models.DecimalField("预算执行率（%）", **PERCENT)
    time_progress = models.DecimalField("时间进度（%）", **PERCENT)
    forecast_rate = models.DecimalField("预计全年执行率（%）", **PERCENT, null=True, blank=True)
    status = models.CharField(max_length=16, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # A late entry (逾期补报): recorded after its round closed, with the unit's reason. Flagged,
    # never refused; ``late_on`` is the day it was started late, then the day it was submitted.
    late_reason = models.TextField("逾期补报原因", blank=True)
    late_on = models.DateField("逾期补报日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic versioning (backend/core/versioning.py): raised by every change of the row or
    # of its indicator rows.
    version = models.PositiveIntegerField("版本", default=1)
    history = UnitHistory()

    class Meta:
        verbose_name = "监控填报"
        verbose_name_plural = "监控填报"
        ordering = ["project", "month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "round"], name="entry_project_round")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} @ {self.month}"

    @property
    def late(self) -> bool:
        return self.late_on is not None


class Likelihood(models.TextChoices):
    CERTAIN = "certain", "确定能"
    POSSIBLE = "possible", "有可能"
    IMPOSSIBLE = "impossible", "完全不可能"


class DeviationCause(models.TextChoices):
    FUNDING = "funding", "经费保障"
    SYSTEMS = "systems", "制度保障"
    STAFFING = "staffing", "人员保障"
    EQUIPMENT = "equipment", "硬件条件保障"
    OTHER = "other", "其他"


class EntryIndicator(models.Model):
    """One goal indicator's progress in an entry."""

    entry = models.ForeignKey(
        MonitoringEntry,
        on_delete=models.CASCADE,
        related_name="indicators",
        db_index=False,
    )
    goal_indicator = models.ForeignKey(
        "goals.GoalIndicator", on_delete=models.CASCADE, related_name="monitoring"
    )
    value_to_date = models.DecimalField(
        "累计完成值", max_digits=16, decimal_places=4, null=True, blank=True
    )
    text_to_date = models.CharField("完成情况", max_length=500, blank=True)
    projected_value = models.DecimalField(
        "预计全年完成值", max_digits=16, decimal_places=4, null=True, blank=True
    )
    likelihood = models.CharField(
        "年底能否完成", max_length=16, choices=Likelihood.choices, blank=True
    )
    deviation_cause = models.CharField(
        "偏差原因", max_length=16, choices=DeviationCause.choices, blank=True
    )
    corrective_measure = models.TextField("纠偏措施", blank=True)
    history = UnitHistory()

    class Meta:
        verbose_name = "监控指标"
        verbose_name_plural = "监控指标"
        ordering = ["entry", "goal_indicator__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "goal_indicator"], name="entry_indicator_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}/{self.goal_indicator_id}"


class AlertKind(models.TextChoices):
    EXECUTION_LAG = "execution_lag", "预算执行滞后"
    INDICATOR_RISK = "indicator_risk", "指标完成风险"
    ACHIEVEMENT_GAP = "achievement_gap", "指标完成与执行进度偏离"
    SILENT_UNIT = "silent_unit", "未按期填报"
    FORECAST = "forecast", "预计全年执行率偏低"


class Severity(models.TextChoices):
    WARNING = "warning", "黄色预警"
    SERIOUS = "serious", "红色预警"


class AlertStatus(models.TextChoices):
    OPEN = "open", "待反馈"
    ANSWERED = "answered", "已反馈"
    RESOLVED = "resolved", "已解除"


class Response(models.TextChoices):
    CONTINUE = "continue", "继续执行"
    REALLOCATE = "reallocate", "调整资金用途"
    CANCEL = "cancel", "取消项目"


class Alert(models.Model):
    """A warning raised by the rules, with the numbers that triggered it. ``key`` identifies
    what it is about (rule, project, indicator, round) so that re-running the rules updates it
    instead of raising it twice."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField("类型", max_length=32, choices=AlertKind.choices)
    severity = models.CharField("等级", max_length=16, choices=Severity.choices)
    fiscal_year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField("监控月份")
    project = models.ForeignKey(
        "budgets.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    goal_indicator = models.ForeignKey(
        "goals.GoalIndicator",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    message = models.CharField(max_length=500)
    evidence = models.JSONField("依据", default=dict)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    raised_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()
    answer_due = models.DateField("反馈期限")
    response = models.CharField("处理意见", max_length=16, choices=Response.choices, blank=True)
    response_note = models.TextField("说明", blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField("解除原因", max_length=200, blank=True)
    history = UnitHistory()

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["status", "kind"], name="alert_status_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.status})"

"""What the levels above see of the units below, without reading their schemas (public)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from backend.core.numbers import POINTS


class ExecutionRule(models.TextChoices):
    """The three ways provinces word the execution-lag rule."""

    POINTS = "points", "落后时间进度百分点"
    RATIO = "ratio", "执行进度与时间进度之比"
    FLOOR = "floor", "各节点执行率下限"


class KeyScoreRule(models.TextChoices):
    """How evaluators' scores of a key evaluation become its score."""

    MEAN = "mean", "算术平均"
    MEDIAN = "median", "中位数"
    TRIMMED = "trimmed", "去掉最高最低后平均"


def default_floors() -> dict[str, int]:
    return {"4": 25, "6": 40, "8": 60, "10": 80}


def default_department_weights() -> dict[str, int]:
    """投入 / 过程 / 产出 / 效果 of a department-wide evaluation (过程 includes the budget
    execution rate's points)."""
    return {"input": 15, "process": 55, "output": 20, "outcome": 10}


class ProvincePolicy(models.Model):
    """Settings a provincial office makes for every unit under it. Missing = the defaults of
    domain.md."""

    province = models.OneToOneField(
        "tenants.Procuratorate", on_delete=models.CASCADE, related_name="policy"
    )
    # Goals need the parent city's reviewer after the unit leader (市院审核).
    require_city_review = models.BooleanField("目标须经市院审核", default=False)
    # In-year monitoring (domain.md, "In-year monitoring"); percentages are points of 100.
    execution_rule = models.CharField(
        "执行进度预警口径",
        max_length=8,
        choices=ExecutionRule.choices,
        default=ExecutionRule.POINTS,
    )
    lag_warning_points = models.DecimalField("落后时间进度（黄）", **POINTS, default=Decimal(10))
    lag_serious_points = models.DecimalField("落后时间进度（红）", **POINTS, default=Decimal(20))
    ratio_yellow = models.DecimalField("执行/时间进度低于（黄）", **POINTS, default=Decimal(80))
    ratio_red = models.DecimalField("执行/时间进度低于（红）", **POINTS, default=Decimal(60))
    execution_floors = models.JSONField(
        "各节点执行率下限", default=default_floors, help_text='{"4": 25, "6": 40, ...}'
    )
    indicator_lag_points = models.DecimalField(
        "指标进度落后时间进度", **POINTS, default=Decimal(20)
    )
    gap_points = models.DecimalField("指标完成与执行进度偏离", **POINTS, default=Decimal(15))
    silent_days = models.PositiveSmallIntegerField("逾期未填报天数", default=10)
    answer_working_days = models.PositiveSmallIntegerField("预警反馈期限（工作日）", default=10)
    forecast_threshold = models.DecimalField("预计全年执行率下限", **POINTS, default=Decimal(90))
    # Evaluation and results application (domain.md, "Scoring", "Results application").
    sampling_share = models.DecimalField("自评抽查比例（%）", **POINTS, default=Decimal(15))
    key_score_rule = models.CharField(
        "重点评价得分口径",
        max_length=8,
        choices=KeyScoreRule.choices,
        default=KeyScoreRule.MEAN,
    )
    overrate_points = models.DecimalField("自评虚高（分）", **POINTS, default=Decimal(10))
    rectification_days = models.PositiveSmallIntegerField("整改期限（天）", default=60)
    department_weights = models.JSONField(
        "部门整体评价分值（投入/过程/产出/效果）",
        default=default_department_weights,
        help_text='{"input": 15, "process": 55, "output": 20, "outcome": 10}',
    )
    linkage_increase_max = models.DecimalField("优：可增加至多（%）", **POINTS, default=Decimal(10))
    linkage_fair_reduce_max = models.DecimalField(
        "中：压减至多（%）", **POINTS, default=Decimal(10)
    )
    linkage_poor_reduce_min = models.DecimalField(
        "差：压减至少（%）", **POINTS, default=Decimal(20)
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "省院设置"
        verbose_name_plural = "省院设置"

    def __str__(self) -> str:
        return f"policy of {self.province_id}"


class GoalSubmission(models.Model):
    """A unit's goal as its reviewers see it: one row per (unit, goal), written in the same
    transaction as every transition of the goal (design.md §3: public rows point into a tenant
    only by (unit, id) pairs). The review inbox of leaders and city reviewers reads these."""

    unit = models.ForeignKey(
        "tenants.Procuratorate", on_delete=models.CASCADE, related_name="goal_submissions"
    )
    goal_id = models.BigIntegerField()
    project_code = models.CharField(max_length=64)
    project_name = models.CharField(max_length=200)
    fiscal_year = models.PositiveSmallIntegerField()
    full_budget = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))
    status = models.CharField(max_length=16)
    adjustment_status = models.CharField(max_length=16, blank=True)
    grade = models.CharField(max_length=16, blank=True)
    warnings = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "目标报送"
        verbose_name_plural = "目标报送"
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "goal_id"], name="goal_submission_unique")
        ]
        indexes = [
            models.Index(fields=["status", "fiscal_year"], name="goal_submission_status"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.goal_id} {self.status}"


class RoundKind(models.TextChoices):
    MONTHLY = "monthly", "月度监控"
    MIDYEAR = "midyear", "年中监控（1–7月）"


class MonitoringRound(models.Model):
    """A checkpoint a province sets for its units: figures to the end of ``month``, reported
    between ``opens_on`` and ``closes_on``. A closed round is read-only."""

    province = models.ForeignKey(
        "tenants.Procuratorate", on_delete=models.CASCADE, related_name="monitoring_rounds"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("截至月份")
    kind = models.CharField(max_length=8, choices=RoundKind.choices, default=RoundKind.MONTHLY)
    opens_on = models.DateField("开始填报")
    closes_on = models.DateField("截止填报")

    class Meta:
        verbose_name = "监控轮次"
        verbose_name_plural = "监控轮次"
        ordering = ["province", "fiscal_year", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "fiscal_year", "month"], name="round_month_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="round_month_range"
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="round_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}-{self.month:02} ({self.kind})"


class AlertRecord(models.Model):
    """A unit's alert as the levels above see it: one row per (unit, alert), written in the
    same transaction as the alert (design.md §3). Province and city queries filter these by
    kind, severity, city and month without opening the units' schemas."""

    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    alert_id = models.BigIntegerField()
    kind = models.CharField(max_length=32)
    severity = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    fiscal_year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    project_code = models.CharField(max_length=64, blank=True)
    project_name = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=500)
    evidence = models.JSONField(default=dict)
    raised_at = models.DateTimeField()
    answer_due = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "预警（汇总）"
        verbose_name_plural = "预警（汇总）"
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "alert_id"], name="alert_record_unique")
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "status", "kind"], name="alert_record_filter")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.alert_id} {self.kind}"


class SweepRecord(models.Model):
    """One unit swept by one run of the daily monitoring sweep (``run`` is the id of the beat's
    ``monitoring.sweep_all`` message, kept when that message is redelivered). Written in the
    unit's sweep transaction, so a redelivered or duplicated ``monitoring.sweep_unit`` finds it
    and leaves the unit alone: each unit is swept exactly once per run."""

    run = models.CharField(max_length=64)
    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    swept_at = models.DateTimeField(auto_now_add=True)
    raised = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "监控巡检记录"
        verbose_name_plural = "监控巡检记录"
        constraints = [models.UniqueConstraint(fields=["run", "unit"], name="sweep_record_unique")]

    def __str__(self) -> str:
        return f"{self.run} {self.unit_id} {self.as_of}"

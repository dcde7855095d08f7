"""Performance goals (绩效目标) of a unit's projects and their review (tenant schema)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from backend.core.history import UnitHistory
from backend.indicators.models import IndicatorFields


class GoalStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待单位审核"  # prepared by unit_finance, awaiting unit_leader
    UNIT_APPROVED = "unit_approved", "待市院审核"  # awaiting the parent city's reviewer
    APPROVED = "approved", "已批复"
    RETURNED = "returned", "已退回"
    REJECTED = "rejected", "不予纳入预算"


class Grade(models.TextChoices):
    """Goal review grades (domain.md, "Goal review")."""

    EXCELLENT = "excellent", "优"  # goes on
    GOOD = "good", "良"  # goes on after the agreed changes
    FAIR = "fair", "中"  # returned, must be resubmitted
    POOR = "poor", "差"  # cannot enter the budget


class PerformanceGoal(models.Model):
    project = models.ForeignKey(
        "budgets.Project",
        on_delete=models.CASCADE,
        related_name="goals",
        db_index=False,
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    overall_goal = models.TextField("年度总体目标")
    midterm_goal = models.TextField("中期目标", blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=GoalStatus.choices, default=GoalStatus.DRAFT
    )
    grade = models.CharField("审核等级", max_length=16, choices=Grade.choices, blank=True)
    # Problems found at the last submission that do not block it ("target lower than last
    # year's result"), shown to the reviewer: [{"indicator": code, "code": ..., "message": ...}]
    warnings = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # The leader the declaring leader handed the unit-stage approval to (no self-approval).
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        verbose_name="指定审核人",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic versioning (backend/core/versioning.py): raised by every change of the row or
    # of its indicator rows.
    version = models.PositiveIntegerField("版本", default=1)
    history = UnitHistory(indexed=("project",))

    class Meta:
        verbose_name = "绩效目标"
        verbose_name_plural = "绩效目标"
        ordering = ["-fiscal_year", "project_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "fiscal_year"], name="goal_project_year")
        ]
        indexes = [models.Index(fields=["fiscal_year", "status"], name="goal_year_status")]

    def __str__(self) -> str:
        return f"goal {self.pk} ({self.status})"

    @property
    def is_frozen(self) -> bool:
        """Approved targets change only through an adjustment request."""
        return self.status in (GoalStatus.APPROVED, GoalStatus.REJECTED)


class IndicatorSource(models.TextChoices):
    LIBRARY = "library", "本院指标库"  # a pushed template indicator or a local one
    GOAL = "goal", "本目标自设"


class GoalIndicator(IndicatorFields):
    """A level-3 indicator declared for one goal: a copy of a library indicator (keeping its
    template indicator code and version) or one written for this goal alone."""

    goal = models.ForeignKey(
        PerformanceGoal,
        on_delete=models.CASCADE,
        related_name="indicators",
        db_index=False,
    )
    # Looked up within one goal only: the (goal, code) constraint is its index.
    code = models.SlugField("指标编码", max_length=64, db_index=False)
    source = models.CharField(max_length=16, choices=IndicatorSource.choices)
    library_indicator = models.ForeignKey(
        "library.LibraryIndicator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="goal_indicators",
    )
    template_code = models.CharField("模板编码", max_length=64, blank=True)
    template_version = models.PositiveIntegerField("模板版本", null=True, blank=True)
    # The year-end result, recorded by the evaluation; last year's feeds this year's checks.
    actual_value = models.DecimalField(
        "实际完成值", max_digits=16, decimal_places=4, null=True, blank=True
    )
    actual_text = models.CharField("实际完成情况", max_length=500, blank=True)
    history = UnitHistory(indexed=("goal",))

    class Meta:
        verbose_name = "目标指标"
        verbose_name_plural = "目标指标"
        ordering = ["goal", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["goal", "code"], name="goal_indicator_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ReviewStage(models.TextChoices):
    UNIT = "unit", "单位审核"
    CITY = "city", "市院审核"


class Decision(models.TextChoices):
    APPROVE = "approve", "通过"
    RETURN = "return", "退回"
    REJECT = "reject", "不予纳入预算"


class GoalReview(models.Model):
    """One reviewer's decision on a goal (or on an adjustment request) at one stage."""

    goal = models.ForeignKey(PerformanceGoal, on_delete=models.CASCADE, related_name="reviews")
    adjustment = models.ForeignKey(
        "AdjustmentRequest",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    stage = models.CharField("环节", max_length=8, choices=ReviewStage.choices)
    decision = models.CharField("结论", max_length=8, choices=Decision.choices)
    grade = models.CharField("等级", max_length=16, choices=Grade.choices, blank=True)
    comment = models.TextField("意见", blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    reviewer_unit_code = models.CharField("审核单位", max_length=63)
    # What the reviewer had before them when deciding: the goal's texts, its indicators'
    # values and the warnings shown (a goal review), or the reason and changes (an adjustment
    # review). Later edits of the goal do not change it.
    snapshot = models.JSONField("审核时内容", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "目标审核"
        verbose_name_plural = "目标审核"
        ordering = ["goal", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.goal_id} {self.stage} {self.decision}"


class IndicatorComment(models.Model):
    """A reviewer's comment on one indicator, given with a return."""

    review = models.ForeignKey(GoalReview, on_delete=models.CASCADE, related_name="comments")
    indicator = models.ForeignKey(
        GoalIndicator, on_delete=models.CASCADE, related_name="review_comments"
    )
    comment = models.TextField("意见")

    class Meta:
        verbose_name = "指标审核意见"
        verbose_name_plural = "指标审核意见"
        ordering = ["review", "indicator"]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.comment[:20]}"


class AdjustmentStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待单位审核"
    UNIT_APPROVED = "unit_approved", "待市院审核"
    APPROVED = "approved", "已批准"
    RETURNED = "returned", "已退回"
    REJECTED = "rejected", "未批准"


class AdjustmentRequest(models.Model):
    """A change to an approved goal's targets, with its reason; reviewed like the goal.
    ``changes``: [{"indicator": code, "field": name, "before": value, "after": value}]."""

    goal = models.ForeignKey(PerformanceGoal, on_delete=models.CASCADE, related_name="adjustments")
    reason = models.TextField("调整原因")
    changes = models.JSONField("调整内容")
    status = models.CharField(
        "状态", max_length=16, choices=AdjustmentStatus.choices, default=AdjustmentStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    history = UnitHistory(indexed=("goal",))

    class Meta:
        verbose_name = "目标调整申请"
        verbose_name_plural = "目标调整申请"
        ordering = ["goal", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["goal"],
                # OR of equalities, not IN: PostgreSQL prints an IN list back in a form that
                # parses to a different expression, and replayed schemas must be identical.
                condition=(
                    models.Q(status="draft")
                    | models.Q(status="submitted")
                    | models.Q(status="unit_approved")
                    | models.Q(status="returned")
                ),
                name="one_open_adjustment_per_goal",
            )
        ]

    def __str__(self) -> str:
        return f"adjustment {self.pk} of goal {self.goal_id} ({self.status})"

"""Results application between levels (public schema): feedback batches a higher level sends
down, rectification requests (整改) with their responses, and next year's budget linkage
(预算挂钩) per project. Rows point into a unit's schema only by (unit, id) pairs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class RectificationOrigin(models.TextChoices):
    GRADE = "grade", "自评等级为差"  # opened automatically on finalisation
    REVIEWER = "reviewer", "审核人提出"  # e.g. accepting the suggestion for a 中
    FEEDBACK = "feedback", "反馈批次"
    KEY_EVALUATION = "key_evaluation", "重点评价"


class RectificationStatus(models.TextChoices):
    OPEN = "open", "待整改"
    RESPONDED = "responded", "已反馈"
    ACCEPTED = "accepted", "已通过"


class FeedbackBatch(models.Model):
    """One text from a higher level to many units (反馈意见), each unit's item with its own
    figures; optionally a rectification request per item."""

    issuer = models.ForeignKey(
        "tenants.Procuratorate", on_delete=models.CASCADE, related_name="feedback_batches"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("反馈内容")
    selection = models.JSONField("选择条件", default=dict, blank=True)
    requires_rectification = models.BooleanField("要求整改", default=False)
    due_on = models.DateField("整改期限", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "反馈批次"
        verbose_name_plural = "反馈批次"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class FeedbackItem(models.Model):
    batch = models.ForeignKey(FeedbackBatch, on_delete=models.CASCADE, related_name="items")
    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    figures = models.JSONField("本单位数据", default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField("回复", blank=True)
    # documents.Document ids in the unit's own schema cited by the answer (issue 16).
    evidence_ids = models.JSONField("佐证材料", default=list, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "反馈事项"
        verbose_name_plural = "反馈事项"
        ordering = ["batch", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "unit"], name="feedback_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.unit_id}"

    @property
    def text(self) -> str:
        """The batch's text as this unit reads it: its own figures in the placeholders
        (``texts.merge``; reads ``batch`` and ``unit``, select them with the item)."""
        from backend.feedback.texts import merge

        return merge(self.batch.body, {"unit_name": self.unit.name, **(self.figures or {})})


class RectificationRequest(models.Model):
    """整改通知: open → responded (text + evidence) → accepted, or rejected with comments →
    open again. Overdue when past ``due_on`` and not accepted (``overdue`` is kept by the daily
    task so that lists can filter and count it)."""

    unit = models.ForeignKey(
        "tenants.Procuratorate", on_delete=models.CASCADE, related_name="rectifications"
    )
    issuer = models.ForeignKey(
        "tenants.Procuratorate", on_delete=models.CASCADE, related_name="issued_rectifications"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    origin = models.CharField("来源", max_length=16, choices=RectificationOrigin.choices)
    # The project it is about, when there is one: (unit, project_id) into the unit's schema.
    project_id = models.BigIntegerField(null=True, blank=True)
    project_code = models.CharField(max_length=64, blank=True)
    project_name = models.CharField(max_length=200, blank=True)
    evaluation_id = models.BigIntegerField(null=True, blank=True)
    feedback_item = models.ForeignKey(
        FeedbackItem,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rectifications",
    )
    title = models.CharField("整改事项", max_length=200)
    requirement = models.TextField("整改要求")
    status = models.CharField(
        "状态",
        max_length=16,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    due_on = models.DateField("整改期限")
    overdue = models.BooleanField("已逾期", default=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "整改通知"
        verbose_name_plural = "整改通知"
        ordering = ["due_on", "id"]
        constraints = [
            # At most one automatic request per evaluated project (re-finalising never
            # duplicates it).
            models.UniqueConstraint(
                fields=["unit", "evaluation_id"],
                condition=models.Q(origin="grade"),
                name="rectification_one_per_evaluation",
            )
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "status"], name="rectification_year_status"),
            models.Index(fields=["status", "due_on"], name="rectification_due"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.title} ({self.status})"


class RectificationEvent(models.Model):
    """Each step of a rectification: the unit's response (text + evidence), the issuer's
    acceptance or rejection (with comments)."""

    class Kind(models.TextChoices):
        RESPONDED = "responded", "单位反馈"
        ACCEPTED = "accepted", "通过"
        REJECTED = "rejected", "退回"

    request = models.ForeignKey(
        RectificationRequest, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField()
    # Evidence files stay in the unit's schema (documents.Document ids there).
    evidence_ids = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "整改记录"
        verbose_name_plural = "整改记录"
        ordering = ["request", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


class LinkageAction(models.TextChoices):
    INCREASE = "increase", "增加"
    KEEP = "keep", "保持"
    REDUCE = "reduce", "压减"
    STOP = "stop", "取消"


class BudgetLinkage(models.Model):
    """Next year's budget linkage for one evaluated project (or, with ``project_id`` null, for
    the unit as a whole): the suggestion the rules make, with the numbers that led to it, and
    the decision a person records with its reason."""

    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("评价年度")
    project_id = models.BigIntegerField(null=True, blank=True)
    project_code = models.CharField(max_length=64, blank=True)
    project_name = models.CharField(max_length=200, blank=True)
    grade = models.CharField("等级", max_length=8)
    score = models.DecimalField("得分", max_digits=5, decimal_places=2)
    base_budget = models.DecimalField("本年预算（元）", max_digits=16, decimal_places=2)
    suggested_action = models.CharField("建议", max_length=16, choices=LinkageAction.choices)
    suggested_min_pct = models.DecimalField(max_digits=6, decimal_places=2)
    suggested_max_pct = models.DecimalField(max_digits=6, decimal_places=2)
    basis = models.JSONField("依据", default=dict)
    decided_action = models.CharField(
        "决定", max_length=16, choices=LinkageAction.choices, blank=True
    )
    decided_pct = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    decided_budget = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    decision_reason = models.TextField("决定理由", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Every suggestion and decision kept (a later decision does not erase an earlier one).
    history = HistoricalRecords()

    class Meta:
        verbose_name = "预算挂钩"
        verbose_name_plural = "预算挂钩"
        ordering = ["unit", "fiscal_year", "project_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "fiscal_year", "project_id"],
                name="linkage_project_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.fiscal_year} {self.project_code} {self.suggested_action}"

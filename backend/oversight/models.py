"""What the levels above see of the units below, without reading their schemas (public)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class ProvincePolicy(models.Model):
    """Settings a provincial office makes for every unit under it. Missing = the defaults of
    domain.md."""

    province = models.OneToOneField(
        "tenants.Procuratorate", on_delete=models.CASCADE, related_name="policy"
    )
    # Goals need the parent city's reviewer after the unit leader (市院审核).
    require_city_review = models.BooleanField("目标须经市院审核", default=False)
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

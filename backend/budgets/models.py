"""A unit's budget projects (tenant schema). Money is Decimal yuan with two places."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from backend.core.history import UnitHistory
from backend.core.numbers import MONEY


class Category(models.TextChoices):
    BASIC = "basic", "基本支出"
    PROJECT = "project", "项目支出"


class ProjectKind(models.TextChoices):
    """The procuratorate project kinds (办案业务经费 and the like)."""

    CASE_FUNDS = "case_funds", "办案业务经费"
    INFORMATISATION = "informatisation", "信息化建设"
    EQUIPMENT = "equipment", "检察技术装备"
    INFRASTRUCTURE = "infrastructure", "基础设施建设"
    TRAINING = "training", "教育培训"
    PUBLIC_INTEREST = "public_interest", "公益诉讼"
    OPERATIONS = "operations", "日常运转"
    OTHER = "other", "其他"


class FundingSource(models.TextChoices):
    GENERAL = "general", "一般公共预算"
    TRANSFER = "transfer", "上级转移支付"
    GOVERNMENT_FUND = "government_fund", "政府性基金"
    OWN = "own", "单位自有资金"
    OTHER = "other", "其他"


class Project(models.Model):
    code = models.SlugField("项目编码", max_length=64)
    name = models.CharField("项目名称", max_length=200)
    category = models.CharField("支出类别", max_length=16, choices=Category.choices)
    kind = models.CharField("项目类型", max_length=32, choices=ProjectKind.choices)
    fiscal_year = models.PositiveSmallIntegerField(
        "预算年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    department = models.CharField("主管部门/处室", max_length=100, blank=True)
    person_in_charge = models.CharField("项目负责人", max_length=50, blank=True)
    funding_source = models.CharField(
        "资金来源", max_length=32, choices=FundingSource.choices, default=FundingSource.GENERAL
    )
    initial_budget = models.DecimalField("年初预算数（元）", **MONEY)
    # Maintained by services as initial_budget + the sum of adjustments: never typed.
    full_budget = models.DecimalField("全年预算数（元）", **MONEY, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = UnitHistory()

    class Meta:
        verbose_name = "预算项目"
        verbose_name_plural = "预算项目"
        ordering = ["-fiscal_year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "code"], name="project_year_code"),
            models.CheckConstraint(
                condition=models.Q(initial_budget__gte=0), name="project_initial_budget_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(full_budget__gte=0), name="project_full_budget_positive"
            ),
        ]
        indexes = [models.Index(fields=["fiscal_year", "category", "kind"], name="project_filters")]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.name}"


class BudgetAdjustment(models.Model):
    """A change to the full-year budget (调整/追加/追减) with its date and reason."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="adjustments")
    date = models.DateField("调整日期")
    amount = models.DecimalField("调整金额（元，追减为负）", **MONEY)
    reason = models.CharField("调整原因", max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = UnitHistory(indexed=("project",))

    class Meta:
        verbose_name = "预算调整"
        verbose_name_plural = "预算调整"
        ordering = ["project", "date", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="adjustment_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.date} {self.amount}"


class Expenditure(models.Model):
    """Money spent: a dated payment, or a month's total when only monthly figures exist."""

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="expenditures",
        db_index=False,
    )
    date = models.DateField("支出日期")
    amount = models.DecimalField("金额（元）", **MONEY, validators=[MinValueValidator(Decimal(0))])
    description = models.CharField("摘要", max_length=300, blank=True)
    monthly_total = models.BooleanField("月度汇总数", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "支出"
        verbose_name_plural = "支出"
        ordering = ["project", "date", "id"]
        indexes = [models.Index(fields=["project", "date"], name="expenditure_project_date")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.date} {self.amount}"

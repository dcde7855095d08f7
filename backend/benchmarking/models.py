"""Cross-unit fact tables (public schema). Written in the same transaction as the tenant change
they reflect, so benchmarks never scan the units' schemas and are never stale."""

from __future__ import annotations

from django.db import models

from backend.core.numbers import MONEY


class ProjectFact(models.Model):
    """A unit's project with an approved goal: its budget and goal grade."""

    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField()
    project_id = models.BigIntegerField()
    project_code = models.CharField(max_length=64)
    project_name = models.CharField(max_length=200)
    category = models.CharField(max_length=16)
    kind = models.CharField(max_length=32)
    initial_budget = models.DecimalField(**MONEY)
    full_budget = models.DecimalField(**MONEY)
    goal_id = models.BigIntegerField()
    goal_grade = models.CharField(max_length=16, blank=True)
    approved_at = models.DateTimeField()
    # Year-end evaluation (written when the self-evaluation is finalised, and when a key
    # evaluation is finalised or a budget linkage decided; empty before).
    executed = models.DecimalField(**MONEY, null=True)
    execution_rate = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    self_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    self_grade = models.CharField(max_length=8, blank=True)
    evaluation_flags = models.JSONField(default=list, blank=True)  # flag codes of the sheet
    # How many consistency findings the finalised sheet had (backend.evaluation.consistency).
    evaluation_findings = models.PositiveIntegerField(default=0)
    finalised_at = models.DateTimeField(null=True)
    key_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    key_grade = models.CharField(max_length=8, blank=True)
    linkage_suggestion = models.CharField(max_length=16, blank=True)
    linkage_decision = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = "项目事实"
        verbose_name_plural = "项目事实"
        constraints = [
            models.UniqueConstraint(fields=["unit", "project_id"], name="project_fact_unique")
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "kind"], name="project_fact_year_kind"),
            models.Index(fields=["fiscal_year", "unit"], name="project_fact_year_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.fiscal_year} {self.project_code}"


class IndicatorFact(models.Model):
    """One standard (template) indicator of an approved goal: unit × year × project ×
    indicator, with its declared target and weight (actuals and scores come with evaluation)."""

    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField()
    project_id = models.BigIntegerField()
    goal_id = models.BigIntegerField()
    template_code = models.CharField(max_length=64)
    template_version = models.PositiveIntegerField(null=True)
    indicator_code = models.CharField(max_length=64)
    level1 = models.CharField(max_length=20)
    level2 = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    value_type = models.CharField(max_length=16)
    direction = models.CharField(max_length=3, blank=True)
    unit_of_measure = models.CharField(max_length=20, blank=True)
    target_value = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    weight = models.DecimalField(max_digits=5, decimal_places=2)
    # Year-end results (with the finalised self-evaluation).
    actual_value = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    band = models.CharField(max_length=16, blank=True)
    achievement = models.DecimalField(max_digits=9, decimal_places=2, null=True)  # % of target
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    met = models.BooleanField(null=True)
    deviation_cause = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = "指标事实"
        verbose_name_plural = "指标事实"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "project_id", "template_code", "indicator_code"],
                name="indicator_fact_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["fiscal_year", "template_code", "indicator_code"],
                name="indicator_fact_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.fiscal_year} {self.indicator_code}"


class ExecutionFact(models.Model):
    """A unit's budget execution at the end of a month (all its projects of the year with a
    submitted monitoring entry for that round): the province's view of every execution curve."""

    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    projects = models.PositiveIntegerField(default=0)
    full_budget = models.DecimalField(**MONEY)
    spent = models.DecimalField(**MONEY)
    execution_rate = models.DecimalField(max_digits=7, decimal_places=2)
    time_progress = models.DecimalField(max_digits=7, decimal_places=2)
    # Projected year-end execution rate: the entries' forecasts weighted by their full-year
    # budgets (entries without a forecast, e.g. month 1, left out); null when none has one.
    forecast_rate = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "执行事实"
        verbose_name_plural = "执行事实"
        ordering = ["unit", "fiscal_year", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "fiscal_year", "month"], name="execution_fact_unique"
            )
        ]
        indexes = [models.Index(fields=["fiscal_year", "month"], name="execution_fact_period")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.fiscal_year}-{self.month:02} {self.execution_rate}%"


class BudgetFact(models.Model):
    """A unit's budget of a year: every project of the year, whatever its goal's status (the
    ``budget`` metric, 预算规模). Written by the project services when a project is created
    or its budget changes (``services.record_budget_fact``) and by ``rebuild_facts``."""

    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField()
    projects = models.PositiveIntegerField(default=0)
    initial_budget = models.DecimalField(**MONEY, default=0)
    full_budget = models.DecimalField(**MONEY, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "单位年度预算事实"
        verbose_name_plural = "单位年度预算事实"
        constraints = [
            models.UniqueConstraint(fields=["unit", "fiscal_year"], name="budget_fact_unique")
        ]
        indexes = [models.Index(fields=["fiscal_year"], name="budget_fact_year")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.fiscal_year}"


class UnitYearFact(models.Model):
    """A unit's year as the levels above compare it: its finalised project evaluations rolled
    up (budget-weighted) and its department-wide evaluation (部门整体支出绩效评价)."""

    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField()
    evaluated_projects = models.PositiveIntegerField(default=0)
    evaluated_budget = models.DecimalField(**MONEY, default=0)
    evaluated_executed = models.DecimalField(**MONEY, default=0)
    project_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    project_grade = models.CharField(max_length=8, blank=True)
    department_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    department_grade = models.CharField(max_length=8, blank=True)
    department_finalised_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "单位年度事实"
        verbose_name_plural = "单位年度事实"
        constraints = [
            models.UniqueConstraint(fields=["unit", "fiscal_year"], name="unit_year_fact_unique")
        ]
        indexes = [models.Index(fields=["fiscal_year"], name="unit_year_fact_year")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.fiscal_year}"


# ================================================================================================
# Benchmarking (issue 7): the province's peer groups and the unit statistics behind per-capita
# metrics.
# ================================================================================================


class PeerGroupKind(models.TextChoices):
    REGION = "region", "按地区（市院辖区）"
    BUDGET_BAND = "budget_band", "按预算规模"
    STAFF_BAND = "staff_band", "按人员规模"
    LIST = "list", "指定名单"


class PeerGroup(models.Model):
    """A set of units the province compares with each other. ``region``: the units under a
    city; ``budget_band`` / ``staff_band``: the units whose budget (BudgetFact.full_budget of
    the year asked) or staff (UnitStatistics of that year) lies in [lower, upper) — resolved at
    query time; ``list``: the stored members. ``level`` narrows any kind to one level."""

    province = models.ForeignKey(
        "tenants.Procuratorate", on_delete=models.CASCADE, related_name="peer_groups"
    )
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=PeerGroupKind.choices)
    city = models.ForeignKey(
        "tenants.Procuratorate", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    level = models.CharField(max_length=16, blank=True)
    lower = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    upper = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    members = models.ManyToManyField(
        "tenants.Procuratorate", through="PeerGroupMember", related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "对标组"
        verbose_name_plural = "对标组"
        ordering = ["province", "code"]
        constraints = [
            models.UniqueConstraint(fields=["province", "code"], name="peer_group_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.kind})"


class PeerGroupMember(models.Model):
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "对标组成员"
        verbose_name_plural = "对标组成员"
        constraints = [
            models.UniqueConstraint(fields=["group", "unit"], name="peer_group_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.unit_id}"


class UnitStatistics(models.Model):
    """A unit's size in a year as the province states it: staff, procurators (员额检察官) and
    cases handled — the denominators of per-capita metrics."""

    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField()
    staff = models.PositiveIntegerField(null=True, blank=True)
    procurators = models.PositiveIntegerField(null=True, blank=True)
    cases = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "单位统计数"
        verbose_name_plural = "单位统计数"
        constraints = [
            models.UniqueConstraint(fields=["unit", "fiscal_year"], name="unit_statistics_unique")
        ]
        indexes = [models.Index(fields=["fiscal_year"], name="unit_statistics_year")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.fiscal_year}"

"""Year-end evaluation (绩效评价) of a unit's projects and of the unit as a whole (tenant
schema). The numbers are scored by the pure engine in ``scoring.py``; these rows keep what the
unit entered, what the engine computed (with its explanation) and what a person overrode."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from backend.core.history import UnitHistory
from backend.core.numbers import MONEY, PERCENT, POINTS, VALUE
from backend.indicators.models import Direction, Layout, ScoringMethod, ValueType
from backend.monitoring.models import DeviationCause


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", "自评中"
    SUBMITTED = "submitted", "已提交"
    FINALISED = "finalised", "已定稿"


class Band(models.TextChoices):
    ACHIEVED = "achieved", "达成"
    PARTLY = "partly", "部分达成并具有一定效果"
    NOT_ACHIEVED = "not_achieved", "未达成且效果较差"


class ScoreSheetFields(models.Model):
    """The engine's result for a whole evaluation, stored beside the inputs."""

    layout = models.CharField("计分结构", max_length=16, choices=Layout.choices)
    execution_weight = models.DecimalField("预算执行率分值", **POINTS)
    group_weights = models.JSONField("分组分值", null=True, blank=True)
    execution_rate = models.DecimalField("预算执行率（%）", **PERCENT, null=True, blank=True)
    execution_score = models.DecimalField("预算执行率得分", **POINTS, null=True, blank=True)
    group_scores = models.JSONField("分组得分", default=dict, blank=True)
    total = models.DecimalField("总分", **POINTS, null=True, blank=True)
    grade = models.CharField("等级", max_length=8, blank=True)
    flags = models.JSONField("提示", default=list, blank=True)  # [{code, message, indicator}]
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class SelfEvaluation(ScoreSheetFields):
    """A project's self-evaluation for a fiscal year (项目支出绩效自评)."""

    project = models.ForeignKey(
        "budgets.Project",
        on_delete=models.CASCADE,
        related_name="evaluations",
        db_index=False,
    )
    goal = models.ForeignKey(
        "goals.PerformanceGoal", on_delete=models.PROTECT, related_name="evaluations"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    status = models.CharField(
        "状态", max_length=16, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    full_budget = models.DecimalField("全年预算数（元）", **MONEY)
    executed = models.DecimalField("全年执行数（元）", **MONEY, null=True, blank=True)
    # Funding-source sub-rows of the budget block: [{"name": "财政拨款", "budget": "800000.00",
    # "executed": "760000.00"}, ...] (yuan, Decimal strings); empty without a split.
    funding = models.JSONField("资金来源", default=list, blank=True)
    deviation_analysis = models.TextField("偏差原因分析", blank=True)
    improvement_measures = models.TextField("改进措施", blank=True)
    return_comment = models.TextField("退回意见", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
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
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic versioning (backend/core/versioning.py): raised by every change of the row or
    # of its indicator rows.
    version = models.PositiveIntegerField("版本", default=1)
    history = UnitHistory()

    class Meta:
        verbose_name = "项目自评"
        verbose_name_plural = "项目自评"
        ordering = ["fiscal_year", "project"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "fiscal_year"], name="evaluation_project_year"
            )
        ]
        indexes = [models.Index(fields=["fiscal_year", "status"], name="evaluation_year_status")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.fiscal_year} {self.status}"


class IndicatorResultFields(models.Model):
    """One level-3 indicator at year end: a snapshot of what was declared, the actual result
    the unit reports, and the engine's (and possibly a person's) score."""

    # Declared (copied from the goal indicator or the department template when created).
    # Looked up within one evaluation only: the (evaluation, code) constraint is its index.
    code = models.SlugField("指标编码", max_length=64, db_index=False)
    level1 = models.CharField("一级指标", max_length=20)
    level2 = models.CharField("二级指标", max_length=30)
    name = models.CharField("三级指标", max_length=200)
    value_type = models.CharField("指标性质", max_length=16, choices=ValueType.choices)
    direction = models.CharField("运算符", max_length=3, choices=Direction.choices, blank=True)
    unit = models.CharField("计量单位", max_length=20, blank=True)
    target_value = models.DecimalField("指标值", **VALUE, null=True, blank=True)
    target_text = models.CharField("定性目标", max_length=500, blank=True)
    weight = models.DecimalField("分值", **POINTS)
    template_code = models.CharField("模板编码", max_length=64, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # Reported.
    actual_value = models.DecimalField("实际完成值", **VALUE, null=True, blank=True)
    actual_text = models.CharField("实际完成情况", max_length=500, blank=True)
    band = models.CharField("定性档次", max_length=16, choices=Band.choices, blank=True)
    band_score = models.DecimalField("档内得分", **POINTS, null=True, blank=True)
    # 评价人打分 (ScoringMethod.MANUAL): the evaluator's score within the weight, and why.
    scoring_method = models.CharField(
        "评分方法", max_length=16, choices=ScoringMethod.choices, blank=True, default=""
    )
    manual_score = models.DecimalField("评价人打分", **POINTS, null=True, blank=True)
    manual_reason = models.TextField("打分理由", blank=True, default="")
    explanation = models.TextField("完成情况说明", blank=True)
    deviation_cause = models.CharField(
        "偏差原因", max_length=16, choices=DeviationCause.choices, blank=True
    )
    deviation_reason = models.TextField("偏差原因说明", blank=True)
    evidence = models.ManyToManyField("documents.Document", blank=True, related_name="+")
    # Scored.
    computed_score = models.DecimalField("计算得分", **POINTS, null=True, blank=True)
    rule = models.CharField("计分规则", max_length=16, blank=True)
    computation = models.TextField("计分过程", blank=True)
    override_score = models.DecimalField("调整后得分", **POINTS, null=True, blank=True)
    override_reason = models.TextField("调整理由", blank=True)
    final_score = models.DecimalField("得分", **POINTS, null=True, blank=True)
    flags = models.JSONField("提示", default=list, blank=True)

    class Meta:
        abstract = True


class IndicatorScore(IndicatorResultFields):
    evaluation = models.ForeignKey(
        SelfEvaluation,
        on_delete=models.CASCADE,
        related_name="indicators",
        db_index=False,
    )
    goal_indicator = models.ForeignKey(
        "goals.GoalIndicator",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = UnitHistory(indexed=("evaluation",))

    class Meta:
        verbose_name = "指标自评"
        verbose_name_plural = "指标自评"
        ordering = ["evaluation", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "code"], name="indicator_score_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.final_score}"


class DepartmentEvaluation(ScoreSheetFields):
    """The unit's department-wide evaluation for a year (部门整体支出绩效评价): the
    budget-weighted average of its finalised project evaluations, and the unit-level indicators
    of the department template it adopted, scored by the same engine."""

    fiscal_year = models.PositiveSmallIntegerField("年度", unique=True)
    status = models.CharField(
        "状态", max_length=16, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    template_code = models.CharField("模板编码", max_length=64, blank=True)
    full_budget = models.DecimalField("部门预算数（元）", **MONEY, default=0)
    executed = models.DecimalField("部门执行数（元）", **MONEY, null=True, blank=True)
    evaluated_projects = models.PositiveIntegerField("已定稿项目数", default=0)
    evaluated_budget = models.DecimalField("已定稿项目预算（元）", **MONEY, default=0)
    project_score = models.DecimalField("项目加权平均分", **POINTS, null=True, blank=True)
    project_grade = models.CharField("项目加权等级", max_length=8, blank=True)
    summary = models.TextField("总体评价", blank=True)
    improvement_measures = models.TextField("改进措施", blank=True)
    return_comment = models.TextField("退回意见", blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = UnitHistory()

    class Meta:
        verbose_name = "部门整体自评"
        verbose_name_plural = "部门整体自评"
        ordering = ["fiscal_year"]

    def __str__(self) -> str:
        return f"department {self.fiscal_year} {self.status}"


class DepartmentIndicatorScore(IndicatorResultFields):
    evaluation = models.ForeignKey(
        DepartmentEvaluation,
        on_delete=models.CASCADE,
        related_name="indicators",
        db_index=False,
    )
    history = UnitHistory(indexed=("evaluation",))

    class Meta:
        verbose_name = "部门整体指标自评"
        verbose_name_plural = "部门整体指标自评"
        ordering = ["evaluation", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "code"], name="department_score_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.final_score}"

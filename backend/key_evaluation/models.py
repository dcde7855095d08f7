"""Key evaluation (重点评价) by a higher level and sampling re-review (抽查复核), public schema.

A province or a city (the ``issuer``) selects a finalised self-evaluation of a unit below it.
At selection the self-evaluation is copied here (``KeyEvaluation`` + one ``KeyIndicator`` per
indicator), read once through ``schema_context`` on that unit: evaluators never open a unit's
schema afterwards. Rows point into the unit's schema only by (unit, id) pairs (design.md §1).
Each assigned evaluator (``EvaluatorAssignment``) enters their own actual values or bands per
indicator (``EvaluatorScore``), scored by the same engine as the self-evaluation; finalising
combines the evaluators' totals by the province's rule into the key score."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from backend.core.numbers import GAP, MONEY, PERCENT, POINTS, VALUE


class KeyEvaluationKind(models.TextChoices):
    KEY = "key", "重点评价"
    SAMPLE = "sample", "抽查复核"


class KeyEvaluationStatus(models.TextChoices):
    SELECTED = "selected", "已选定"
    EVALUATING = "evaluating", "评价中"
    FINALISED = "finalised", "已定稿"


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", "评分中"
    SUBMITTED = "submitted", "已提交"


class SamplingDraw(models.Model):
    """One draw of self-evaluations for re-review: who drew, from how many, with which share
    and seed, and what came out (``chosen`` at random, ``flagged`` added because flagged).
    Anyone can redo the draw from these numbers (docs/key_evaluation.md)."""

    issuer = models.ForeignKey(
        "tenants.Procuratorate", on_delete=models.CASCADE, related_name="sampling_draws"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    share = models.DecimalField("抽查比例（%）", **POINTS)
    seed = models.CharField("随机种子", max_length=100)
    population_size = models.PositiveIntegerField("总体数量")
    sample_size = models.PositiveIntegerField("随机抽取数量")
    # [{"unit": code, "project_id": id, "project_code": ..., "rank": hash}] in draw order.
    chosen = models.JSONField("随机抽中", default=list)
    flagged = models.JSONField("存在提示项（全部纳入）", default=list)
    created = models.PositiveIntegerField("新建复核数", default=0)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "抽查记录"
        verbose_name_plural = "抽查记录"
        ordering = ["-drawn_at", "-id"]
        indexes = [models.Index(fields=["issuer", "fiscal_year"], name="sampling_draw_issuer")]

    def __str__(self) -> str:
        return f"draw {self.issuer_id} {self.fiscal_year} {self.seed}"


class KeyEvaluation(models.Model):
    """A key evaluation (or sampled re-review) of one unit's project for a year, with the
    self-evaluation as it was finalised and, once finalised, the key score beside it."""

    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    issuer = models.ForeignKey(
        "tenants.Procuratorate", on_delete=models.CASCADE, related_name="issued_key_evaluations"
    )
    kind = models.CharField("类型", max_length=8, choices=KeyEvaluationKind.choices)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=KeyEvaluationStatus.choices,
        default=KeyEvaluationStatus.SELECTED,
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    draw = models.ForeignKey(
        SamplingDraw, null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluations"
    )
    # The unit's project and self-evaluation, by (unit, id).
    project_id = models.BigIntegerField()
    project_code = models.CharField("项目编码", max_length=64)
    project_name = models.CharField("项目名称", max_length=200)
    evaluation_id = models.BigIntegerField()
    # Snapshot of the finalised self-evaluation.
    layout = models.CharField("计分结构", max_length=8)
    execution_weight = models.DecimalField("预算执行率分值", **POINTS)
    group_weights = models.JSONField("分组分值", null=True, blank=True)
    full_budget = models.DecimalField("全年预算数（元）", **MONEY)
    executed = models.DecimalField("全年执行数（元）", **MONEY)
    execution_rate = models.DecimalField("预算执行率（%）", **PERCENT)
    execution_score = models.DecimalField("预算执行率得分", **POINTS)
    self_group_scores = models.JSONField("自评分组得分", default=dict, blank=True)
    self_score = models.DecimalField("自评得分", **POINTS)
    self_grade = models.CharField("自评等级", max_length=8)
    self_flags = models.JSONField("自评提示", default=list, blank=True)
    self_finalised_at = models.DateTimeField("自评定稿时间", null=True)
    deviation_analysis = models.TextField("偏差原因分析", blank=True)
    # Result (when finalised).
    key_score = models.DecimalField("重点评价得分", **POINTS, null=True, blank=True)
    key_grade = models.CharField("重点评价等级", max_length=8, blank=True)
    gap = models.DecimalField("自评与评价差（自评−评价）", **GAP, null=True, blank=True)
    overrated = models.BooleanField("自评虚高", default=False)
    overrate_points = models.DecimalField("虚高阈值（分）", **POINTS, null=True, blank=True)
    rule = models.CharField("得分口径", max_length=8, blank=True)
    score_explanation = models.TextField("计分过程", blank=True)
    conclusion = models.TextField("评价结论", blank=True)
    selected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    selected_at = models.DateTimeField(auto_now_add=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "重点评价"
        verbose_name_plural = "重点评价"
        ordering = ["fiscal_year", "unit", "project_code", "id"]
        constraints = [
            # One re-review per project (a key evaluation and a sampled one never both).
            models.UniqueConstraint(fields=["unit", "project_id"], name="key_evaluation_project"),
            models.CheckConstraint(
                condition=models.Q(kind="key") | models.Q(kind="sample"),
                name="key_evaluation_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["issuer", "fiscal_year"], name="key_evaluation_issuer"),
            models.Index(fields=["fiscal_year", "status"], name="key_evaluation_status"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.project_code} {self.fiscal_year} {self.kind}"


class KeyIndicator(models.Model):
    """One indicator of the self-evaluation as finalised (declared fields, the unit's actual
    and score), and after finalising the evaluators' combined score of it."""

    key_evaluation = models.ForeignKey(
        KeyEvaluation, on_delete=models.CASCADE, related_name="indicators"
    )
    indicator_score_id = models.BigIntegerField(null=True)  # the unit's IndicatorScore
    code = models.SlugField("指标编码", max_length=64)
    level1 = models.CharField("一级指标", max_length=20)
    level2 = models.CharField("二级指标", max_length=30)
    name = models.CharField("三级指标", max_length=200)
    value_type = models.CharField("指标性质", max_length=16)
    direction = models.CharField("运算符", max_length=3, blank=True)
    unit = models.CharField("计量单位", max_length=20, blank=True)
    target_value = models.DecimalField("指标值", **VALUE, null=True, blank=True)
    target_text = models.CharField("定性目标", max_length=500, blank=True)
    weight = models.DecimalField("分值", **POINTS)
    template_code = models.CharField("模板编码", max_length=64, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # The unit's self-evaluation of it.
    self_actual_value = models.DecimalField("自评实际值", **VALUE, null=True, blank=True)
    self_actual_text = models.CharField("自评完成情况", max_length=500, blank=True)
    self_band = models.CharField("自评档次", max_length=16, blank=True)
    self_band_score = models.DecimalField("自评档内得分", **POINTS, null=True, blank=True)
    self_explanation = models.TextField("完成情况说明", blank=True)
    deviation_cause = models.CharField("偏差原因", max_length=16, blank=True)
    deviation_reason = models.TextField("偏差原因说明", blank=True)
    self_computed_score = models.DecimalField("自评计算得分", **POINTS, null=True, blank=True)
    self_override_score = models.DecimalField("自评调整得分", **POINTS, null=True, blank=True)
    self_override_reason = models.TextField("自评调整理由", blank=True)
    self_score = models.DecimalField("自评得分", **POINTS, null=True, blank=True)
    self_computation = models.TextField("自评计分过程", blank=True)
    self_flags = models.JSONField("自评提示", default=list, blank=True)
    # The evaluators' scores of it combined by the same rule as the total (for reading only:
    # the key score is the rule over the evaluators' totals).
    key_score = models.DecimalField("评价得分", **POINTS, null=True, blank=True)

    class Meta:
        verbose_name = "重点评价指标"
        verbose_name_plural = "重点评价指标"
        ordering = ["key_evaluation", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["key_evaluation", "code"], name="key_indicator_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.self_score}"


class EvaluatorAssignment(models.Model):
    """An evaluator assigned to a key evaluation, with their total once scored."""

    key_evaluation = models.ForeignKey(
        KeyEvaluation, on_delete=models.CASCADE, related_name="assignments"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="key_assignments"
    )
    status = models.CharField(
        "状态",
        max_length=12,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ASSIGNED,
    )
    comment = models.TextField("总体意见", blank=True)
    execution_score = models.DecimalField("预算执行率得分", **POINTS, null=True, blank=True)
    group_scores = models.JSONField("分组得分", default=dict, blank=True)
    total = models.DecimalField("总分", **POINTS, null=True, blank=True)
    grade = models.CharField("等级", max_length=8, blank=True)
    flags = models.JSONField("提示", default=list, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评价人员分配"
        verbose_name_plural = "评价人员分配"
        ordering = ["key_evaluation", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key_evaluation", "evaluator"], name="key_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key_evaluation_id} {self.evaluator_id} {self.status}"


class EvaluatorScore(models.Model):
    """One evaluator's assessment of one indicator: their own actual value (or band and the
    score in it), the engine's score of it, an optional override with its reason, a comment."""

    assignment = models.ForeignKey(
        EvaluatorAssignment, on_delete=models.CASCADE, related_name="scores"
    )
    indicator = models.ForeignKey(KeyIndicator, on_delete=models.CASCADE, related_name="scores")
    actual_value = models.DecimalField("核定实际值", **VALUE, null=True, blank=True)
    actual_text = models.CharField("核定完成情况", max_length=500, blank=True)
    band = models.CharField("定性档次", max_length=16, blank=True)
    band_score = models.DecimalField("档内得分", **POINTS, null=True, blank=True)
    computed_score = models.DecimalField("计算得分", **POINTS, null=True, blank=True)
    rule = models.CharField("计分规则", max_length=16, blank=True)
    computation = models.TextField("计分过程", blank=True)
    override_score = models.DecimalField("调整后得分", **POINTS, null=True, blank=True)
    override_reason = models.TextField("调整理由", blank=True)
    final_score = models.DecimalField("得分", **POINTS, null=True, blank=True)
    comment = models.TextField("评价意见", blank=True)
    flags = models.JSONField("提示", default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "评价人员指标评分"
        verbose_name_plural = "评价人员指标评分"
        ordering = ["assignment", "indicator__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "indicator"], name="key_score_unique")
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}/{self.indicator_id} {self.final_score}"

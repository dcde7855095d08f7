"""The provincial indicator library and its push-down (public schema)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class ValueType(models.TextChoices):
    QUANTITATIVE = "quantitative", "定量"
    QUALITATIVE = "qualitative", "定性"


class Direction(models.TextChoices):
    GTE = "gte", "≥"
    LTE = "lte", "≤"
    EQ = "eq", "="


class Polarity(models.TextChoices):
    POSITIVE = "positive", "正向"
    REVERSE = "reverse", "反向"


class ScoringMethod(models.TextChoices):
    PROPORTIONAL = "proportional", "比例计分"  # the ≥ ≤ = rules of domain.md
    BANDS = "bands", "分档计分"  # qualitative bands 达成/部分达成/未达成
    MANUAL = "manual", "评价人打分"


class TargetBasis(models.TextChoices):
    HISTORY = "history", "历史标准"
    SECTOR = "sector", "行业标准"
    PLAN = "plan", "计划标准"
    OTHER = "other", "其他标准"


class Layout(models.TextChoices):
    SPLIT = "split", "10/50/30/10（按一级指标分组）"
    POOLED = "pooled", "10 + 90（指标不分组）"
    DEPARTMENT = "department", "投入/过程/产出/效果（部门整体）"


class IndicatorFields(models.Model):
    """What a level-3 indicator says. Shared by the provincial template and the copy each unit
    keeps in its own library, so a push can compare them field by field."""

    code = models.SlugField("指标编码", max_length=64)
    level1 = models.CharField("一级指标", max_length=20)
    level2 = models.CharField("二级指标", max_length=30)
    name = models.CharField("三级指标", max_length=200)
    value_type = models.CharField("指标性质", max_length=16, choices=ValueType.choices)
    direction = models.CharField(
        "运算符", max_length=3, choices=Direction.choices, blank=True, default=""
    )
    polarity = models.CharField(
        "指标方向", max_length=8, choices=Polarity.choices, default=Polarity.POSITIVE
    )
    unit = models.CharField("计量单位", max_length=20, blank=True, default="")
    target_value = models.DecimalField(
        "指标值", max_digits=16, decimal_places=4, null=True, blank=True
    )
    target_text = models.CharField("定性目标", max_length=500, blank=True, default="")
    weight = models.DecimalField(
        "分值", max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    scoring_method = models.CharField(
        "评分方法",
        max_length=16,
        choices=ScoringMethod.choices,
        default=ScoringMethod.PROPORTIONAL,
    )
    target_basis = models.CharField(
        "目标值依据", max_length=16, choices=TargetBasis.choices, default=TargetBasis.PLAN
    )
    guidance = models.TextField("指标解释", blank=True, default="")
    mandatory = models.BooleanField("必选", default=False)
    locked = models.BooleanField("锁定目标和分值", default=False)
    sort_order = models.PositiveIntegerField("排序", default=0)

    # The fields a push compares and merges, in a stable order.
    CONTENT_FIELDS = (
        "level1",
        "level2",
        "name",
        "value_type",
        "direction",
        "polarity",
        "unit",
        "target_value",
        "target_text",
        "weight",
        "scoring_method",
        "target_basis",
        "guidance",
        "mandatory",
        "locked",
        "sort_order",
    )
    # What "locked" freezes in a unit: upstream always wins for these.
    LOCKED_FIELDS = ("target_value", "target_text", "weight")
    # Provincial policy, never a unit's choice.
    POLICY_FIELDS = ("mandatory", "locked")

    class Meta:
        abstract = True


class Scope(models.TextChoices):
    PROJECT = "project", "项目支出"
    DEPARTMENT = "department", "部门整体支出"


class Template(models.Model):
    code = models.SlugField("模板编码", max_length=64, unique=True)
    name = models.CharField("模板名称", max_length=200)
    project_kind = models.CharField("适用项目", max_length=100, blank=True)
    # A department template declares the unit-level indicators of the department-wide
    # evaluation (部门整体支出绩效评价); a project template the indicators of project goals.
    scope = models.CharField(
        "适用对象", max_length=16, choices=Scope.choices, default=Scope.PROJECT
    )
    description = models.TextField("说明", blank=True)
    layout = models.CharField(
        "计分结构", max_length=16, choices=Layout.choices, default=Layout.SPLIT
    )
    execution_weight = models.DecimalField(
        "预算执行率分值", max_digits=5, decimal_places=2, default=Decimal("10")
    )
    group_weights = models.JSONField(
        "分组分值",
        null=True,
        blank=True,
        help_text='{"output": 50, "effect": 30, "satisfaction": 10}; empty = the default split',
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "指标模板"
        verbose_name_plural = "指标模板"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已停用"


class TemplateVersion(models.Model):
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    status = models.CharField(
        "状态", max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    changelog = models.CharField("变更说明", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "模板版本"
        verbose_name_plural = "模板版本"
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["template"],
                condition=models.Q(status="draft"),
                name="one_draft_per_template",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.code} v{self.number}"


class TemplateIndicator(IndicatorFields):
    version = models.ForeignKey(
        TemplateVersion, on_delete=models.CASCADE, related_name="indicators"
    )

    class Meta:
        verbose_name = "模板指标"
        verbose_name_plural = "模板指标"
        ordering = ["version", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="template_indicator_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TemplatePush(models.Model):
    """One push of a published version to a set of units."""

    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="pushes")
    targets = models.JSONField("推送范围", help_text='{"kind": "all|level|subtree|codes", ...}')
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "模板推送"
        verbose_name_plural = "模板推送"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"push {self.pk} of {self.version}"


class PushStatus(models.TextChoices):
    PENDING = "pending", "等待"
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "成功"
    CONFLICTED = "conflicted", "成功（有冲突）"
    FAILED = "failed", "失败"


class PushTarget(models.Model):
    """The push to one unit: its status, error and timing."""

    push = models.ForeignKey(TemplatePush, on_delete=models.CASCADE, related_name="push_targets")
    unit = models.ForeignKey("tenants.Procuratorate", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=PushStatus.choices, default=PushStatus.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField("新增指标", default=0)
    updated = models.PositiveIntegerField("更新指标", default=0)
    retired = models.PositiveIntegerField("停用指标", default=0)
    conflicts = models.PositiveIntegerField("冲突字段", default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "推送对象"
        verbose_name_plural = "推送对象"
        ordering = ["push", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["push", "unit"], name="push_target_unique")]
        indexes = [models.Index(fields=["push", "status"], name="push_target_status")]

    def __str__(self) -> str:
        return f"{self.push_id} → {self.unit_id}: {self.status}"

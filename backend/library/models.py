"""A unit's own indicator library (tenant schema): the template versions it adopted, its copy
of their indicators with local overrides, its local indicators, and open merge conflicts.

Foreign keys into the public schema are ``DO_NOTHING``: Django's delete collector would look for
these tables on the public search path, where they do not exist; the database constraint still
refuses deleting a public row a unit references."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from backend.indicators.models import IndicatorFields


class AdoptedTemplate(models.Model):
    """The version of a provincial template this unit runs on (one row per template)."""

    template = models.ForeignKey(
        "indicators.Template",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    version = models.ForeignKey(
        "indicators.TemplateVersion",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    push = models.ForeignKey(
        "indicators.TemplatePush",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    adopted_at = models.DateTimeField("采用时间")

    class Meta:
        verbose_name = "已采用模板"
        verbose_name_plural = "已采用模板"
        constraints = [models.UniqueConstraint(fields=["template"], name="adopted_template_unique")]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.version_id}"


class Source(models.TextChoices):
    TEMPLATE = "template", "省院模板"
    LOCAL = "local", "本院自设"


class LibraryIndicator(IndicatorFields):
    """One indicator of this unit's library. For a template indicator the fields hold the
    unit's values and ``upstream`` the values of the version last adopted (the base of the next
    three-way merge); a local indicator has no template and is never touched by a push."""

    source = models.CharField(max_length=16, choices=Source.choices)
    template = models.ForeignKey(
        "indicators.Template",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    version = models.ForeignKey(
        "indicators.TemplateVersion",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        help_text="the version this copy was last merged from",
        db_constraint=False,
    )
    upstream = models.JSONField(default=dict, blank=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "单位指标"
        verbose_name_plural = "单位指标"
        ordering = ["template_id", "sort_order", "id"]
        constraints = [
            # template indicators: one per template and code; local ones: unique among locals
            models.UniqueConstraint(
                fields=["template", "code"],
                condition=models.Q(source="template"),
                name="library_template_code",
            ),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(source="local"), name="library_local_code"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(source="template", template__isnull=False)
                    | models.Q(source="local", template__isnull=True)
                ),
                name="library_source_template",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class ConflictStatus(models.TextChoices):
    OPEN = "open", "待处理"
    KEPT_LOCAL = "kept_local", "保留本院值"
    TOOK_UPSTREAM = "took_upstream", "采用省院值"


class MergeConflict(models.Model):
    """A field both the unit and the province changed since the unit's last adoption. The
    unit's value was kept; the unit decides."""

    indicator = models.ForeignKey(
        LibraryIndicator, on_delete=models.CASCADE, related_name="conflicts"
    )
    field = models.CharField(max_length=32)
    base_value = models.JSONField(null=True)
    local_value = models.JSONField(null=True)
    upstream_value = models.JSONField(null=True)
    version = models.ForeignKey(
        "indicators.TemplateVersion",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    status = models.CharField(
        max_length=16, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        verbose_name = "合并冲突"
        verbose_name_plural = "合并冲突"
        ordering = ["indicator", "field"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "field"],
                condition=models.Q(status="open"),
                name="one_open_conflict_per_field",
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}.{self.field} ({self.status})"

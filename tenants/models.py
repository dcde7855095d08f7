"""The unit registry: every procuratorate is a tenant with its own PostgreSQL schema."""

from __future__ import annotations

from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class UnitLevel(models.TextChoices):
    PROVINCE = "province", "省级院"
    CITY = "city", "市级院"
    COUNTY = "county", "基层院"
    # Procuratorates attached to special courts (railway transport, forestry, reclamation areas,
    # ...): they sit under a province or a city like any unit, but are not county-level offices.
    SPECIAL = "special", "专门检察院"


# Which level may sit directly under which.
ALLOWED_PARENT_LEVELS: dict[str, set[str | None]] = {
    UnitLevel.PROVINCE: {None},
    UnitLevel.CITY: {UnitLevel.PROVINCE},
    UnitLevel.COUNTY: {UnitLevel.CITY, UnitLevel.PROVINCE},
    UnitLevel.SPECIAL: {UnitLevel.PROVINCE, UnitLevel.CITY},
}

PATH_SEPARATOR = "/"


class Procuratorate(TenantMixin):
    """A procuratorate (人民检察院) at any level. ``path`` materialises the hierarchy
    (``/hunan/loudi/lengshuijiang/``) so ancestors, descendants and "every county under a city"
    are each one indexed query, whatever the depth."""

    code = models.SlugField("代码", max_length=63, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级院",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.CharField("行政区划", max_length=100, blank=True)
    active = models.BooleanField("启用", default=True)
    path = models.CharField("层级路径", max_length=1024, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField("深度", editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    # Schemas are created by the blueprint replay (tenants.blueprint), never dropped implicitly.
    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = "检察院"
        verbose_name_plural = "检察院"
        ordering = ["path"]
        indexes = [
            models.Index(
                fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "path"], name="unit_level_path"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=UnitLevel.values), name="unit_level_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(path__endswith=PATH_SEPARATOR) & models.Q(depth__gte=0),
                name="unit_path_shape",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes from the root down to the parent, read off ``path`` without a query."""
        return self.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)[:-1]

    @property
    def ancestor_paths(self) -> list[str]:
        """Paths of every ancestor and of the unit itself, root first."""
        parts = self.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)
        return [
            PATH_SEPARATOR + PATH_SEPARATOR.join(parts[: i + 1]) + PATH_SEPARATOR
            for i in range(len(parts))
        ]

    def create_schema(
        self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1
    ) -> bool:
        """Create the schema by replaying the blueprint DDL (tenants.blueprint) instead of
        running every migration. django-tenants' own path stays available as
        ``TenantMixin.create_schema(unit)`` (the benchmark compares the two)."""
        from tenants import blueprint

        return blueprint.create_schema(
            self.schema_name, check_if_exists=check_if_exists, sync_schema=sync_schema
        )


class Domain(DomainMixin):
    class Meta:
        verbose_name = "域名"
        verbose_name_plural = "域名"


class SchemaBlueprint(models.Model):
    """The DDL of an up-to-date tenant schema, rendered once per migration state (see
    tenants.blueprint). Provisioning replays it instead of running migrations."""

    state_key = models.CharField(max_length=64, unique=True)
    ddl = models.TextField()
    migrations = models.JSONField(help_text="[app, name] pairs to record as applied")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "模式蓝图"
        verbose_name_plural = "模式蓝图"

    def __str__(self) -> str:
        return f"blueprint {self.state_key[:12]}"

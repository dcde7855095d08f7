"""Templates, versions and indicators for the push and library tests, made directly with the
ORM (independent of the authoring services)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from backend.indicators.models import (
    Direction,
    Template,
    TemplateIndicator,
    TemplateVersion,
    ValueType,
    VersionStatus,
)

# (level1, level2) pairs of the standard system, cycled through by the factory.
LEVEL_PAIRS = [
    ("产出指标", "数量指标"),
    ("产出指标", "质量指标"),
    ("产出指标", "时效指标"),
    ("效益指标", "社会效益指标"),
    ("满意度指标", "服务对象满意度指标"),
]


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Template

    code = factory.Sequence(lambda n: f"push-tpl-{n}")
    name = factory.Sequence(lambda n: f"测试模板 {n}")


class TemplateVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateVersion

    template = factory.SubFactory(TemplateFactory)
    number = 1
    status = VersionStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class TemplateIndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateIndicator

    version = factory.SubFactory(TemplateVersionFactory)
    code = factory.Sequence(lambda n: f"ind-{n}")
    level1 = factory.Sequence(lambda n: LEVEL_PAIRS[n % len(LEVEL_PAIRS)][0])
    level2 = factory.Sequence(lambda n: LEVEL_PAIRS[n % len(LEVEL_PAIRS)][1])
    name = factory.Sequence(lambda n: f"指标 {n}")
    value_type = ValueType.QUANTITATIVE
    direction = Direction.GTE
    unit = "件"
    target_value = Decimal("100")
    weight = Decimal("5")
    sort_order = factory.Sequence(lambda n: n)


def make_version(
    count: int = 3,
    *,
    template: Template | None = None,
    number: int = 1,
    status: str = VersionStatus.PUBLISHED,
    indicators: list[dict[str, Any]] | None = None,
) -> TemplateVersion:
    """A version with ``count`` indicators ``i1``..``iN`` (or exactly ``indicators``, each a
    dict of field values with at least ``code``)."""
    version = TemplateVersionFactory(
        template=template or TemplateFactory(),
        number=number,
        status=status,
        published_at=timezone.now() if status != VersionStatus.DRAFT else None,
    )
    rows = (
        indicators if indicators is not None else [{"code": f"i{i}"} for i in range(1, count + 1)]
    )
    for index, row in enumerate(rows):
        TemplateIndicatorFactory(version=version, sort_order=index, **row)
    return version


def next_version(
    previous: TemplateVersion,
    changes: dict[str, dict[str, Any]] | None = None,
    *,
    drop: tuple[str, ...] = (),
    add: list[dict[str, Any]] | None = None,
) -> TemplateVersion:
    """A copy of ``previous`` as the next published version, with per-code field ``changes``,
    codes dropped and indicators added."""
    changes = changes or {}
    version = TemplateVersionFactory(template=previous.template, number=previous.number + 1)
    copies = []
    for source in previous.indicators.order_by("sort_order", "id"):
        if source.code in drop:
            continue
        source.pk = None
        source.version = version
        for name, value in changes.get(source.code, {}).items():
            setattr(source, name, value)
        copies.append(source)
    TemplateIndicator.objects.bulk_create(copies)
    for index, row in enumerate(add or [], start=len(copies)):
        TemplateIndicatorFactory(version=version, sort_order=index, **row)
    return version

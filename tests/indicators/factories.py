"""Input data and rows for the authoring, validation, sheet and starter tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory

from backend.indicators.models import (
    Direction,
    Polarity,
    ScoringMethod,
    TargetBasis,
    Template,
    TemplateIndicator,
    TemplateVersion,
    ValueType,
    VersionStatus,
)


def quantity(code: str, weight: str | int, **overrides: Any) -> dict[str, Any]:
    """``add_indicator`` data for a valid quantitative indicator (产出指标 / 数量指标)."""
    data: dict[str, Any] = {
        "code": code,
        "level1": "产出指标",
        "level2": "数量指标",
        "name": f"指标 {code}",
        "value_type": ValueType.QUANTITATIVE,
        "direction": Direction.GTE,
        "polarity": Polarity.POSITIVE,
        "unit": "件",
        "target_value": Decimal("100"),
        "weight": Decimal(str(weight)),
        "scoring_method": ScoringMethod.PROPORTIONAL,
        "target_basis": TargetBasis.PLAN,
    }
    data.update(overrides)
    return data


def effect(code: str, weight: str | int, **overrides: Any) -> dict[str, Any]:
    return quantity(code, weight, **{"level1": "效益指标", "level2": "社会效益指标", **overrides})


def satisfaction(code: str, weight: str | int, **overrides: Any) -> dict[str, Any]:
    defaults = {
        "level1": "满意度指标",
        "level2": "服务对象满意度指标",
        "unit": "%",
        "target_value": Decimal("90"),
    }
    return quantity(code, weight, **{**defaults, **overrides})


def qualitative(code: str, weight: str | int, **overrides: Any) -> dict[str, Any]:
    data = effect(
        code,
        weight,
        value_type=ValueType.QUALITATIVE,
        direction="",
        unit="",
        target_value=None,
        target_text="成效明显",
        scoring_method=ScoringMethod.BANDS,
    )
    data.update(overrides)
    return data


def valid_split() -> list[dict[str, Any]]:
    """Indicators that pass the default 10/50/30/10 split."""
    return [
        quantity("cases", 30),
        quantity("quality", 20, level2="质量指标", unit="%", target_value=Decimal("95")),
        effect("effect", 20),
        qualitative("sustain", 10, level2="可持续影响指标"),
        satisfaction("satisfied", 10),
    ]


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Template

    code = factory.Sequence(lambda n: f"authoring-tpl-{n}")
    name = factory.Sequence(lambda n: f"测试模板 {n}")


class VersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateVersion

    template = factory.SubFactory(TemplateFactory)
    number = 1
    status = VersionStatus.DRAFT


class IndicatorFactory(factory.django.DjangoModelFactory):
    """A row written straight through the ORM, bypassing the authoring checks (to build
    versions the services would not let one build)."""

    class Meta:
        model = TemplateIndicator

    version = factory.SubFactory(VersionFactory)
    code = factory.Sequence(lambda n: f"row-{n}")
    level1 = "产出指标"
    level2 = "数量指标"
    name = factory.Sequence(lambda n: f"指标 {n}")
    value_type = ValueType.QUANTITATIVE
    direction = Direction.GTE
    unit = "件"
    target_value = Decimal("100")
    weight = Decimal("10")
    sort_order = factory.Sequence(lambda n: n + 1)


def unsaved(data: dict[str, Any]) -> TemplateIndicator:
    """An unsaved indicator holding ``data``."""
    return TemplateIndicator(**data)

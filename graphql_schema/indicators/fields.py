"""The GraphQL face of IndicatorFields, shared by template and unit-library indicators."""

from __future__ import annotations

from typing import Any

import graphene

from graphql_schema.core.types import attribute_or_none
from graphql_schema.indicators.enums import (
    DirectionEnum,
    PolarityEnum,
    ScoringMethodEnum,
    TargetBasisEnum,
    ValueTypeEnum,
)


class IndicatorFieldsMixin:
    """Declared on each DjangoObjectType that exposes an IndicatorFields model."""

    value_type = graphene.Field(
        ValueTypeEnum, required=True, resolver=attribute_or_none("value_type")
    )
    direction = graphene.Field(DirectionEnum, resolver=attribute_or_none("direction"))
    polarity = graphene.Field(PolarityEnum, required=True, resolver=attribute_or_none("polarity"))
    scoring_method = graphene.Field(
        ScoringMethodEnum, required=True, resolver=attribute_or_none("scoring_method")
    )
    target_basis = graphene.Field(
        TargetBasisEnum, required=True, resolver=attribute_or_none("target_basis")
    )


INDICATOR_MODEL_FIELDS = (
    "code",
    "level1",
    "level2",
    "name",
    "unit",
    "target_value",
    "target_text",
    "weight",
    "guidance",
    "mandatory",
    "locked",
    "sort_order",
)


class IndicatorInput(graphene.InputObjectType):
    """Every field is optional so that the same input serves create and partial update; the
    service says which are required."""

    code = graphene.String()
    level1 = graphene.String(description="一级指标，如 产出指标")
    level2 = graphene.String(description="二级指标，如 数量指标")
    name = graphene.String(description="三级指标名称")
    value_type = ValueTypeEnum()
    direction = DirectionEnum()
    polarity = PolarityEnum()
    unit = graphene.String()
    target_value = graphene.Decimal()
    target_text = graphene.String()
    weight = graphene.Decimal()
    scoring_method = ScoringMethodEnum()
    target_basis = TargetBasisEnum()
    guidance = graphene.String()
    mandatory = graphene.Boolean()
    locked = graphene.Boolean()
    sort_order = graphene.Int()


def input_data(data: IndicatorInput) -> dict[str, Any]:
    """The fields the caller actually sent (an explicit null included: it clears the field),
    enums turned into their stored values."""
    return {key: getattr(value, "value", value) for key, value in data.items()}

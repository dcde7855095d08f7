"""GraphQL types of benchmarks: tables, a unit's own position, trends, weaknesses, peer groups
and unit statistics. The tables are computed values (backend.benchmarking.selectors
dataclasses); their rows are a Relay connection (at most 200 per page, the first 200 when no
page is asked)."""

from __future__ import annotations

from typing import Any

import graphene
from graphene import relay
from graphene_django import DjangoObjectType
from graphql import GraphQLError

from backend.benchmarking import metrics, models
from graphql_schema.core.errors import ApiErrorCode
from graphql_schema.core.types import CountableConnection, attribute_or_none
from graphql_schema.tenants.types import UnitLevelEnum

MAX_ROWS = 200

BenchmarkMetricEnum = graphene.Enum(
    "BenchmarkMetric",
    [(key.upper(), key) for key in metrics.METRICS],
    description="对标指标（benchmarkMetrics 列出其名称、计量单位和方向）",
)
PeerGroupKindEnum = graphene.Enum.from_enum(models.PeerGroupKind, description="对标组类型")
TrendPeriodEnum = graphene.Enum(
    "TrendPeriod", [("MONTH", "month"), ("YEAR", "year")], description="按月或按年"
)


class BenchmarkMetricInfo(graphene.ObjectType):
    key = graphene.Field(BenchmarkMetricEnum, required=True)
    label = graphene.String(required=True)
    unit_of_measure = graphene.String(required=True)
    higher_is_better = graphene.Boolean(required=True)
    monthly = graphene.Boolean(required=True, description="takes a month (in-year figures)")
    needs_indicator = graphene.Boolean(required=True, description="needs indicatorCode")
    description = graphene.String(required=True)

    @staticmethod
    def resolve_key(root: metrics.Metric, info: graphene.ResolveInfo) -> str:
        return root.key


class Distribution(graphene.ObjectType):
    count = graphene.Int(required=True)
    min = graphene.Decimal()
    q1 = graphene.Decimal()
    median = graphene.Decimal()
    q3 = graphene.Decimal()
    max = graphene.Decimal()
    mean = graphene.Decimal()


class BenchmarkRow(graphene.ObjectType):
    unit_id = graphene.Int(required=True)
    code = graphene.String(required=True)
    name = graphene.String(required=True)
    level = graphene.Field(UnitLevelEnum, required=True)
    city_code = graphene.String(required=True)
    city_name = graphene.String(required=True)
    value = graphene.Decimal()
    rank = graphene.Int(description="1 = best; ties share a rank (1, 2, 2, 4)")
    percentile = graphene.Decimal(description="share of the other units not better, %")


class BenchmarkRowConnection(CountableConnection):
    class Meta:
        node = BenchmarkRow

    @staticmethod
    def resolve_total_count(root: Any, info: graphene.ResolveInfo) -> int:
        return len(root.iterable)  # a list (CountableConnection's count() expects a queryset)


class RowsField(relay.ConnectionField):
    """A connection over an in-memory list: the first 200 rows unless a page is asked, never
    more than 200 at once."""

    @classmethod
    def resolve_connection(cls, connection_type: Any, args: dict[str, Any], resolved: Any) -> Any:
        args = dict(args)
        for key in ("first", "last"):
            if args.get(key) is not None and not 0 <= args[key] <= MAX_ROWS:
                raise GraphQLError(
                    f"{key} 应在 0–{MAX_ROWS} 之间。",
                    extensions={"code": ApiErrorCode.GRAPHQL_VALIDATION_FAILED},
                )
        if args.get("first") is None and args.get("last") is None:
            args["first"] = MAX_ROWS
        return super().resolve_connection(connection_type, args, resolved)


class BenchmarkTable(graphene.ObjectType):
    metric = graphene.Field(BenchmarkMetricEnum, required=True)
    label = graphene.String(required=True)
    unit_of_measure = graphene.String(required=True)
    higher_is_better = graphene.Boolean(required=True)
    fiscal_year = graphene.Int(required=True)
    month = graphene.Int()
    distribution = graphene.Field(Distribution, required=True)
    rows = RowsField(BenchmarkRowConnection, required=True, description="ranked, valueless last")

    @staticmethod
    def resolve_rows(root: Any, info: graphene.ResolveInfo, **kwargs: Any) -> Any:
        # A sized, sliceable sequence: the connection slices out its page, and only the rows
        # of that page are built (selectors.RankedRows).
        return root.rows


class Position(graphene.ObjectType):
    scope = graphene.String(required=True, description="level or peer_group")
    code = graphene.String(required=True)
    name = graphene.String(required=True)
    rank = graphene.Int()
    percentile = graphene.Decimal()
    distribution = graphene.Field(Distribution, required=True)


class UnitPosition(graphene.ObjectType):
    metric = graphene.Field(BenchmarkMetricEnum, required=True)
    label = graphene.String(required=True)
    unit_of_measure = graphene.String(required=True)
    higher_is_better = graphene.Boolean(required=True)
    fiscal_year = graphene.Int(required=True)
    month = graphene.Int()
    value = graphene.Decimal()
    positions = graphene.List(graphene.NonNull(Position), required=True)


class TrendPoint(graphene.ObjectType):
    fiscal_year = graphene.Int(required=True)
    month = graphene.Int()
    value = graphene.Decimal(description="the unit's value, when a unit is asked")
    count = graphene.Int(required=True)
    median = graphene.Decimal()
    mean = graphene.Decimal()


class Trend(graphene.ObjectType):
    metric = graphene.Field(BenchmarkMetricEnum, required=True)
    label = graphene.String(required=True)
    unit_of_measure = graphene.String(required=True)
    higher_is_better = graphene.Boolean(required=True)
    by = graphene.Field(TrendPeriodEnum, required=True)
    points = graphene.List(graphene.NonNull(TrendPoint), required=True)


class MissedIndicator(graphene.ObjectType):
    indicator_code = graphene.String(required=True)
    name = graphene.String(required=True)
    assessed = graphene.Int(required=True)
    missed = graphene.Int(required=True)
    units = graphene.Int(required=True)
    miss_rate = graphene.Decimal(required=True, description="missed ÷ assessed, percent 0–100")


class CauseCount(graphene.ObjectType):
    cause = graphene.String(required=True)
    label = graphene.String(required=True)
    count = graphene.Int(required=True)


class CityGrades(graphene.ObjectType):
    city_code = graphene.String(required=True)
    city_name = graphene.String(required=True)
    excellent = graphene.Int(required=True)
    good = graphene.Int(required=True)
    fair = graphene.Int(required=True)
    poor = graphene.Int(required=True)


class SelfKeyGap(graphene.ObjectType):
    unit_id = graphene.Int(required=True)
    code = graphene.String(required=True)
    name = graphene.String(required=True)
    city_code = graphene.String(required=True)
    city_name = graphene.String(required=True)
    project_code = graphene.String(required=True)
    project_name = graphene.String(required=True)
    self_score = graphene.Decimal(required=True)
    key_score = graphene.Decimal(required=True)
    gap = graphene.Decimal(required=True)


class Weaknesses(graphene.ObjectType):
    fiscal_year = graphene.Int(required=True)
    overrate_points = graphene.Decimal(required=True)
    missed_indicators = graphene.List(graphene.NonNull(MissedIndicator), required=True)
    deviation_causes = graphene.List(graphene.NonNull(CauseCount), required=True)
    grades_by_city = graphene.List(graphene.NonNull(CityGrades), required=True)
    self_key_gaps = graphene.List(graphene.NonNull(SelfKeyGap), required=True)


class PeerGroup(DjangoObjectType):
    kind = graphene.Field(PeerGroupKindEnum, required=True, resolver=attribute_or_none("kind"))
    level = graphene.Field(UnitLevelEnum, resolver=attribute_or_none("level"))
    city_code = graphene.String()
    member_codes = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="stored members (list)"
    )

    class Meta:
        model = models.PeerGroup
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = ("code", "name", "lower", "upper", "created_at", "updated_at")

    @staticmethod
    def resolve_city_code(root: models.PeerGroup, info: graphene.ResolveInfo) -> str | None:
        return root.city.code if root.city is not None else None

    @staticmethod
    def resolve_member_codes(root: models.PeerGroup, info: graphene.ResolveInfo) -> list[str]:
        return sorted(m.unit.code for m in root.memberships.all())


class UnitStatistics(DjangoObjectType):
    unit_code = graphene.String(required=True)

    class Meta:
        model = models.UnitStatistics
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = ("fiscal_year", "staff", "procurators", "cases", "updated_at")

    @staticmethod
    def resolve_unit_code(root: models.UnitStatistics, info: graphene.ResolveInfo) -> str:
        return root.unit.code

"""benchmarking: GraphQL queries. Public host: province admins and city reviewers benchmark the
units under them. Unit host: a unit's own position and trend, never another unit's name."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, TypeVar

import graphene
from django.db.models import QuerySet
from graphene_django import DjangoConnectionField
from graphql import GraphQLError

from backend.accounts.policy import Op
from backend.benchmarking import metrics, peers, selectors, statistics_xlsx
from backend.benchmarking.models import PeerGroup as PeerGroupModel
from backend.benchmarking.models import UnitStatistics as UnitStatisticsModel
from backend.core.errors import DomainError
from graphql_schema.benchmarking.types import (
    MAX_ROWS,
    BenchmarkMetricEnum,
    BenchmarkMetricInfo,
    BenchmarkTable,
    PeerGroup,
    Trend,
    TrendPeriodEnum,
    UnitPosition,
    UnitStatistics,
    Weaknesses,
)
from graphql_schema.core.errors import Forbidden
from graphql_schema.core.permissions import require_console, require_unit_access, require_user
from tenants.models import Procuratorate

T = TypeVar("T")

OUT_OF_REACH = "只有省院管理员和市院审核人可以查看单位对标数据。"


def _value(enum_value: Any) -> Any:
    return getattr(enum_value, "value", enum_value)


def call(read: Callable[[], T]) -> T:
    """Run a selector: no benchmarking role → PERMISSION_DENIED; a bad argument → a GraphQL
    error carrying the problem's code and field."""
    try:
        return read()
    except selectors.OutOfReach:
        raise Forbidden(OUT_OF_REACH) from None
    except DomainError as error:
        problem = error.problems[0]
        raise GraphQLError(
            str(error), extensions={"code": problem.code, "field": problem.field}
        ) from None


_TABLE_ARGS = {
    "metric": BenchmarkMetricEnum(required=True),
    "fiscal_year": graphene.Int(required=True),
    "level": graphene.String(description="county, city, special"),
    "city": graphene.String(description="a city's code: the city and the units under it"),
    "peer_group": graphene.String(description="a peer group's code"),
    "indicator_code": graphene.String(description="for the indicator metrics"),
}


class PublicBenchmarkingQueries(graphene.ObjectType):
    """On the public host."""

    benchmark_metrics = graphene.List(graphene.NonNull(BenchmarkMetricInfo), required=True)
    benchmark = graphene.Field(
        BenchmarkTable,
        required=True,
        month=graphene.Int(description="for in-year metrics"),
        description="Every unit under the caller ranked on one metric, with the distribution.",
        **_TABLE_ARGS,
    )
    trend = graphene.Field(
        Trend,
        required=True,
        by=TrendPeriodEnum(default_value="month"),
        years=graphene.Int(default_value=5),
        unit=graphene.String(description="a unit's code: its value beside the group's"),
        description="A metric over the months of a year or over past years: the group's "
        "median and mean (and one unit's value).",
        **_TABLE_ARGS,
    )
    weaknesses = graphene.Field(
        Weaknesses,
        required=True,
        fiscal_year=graphene.Int(required=True),
        city=graphene.String(),
        description="Common weaknesses across the units under the caller.",
    )
    peer_groups = DjangoConnectionField(PeerGroup, description="The province's peer groups.")
    unit_statistics = DjangoConnectionField(UnitStatistics, fiscal_year=graphene.Int(required=True))
    unit_statistics_xlsx_base64 = graphene.String(
        fiscal_year=graphene.Int(required=True),
        province=graphene.String(),
        description="单位基本情况表 of the year, pre-filled (province admin); fill in, then "
        "importUnitStatistics",
    )

    @staticmethod
    def resolve_benchmark_metrics(root: Any, info: graphene.ResolveInfo) -> list[metrics.Metric]:
        require_console(info, Op.BENCHMARK_VIEW)
        return list(metrics.METRICS.values())

    @staticmethod
    def resolve_benchmark(
        root: Any, info: graphene.ResolveInfo, metric: Any, fiscal_year: int, **kw: Any
    ) -> selectors.BenchmarkTable:
        user = require_user(info)
        # The statement brings the default page (the first 200 rows) with the distribution; a
        # later page is fetched when the connection slices it.
        return call(
            lambda: selectors.benchmark(
                user, _value(metric), fiscal_year, first_rows=MAX_ROWS, **kw
            )
        )

    @staticmethod
    def resolve_trend(
        root: Any,
        info: graphene.ResolveInfo,
        metric: Any,
        fiscal_year: int,
        by: Any = "month",
        **kw: Any,
    ) -> selectors.Trend:
        user = require_user(info)
        return call(lambda: selectors.trend(user, _value(metric), fiscal_year, by=_value(by), **kw))

    @staticmethod
    def resolve_weaknesses(
        root: Any, info: graphene.ResolveInfo, fiscal_year: int, city: str | None = None
    ) -> selectors.Weaknesses:
        user = require_user(info)
        return call(lambda: selectors.weaknesses(user, fiscal_year, city=city))

    @staticmethod
    def resolve_peer_groups(
        root: Any, info: graphene.ResolveInfo, **kw: Any
    ) -> QuerySet[PeerGroupModel]:
        user = require_user(info)
        scope = call(lambda: selectors.benchmark_scope(user))
        return (
            PeerGroupModel.objects.filter(province__path__in=scope.provinces)
            .select_related("city")
            .prefetch_related("memberships__unit")
            .order_by("code")
        )

    @staticmethod
    def resolve_unit_statistics_xlsx_base64(
        root: Any, info: graphene.ResolveInfo, fiscal_year: int, province: str | None = None
    ) -> str:
        user = require_console(info, Op.STATISTICS_MANAGE)
        sheet = statistics_xlsx.export_statistics(
            call(lambda: peers.admin_province(user, province)), fiscal_year
        )
        return base64.b64encode(sheet).decode()

    @staticmethod
    def resolve_unit_statistics(
        root: Any, info: graphene.ResolveInfo, fiscal_year: int, **kw: Any
    ) -> QuerySet[UnitStatisticsModel]:
        user = require_user(info)
        scope = call(lambda: selectors.benchmark_scope(user))
        units = Procuratorate.objects.filter(scope.condition).values("pk")
        return (
            UnitStatisticsModel.objects.filter(fiscal_year=fiscal_year, unit_id__in=units)
            .select_related("unit")
            .order_by("unit__path")
        )


class TenantBenchmarkingQueries(graphene.ObjectType):
    """On a unit's host."""

    my_benchmark = graphene.Field(
        UnitPosition,
        required=True,
        metric=BenchmarkMetricEnum(required=True),
        fiscal_year=graphene.Int(required=True),
        month=graphene.Int(),
        indicator_code=graphene.String(),
        description="This unit's value, rank and percentile among the units of its level in "
        "the province and in each of its peer groups, with the distributions.",
    )
    my_trend = graphene.Field(
        Trend,
        required=True,
        metric=BenchmarkMetricEnum(required=True),
        fiscal_year=graphene.Int(required=True),
        by=TrendPeriodEnum(default_value="month"),
        years=graphene.Int(default_value=5),
        indicator_code=graphene.String(),
        description="This unit's metric over time beside the median and mean of its level.",
    )

    @staticmethod
    def resolve_my_benchmark(
        root: Any, info: graphene.ResolveInfo, metric: Any, fiscal_year: int, **kw: Any
    ) -> selectors.UnitPosition:
        unit = require_unit_access(info)
        return call(lambda: selectors.unit_position(unit, _value(metric), fiscal_year, **kw))

    @staticmethod
    def resolve_my_trend(
        root: Any,
        info: graphene.ResolveInfo,
        metric: Any,
        fiscal_year: int,
        by: Any = "month",
        **kw: Any,
    ) -> selectors.Trend:
        unit = require_unit_access(info)
        return call(
            lambda: selectors.unit_trend(unit, _value(metric), fiscal_year, by=_value(by), **kw)
        )

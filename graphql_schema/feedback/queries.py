"""feedback: GraphQL queries. On a unit's host: its own rectifications, feedback items and
budget linkages. On the public host (``Op.CONSOLE_VIEW``): the same across the subtrees of the
memberships granting it (province_admin at a province, city_reviewer at a city), the suggested
rectifications, the batches with their rates and the province's results settings."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import Prefetch, QuerySet
from graphene import relay
from graphene_django import DjangoConnectionField

from backend.accounts.policy import Op
from backend.benchmarking.models import ProjectFact
from backend.core.errors import DomainError
from backend.feedback import selectors
from backend.feedback.models import BudgetLinkage as BudgetLinkageModel
from backend.feedback.models import FeedbackBatch as FeedbackBatchModel
from backend.feedback.models import FeedbackItem as FeedbackItemModel
from backend.feedback.models import RectificationRequest as RectificationModel
from backend.feedback.models import RectificationStatus
from graphql_schema.core.ids import decode_id
from graphql_schema.core.permissions import in_province, require_console, require_unit_access
from graphql_schema.feedback.types import (
    BudgetLinkage,
    FeedbackBatch,
    FeedbackItem,
    RectificationRequest,
    RectificationStatusEnum,
    ResultsPolicy,
    SuggestedRectificationConnection,
)
from tenants.models import Procuratorate, UnitLevel


def _value(enum_value: Any) -> str | None:
    return getattr(enum_value, "value", enum_value) or None


def _pk(global_id: str, type_name: str) -> int | None:
    try:
        return decode_id(global_id, type_name)
    except DomainError:
        return None


def with_events(qs: QuerySet[RectificationModel]) -> QuerySet[RectificationModel]:
    return qs.select_related("unit", "issuer").prefetch_related("events__actor")


def with_rectification(qs: QuerySet[FeedbackItemModel]) -> QuerySet[FeedbackItemModel]:
    return qs.select_related("unit", "batch", "batch__issuer").prefetch_related(
        Prefetch(
            "rectifications",
            queryset=with_events(RectificationModel.objects.all()),
        )
    )


class TenantFeedbackQueries(graphene.ObjectType):
    """On a unit's host: the unit's own rows only."""

    rectifications = DjangoConnectionField(
        RectificationRequest,
        status=RectificationStatusEnum(),
        overdue=graphene.Boolean(),
        fiscal_year=graphene.Int(),
        description="本院整改通知",
    )
    rectification = graphene.Field(RectificationRequest, id=graphene.ID(required=True))
    feedback_items = DjangoConnectionField(
        FeedbackItem,
        fiscal_year=graphene.Int(),
        unread=graphene.Boolean(),
        description="本院收到的反馈",
    )
    budget_linkages = DjangoConnectionField(
        BudgetLinkage, fiscal_year=graphene.Int(), description="本院预算挂钩（只读）"
    )

    @staticmethod
    def resolve_rectifications(
        root: None,
        info: graphene.ResolveInfo,
        status: RectificationStatus | None = None,
        overdue: bool | None = None,
        fiscal_year: int | None = None,
        **kw: Any,
    ) -> QuerySet[RectificationModel]:
        unit = require_unit_access(info)
        return with_events(
            selectors.rectifications_of_unit(
                unit, status=_value(status), overdue=overdue, fiscal_year=fiscal_year
            )
        )

    @staticmethod
    def resolve_rectification(
        root: None, info: graphene.ResolveInfo, id: str
    ) -> RectificationModel | None:
        unit = require_unit_access(info)
        pk = _pk(id, "RectificationRequest")
        if pk is None:
            return None
        return with_events(selectors.rectifications_of_unit(unit)).filter(pk=pk).first()

    @staticmethod
    def resolve_feedback_items(
        root: None,
        info: graphene.ResolveInfo,
        fiscal_year: int | None = None,
        unread: bool | None = None,
        **kw: Any,
    ) -> QuerySet[FeedbackItemModel]:
        unit = require_unit_access(info)
        return with_rectification(
            selectors.feedback_items_of_unit(unit, fiscal_year=fiscal_year, unread=unread)
        )

    @staticmethod
    def resolve_budget_linkages(
        root: None, info: graphene.ResolveInfo, fiscal_year: int | None = None, **kw: Any
    ) -> QuerySet[BudgetLinkageModel]:
        unit = require_unit_access(info)
        return selectors.linkages_of_unit(unit, fiscal_year=fiscal_year).select_related(
            "decided_by"
        )


class PublicFeedbackQueries(graphene.ObjectType):
    """On the public host: across the units under the caller's reviewer memberships."""

    rectifications = DjangoConnectionField(
        RectificationRequest,
        fiscal_year=graphene.Int(),
        status=RectificationStatusEnum(),
        overdue=graphene.Boolean(),
        city=graphene.String(description="a city's code: the city and its counties"),
        unit=graphene.String(description="a unit's code"),
        description="Rectifications of the units under the caller (province, city reviewers).",
    )
    rectification = graphene.Field(RectificationRequest, id=graphene.ID(required=True))
    suggested_rectifications = relay.ConnectionField(
        SuggestedRectificationConnection,
        fiscal_year=graphene.Int(),
        city=graphene.String(),
        description="Finalised projects graded 中 with no rectification yet.",
    )
    budget_linkages = DjangoConnectionField(
        BudgetLinkage,
        fiscal_year=graphene.Int(),
        city=graphene.String(),
        unit=graphene.String(),
        unit_level=graphene.Boolean(description="true: unit rows only; false: project rows only"),
        undecided=graphene.Boolean(),
    )
    feedback_batches = DjangoConnectionField(FeedbackBatch, fiscal_year=graphene.Int())
    feedback_batch = graphene.Field(FeedbackBatch, id=graphene.ID(required=True))
    results_policy = graphene.Field(ResultsPolicy, province=graphene.String(required=True))

    @staticmethod
    def resolve_rectifications(
        root: None,
        info: graphene.ResolveInfo,
        fiscal_year: int | None = None,
        status: RectificationStatus | None = None,
        overdue: bool | None = None,
        city: str | None = None,
        unit: str | None = None,
        **kw: Any,
    ) -> QuerySet[RectificationModel]:
        user = require_console(info, Op.CONSOLE_VIEW)
        return with_events(
            selectors.rectifications_under(
                user,
                fiscal_year=fiscal_year,
                status=_value(status),
                overdue=overdue,
                city=city,
                unit=unit,
            )
        )

    @staticmethod
    def resolve_rectification(
        root: None, info: graphene.ResolveInfo, id: str
    ) -> RectificationModel | None:
        user = require_console(info, Op.CONSOLE_VIEW)
        pk = _pk(id, "RectificationRequest")
        if pk is None:
            return None
        found = selectors.rectification_for_reviewer(user, pk)
        return (
            with_events(RectificationModel.objects.filter(pk=found.pk)).first() if found else None
        )

    @staticmethod
    def resolve_suggested_rectifications(
        root: None,
        info: graphene.ResolveInfo,
        fiscal_year: int | None = None,
        city: str | None = None,
        **kw: Any,
    ) -> QuerySet[ProjectFact]:
        user = require_console(info, Op.CONSOLE_VIEW)
        return selectors.suggested_rectifications(user, fiscal_year=fiscal_year, city=city)

    @staticmethod
    def resolve_budget_linkages(
        root: None,
        info: graphene.ResolveInfo,
        fiscal_year: int | None = None,
        city: str | None = None,
        unit: str | None = None,
        unit_level: bool | None = None,
        undecided: bool | None = None,
        **kw: Any,
    ) -> QuerySet[BudgetLinkageModel]:
        user = require_console(info, Op.CONSOLE_VIEW)
        return selectors.linkages_under(
            user,
            fiscal_year=fiscal_year,
            city=city,
            unit=unit,
            unit_level_only=unit_level,
            undecided=undecided,
        ).select_related("decided_by")

    @staticmethod
    def resolve_feedback_batches(
        root: None, info: graphene.ResolveInfo, fiscal_year: int | None = None, **kw: Any
    ) -> QuerySet[FeedbackBatchModel]:
        user = require_console(info, Op.CONSOLE_VIEW)
        return batches_with_items(selectors.batches_under(user, fiscal_year=fiscal_year))

    @staticmethod
    def resolve_feedback_batch(
        root: None, info: graphene.ResolveInfo, id: str
    ) -> FeedbackBatchModel | None:
        user = require_console(info, Op.CONSOLE_VIEW)
        pk = _pk(id, "FeedbackBatch")
        if pk is None:
            return None
        return batches_with_items(selectors.batches_under(user)).filter(pk=pk).first()

    @staticmethod
    def resolve_results_policy(
        root: None, info: graphene.ResolveInfo, province: str
    ) -> ResultsPolicy | None:
        from backend.feedback.services import policy_or_default

        require_console(info, Op.CONSOLE_VIEW)
        unit = Procuratorate.objects.filter(code=province, level=UnitLevel.PROVINCE).first()
        # The console readers of the province (or of a city in it) read its settings.
        if unit is None or not in_province(info, unit, Op.CONSOLE_VIEW):
            return None
        return ResultsPolicy.of(unit.code, policy_or_default(unit))


def batches_with_items(qs: QuerySet[FeedbackBatchModel]) -> QuerySet[FeedbackBatchModel]:
    return qs.prefetch_related(
        Prefetch(
            "items", queryset=with_rectification(FeedbackItemModel.objects.order_by("unit__path"))
        )
    )

"""feedback: GraphQL types (shared by the unit's host and the public host)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

import graphene
from graphene import relay
from graphene_django import DjangoObjectType
from graphql_relay import to_global_id

from backend.feedback import models
from backend.feedback.selectors import rate
from graphql_schema.core.types import CountableConnection, attribute_or_none
from graphql_schema.tenants.types import Unit

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from backend.accounts.models import User
    from backend.benchmarking.models import ProjectFact
    from backend.oversight.models import ProvincePolicy
    from tenants.models import Procuratorate

RectificationStatusEnum = graphene.Enum.from_enum(
    models.RectificationStatus, description="整改状态"
)
RectificationOriginEnum = graphene.Enum.from_enum(
    models.RectificationOrigin, description="整改来源"
)
RectificationEventKindEnum = graphene.Enum.from_enum(
    models.RectificationEvent.Kind, name="RectificationEventKind", description="整改记录类型"
)
LinkageActionEnum = graphene.Enum.from_enum(models.LinkageAction, description="预算挂钩处理")


def _project_gid(project_id: int | None) -> str | None:
    return to_global_id("Project", project_id) if project_id is not None else None


def _user_name(user: User | None) -> str | None:
    if user is None:
        return None
    return getattr(user, "full_name", "") or user.get_username()


class RectificationEvent(DjangoObjectType):
    kind = graphene.Field(
        RectificationEventKindEnum, required=True, resolver=attribute_or_none("kind")
    )
    evidence_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        required=True,
        description="Document IDs on the unit's host",
    )
    actor_name = graphene.String()

    class Meta:
        model = models.RectificationEvent
        fields = ("text", "created_at")

    @staticmethod
    def resolve_evidence_ids(
        root: models.RectificationEvent, info: graphene.ResolveInfo
    ) -> list[str]:
        return [to_global_id("Document", pk) for pk in root.evidence_ids]

    @staticmethod
    def resolve_actor_name(
        root: models.RectificationEvent, info: graphene.ResolveInfo
    ) -> str | None:
        return _user_name(root.actor)


class RectificationRequest(DjangoObjectType):
    """整改通知: open → responded → accepted, or rejected → open. ``projectId`` names the
    project on the unit's host."""

    unit = graphene.Field(Unit, required=True)
    issuer = graphene.Field(Unit, required=True)
    origin = graphene.Field(
        RectificationOriginEnum, required=True, resolver=attribute_or_none("origin")
    )
    status = graphene.Field(
        RectificationStatusEnum, required=True, resolver=attribute_or_none("status")
    )
    project_id = graphene.ID()
    events = graphene.List(graphene.NonNull(RectificationEvent), required=True)

    class Meta:
        model = models.RectificationRequest
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = (
            "fiscal_year",
            "project_code",
            "project_name",
            "title",
            "requirement",
            "due_on",
            "overdue",
            "accepted_at",
            "created_at",
            "updated_at",
        )

    @staticmethod
    def resolve_project_id(
        root: models.RectificationRequest, info: graphene.ResolveInfo
    ) -> str | None:
        return _project_gid(root.project_id)

    @staticmethod
    def resolve_events(
        root: models.RectificationRequest, info: graphene.ResolveInfo
    ) -> list[models.RectificationEvent]:
        return list(root.events.all())  # prefetched by the resolvers


class BudgetLinkage(DjangoObjectType):
    """Next year's budget linkage of a project (or, with ``projectId`` null, of the unit): the
    suggestion with the numbers that led to it (``basis``), and the decision."""

    unit = graphene.Field(Unit, required=True)
    project_id = graphene.ID()
    suggested_action = graphene.Field(
        LinkageActionEnum, required=True, resolver=attribute_or_none("suggested_action")
    )
    decided_action = graphene.Field(LinkageActionEnum, resolver=attribute_or_none("decided_action"))
    basis = graphene.JSONString(required=True, description="score, grade, budget, rule, policy")
    decided_by_name = graphene.String()

    class Meta:
        model = models.BudgetLinkage
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = (
            "fiscal_year",
            "project_code",
            "project_name",
            "grade",
            "score",
            "base_budget",
            "suggested_min_pct",
            "suggested_max_pct",
            "decided_pct",
            "decided_budget",
            "decision_reason",
            "decided_at",
            "updated_at",
        )

    @staticmethod
    def resolve_project_id(root: models.BudgetLinkage, info: graphene.ResolveInfo) -> str | None:
        return _project_gid(root.project_id)

    @staticmethod
    def resolve_basis(root: models.BudgetLinkage, info: graphene.ResolveInfo) -> dict[str, Any]:
        return root.basis

    @staticmethod
    def resolve_decided_by_name(
        root: models.BudgetLinkage, info: graphene.ResolveInfo
    ) -> str | None:
        return _user_name(root.decided_by)


class FeedbackItem(DjangoObjectType):
    """One unit's item of a feedback batch, with its own figures."""

    unit = graphene.Field(Unit, required=True)
    issuer = graphene.Field(Unit, required=True)
    title = graphene.String(required=True)
    body = graphene.String(required=True)
    text = graphene.String(
        required=True,
        description="the body with this unit's own figures in its placeholders ({单位}, "
        "{指标值}, {排名} …: backend/feedback/texts.py)",
    )
    fiscal_year = graphene.Int(required=True)
    issued_at = graphene.DateTime(required=True)
    figures = graphene.JSONString(required=True, description="本单位数据（来自事实表）")
    rectification = graphene.Field(RectificationRequest)
    evidence_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        required=True,
        description="Document IDs (on the unit's host) the answer cites",
    )

    @staticmethod
    def resolve_evidence_ids(root: models.FeedbackItem, info: graphene.ResolveInfo) -> list[str]:
        return [to_global_id("Document", i) for i in root.evidence_ids or []]

    class Meta:
        model = models.FeedbackItem
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = ("read_at", "answer", "answered_at")

    @staticmethod
    def resolve_issuer(root: models.FeedbackItem, info: graphene.ResolveInfo) -> Procuratorate:
        return root.batch.issuer

    @staticmethod
    def resolve_title(root: models.FeedbackItem, info: graphene.ResolveInfo) -> str:
        return root.batch.title

    @staticmethod
    def resolve_body(root: models.FeedbackItem, info: graphene.ResolveInfo) -> str:
        return root.batch.body

    @staticmethod
    def resolve_text(root: models.FeedbackItem, info: graphene.ResolveInfo) -> str:
        return root.text

    @staticmethod
    def resolve_fiscal_year(root: models.FeedbackItem, info: graphene.ResolveInfo) -> int:
        return root.batch.fiscal_year

    @staticmethod
    def resolve_issued_at(root: models.FeedbackItem, info: graphene.ResolveInfo) -> datetime:
        return root.batch.created_at

    @staticmethod
    def resolve_figures(root: models.FeedbackItem, info: graphene.ResolveInfo) -> dict[str, Any]:
        return root.figures

    @staticmethod
    def resolve_rectification(
        root: models.FeedbackItem, info: graphene.ResolveInfo
    ) -> models.RectificationRequest | None:
        found = list(root.rectifications.all())  # prefetched by the resolvers
        return found[0] if found else None


class _BatchCounts(TypedDict):
    """The counts ``backend.feedback.selectors.with_rates`` annotates a batch with."""

    unit_count: int
    read_count: int
    answered_count: int
    rectification_count: int
    accepted_count: int


class FeedbackBatch(DjangoObjectType):
    """A feedback batch as its issuer sees it, with response and closure rates."""

    issuer = graphene.Field(Unit, required=True)
    selection = graphene.JSONString(required=True)
    unit_count = graphene.Int(required=True)
    read_count = graphene.Int(required=True)
    answered_count = graphene.Int(required=True)
    rectification_count = graphene.Int(required=True)
    accepted_count = graphene.Int(required=True)
    response_rate = graphene.Decimal(description="answered ÷ units, %")
    closure_rate = graphene.Decimal(description="accepted ÷ rectifications, %")
    items = graphene.List(graphene.NonNull(FeedbackItem), required=True)

    class Meta:
        model = models.FeedbackBatch
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = ("fiscal_year", "title", "body", "requires_rectification", "due_on", "created_at")

    @staticmethod
    def resolve_selection(root: models.FeedbackBatch, info: graphene.ResolveInfo) -> dict[str, Any]:
        return root.selection

    @staticmethod
    def resolve_response_rate(
        root: WithAnnotations[models.FeedbackBatch, _BatchCounts], info: graphene.ResolveInfo
    ) -> Decimal | None:
        return rate(root.answered_count, root.unit_count)

    @staticmethod
    def resolve_closure_rate(
        root: WithAnnotations[models.FeedbackBatch, _BatchCounts], info: graphene.ResolveInfo
    ) -> Decimal | None:
        return rate(root.accepted_count, root.rectification_count)

    @staticmethod
    def resolve_items(
        root: models.FeedbackBatch, info: graphene.ResolveInfo
    ) -> list[models.FeedbackItem]:
        return list(root.items.all())  # prefetched by the resolvers


class SuggestedRectification(graphene.ObjectType):
    """A finalised project graded 中 with no rectification yet (``openRectification`` takes its
    ``unit.code`` and ``projectId``)."""

    unit = graphene.Field(Unit, required=True)
    fiscal_year = graphene.Int(required=True)
    project_id = graphene.ID(required=True)
    project_code = graphene.String(required=True)
    project_name = graphene.String(required=True)
    full_budget = graphene.Decimal(required=True)
    self_score = graphene.Decimal()
    self_grade = graphene.String()

    @staticmethod
    def resolve_project_id(root: ProjectFact, info: graphene.ResolveInfo) -> str:
        return to_global_id("Project", root.project_id)


class SuggestedRectificationConnection(CountableConnection):
    class Meta:
        node = SuggestedRectification


class ResultsPolicy(graphene.ObjectType):
    """The province's results-application settings."""

    province = graphene.String(required=True)
    rectification_days = graphene.Int(required=True)
    linkage_increase_max = graphene.Decimal(required=True)
    linkage_fair_reduce_max = graphene.Decimal(required=True)
    linkage_poor_reduce_min = graphene.Decimal(required=True)

    @staticmethod
    def of(province_code: str, policy: ProvincePolicy) -> ResultsPolicy:
        return ResultsPolicy(
            province=province_code,
            rectification_days=policy.rectification_days,
            linkage_increase_max=policy.linkage_increase_max,
            linkage_fair_reduce_max=policy.linkage_fair_reduce_max,
            linkage_poor_reduce_min=policy.linkage_poor_reduce_min,
        )

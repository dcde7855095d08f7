"""feedback: GraphQL mutations. On a unit's host: respond to a rectification, read and answer
feedback. On the public host: open, accept and reject rectifications, decide budget linkage,
issue feedback batches, set the province's results settings. Who may act is checked by the
services; the resolvers find the row in the caller's reach (NOT_FOUND otherwise)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene
from django.core.files.uploadedfile import UploadedFile

from backend.accounts.policy import Op
from backend.core.errors import CoreErrorCode, DomainError
from backend.feedback import selectors, services
from backend.feedback.models import BudgetLinkage as BudgetLinkageModel
from backend.feedback.models import FeedbackItem as FeedbackItemModel
from backend.feedback.models import LinkageAction
from backend.feedback.models import RectificationRequest as RectificationModel
from graphql_schema.core.ids import decode_id
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_console, require_unit_access
from graphql_schema.core.uploads import Upload
from graphql_schema.feedback.queries import batches_with_items, with_events, with_rectification
from graphql_schema.feedback.types import (
    BudgetLinkage,
    FeedbackBatch,
    FeedbackItem,
    LinkageActionEnum,
    RectificationRequest,
    ResultsPolicy,
)
from tenants.models import Procuratorate, UnitLevel


def _not_found(field: str = "id") -> DomainError:
    return DomainError.single(CoreErrorCode.NOT_FOUND, "对象不存在。", field)


def _reload(request: RectificationModel) -> RectificationModel:
    return with_events(RectificationModel.objects.filter(pk=request.pk)).get()


def _own_request(unit: Procuratorate, global_id: str) -> RectificationModel:
    pk = decode_id(global_id, "RectificationRequest")
    found = selectors.rectifications_of_unit(unit).filter(pk=pk).first()
    if found is None:
        raise _not_found()
    return found


def _own_item(unit: Procuratorate, global_id: str) -> FeedbackItemModel:
    pk = decode_id(global_id, "FeedbackItem")
    found = selectors.feedback_items_of_unit(unit).select_for_update(of=("self",)).filter(pk=pk)
    item = found.first()
    if item is None:
        raise _not_found()
    return item


def _reload_item(item: FeedbackItemModel) -> FeedbackItemModel:
    return with_rectification(FeedbackItemModel.objects.filter(pk=item.pk)).get()


class RespondRectification(BaseMutation):
    """The unit's finance or leader reports the rectification done, with evidence (Document
    IDs of this unit)."""

    rectification = graphene.Field(RectificationRequest)

    class Arguments:
        id = graphene.ID(required=True)
        text = graphene.String(required=True)
        evidence_ids = graphene.List(graphene.NonNull(graphene.ID))

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        text: str,
        evidence_ids: list[str] | None = None,
    ) -> dict[str, Any]:
        unit = require_unit_access(info, Op.RESULTS_RESPOND)
        request = _own_request(unit, id)
        ids = [decode_id(e, "Document", "evidenceIds") for e in evidence_ids or []]
        services.respond_rectification(request, info.context.user, text, ids)
        return {"rectification": _reload(request)}


class MarkFeedbackRead(BaseMutation):
    item = graphene.Field(FeedbackItem)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, id: str) -> dict[str, Any]:
        unit = require_unit_access(info, Op.RESULTS_RESPOND)
        item = services.mark_feedback_read(_own_item(unit, id), info.context.user)
        return {"item": _reload_item(item)}


class AnswerFeedback(BaseMutation):
    """The unit answers a feedback item, with evidence: documents already uploaded
    (``evidenceIds``) and/or files sent with the answer (``files``, multipart request spec,
    each stored as one of the unit's documents titled after the file, in the same transaction:
    a refused answer stores none)."""

    item = graphene.Field(FeedbackItem)

    class Arguments:
        id = graphene.ID(required=True)
        text = graphene.String(required=True)
        evidence_ids = graphene.List(
            graphene.NonNull(graphene.ID), description="Document IDs of this unit"
        )
        files = graphene.List(
            graphene.NonNull(Upload), description="evidence files (multipart request spec)"
        )

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        text: str,
        evidence_ids: list[str] | None = None,
        files: list[UploadedFile] | None = None,
    ) -> dict[str, Any]:
        from backend.documents.services import store_document

        unit = require_unit_access(info, Op.RESULTS_RESPOND)
        item = _own_item(unit, id)
        ids = [decode_id(e, "Document", "evidenceIds") for e in evidence_ids or []]
        for index, file in enumerate(files or []):
            title = (getattr(file, "name", "") or "佐证材料").rsplit("/", 1)[-1][:100]
            document = store_document(
                title=title, content=file, uploaded_by=info.context.user, field=f"files[{index}]"
            )
            ids.append(document.pk)
        item = services.answer_feedback(item, info.context.user, text, ids)
        return {"item": _reload_item(item)}


class TenantFeedbackMutations(graphene.ObjectType):
    """On a unit's host."""

    respond_rectification = RespondRectification.Field()
    mark_feedback_read = MarkFeedbackRead.Field()
    answer_feedback = AnswerFeedback.Field()


# --- public host -------------------------------------------------------------------------------


def _unit(code: str, field: str) -> Procuratorate:
    unit = Procuratorate.objects.filter(code=code).first()
    if unit is None:
        raise DomainError.single(CoreErrorCode.NOT_FOUND, f"单位不存在：{code}", field)
    return unit


def _reviewed_request(info: graphene.ResolveInfo, global_id: str) -> RectificationModel:
    user = require_console(info, Op.REVIEW)
    found = selectors.rectification_for_reviewer(user, decode_id(global_id, "RectificationRequest"))
    if found is None:
        raise _not_found()
    return found


class OpenRectificationInput(graphene.InputObjectType):
    issuer = graphene.String(required=True, description="the issuing unit's code")
    unit = graphene.String(required=True, description="the unit's code")
    fiscal_year = graphene.Int(required=True)
    title = graphene.String(required=True)
    requirement = graphene.String(required=True)
    due_on = graphene.Date(required=True)
    project_id = graphene.ID(description="a project of the unit (e.g. a suggested one)")


class OpenRectification(BaseMutation):
    rectification = graphene.Field(RectificationRequest)

    class Arguments:
        input = OpenRectificationInput(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, input: OpenRectificationInput
    ) -> dict[str, Any]:
        user = require_console(info, Op.FEEDBACK_SEND)
        project_id = (
            decode_id(input.project_id, "Project", "projectId") if input.project_id else None
        )
        request = services.open_rectification(
            _unit(input.issuer, "issuer"),
            _unit(input.unit, "unit"),
            user,
            fiscal_year=input.fiscal_year,
            title=input.title,
            requirement=input.requirement,
            due_on=input.due_on,
            project_id=project_id,
        )
        return {"rectification": _reload(request)}


class AcceptRectification(BaseMutation):
    rectification = graphene.Field(RectificationRequest)

    class Arguments:
        id = graphene.ID(required=True)
        comment = graphene.String()

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, comment: str | None = None
    ) -> dict[str, Any]:
        request = _reviewed_request(info, id)
        services.accept_rectification(request, info.context.user, comment or "")
        return {"rectification": _reload(request)}


class RejectRectification(BaseMutation):
    rectification = graphene.Field(RectificationRequest)

    class Arguments:
        id = graphene.ID(required=True)
        comment = graphene.String(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, comment: str
    ) -> dict[str, Any]:
        request = _reviewed_request(info, id)
        services.reject_rectification(request, info.context.user, comment)
        return {"rectification": _reload(request)}


class DecideBudgetLinkage(BaseMutation):
    """Record next year's decision (province_admin, or the city reviewer above the unit)."""

    linkage = graphene.Field(BudgetLinkage)

    class Arguments:
        id = graphene.ID(required=True)
        action = LinkageActionEnum(required=True)
        pct = graphene.Decimal(
            description="signed change in %. Required when action is INCREASE or REDUCE "
            "(REQUIRED); KEEP takes 0 and STOP −100 (given when omitted)."
        )
        reason = graphene.String(required=True)

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        action: LinkageAction,
        reason: str,
        pct: Decimal | None = None,
    ) -> dict[str, Any]:
        user = require_console(info, Op.LINKAGE_DECIDE)
        pk = decode_id(id, "BudgetLinkage")
        linkage = (
            selectors.linkages_under(user).select_for_update(of=("self",)).filter(pk=pk).first()
        )
        if linkage is None:
            raise _not_found()
        linkage = services.decide_linkage(
            linkage, user, action=getattr(action, "value", action), pct=pct, reason=reason
        )
        return {
            "linkage": BudgetLinkageModel.objects.select_related("unit", "decided_by").get(
                pk=linkage.pk
            )
        }


class FeedbackFilterInput(graphene.InputObjectType):
    level = graphene.String(description="city, county, special")
    city = graphene.String(description="a city's code")
    peer_group = graphene.String(description="a peer group's code (the issuer's province)")
    grades = graphene.List(
        graphene.NonNull(graphene.String), description="优 良 中 差 (UnitYearFact)"
    )
    overdue_rectification = graphene.Boolean()
    execution_rate_below = graphene.Decimal(description="%")


class IssueFeedbackInput(graphene.InputObjectType):
    issuer = graphene.String(required=True, description="the issuing unit's code")
    fiscal_year = graphene.Int(required=True)
    title = graphene.String(required=True)
    body = graphene.String(required=True)
    unit_codes = graphene.List(graphene.NonNull(graphene.String))
    filter = FeedbackFilterInput()
    requires_rectification = graphene.Boolean(default_value=False)
    due_on = graphene.Date(
        description="整改期限. Required when requiresRectification is true: REQUIRED."
    )


def _filter(value: FeedbackFilterInput | None) -> dict[str, Any] | None:
    if value is None:
        return None
    out: dict[str, Any] = {}
    if value.level:
        out["level"] = value.level.lower()
    if value.city:
        out["city"] = value.city
    if value.peer_group:
        out["peer_group"] = value.peer_group
    if value.grades:
        out["grade"] = list(value.grades)
    if value.overdue_rectification:
        out["overdue_rectification"] = True
    if value.execution_rate_below is not None:
        out["execution_rate_below"] = str(value.execution_rate_below)
    return out or None


class IssueFeedback(BaseMutation):
    """One text to many units below the issuer (by code list and/or filter), each item with
    its own figures; optionally a rectification request per unit due on ``dueOn``."""

    batch = graphene.Field(FeedbackBatch)

    class Arguments:
        input = IssueFeedbackInput(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, input: IssueFeedbackInput
    ) -> dict[str, Any]:
        user = require_console(info, Op.FEEDBACK_SEND)
        unit_ids = None
        if input.unit_codes is not None:
            codes = set(input.unit_codes)
            found = dict(Procuratorate.objects.filter(code__in=codes).values_list("code", "pk"))
            unknown = sorted(codes - set(found))
            if unknown:
                raise DomainError.single(
                    CoreErrorCode.NOT_FOUND, f"单位不存在：{', '.join(unknown)}", "unitCodes"
                )
            unit_ids = list(found.values())
        batch = services.issue_feedback(
            _unit(input.issuer, "issuer"),
            user,
            fiscal_year=input.fiscal_year,
            title=input.title,
            body=input.body,
            unit_ids=unit_ids,
            filter=_filter(input.filter),
            requires_rectification=bool(input.requires_rectification),
            due_on=input.due_on,
        )
        return {"batch": batches_with_items(selectors.batches_under(user)).get(pk=batch.pk)}


class ResultsPolicyInput(graphene.InputObjectType):
    rectification_days = graphene.Int()
    linkage_increase_max = graphene.Decimal()
    linkage_fair_reduce_max = graphene.Decimal()
    linkage_poor_reduce_min = graphene.Decimal()


class SetResultsPolicy(BaseMutation):
    """The province's results-application settings (province_admin)."""

    policy = graphene.Field(ResultsPolicy)

    class Arguments:
        province = graphene.String(required=True)
        input = ResultsPolicyInput(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, province: str, input: ResultsPolicyInput
    ) -> dict[str, Any]:
        user = require_console(info, Op.POLICY_MANAGE)
        unit = Procuratorate.objects.filter(code=province, level=UnitLevel.PROVINCE).first()
        if unit is None:
            raise DomainError.single(CoreErrorCode.NOT_FOUND, "省院不存在。", "province")
        policy = services.set_results_policy(unit, user, **dict(input))
        return {"policy": ResultsPolicy.of(unit.code, policy)}


class PublicFeedbackMutations(graphene.ObjectType):
    """On the public host."""

    open_rectification = OpenRectification.Field()
    accept_rectification = AcceptRectification.Field()
    reject_rectification = RejectRectification.Field()
    decide_budget_linkage = DecideBudgetLinkage.Field()
    issue_feedback = IssueFeedback.Field()
    set_results_policy = SetResultsPolicy.Field()

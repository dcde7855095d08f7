"""The rectification life (整改): ``open_rectification`` → ``respond_rectification`` →
``accept_rectification`` | ``reject_rectification`` (→ open again); ``flag_overdue`` (daily)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import schema_context

from backend.accounts.models import User
from backend.benchmarking.models import ProjectFact
from backend.core.errors import CoreErrorCode, DomainError, PermissionDenied, Problem
from backend.feedback.errors import FeedbackErrorCode
from backend.feedback.models import (
    FeedbackItem,
    RectificationEvent,
    RectificationOrigin,
    RectificationRequest,
    RectificationStatus,
)
from backend.feedback.services.base import (
    in_subtree,
    require_issuer,
    require_reviewer_of,
    require_unit_person,
)
from tenants.models import Procuratorate

# Rectification (整改)
# ================================================================================================


def _event(
    request: RectificationRequest,
    kind: str,
    actor: User | None,
    text: str,
    evidence_ids: Sequence[int] = (),
) -> RectificationEvent:
    return RectificationEvent.objects.create(
        request=request, kind=kind, actor=actor, text=text, evidence_ids=list(evidence_ids)
    )


def _lock(request: RectificationRequest) -> RectificationRequest:
    return (
        RectificationRequest.objects.select_for_update()
        .select_related("unit", "issuer")
        .get(pk=request.pk)
    )


def _illegal(request: RectificationRequest, action: str) -> DomainError:
    return DomainError.single(
        CoreErrorCode.INVALID_TRANSITION,
        f"整改通知当前状态为“{request.get_status_display()}”，不能{action}。",
        "status",
    )


@transaction.atomic
def open_rectification(
    issuer_unit: Procuratorate,
    unit: Procuratorate,
    actor: User | None,
    *,
    fiscal_year: int,
    title: str,
    requirement: str,
    due_on: datetime.date,
    project_id: int | None = None,
    evaluation_id: int | None = None,
    origin: str = RectificationOrigin.REVIEWER,
    feedback_item: FeedbackItem | None = None,
    today: datetime.date | None = None,
) -> RectificationRequest:
    """A province or city reviewer requires a unit in its subtree to correct something, with a
    deadline. With ``project_id`` the project's code and name come from its ``ProjectFact``
    (and it must exist there)."""
    require_issuer(actor, issuer_unit)
    if not in_subtree(unit, issuer_unit):
        raise PermissionDenied("只能对本院及下级院下达整改。")
    today = today or timezone.localdate()
    problems: list[Problem] = []
    if not (title or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写整改事项。", "title"))
    if not (requirement or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写整改要求。", "requirement"))
    if due_on < today:
        problems.append(Problem(FeedbackErrorCode.DUE_IN_PAST, "整改期限不能早于今天。", "dueOn"))
    code = name = ""
    if project_id is not None:
        fact = ProjectFact.objects.filter(unit=unit, project_id=project_id).first()
        if fact is None:
            problems.append(Problem(CoreErrorCode.NOT_FOUND, "该单位没有这个项目。", "projectId"))
        else:
            code, name = fact.project_code, fact.project_name
    if problems:
        raise DomainError(*problems)
    return RectificationRequest.objects.create(
        unit=unit,
        issuer=issuer_unit,
        fiscal_year=fiscal_year,
        origin=origin,
        project_id=project_id,
        project_code=code,
        project_name=name,
        evaluation_id=evaluation_id,
        feedback_item=feedback_item,
        title=title.strip()[:200],
        requirement=requirement.strip(),
        due_on=due_on,
        overdue=False,
        created_by=actor,
    )


@transaction.atomic
def respond_rectification(
    request: RectificationRequest,
    actor: User | None,
    text: str,
    evidence_ids: Sequence[int] = (),
) -> RectificationRequest:
    """The unit's finance or leader reports what it did (open → responded), with evidence
    files: ``documents.Document`` ids in the unit's own schema."""
    request = _lock(request)
    require_unit_person(actor, request.unit)
    if request.status != RectificationStatus.OPEN:
        raise _illegal(request, "反馈")
    problems: list[Problem] = []
    if not (text or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写整改情况。", "text"))
    ids = sorted({int(i) for i in evidence_ids})
    if ids:
        from backend.documents.models import Document

        with schema_context(request.unit.schema_name):
            found = set(Document.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [i for i in ids if i not in found]
        if missing:
            problems.append(
                Problem(
                    FeedbackErrorCode.EVIDENCE_NOT_FOUND,
                    f"佐证材料不存在：{', '.join(str(i) for i in missing)}",
                    "evidenceIds",
                )
            )
    if problems:
        raise DomainError(*problems)
    request.status = RectificationStatus.RESPONDED
    request.save(update_fields=["status", "updated_at"])
    _event(request, RectificationEvent.Kind.RESPONDED, actor, text.strip(), ids)
    return request


@transaction.atomic
def accept_rectification(
    request: RectificationRequest, actor: User | None, comment: str = ""
) -> RectificationRequest:
    """The issuer (or a level above it) accepts a response: responded → accepted; no longer
    overdue."""
    request = _lock(request)
    require_reviewer_of(actor, request)
    if request.status != RectificationStatus.RESPONDED:
        raise _illegal(request, "验收通过")
    request.status = RectificationStatus.ACCEPTED
    request.accepted_at = timezone.now()
    request.overdue = False
    request.save(update_fields=["status", "accepted_at", "overdue", "updated_at"])
    _event(request, RectificationEvent.Kind.ACCEPTED, actor, (comment or "").strip())
    return request


@transaction.atomic
def reject_rectification(
    request: RectificationRequest,
    actor: User | None,
    comment: str,
    *,
    today: datetime.date | None = None,
) -> RectificationRequest:
    """The issuer returns a response with comments: responded → open (overdue again at once if
    the deadline has passed)."""
    request = _lock(request)
    require_reviewer_of(actor, request)
    if request.status != RectificationStatus.RESPONDED:
        raise _illegal(request, "退回")
    if not (comment or "").strip():
        raise DomainError.single(CoreErrorCode.REQUIRED, "退回时请填写意见。", "comment")
    request.status = RectificationStatus.OPEN
    request.overdue = (today or timezone.localdate()) > request.due_on
    request.save(update_fields=["status", "overdue", "updated_at"])
    _event(request, RectificationEvent.Kind.REJECTED, actor, comment.strip())
    return request


@transaction.atomic
def flag_overdue(today: datetime.date | None = None) -> int:
    """Set ``overdue`` on every request past its deadline and not accepted, clear it on the
    others. Returns how many rows changed (0 on a second run the same day)."""
    today = today or timezone.localdate()
    late = Q(due_on__lt=today) & ~Q(status=RectificationStatus.ACCEPTED)
    flagged = RectificationRequest.objects.filter(late, overdue=False).update(overdue=True)
    cleared = RectificationRequest.objects.filter(~late, overdue=True).update(overdue=False)
    return flagged + cleared

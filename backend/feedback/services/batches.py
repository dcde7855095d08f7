"""Feedback batches (反馈): the units a batch reaches (filters over the public facts), the figures
merged into each unit's text, issuing, reading and answering (with evidence files)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from backend.accounts.models import User
from backend.benchmarking.models import ProjectFact, UnitYearFact
from backend.core import cleaning
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.core.numbers import PERCENT
from backend.feedback.errors import FeedbackErrorCode
from backend.feedback.models import (
    FeedbackBatch,
    FeedbackItem,
    RectificationOrigin,
    RectificationRequest,
    RectificationStatus,
)
from backend.feedback.services.base import (
    HUNDRED,
    money,
    province_of,
    require_issuer,
    require_unit_person,
)
from backend.oversight.models import AlertRecord
from tenants.models import PATH_SEPARATOR, Procuratorate

# Feedback batches (反馈)
# ================================================================================================


FILTER_KEYS = frozenset(
    {"level", "city", "peer_group", "grade", "overdue_rectification", "execution_rate_below"}
)


def _below(issuer: Procuratorate) -> Q:
    return Q(path__startswith=issuer.path) & ~Q(pk=issuer.pk)


def _select_units(
    issuer: Procuratorate,
    fiscal_year: int,
    unit_ids: Iterable[int] | None,
    selection: Mapping[str, Any] | None,
) -> list[Procuratorate]:
    problems: list[Problem] = []
    if unit_ids is None and not selection:
        raise DomainError.single(
            FeedbackErrorCode.NO_SELECTION, "请选择单位或筛选条件。", "unitIds"
        )
    qs = Procuratorate.objects.filter(_below(issuer), active=True)
    if unit_ids is not None:
        wanted = {int(i) for i in unit_ids}
        found = set(qs.filter(pk__in=wanted).values_list("pk", flat=True))
        outside = wanted - found
        if outside:
            problems.append(
                Problem(CoreErrorCode.OUT_OF_REACH, "所选单位不在本院下级范围内。", "unitIds"),
            )
        qs = qs.filter(pk__in=wanted)
    selection = dict(selection or {})
    unknown = set(selection) - FILTER_KEYS
    if unknown:
        problems.append(
            Problem(
                FeedbackErrorCode.INVALID_FILTER,
                f"未知的筛选条件：{', '.join(sorted(unknown))}",
                "filter",
            )
        )
    if problems:
        raise DomainError(*problems)
    if selection.get("level"):
        qs = qs.filter(level=str(selection["level"]).lower())
    if selection.get("city"):
        qs = qs.filter(path__contains=f"{PATH_SEPARATOR}{selection['city']}{PATH_SEPARATOR}")
    if selection.get("peer_group"):
        from backend.benchmarking import peers

        group = peers.peer_group(province_of(issuer), str(selection["peer_group"]))
        if group is None:
            raise DomainError.single(
                CoreErrorCode.UNKNOWN_PEER_GROUP,
                f"没有对标组“{selection['peer_group']}”。",
                "filter",
            )
        qs = qs.filter(peers.member_condition(group, fiscal_year))
    if selection.get("grade"):
        grades = selection["grade"]
        grades = [grades] if isinstance(grades, str) else list(grades)
        qs = qs.filter(
            pk__in=UnitYearFact.objects.filter(
                fiscal_year=fiscal_year, project_grade__in=grades
            ).values("unit_id")
        )
    if selection.get("overdue_rectification"):
        qs = qs.filter(pk__in=RectificationRequest.objects.filter(overdue=True).values("unit_id"))
    if selection.get("execution_rate_below") not in (None, ""):
        threshold, problem = cleaning.decimal(
            selection["execution_rate_below"], "filter", "执行率筛选值", size=PERCENT
        )
        if problem is not None or threshold is None:
            raise DomainError.single(
                FeedbackErrorCode.INVALID_FILTER, "执行率筛选值必须是数字。", "filter"
            )
        low = [
            unit_id
            for unit_id, budget, executed in UnitYearFact.objects.filter(
                fiscal_year=fiscal_year, evaluated_budget__gt=0
            ).values_list("unit_id", "evaluated_budget", "evaluated_executed")
            if executed * HUNDRED / budget < threshold
        ]
        qs = qs.filter(pk__in=low)
    units = list(qs.order_by("path"))
    if not units:
        raise DomainError.single(FeedbackErrorCode.NO_UNITS, "没有符合条件的单位。", "filter")
    return units


def _rate(numerator: Decimal | None, denominator: Decimal | None) -> str | None:
    if numerator is None or not denominator:
        return None
    return str(money(Decimal(numerator) * HUNDRED / Decimal(denominator)))


def unit_figures(units: Sequence[Procuratorate], fiscal_year: int) -> dict[int, dict[str, Any]]:
    """Each unit's own figures from the public fact tables (four queries whatever the number of
    units): budget and execution of its projects with approved goals, self-evaluation score and
    grade (budget-weighted, and the department-wide one), open alerts of the year, open
    rectifications (any year) and how many are overdue."""
    ids = [u.pk for u in units]
    budgets = {
        row["unit_id"]: row
        for row in ProjectFact.objects.filter(unit_id__in=ids, fiscal_year=fiscal_year)
        .values("unit_id")
        .annotate(
            projects=Count("id"),
            budget=Sum("full_budget"),
            spent=Sum("executed"),
            spent_budget=Sum("full_budget", filter=Q(executed__isnull=False)),
        )
    }
    years = {
        row.unit_id: row
        for row in UnitYearFact.objects.filter(unit_id__in=ids, fiscal_year=fiscal_year)
    }
    alerts = dict(
        AlertRecord.objects.filter(unit_id__in=ids, fiscal_year=fiscal_year, status="open")
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    rect = {
        row["unit_id"]: row
        for row in RectificationRequest.objects.filter(unit_id__in=ids)
        .exclude(status=RectificationStatus.ACCEPTED)
        .values("unit_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(overdue=True)))
    }
    figures: dict[int, dict[str, Any]] = {}
    for unit in units:
        b: Mapping[str, Any] = budgets.get(unit.pk, {})
        y = years.get(unit.pk)
        r: Mapping[str, Any] = rect.get(unit.pk, {})
        figures[unit.pk] = {
            "fiscal_year": fiscal_year,
            "projects": b.get("projects", 0),
            "budget": str(money(b["budget"])) if b.get("budget") is not None else "0.00",
            "executed": str(money(b["spent"])) if b.get("spent") is not None else None,
            "execution_rate": _rate(b.get("spent"), b.get("spent_budget")),
            "evaluated_projects": y.evaluated_projects if y else 0,
            "self_score": str(y.project_score) if y and y.project_score is not None else None,
            "self_grade": (y.project_grade or None) if y else None,
            "department_score": (
                str(y.department_score) if y and y.department_score is not None else None
            ),
            "department_grade": (y.department_grade or None) if y else None,
            "open_alerts": alerts.get(unit.pk, 0),
            "open_rectifications": r.get("open", 0),
            "overdue_rectifications": r.get("overdue", 0),
        }
    return figures


@transaction.atomic
def issue_feedback(
    issuer_unit: Procuratorate,
    actor: User | None,
    *,
    fiscal_year: int,
    title: str,
    body: str,
    unit_ids: Iterable[int] | None = None,
    filter: Mapping[str, Any] | None = None,
    requires_rectification: bool = False,
    due_on: datetime.date | None = None,
    today: datetime.date | None = None,
    extra_figures: Mapping[int, Mapping[str, Any]] | None = None,
) -> FeedbackBatch:
    """One text to many units below the issuer, chosen by hand (``unit_ids``), by a filter
    (``level``, ``city``, ``grade`` of the unit's ``UnitYearFact``, ``overdue_rectification``,
    ``execution_rate_below``) or both (the filter narrows the list). Each item carries that
    unit's own figures (``unit_figures``, plus ``extra_figures[unit id]`` when given: a
    benchmark view's metric, value and rank); with ``requires_rectification`` each gets a
    rectification request due on ``due_on``. The text may name figures by placeholders
    (``texts.PLACEHOLDERS``: ``{单位}``, ``{指标值}``, ``{排名}`` …), which each unit reads with
    its own figures; an unknown placeholder is refused."""
    from backend.feedback import texts

    require_issuer(actor, issuer_unit)
    today = today or timezone.localdate()
    problems: list[Problem] = []
    if not (title or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写标题。", "title"))
    if not (body or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写反馈内容。", "body"))
    unknown = texts.unknown(body or "")
    if unknown:
        problems.append(
            Problem(
                FeedbackErrorCode.UNKNOWN_PLACEHOLDER,
                f"未知的占位符：{'、'.join('{' + n + '}' for n in unknown)}。"
                f"可用的占位符：{'、'.join('{' + n + '}' for n in texts.PLACEHOLDERS)}。",
                "body",
            )
        )
    if requires_rectification and due_on is None:
        problems.append(Problem(CoreErrorCode.REQUIRED, "要求整改时请填写整改期限。", "dueOn"))
    if due_on is not None and due_on < today:
        problems.append(Problem(FeedbackErrorCode.DUE_IN_PAST, "整改期限不能早于今天。", "dueOn"))
    try:
        units = _select_units(
            issuer_unit, fiscal_year, list(unit_ids) if unit_ids is not None else None, filter
        )
    except DomainError as error:
        problems.extend(error.problems)
        units = []
    if problems:
        raise DomainError(*problems)
    selection: dict[str, Any] = {"filter": dict(filter or {})}
    if unit_ids is not None:
        selection["unit_codes"] = sorted(u.code for u in units)
    batch = FeedbackBatch.objects.create(
        issuer=issuer_unit,
        fiscal_year=fiscal_year,
        title=title.strip(),
        body=body.strip(),
        selection=selection,
        requires_rectification=requires_rectification,
        due_on=due_on if requires_rectification else None,
        created_by=actor,
    )
    figures = unit_figures(units, fiscal_year)
    for unit_id, extra in (extra_figures or {}).items():
        if unit_id in figures:
            figures[unit_id].update({k: v for k, v in extra.items() if k not in figures[unit_id]})
    items = FeedbackItem.objects.bulk_create(
        [FeedbackItem(batch=batch, unit=u, figures=figures[u.pk]) for u in units]
    )
    if requires_rectification:
        assert due_on is not None
        RectificationRequest.objects.bulk_create(
            [
                RectificationRequest(
                    unit=item.unit,
                    issuer=issuer_unit,
                    fiscal_year=fiscal_year,
                    origin=RectificationOrigin.FEEDBACK,
                    feedback_item=item,
                    title=batch.title[:200],
                    requirement=batch.body,
                    due_on=due_on,
                    created_by=actor,
                )
                for item in items
            ]
        )
    return batch


@transaction.atomic
def mark_feedback_read(item: FeedbackItem, actor: User | None) -> FeedbackItem:
    """The unit's finance or leader (``Op.RESULTS_RESPOND``); the first reading is kept."""
    require_unit_person(actor, item.unit)
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return item


@transaction.atomic
def _missing_documents(unit: Procuratorate, ids: Sequence[int]) -> list[int]:
    """Which of ``ids`` name no document in ``unit``'s own schema."""
    if not ids:
        return []
    from backend.documents.models import Document

    with schema_context(unit.schema_name):
        found = set(Document.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return [i for i in ids if i not in found]


def answer_feedback(
    item: FeedbackItem, actor: User | None, text: str, evidence_ids: Sequence[int] = ()
) -> FeedbackItem:
    """The unit's finance or leader answers (an answer may be revised; the latest counts, its
    evidence too): ``evidence_ids`` are ``documents.Document`` ids in the unit's own schema."""
    require_unit_person(actor, item.unit)
    problems: list[Problem] = []
    if not (text or "").strip():
        problems.append(Problem(CoreErrorCode.REQUIRED, "请填写回复内容。", "text"))
    ids = sorted({int(i) for i in evidence_ids})
    missing = _missing_documents(item.unit, ids)
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
    now = timezone.now()
    item.evidence_ids = ids
    item.answer = text.strip()
    item.answered_at = now
    item.answered_by = actor
    if item.read_at is None:
        item.read_at = now
    item.save(update_fields=["answer", "evidence_ids", "answered_at", "answered_by", "read_at"])
    return item

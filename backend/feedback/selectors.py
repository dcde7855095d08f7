"""Reads of results application (public tables only; never a unit's schema).

Two kinds of caller: a unit's own people on its host (``*_of_unit``: that unit's rows only),
and console readers on the public host (``*_under``: the subtrees of the memberships granting
``Op.CONSOLE_VIEW`` — a province_admin at a province, a city_reviewer at a city; a unit's own
finance, an evaluator see nothing there)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from backend.accounts import policy
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.benchmarking.models import ProjectFact
from backend.feedback.models import (
    BudgetLinkage,
    FeedbackBatch,
    FeedbackItem,
    RectificationRequest,
    RectificationStatus,
)
from backend.oversight.selectors import under_city
from tenants.models import Procuratorate


def review_condition(user: User | AnonymousUser, field: str = "unit__path") -> Q | None:
    """The units a console reader reads (``Op.CONSOLE_VIEW``: the subtrees of the memberships
    granting it), as a condition on ``field``; None when there are none."""
    return policy.console_scope(user, Op.CONSOLE_VIEW, field)


def _narrow(
    qs: QuerySet,
    *,
    fiscal_year: int | None = None,
    city: str | None = None,
    unit: str | None = None,
) -> QuerySet:
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if city:
        qs = qs.filter(under_city(city))
    if unit:
        qs = qs.filter(unit__code=unit)
    return qs


# --- rectifications --------------------------------------------------------------------------


def _rect_filters(
    qs: QuerySet[RectificationRequest], status: str | None, overdue: bool | None
) -> QuerySet[RectificationRequest]:
    if status:
        qs = qs.filter(status=status)
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    return qs


def rectifications_of_unit(
    unit: Procuratorate,
    *,
    status: str | None = None,
    overdue: bool | None = None,
    fiscal_year: int | None = None,
) -> QuerySet[RectificationRequest]:
    qs = RectificationRequest.objects.filter(unit=unit).select_related("unit", "issuer")
    qs = _narrow(_rect_filters(qs, status, overdue), fiscal_year=fiscal_year)
    return qs.order_by("due_on", "id")


def rectifications_under(
    user: User | AnonymousUser,
    *,
    fiscal_year: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    city: str | None = None,
    unit: str | None = None,
) -> QuerySet[RectificationRequest]:
    """Every rectification of a unit under the user's reviewer memberships (two queries)."""
    reach = review_condition(user)
    if reach is None:
        return RectificationRequest.objects.none()
    qs = RectificationRequest.objects.filter(reach).select_related("unit", "issuer")
    qs = _narrow(_rect_filters(qs, status, overdue), fiscal_year=fiscal_year, city=city, unit=unit)
    return qs.order_by("unit__path", "due_on", "id")


def suggested_rectifications(
    user: User | AnonymousUser,
    *,
    fiscal_year: int | None = None,
    city: str | None = None,
) -> QuerySet[ProjectFact]:
    """Finalised projects graded 中 in the user's review reach that have no rectification
    request yet (any origin): the reviewer may turn each into one (``open_rectification``)."""
    reach = review_condition(user)
    if reach is None:
        return ProjectFact.objects.none()
    has_request = RectificationRequest.objects.filter(
        unit_id=OuterRef("unit_id"), project_id=OuterRef("project_id")
    )
    qs = (
        ProjectFact.objects.filter(reach, self_grade="中", finalised_at__isnull=False)
        .filter(~Exists(has_request))
        .select_related("unit")
    )
    return _narrow(qs, fiscal_year=fiscal_year, city=city).order_by("unit__path", "project_code")


def rectification_for_reviewer(user: User | AnonymousUser, pk: int) -> RectificationRequest | None:
    reach = review_condition(user)
    if reach is None:
        return None
    return (
        RectificationRequest.objects.filter(reach, pk=pk).select_related("unit", "issuer").first()
    )


# --- budget linkage ----------------------------------------------------------------------------


def linkages_of_unit(
    unit: Procuratorate, *, fiscal_year: int | None = None
) -> QuerySet[BudgetLinkage]:
    qs = BudgetLinkage.objects.filter(unit=unit).select_related("unit")
    return _narrow(qs, fiscal_year=fiscal_year).order_by("fiscal_year", "project_code")


def linkages_under(
    user: User | AnonymousUser,
    *,
    fiscal_year: int | None = None,
    city: str | None = None,
    unit: str | None = None,
    unit_level_only: bool | None = None,
    undecided: bool | None = None,
) -> QuerySet[BudgetLinkage]:
    reach = review_condition(user)
    if reach is None:
        return BudgetLinkage.objects.none()
    qs = _narrow(
        BudgetLinkage.objects.filter(reach).select_related("unit"),
        fiscal_year=fiscal_year,
        city=city,
        unit=unit,
    )
    if unit_level_only is not None:
        qs = qs.filter(project_id__isnull=unit_level_only)
    if undecided is not None:
        qs = qs.filter(decided_action="") if undecided else qs.exclude(decided_action="")
    return qs.order_by("unit__path", "fiscal_year", "project_code")


# --- feedback ----------------------------------------------------------------------------------


def feedback_items_of_unit(
    unit: Procuratorate, *, fiscal_year: int | None = None, unread: bool | None = None
) -> QuerySet[FeedbackItem]:
    qs = FeedbackItem.objects.filter(unit=unit).select_related("batch", "batch__issuer", "unit")
    if fiscal_year is not None:
        qs = qs.filter(batch__fiscal_year=fiscal_year)
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    return qs.order_by("-batch__created_at", "-id")


def with_rates(qs: QuerySet[FeedbackBatch]) -> QuerySet[FeedbackBatch]:
    """Per batch: units, read, answered, rectifications and accepted ones (one query)."""
    return qs.annotate(
        unit_count=Count("items", distinct=True),
        read_count=Count("items", filter=Q(items__read_at__isnull=False), distinct=True),
        answered_count=Count("items", filter=Q(items__answered_at__isnull=False), distinct=True),
        rectification_count=Count("items__rectifications", distinct=True),
        accepted_count=Count(
            "items__rectifications",
            filter=Q(items__rectifications__status=RectificationStatus.ACCEPTED),
            distinct=True,
        ),
    )


def rate(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, two places; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


def batches_under(
    user: User | AnonymousUser, *, fiscal_year: int | None = None
) -> QuerySet[FeedbackBatch]:
    """Batches issued by a unit under the user's reviewer memberships (the province sees the
    cities' batches too), with their rates."""
    reach = review_condition(user, "issuer__path")
    if reach is None:
        return FeedbackBatch.objects.none()
    qs = FeedbackBatch.objects.filter(reach).select_related("issuer")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return with_rates(qs).order_by("-created_at", "-id")


def batch_for_reviewer(user: User | AnonymousUser, pk: int) -> FeedbackBatch | None:
    return batches_under(user).filter(pk=pk).first()


# --- the workspace's results pages ---------------------------------------------------------


def rectification_of_unit(unit: Procuratorate, pk: int) -> RectificationRequest | None:
    """One of the unit's rectification requests with its steps and their actors (two
    queries); None when the unit has none with ``pk``."""
    from django.db.models import Prefetch

    from backend.feedback.models import RectificationEvent

    events = RectificationEvent.objects.select_related("actor").order_by("created_at", "id")
    return (
        rectifications_of_unit(unit)
        .select_related("feedback_item__batch")
        .prefetch_related(Prefetch("events", queryset=events))
        .filter(pk=pk)
        .first()
    )


def feedback_item_of_unit(unit: Procuratorate, pk: int) -> FeedbackItem | None:
    """One of the unit's feedback items with its batch, issuer, answerer and the rectification
    requests it opened (two queries)."""
    return (
        feedback_items_of_unit(unit)
        .select_related("answered_by")
        .prefetch_related("rectifications")
        .filter(pk=pk)
        .first()
    )

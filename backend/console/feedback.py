"""反馈与整改 in the console: feedback batches with their response and closure rates, the
rectifications of the units below, overdue units, and the benchmark view a batch is built
from. Every read takes the reader's scope (``ConsoleAccess.paths(Op.FEEDBACK_SEND)``: the
subtrees of the memberships granting it) and runs a fixed number of queries whatever the
number of units or rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from backend.accounts.models import User
from backend.benchmarking import metrics
from backend.benchmarking import selectors as benchmarking
from backend.feedback.models import (
    FeedbackBatch,
    FeedbackItem,
    RectificationEvent,
    RectificationRequest,
    RectificationStatus,
)
from backend.feedback.selectors import rate, with_rates
from backend.oversight.selectors import under_city
from tenants.models import Procuratorate, UnitLevel


def within(paths: Sequence[str], field: str = "unit__path") -> Q:
    """Rows whose ``field`` (a unit's path) lies in one of the subtrees ``paths``; no paths:
    nothing."""
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


# --- batches -----------------------------------------------------------------------------------


def batches(paths: Sequence[str], *, fiscal_year: int | None = None) -> QuerySet[FeedbackBatch]:
    """Batches issued by a unit in the scope, newest first, each with its counts
    (``with_rates``) and its overdue rectifications (one query a page)."""
    qs = FeedbackBatch.objects.filter(within(paths, "issuer__path")).select_related(
        "issuer", "created_by"
    )
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return (
        with_rates(qs)
        .annotate(
            overdue_count=Count(
                "items__rectifications",
                filter=Q(items__rectifications__overdue=True)
                & ~Q(items__rectifications__status=RectificationStatus.ACCEPTED),
                distinct=True,
            )
        )
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class Rates:
    """Response and closure over the batches of a scope (and a year)."""

    batches: int
    items: int
    read: int
    answered: int
    rectifications: int
    accepted: int
    overdue: int

    @property
    def read_rate(self) -> Decimal | None:
        return rate(self.read, self.items)

    @property
    def response_rate(self) -> Decimal | None:
        return rate(self.answered, self.items)

    @property
    def closure_rate(self) -> Decimal | None:
        return rate(self.accepted, self.rectifications)


def rates(paths: Sequence[str], *, fiscal_year: int | None = None) -> Rates:
    """Totals of the scope's batches: items, read, answered, their rectifications, accepted
    and overdue ones (two queries)."""
    items = FeedbackItem.objects.filter(within(paths, "batch__issuer__path"))
    if fiscal_year is not None:
        items = items.filter(batch__fiscal_year=fiscal_year)
    counted = items.aggregate(
        batches=Count("batch", distinct=True),
        items=Count("id"),
        read=Count("id", filter=Q(read_at__isnull=False)),
        answered=Count("id", filter=Q(answered_at__isnull=False)),
    )
    requests = RectificationRequest.objects.filter(feedback_item__in=items.values("pk"))
    closed = requests.aggregate(
        total=Count("id"),
        accepted=Count("id", filter=Q(status=RectificationStatus.ACCEPTED)),
        overdue=Count("id", filter=Q(overdue=True) & ~Q(status=RectificationStatus.ACCEPTED)),
    )
    return Rates(
        batches=counted["batches"],
        items=counted["items"],
        read=counted["read"],
        answered=counted["answered"],
        rectifications=closed["total"],
        accepted=closed["accepted"],
        overdue=closed["overdue"],
    )


def batch(paths: Sequence[str], pk: int) -> FeedbackBatch | None:
    """One batch of the scope with its counts; None outside it."""
    return batches(paths).filter(pk=pk).first()


ITEM_FILTERS = {
    "answered": Q(answered_at__isnull=False),
    "unanswered": Q(answered_at__isnull=True),
    "unread": Q(read_at__isnull=True),
    "overdue": Q(rectifications__overdue=True)
    & ~Q(rectifications__status=RectificationStatus.ACCEPTED),
}
ITEM_ORDER = {
    "unit": ("unit__path",),
    "-unit": ("-unit__path",),
    "answered": ("answered_at", "unit__path"),
    "-answered": ("-answered_at", "unit__path"),
}


def batch_items(
    batch: FeedbackBatch, *, show: str = "", order: str = "unit"
) -> QuerySet[FeedbackItem]:
    """The batch's items with their unit, answerer and rectification requests (two queries a
    page), filtered by ``ITEM_FILTERS`` and ordered by ``ITEM_ORDER``."""
    qs = FeedbackItem.objects.filter(batch=batch).select_related(
        "unit", "answered_by", "batch", "batch__issuer"
    )
    if show in ITEM_FILTERS:
        qs = qs.filter(ITEM_FILTERS[show]).distinct()
    return qs.prefetch_related(
        Prefetch("rectifications", queryset=RectificationRequest.objects.order_by("id"))
    ).order_by(*ITEM_ORDER.get(order, ITEM_ORDER["unit"]), "id")


# --- rectifications ----------------------------------------------------------------------------

RECTIFICATION_ORDER = {
    "due": ("due_on", "unit__path"),
    "-due": ("-due_on", "unit__path"),
    "unit": ("unit__path", "due_on"),
    "-unit": ("-unit__path", "due_on"),
    "status": ("status", "due_on"),
    "-status": ("-status", "due_on"),
}


def rectifications(
    paths: Sequence[str],
    *,
    fiscal_year: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    origin: str | None = None,
    city: str | None = None,
    unit: str | None = None,
    order: str = "due",
) -> QuerySet[RectificationRequest]:
    """Rectification requests of the units in the scope (one query a page); ``unit``: a
    unit's code."""
    qs = RectificationRequest.objects.filter(within(paths)).select_related("unit", "issuer")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if status:
        qs = qs.filter(status=status)
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    if origin:
        qs = qs.filter(origin=origin)
    if city:
        qs = qs.filter(under_city(city))
    if unit:
        qs = qs.filter(unit__code=unit)
    return qs.order_by(*RECTIFICATION_ORDER.get(order, RECTIFICATION_ORDER["due"]), "id")


def rectification_counts(paths: Sequence[str], *, fiscal_year: int | None = None) -> dict[str, int]:
    """How many are open, answered, accepted and overdue (one query)."""
    qs = RectificationRequest.objects.filter(within(paths))
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status=RectificationStatus.OPEN)),
        responded=Count("id", filter=Q(status=RectificationStatus.RESPONDED)),
        accepted=Count("id", filter=Q(status=RectificationStatus.ACCEPTED)),
        overdue=Count("id", filter=Q(overdue=True) & ~Q(status=RectificationStatus.ACCEPTED)),
    )


def overdue_units(paths: Sequence[str], *, fiscal_year: int | None = None) -> QuerySet:
    """Units with overdue rectifications, most first: code, name, path, overdue, open (one
    query a page)."""
    qs = RectificationRequest.objects.filter(within(paths)).exclude(
        status=RectificationStatus.ACCEPTED
    )
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return (
        qs.values("unit_id", "unit__code", "unit__name", "unit__path")
        .annotate(overdue=Count("id", filter=Q(overdue=True)), open=Count("id"))
        .filter(overdue__gt=0)
        .order_by("-overdue", "unit__path")
    )


@dataclass(frozen=True)
class AreaCounts:
    """The rectifications of one area of the scope (a city with its counties; for a city's
    reader, one county) by status, and the overdue ones among those not accepted."""

    code: str
    name: str
    open: int
    responded: int
    accepted: int
    overdue: int

    @property
    def total(self) -> int:
        return self.open + self.responded + self.accepted


def rectifications_by_area(
    paths: Sequence[str], *, fiscal_year: int | None = None
) -> list[AreaCounts]:
    """The scope's rectifications by status, one row per unit directly below a scope root
    (a province reader's cities, a city reader's counties) holding its subtree, the root's
    own first; most open first (two queries whatever the number of units)."""
    qs = RectificationRequest.objects.filter(within(paths))
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    counted = qs.values("unit__path", "status").annotate(
        n=Count("id"),
        late=Count("id", filter=Q(overdue=True) & ~Q(status=RectificationStatus.ACCEPTED)),
    )
    areas: dict[str, dict[str, int]] = {}
    for row in counted:
        path = row["unit__path"]
        root = max((p for p in paths if path.startswith(p)), key=len)
        rest = path[len(root) :].split("/", 1)[0]
        area = f"{root}{rest}/" if rest else root
        counts = areas.setdefault(area, {"open": 0, "responded": 0, "accepted": 0, "late": 0})
        counts[row["status"]] += row["n"]
        counts["late"] += row["late"]
    names = dict(Procuratorate.objects.filter(path__in=list(areas)).values_list("path", "name"))
    ordered = sorted(
        areas.items(),
        key=lambda item: (
            item[0] not in paths,
            -(item[1]["open"] + item[1]["responded"]),
            item[0],
        ),
    )
    rows = []
    for path, c in ordered:
        code = path.rstrip("/").rsplit("/", 1)[-1]
        rows.append(
            AreaCounts(
                code=code,
                name=names.get(path, code),
                open=c["open"],
                responded=c["responded"],
                accepted=c["accepted"],
                overdue=c["late"],
            )
        )
    return rows


def rectification(paths: Sequence[str], pk: int) -> RectificationRequest | None:
    """One rectification of the scope with its steps and their actors (two queries)."""
    events = RectificationEvent.objects.select_related("actor").order_by("created_at", "id")
    return (
        RectificationRequest.objects.filter(within(paths), pk=pk)
        .select_related("unit", "issuer", "feedback_item__batch")
        .prefetch_related(Prefetch("events", queryset=events))
        .first()
    )


# --- building a batch from a benchmark view ------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    unit_id: int
    code: str
    name: str
    city_name: str
    value: Decimal | None
    rank: int | None
    percentile: Decimal | None


@dataclass(frozen=True)
class BenchmarkView:
    """A metric's league table over the units below the issuer: every unit's place (for the
    per-unit figures) and the ones at or below the percentile (the batch's candidates)."""

    label: str
    unit_of_measure: str
    fiscal_year: int
    units: int  # ranked units (with a value)
    median: Decimal | None
    by_unit: dict[int, Candidate]
    below: list[Candidate]  # at or below ``percentile``, worst first

    def figures(self, unit_id: int) -> dict[str, Any]:
        """The metric's figures of one unit as stored on its feedback item (strings)."""
        row = self.by_unit.get(unit_id)
        figures: dict[str, Any] = {
            "metric_label": self.label,
            "metric_unit": self.unit_of_measure,
            "metric_units": self.units,
            "metric_median": None if self.median is None else str(self.median),
        }
        if row is not None and row.value is not None:
            figures.update(
                metric_value=str(row.value),
                metric_rank=row.rank,
                metric_percentile=None if row.percentile is None else str(row.percentile),
            )
        return figures


METRIC_CHOICES = [
    (key, metric.label) for key, metric in metrics.METRICS.items() if not metric.needs_indicator
]


def benchmark_view(
    user: User | AnonymousUser,
    issuer: Procuratorate,
    *,
    metric: str,
    fiscal_year: int,
    level: str | None = None,
    percentile: Decimal | None = None,
) -> BenchmarkView:
    """The league table of ``metric`` over the units below ``issuer`` (its counties for a
    city), through ``benchmarking.selectors.benchmark`` (two statements: the memberships and
    the ranking); raises ``DomainError`` on a bad metric, ``OutOfReach`` without a
    benchmarking role."""
    city = issuer.code if issuer.level == UnitLevel.CITY else None
    table = benchmarking.benchmark(user, metric, fiscal_year, level=level, city=city)
    rows = [
        Candidate(r.unit_id, r.code, r.name, r.city_name, r.value, r.rank, r.percentile)
        for r in table.rows
        if r.unit_id != issuer.pk
    ]
    below = []
    if percentile is not None:
        below = [r for r in rows if r.percentile is not None and r.percentile <= percentile]
        below.sort(key=lambda r: (r.percentile, -(r.rank or 0), r.code))
    return BenchmarkView(
        label=table.label,
        unit_of_measure=table.unit_of_measure,
        fiscal_year=fiscal_year,
        units=table.distribution.count,
        median=table.distribution.median,
        by_unit={r.unit_id: r for r in rows},
        below=below,
    )


def units_below(issuer: Procuratorate, ids: Sequence[int]) -> list[Procuratorate]:
    """The active units strictly below ``issuer`` among ``ids``, by path (one query)."""
    return list(
        Procuratorate.objects.filter(pk__in=list(ids), path__startswith=issuer.path, active=True)
        .exclude(pk=issuer.pk)
        .order_by("path")
    )


def units_by_code(issuer: Procuratorate, codes: Sequence[str]) -> dict[str, Procuratorate]:
    """code → unit for the codes (or names) given that lie below ``issuer`` (one query)."""
    wanted = [c for c in codes if c]
    if not wanted:
        return {}
    found = Procuratorate.objects.filter(
        Q(code__in=wanted) | Q(name__in=wanted), path__startswith=issuer.path, active=True
    ).exclude(pk=issuer.pk)
    out: dict[str, Procuratorate] = {}
    for unit in found:
        out[unit.code] = unit
        out[unit.name] = unit
    return out

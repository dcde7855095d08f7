"""预算挂钩 in the console: next year's budget linkage suggestions of the units in the reader's
scope (``ConsoleAccess.paths(Op.LINKAGE_DECIDE)``) with their decisions and reasons. Who may
decide a given row is the service's rule (``feedback.services.can_decide_linkage``: never a
city's own budget). A fixed number of queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, F, Q, QuerySet

from backend.console.feedback import within
from backend.feedback.models import BudgetLinkage
from backend.oversight.selectors import under_city

ORDER = {
    "unit": ("unit__path", "fiscal_year", "project_code"),
    "-unit": ("-unit__path", "fiscal_year", "project_code"),
    "score": ("score", "unit__path"),
    "-score": ("-score", "unit__path"),
    "budget": ("base_budget", "unit__path"),
    "-budget": ("-base_budget", "unit__path"),
}


def linkages(
    paths: Sequence[str],
    *,
    fiscal_year: int | None = None,
    city: str | None = None,
    undecided: bool | None = None,
    whole_unit: bool | None = None,
    grade: str | None = None,
    action: str | None = None,
    order: str = "unit",
) -> QuerySet[BudgetLinkage]:
    """Linkage rows of the units in the scope (one query a page)."""
    qs = BudgetLinkage.objects.filter(within(paths)).select_related("unit", "decided_by")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    if city:
        qs = qs.filter(under_city(city))
    if undecided is not None:
        qs = qs.filter(decided_action="") if undecided else qs.exclude(decided_action="")
    if whole_unit is not None:
        qs = qs.filter(project_id__isnull=whole_unit)
    if grade:
        qs = qs.filter(grade=grade)
    if action:
        qs = qs.filter(suggested_action=action)
    return qs.order_by(*ORDER.get(order, ORDER["unit"]), "id")


def counts(paths: Sequence[str], *, fiscal_year: int | None = None) -> dict[str, int]:
    qs = BudgetLinkage.objects.filter(within(paths))
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.aggregate(
        total=Count("id"),
        undecided=Count("id", filter=Q(decided_action="")),
        outside=Count(
            "id",
            filter=~Q(decided_action="")
            & (
                Q(decided_pct__lt=F("suggested_min_pct"))
                | Q(decided_pct__gt=F("suggested_max_pct"))
            ),
        ),
    )


def linkage(paths: Sequence[str], pk: int) -> BudgetLinkage | None:
    """One row of the scope with its unit and decider; None outside the scope."""
    return (
        BudgetLinkage.objects.filter(within(paths), pk=pk)
        .select_related("unit", "decided_by")
        .first()
    )


def history(row: BudgetLinkage, limit: int = 10) -> list:
    """The row's earlier decisions, newest first (one query)."""
    return list(
        row.history.exclude(decided_action="")
        .select_related("history_user")
        .order_by("-history_date")[:limit]
    )

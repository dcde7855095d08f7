"""Spending and rates: a project's monthly spending from cumulative figures, and its entry's
money (spent to date, execution rate) refreshed from its expenditures."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from backend.budgets.models import Expenditure, Project
from backend.budgets.selectors import monthly_spending, spent_to
from backend.monitoring import rules
from backend.monitoring import selectors as monitoring_selectors
from backend.monitoring.models import (
    MonitoringEntry,
    SpentSource,
)
from backend.monitoring.services.base import CENT, month_end


def spread_cumulative(cumulative: Mapping[int, Decimal], month: int) -> dict[int, Decimal]:
    """Month → that month's spending, for months 1..``month``, from cumulative figures known
    at some months (entered at the rounds): the spending between two known months is spread
    evenly over the months between them (to the cent, the last month taking the remainder).
    Months after the last known one up to ``month`` spent nothing."""
    known = sorted((m, v) for m, v in cumulative.items() if 1 <= m <= month)
    monthly = dict.fromkeys(range(1, month + 1), Decimal("0.00"))
    previous_month, previous_total = 0, Decimal(0)
    for known_month, total in known:
        span = known_month - previous_month
        delta = Decimal(total) - previous_total
        share = (delta / span).quantize(CENT, rounding=ROUND_HALF_UP)
        for m in range(previous_month + 1, known_month):
            monthly[m] = share
        monthly[known_month] = delta - share * (span - 1)
        previous_month, previous_total = known_month, Decimal(total)
    return monthly


def _figures(entry: MonitoringEntry, monthly: Mapping[int, Decimal]) -> None:
    """Execution rate, time progress and forecast of ``entry`` from its money."""
    entry.execution_rate = rules.execution_rate(entry.spent_to_date, entry.full_budget)
    entry.time_progress = rules.time_progress(entry.month)
    entry.forecast_rate = rules.forecast_rate(monthly, entry.full_budget, entry.month)


def refresh_money(entry: MonitoringEntry, project: Project) -> None:
    """Bring the entry's budget and spending up to date: the full-year budget as it is now;
    the spending from the expenditures up to the end of the round's month when the project
    has any (the entry then follows them), else the figure the unit entered (two or three
    queries)."""
    entry.full_budget = project.full_budget
    if Expenditure.objects.filter(project=project).exists():
        entry.spent_source = SpentSource.EXPENDITURES
        entry.spent_to_date = spent_to(project, month_end(project.fiscal_year, entry.month))
        spending = monthly_spending(project)
        monthly = {m: spending[m] for m in range(1, entry.month + 1)}
    else:
        if entry.spent_source != SpentSource.ENTERED:
            entry.spent_source = SpentSource.ENTERED
            entry.spent_to_date = Decimal("0.00")
        series = monitoring_selectors.entered_series(project, before_month=entry.month)
        series[entry.month] = entry.spent_to_date
        monthly = spread_cumulative(series, entry.month)
    _figures(entry, monthly)

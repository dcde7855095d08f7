"""对标: the unit's rank, percentile and its groups' medians on the key metrics, with trends —
the reads behind the API's ``myBenchmark`` and ``myTrend``; never another unit's name."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from backend.benchmarking import metrics
from backend.benchmarking.selectors import Position, UnitPosition, unit_trend
from backend.web.access import unit_page
from backend.web.requests import UnitRequest
from backend.web.workspace.benchmark.charts import trend_options
from backend.workspace.selectors import YEAR_END_METRICS, benchmark_overview

YEARS_SHOWN = 5


@dataclass(frozen=True)
class Card:
    """One metric as the page shows it: the comparison groups that have valued units."""

    metric: UnitPosition
    groups: list[Position]


def cards(positions: list[UnitPosition]) -> list[Card]:
    return [Card(p, [g for g in p.positions if g.distribution.count]) for p in positions]


@unit_page()
def benchmark(request: UnitRequest) -> HttpResponse:
    """The positions; the trends (``?part=trends``) load after the page (htmx), so that each
    answer stays quick."""
    unit = request.unit
    this_year = timezone.localdate().year
    years = list(range(this_year, this_year - YEARS_SHOWN, -1))
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and int(raw_year) in years else this_year
    trend_key = request.GET.get("trend", "")
    if trend_key not in YEAR_END_METRICS:
        trend_key = "self_score"
    context = {
        "years": years,
        "year": year,
        "trend_key": trend_key,
        "trend_choices": [(k, metrics.METRICS[k].label) for k in YEAR_END_METRICS],
    }
    if request.GET.get("part") == "trends":
        monthly = unit_trend(unit, "execution_rate", year, by="month")
        yearly = unit_trend(unit, trend_key, year - 1, by="year", years=YEARS_SHOWN)
        context.update(
            monthly=monthly,
            yearly=yearly,
            monthly_chart=trend_options(monthly),
            yearly_chart=trend_options(yearly),
        )
        return render(request, "web/workspace/benchmark/_trends.html", context)
    overview = benchmark_overview(unit, year)
    context.update(
        overview=overview, in_year=cards(overview.in_year), year_end=cards(overview.year_end)
    )
    return render(request, "web/workspace/benchmark/benchmark.html", context)

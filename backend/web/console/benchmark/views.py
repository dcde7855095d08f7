"""对标 in the console: league tables naming every unit of the reader's scope.

- ``console:benchmark``: the table (sortable, searchable, filtered by band; 25 a page, cut in
  SQL: ``league.league_page``), the distribution and percentile bands, the top and bottom N as
  labelled horizontal bars and each city's box (scrolling windows past 20 rows) — never one
  bar per unit; trends as small multiples load after the page (``?part=trends``, htmx);
- ``console:benchmark-unit``: one unit against its comparison group's median (its level in the
  province, or a peer group), its percentiles as bars, its trends beside the group's;
- ``console:benchmark-export``: the same table as XLSX (``reports.benchmark_xlsx``), set up
  for printing on A4.

Reads: ``backend.console.benchmark`` over ``backend.benchmarking.selectors``. A unit outside the
reader's benchmark scope answers 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, overload
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from backend.accounts.policy import Op
from backend.benchmarking import metrics, selectors
from backend.benchmarking.selectors import BenchmarkTable, Position, UnitPosition
from backend.console import benchmark as league
from backend.core.errors import DomainError
from backend.reports.benchmark_xlsx import benchmark_xlsx
from backend.web.access import console_page
from backend.web.console.benchmark import charts
from backend.web.console.benchmark.forms import LeagueForm, years
from backend.web.forms import add_problems

PER_PAGE = 25
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The small multiples: (metric, by).
TRENDS = (
    ("execution_rate", "month"),
    ("forecast_rate", "month"),
    ("open_alerts", "month"),
    ("self_score", "year"),
    ("key_score", "year"),
    ("rectifications_open", "year"),
)
# The metrics of a unit's comparison page: (metric, takes the month asked).
UNIT_METRICS = (
    ("execution_rate", True),
    ("forecast_rate", True),
    ("open_alerts", True),
    ("budget", False),
    ("self_score", False),
    ("department_score", False),
    ("key_score", False),
    ("self_key_gap", False),
    ("rectifications_open", False),
    ("spending_per_procurator", False),
    ("cases_per_procurator", False),
)
FIELDS = {"indicator_code": "indicator", "peer_group": "peer_group"}


def _form(request: HttpRequest) -> LeagueForm:
    return LeagueForm(
        request.GET,
        cities=league.cities(request.user),
        groups=league.peer_groups(request.user),
    )


def _table(form: LeagueForm, request: HttpRequest) -> BenchmarkTable | None:
    try:
        return league.league(request.user, form.query())
    except DomainError as error:
        add_problems(form, error, FIELDS)
        return None


class Window(Sequence[Any]):
    """The rows of one page standing in for all ``count`` rows of the filtered table, for the
    ``Paginator`` (which only slices the page it shows)."""

    def __init__(self, count: int, rows: list[Any]) -> None:
        self._count = count
        self._rows = rows

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return self._rows
        raise IndexError(index)


@dataclass(frozen=True)
class BandCount:
    key: str
    label: str
    count: int


def options(form: LeagueForm, name: str) -> str:
    """A long select's options as HTML (hundreds of cities at 3,600 units: the widget
    templates cost about a millisecond an option)."""
    chosen = str(form[name].value() or "")
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) == chosen else "", label)
            for value, label in form.fields[name].choices  # type: ignore[attr-defined]
        ),
    )


@console_page(Op.BENCHMARK_VIEW)
def benchmark(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if request.GET.get("part") == "trends":
        return _trends(request, form)
    top_n = form.value("top", 10)
    # One statement: the ranking (distribution, top N) and the page cut from it.
    table, chosen = None, None
    try:
        table, chosen = league.league_with_page(
            request.user,
            form.query(),
            sort=form.value("sort", "rank"),
            search=form.value("q", ""),
            band_key=form.value("band", ""),
            page=request.GET.get("page") or 1,
            per_page=PER_PAGE,
            bottom=top_n,
            top=top_n,
        )
    except DomainError as error:
        add_problems(form, error, FIELDS)
    context: dict[str, Any] = {
        "form": form,
        "table": table,
        "query": form.query(),
        "long_options": {name: options(form, name) for name in ("city", "peer_group")},
    }
    if table is not None and chosen is not None:
        page = Paginator(Window(chosen.count, chosen.rows), PER_PAGE).get_page(chosen.number)
        valued = table.distribution.count
        top = table.rows[: min(top_n, valued)]  # fetched with the table: no statement
        context.update(
            page=page,
            page_rows=[(r, league.band(r.percentile)) for r in page.object_list],
            next_rank_sort="-rank" if form.value("sort", "rank") == "rank" else "rank",
            band_labels=league.BAND_LABELS,
            band_counts=[
                BandCount(k, label, chosen.bands.get(k, 0)) for k, label, _f in league.BANDS
            ],
            valued=valued,
            missing=len(table.rows) - valued,
            top_n=top_n,
            top_chart=charts.unit_bars(top, table, color=charts.BLUE, name=table.label),
            bottom_chart=charts.unit_bars(chosen.bottom, table, color=charts.RED, name=table.label),
            top_height=charts.chart_height(min(top_n, valued)),
            city_chart=charts.city_boxes(chosen.cities, table) if len(chosen.cities) > 1 else None,
            city_height=charts.chart_height(len(chosen.cities)),
            monthly=metrics.METRICS[table.metric.split("__")[0]].monthly,
        )
    return render(request, "web/console/benchmark/benchmark.html", context)


@dataclass(frozen=True)
class SmallMultiple:
    key: str
    chart_id: str
    label: str
    unit_of_measure: str
    options: dict[str, Any]
    empty: bool


def _trends(request: HttpRequest, form: LeagueForm, unit: Any = None, group: str = "") -> Any:
    query = form.query()
    multiples = []
    for key, by in TRENDS:
        try:
            trend = selectors.trend(
                request.user,
                key,
                query.year,
                by=by,
                years=5,
                unit=unit.code if unit is not None else None,
                level=(unit.level if unit is not None and not group else query.level) or None,
                city=None if unit is not None else (query.city or None),
                peer_group=group or (None if unit is not None else query.peer_group or None),
            )
        except DomainError:
            continue
        multiples.append(
            SmallMultiple(
                key,
                f"trend-{key}",
                trend.label,
                trend.unit_of_measure,
                charts.trend_small(trend, unit_name=unit.name if unit is not None else ""),
                not trend.points,
            )
        )
    return render(
        request,
        "web/console/benchmark/_trends.html",
        {"multiples": multiples, "query": query, "unit": unit},
    )


@console_page(Op.BENCHMARK_VIEW)
def export(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    table = _table(form, request)
    if table is None:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(f"{reverse('console:benchmark')}?{request.GET.urlencode()}")
    month = f"-{table.month}月" if table.month else ""
    name = f"{table.label}对标-{table.fiscal_year}{month}.xlsx"
    response = HttpResponse(benchmark_xlsx(table), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-cache"
    return response


# --- one unit against its group -----------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """One metric of the unit page: the unit's value beside the chosen group's figures."""

    metric: UnitPosition
    group: Position | None

    @property
    def difference(self) -> Decimal | None:
        median = self.group.distribution.median if self.group else None
        if self.metric.value is None or median is None:
            return None
        return self.metric.value - median

    @property
    def better(self) -> bool | None:
        difference = self.difference
        if difference is None or difference == 0:
            return None
        return (difference > 0) == self.metric.higher_is_better


def _groups(positions: list[UnitPosition]) -> list[tuple[str, str]]:
    """(code, name) of the comparison groups the unit belongs to: its level first."""
    seen: dict[str, str] = {}
    for metric in positions:
        for p in metric.positions:
            seen.setdefault("level" if p.scope == "level" else p.code, p.name)
    return list(seen.items())


@console_page(Op.BENCHMARK_VIEW)
def unit(request: HttpRequest, code: str) -> HttpResponse:
    target = league.unit_in_scope(request.user, code)
    if target is None:
        raise Http404("没有该单位，或不在您的对标范围内。")
    form = _form(request)
    query = form.query()
    positions = selectors.unit_positions(
        target,
        [
            (key, query.year, query.month if monthly else None, None)
            for key, monthly in UNIT_METRICS
        ],
    )
    groups = _groups(positions)
    codes = [c for c, _n in groups]
    asked = request.GET.get("group", "")
    # A peer group by default (the closest comparison), else the unit's level in the province.
    group = asked if asked in codes else next((c for c in codes if c != "level"), "level")
    if request.GET.get("part") == "trends":
        return _trends(request, form, unit=target, group="" if group == "level" else group)
    rows = [
        Comparison(
            p,
            next(
                (
                    g
                    for g in p.positions
                    if (g.scope == "level" and group == "level") or g.code == group
                ),
                None,
            ),
        )
        for p in positions
    ]
    context = {
        "unit": target,
        "form": form,
        "query": query,
        "years": years(),
        "groups": groups,
        "group": group,
        "group_name": dict(groups).get(group, ""),
        "rows": rows,
        "chart": charts.percentile_bars(positions, group),
        "chart_height": charts.chart_height(len(positions)),
    }
    return render(request, "web/console/benchmark/unit.html", context)

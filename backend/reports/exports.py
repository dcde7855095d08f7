"""Benchmark exports served by URL on the public host:

- ``/exports/benchmark.xlsx``
- ``/charts/benchmark-bars.svg`` and ``.png`` (ranked bars with the median line)
- ``/charts/benchmark-box.svg`` and ``.png`` (a box per city)

Query: ``metric`` and ``fiscalYear`` (required), ``month``, ``level``, ``city``, ``peerGroup``.
The caller (session or bearer token) must be a province admin or a city reviewer: anonymous →
401, anyone else → 403; a unit's host does not route these paths (404).

The table itself comes from a **producer**, ``(user, BenchmarkQuery) -> BenchmarkTable``, named
by the ``JIXIAO_BENCHMARK_PRODUCER`` setting (a dotted path; by default
``benchmark_from_facts``, the benchmarking selector over the public fact tables). The producer
scopes the table to the caller's subtree and raises ``DomainError`` for a
query it cannot answer (→ 400). As a second line of defence, a table naming a unit the caller
cannot reach is refused (403) rather than served. Without a producer the views answer 503."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from backend.accounts.models import User
from backend.benchmarking import selectors as benchmarking
from backend.benchmarking.selectors import BenchmarkTable
from backend.core.errors import DomainError
from backend.reports import charts
from backend.reports.access import refusal, reviewer
from backend.reports.benchmark_xlsx import benchmark_xlsx
from tenants.models import Procuratorate

logger = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SVG_TYPE = "image/svg+xml; charset=utf-8"
PNG_TYPE = "image/png"
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class BenchmarkQuery:
    metric: str
    fiscal_year: int
    month: int | None = None
    level: str | None = None
    city: str | None = None
    peer_group: str | None = None
    indicator_code: str | None = None


BenchmarkProducer = Callable[[User, BenchmarkQuery], BenchmarkTable]


def benchmark_producer() -> BenchmarkProducer | None:
    """The producer named by ``JIXIAO_BENCHMARK_PRODUCER``, or None when none is set."""
    path = getattr(settings, "JIXIAO_BENCHMARK_PRODUCER", "")
    return import_string(path) if path else None


def parse_query(params: dict[str, str]) -> BenchmarkQuery | str:
    """The query, or the message saying what is wrong with it."""
    metric = params.get("metric", "").strip()
    if not metric or len(metric) > 64:
        return "缺少参数 metric（对比指标）。"
    year_text = params.get("fiscalYear", "")
    if not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        return f"年度“{year_text}”无效，应为 2000–2100 的年份。"
    month_text = params.get("month", "")
    if month_text and not (month_text.isdigit() and 1 <= int(month_text) <= 12):
        return f"月份“{month_text}”无效，应为 1–12。"

    def optional(name: str) -> str | None:
        return params.get(name, "").strip()[:64] or None

    return BenchmarkQuery(
        metric=metric,
        fiscal_year=int(year_text),
        month=int(month_text) if month_text else None,
        level=optional("level"),
        city=optional("city"),
        peer_group=optional("peerGroup"),
        indicator_code=optional("indicatorCode"),
    )


def benchmark_from_facts(user: User, query: BenchmarkQuery) -> BenchmarkTable:
    """The default producer: ``backend.benchmarking.selectors.benchmark``, scoped to the
    caller (raises ``OutOfReach`` for a caller who benchmarks nobody)."""
    return benchmarking.benchmark(
        user,
        query.metric,
        query.fiscal_year,
        month=query.month,
        level=query.level,
        city=query.city,
        peer_group=query.peer_group,
        indicator_code=query.indicator_code,
    )


def _table(request: HttpRequest) -> BenchmarkTable | HttpResponse:
    refused = reviewer(request)
    if refused is not None:
        return refused
    query = parse_query(request.GET.dict())
    if isinstance(query, str):
        return refusal(400, query)
    producer = benchmark_producer()
    if producer is None:
        return refusal(503, "基准对比数据暂未提供。")
    user = request.user
    assert isinstance(user, User), "reviewer() refuses an anonymous caller"
    try:
        table = producer(user, query)
    except DomainError as error:
        return refusal(400, "\n".join(p.message for p in error.problems))
    except benchmarking.OutOfReach:
        return refusal(403, "您没有对比各单位的权限。")
    ids = {row.unit_id for row in table.rows}
    if ids:
        scope = benchmarking.benchmark_scope(request.user).condition
        reachable = set(
            Procuratorate.objects.filter(scope, pk__in=ids).values_list("pk", flat=True)
        )
        if ids - reachable:
            logger.error(
                "benchmark producer returned units outside the caller's reach: user=%s units=%s",
                request.user.pk,
                sorted(ids - reachable),
            )
            return refusal(403, "对比范围超出您的权限。")
    return table


def _file_name(table: BenchmarkTable, kind: str, extension: str) -> str:
    month = f"-{table.month}月" if table.month else ""
    return f"{table.label}{kind}-{table.fiscal_year}{month}.{extension}"


def _respond(
    content: str | bytes, content_type: str, name: str, *, attachment: bool
) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    if content_type == SVG_TYPE:
        response["Content-Security-Policy"] = SVG_CSP
    return response


@require_GET
def benchmark_xlsx_view(request: HttpRequest) -> HttpResponse:
    table = _table(request)
    if isinstance(table, HttpResponse):
        return table
    name = _file_name(table, "基准对比", "xlsx")
    return _respond(benchmark_xlsx(table), XLSX_TYPE, name, attachment=True)


def _chart_view(
    render: Callable[[BenchmarkTable], str | bytes], kind: str, extension: str, content_type: str
) -> Callable[[HttpRequest], HttpResponse]:
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        table = _table(request)
        if isinstance(table, HttpResponse):
            return table
        name = _file_name(table, kind, extension)
        return _respond(render(table), content_type, name, attachment=False)

    view.__name__ = f"benchmark_{kind}_{extension}"
    return view


benchmark_bars_svg_view = _chart_view(charts.benchmark_bars_svg, "排名图", "svg", SVG_TYPE)
benchmark_bars_png_view = _chart_view(charts.benchmark_bars_png, "排名图", "png", PNG_TYPE)
benchmark_box_svg_view = _chart_view(charts.benchmark_box_svg, "分市箱线图", "svg", SVG_TYPE)
benchmark_box_png_view = _chart_view(charts.benchmark_box_png, "分市箱线图", "png", PNG_TYPE)

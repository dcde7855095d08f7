"""URLs of the base host (public schema): provincial console, public GraphQL API."""

from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import ensure_csrf_cookie

from backend.reports import exports as report_exports
from backend.web.console.home.views import start
from graphql_schema.core.views import JixiaoGraphQLView
from graphql_schema.public import schema

admin.site.site_header = "绩效 · 预算绩效管理平台"
admin.site.site_title = "绩效"
admin.site.index_title = "省院管理控制台"

urlpatterns = [
    path("", start, name="start"),
    path("console/", include("backend.web.console.urls")),
    path("", include("backend.web.accounts.urls")),
    path("admin/", admin.site.urls),
    path("graphql/", ensure_csrf_cookie(JixiaoGraphQLView.as_view(schema=schema)), name="graphql"),
]

urlpatterns += [
    path("exports/benchmark.xlsx", report_exports.benchmark_xlsx_view, name="benchmark-xlsx"),
    path(
        "charts/benchmark-bars.svg",
        report_exports.benchmark_bars_svg_view,
        name="benchmark-bars-svg",
    ),
    path(
        "charts/benchmark-bars.png",
        report_exports.benchmark_bars_png_view,
        name="benchmark-bars-png",
    ),
    path(
        "charts/benchmark-box.svg", report_exports.benchmark_box_svg_view, name="benchmark-box-svg"
    ),
    path(
        "charts/benchmark-box.png", report_exports.benchmark_box_png_view, name="benchmark-box-png"
    ),
]

"""URLs of a unit's host (its tenant schema)."""

from django.urls import include, path
from django.views.decorators.csrf import ensure_csrf_cookie

from backend.monitoring import views as monitoring_views
from backend.reports import downloads as reports_downloads
from graphql_schema.core.views import JixiaoGraphQLView
from graphql_schema.tenant import schema

urlpatterns = [
    path("", include("backend.web.workspace.urls")),
    path("", include("backend.web.accounts.urls")),
    path("graphql/", ensure_csrf_cookie(JixiaoGraphQLView.as_view(schema=schema)), name="graphql"),
    path(
        "monitoring/projects/<int:project_id>/execution.svg",
        monitoring_views.project_execution_svg,
        name="project-execution-svg",
    ),
    path(
        "monitoring/execution.svg",
        monitoring_views.unit_execution_svg,
        name="unit-execution-svg",
    ),
]

urlpatterns += [
    path(
        "documents/<int:document_id>/download/",
        reports_downloads.document_download,
        name="document-download",
    ),
]

"""The unit workspace (单位工作台) on every unit's host, in the ``ws`` namespace. Each area
owns its own URL module; every URL name of an area starts with the area's prefix."""

from django.urls import include, path

app_name = "ws"

urlpatterns = [
    path("", include("backend.web.workspace.home.urls")),
    path("projects/", include("backend.web.workspace.projects.urls")),
    path("goals/", include("backend.web.workspace.goals.urls")),
    path("review/", include("backend.web.workspace.review.urls")),
    path("monitoring/", include("backend.web.workspace.monitoring.urls")),
    path("evaluations/", include("backend.web.workspace.evaluation.urls")),
    path("results/", include("backend.web.workspace.results.urls")),
    path("benchmark/", include("backend.web.workspace.benchmark.urls")),
]

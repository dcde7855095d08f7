"""The console (管理控制台) on the base host, in the ``console`` namespace, for the province,
the city reviewers and the evaluators. Each area owns its own URL module; every URL name of an
area starts with the area's prefix."""

from django.urls import include, path

app_name = "console"

urlpatterns = [
    path("", include("backend.web.console.home.urls")),
    path("units/", include("backend.web.console.units.urls")),
    path("templates/", include("backend.web.console.templates.urls")),
    path("review/", include("backend.web.console.review.urls")),
    path("benchmark/", include("backend.web.console.benchmark.urls")),
    path("feedback/", include("backend.web.console.feedback.urls")),
    path("key-evaluations/", include("backend.web.console.key_evaluations.urls")),
    path("linkage/", include("backend.web.console.linkage.urls")),
]

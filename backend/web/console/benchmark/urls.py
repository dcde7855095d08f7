"""Pages of the console: 对标 (benchmark) — league tables, a unit against its group, XLSX."""

from django.urls import path

from backend.web.console.benchmark import views

urlpatterns = [
    path("", views.benchmark, name="benchmark"),
    path("export.xlsx", views.export, name="benchmark-export"),
    path("units/<str:code>/", views.unit, name="benchmark-unit"),
]

"""Pages of the unit workspace: benchmark (对标)."""

from django.urls import path

from backend.web.workspace.benchmark import views

urlpatterns = [path("", views.benchmark, name="benchmark")]

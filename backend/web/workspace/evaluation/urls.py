"""Pages of the unit workspace: evaluation (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

"""Pages of the unit workspace: benchmark (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

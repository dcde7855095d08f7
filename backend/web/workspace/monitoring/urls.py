"""Pages of the unit workspace: monitoring (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

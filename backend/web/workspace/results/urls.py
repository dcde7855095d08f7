"""Pages of the unit workspace: results (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

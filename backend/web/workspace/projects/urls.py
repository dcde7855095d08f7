"""Pages of the unit workspace: projects (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

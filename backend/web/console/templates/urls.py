"""Pages of the console: templates (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

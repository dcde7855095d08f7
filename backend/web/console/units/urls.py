"""Pages of the console: units (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

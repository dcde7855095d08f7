"""Pages of the console: key_evaluations (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

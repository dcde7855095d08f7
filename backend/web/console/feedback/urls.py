"""Pages of the console: feedback (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

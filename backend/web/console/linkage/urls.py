"""Pages of the console: linkage (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

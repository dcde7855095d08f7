"""Pages of the unit workspace: goals (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

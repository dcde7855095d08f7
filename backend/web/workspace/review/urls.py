"""Pages of the unit workspace: review (built in its own issue)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

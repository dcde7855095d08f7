"""Pages of the console: 预算挂钩 (next year's budget linkage decisions)."""

from django.urls import path

from backend.web.console.linkage import views

urlpatterns = [
    path("", views.index, name="linkage"),
    path("<int:linkage_id>/", views.decide, name="linkage-decide"),
]

"""Pages of the unit workspace: 运行监控 (monitoring)."""

from django.urls import path

from backend.web.workspace.monitoring import views

urlpatterns = [
    path("", views.index, name="monitoring"),
    path("start/", views.start, name="monitoring-start"),
    path("entries/<int:entry_id>/", views.entry_detail, name="monitoring-entry"),
    path("entries/<int:entry_id>/save/", views.entry_save, name="monitoring-entry-save"),
    path("entries/<int:entry_id>/submit/", views.entry_submit, name="monitoring-entry-submit"),
    path("projects/<int:project_id>/", views.project_curve, name="monitoring-project"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert-detail"),
    path("alerts/<int:alert_id>/answer/", views.alert_answer, name="alert-answer"),
]

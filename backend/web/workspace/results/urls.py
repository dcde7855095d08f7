"""Pages of the unit workspace: 结果应用 (results application)."""

from django.urls import path

from backend.web.workspace.results import views

urlpatterns = [
    path("", views.index, name="results"),
    path(
        "rectifications/<int:rectification_id>/",
        views.rectification_detail,
        name="rectification-detail",
    ),
    path(
        "rectifications/<int:rectification_id>/respond/",
        views.rectification_respond,
        name="rectification-respond",
    ),
    path("feedback/<int:item_id>/", views.feedback_detail, name="feedback-detail"),
    path("feedback/<int:item_id>/read/", views.feedback_read, name="feedback-read"),
    path("feedback/<int:item_id>/answer/", views.feedback_answer, name="feedback-answer"),
]

"""Pages of the console: 反馈与整改 (feedback batches and rectifications)."""

from django.urls import path

from backend.web.console.feedback import views

urlpatterns = [
    path("", views.index, name="feedback"),
    path("new/", views.new, name="feedback-new"),
    path("batches/<int:batch_id>/", views.batch, name="feedback-batch"),
    path("rectifications/", views.rectifications, name="feedback-rectifications"),
    path(
        "rectifications/<int:rectification_id>/",
        views.rectification,
        name="feedback-rectification",
    ),
    path(
        "rectifications/<int:rectification_id>/accept/",
        views.rectification_accept,
        name="feedback-rectification-accept",
    ),
    path(
        "rectifications/<int:rectification_id>/reject/",
        views.rectification_reject,
        name="feedback-rectification-reject",
    ),
]

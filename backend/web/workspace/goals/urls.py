"""Pages of the unit workspace: performance goals (绩效目标申报表)."""

from django.urls import path

from backend.web.workspace.goals import views

urlpatterns = [
    path("", views.goal_list, name="goals"),
    path("projects/", views.goal_projects, name="goal-projects"),
    path("new/<int:project_id>/", views.goal_create, name="goal-create"),
    path("<int:goal_id>/", views.goal_detail, name="goal-detail"),
    path("<int:goal_id>/edit/", views.goal_update, name="goal-update"),
    path("<int:goal_id>/preview/", views.goal_preview, name="goal-preview"),
    path("<int:goal_id>/picker/", views.goal_picker, name="goal-picker"),
    path("<int:goal_id>/indicators/add/", views.indicator_add, name="goal-indicator-add"),
    path("<int:goal_id>/indicators/new/", views.indicator_new, name="goal-indicator-new"),
    path(
        "<int:goal_id>/indicators/<int:indicator_id>/",
        views.indicator_update,
        name="goal-indicator-update",
    ),
    path(
        "<int:goal_id>/indicators/<int:indicator_id>/remove/",
        views.indicator_remove,
        name="goal-indicator-remove",
    ),
    path("<int:goal_id>/submit/", views.goal_submit, name="goal-submit"),
    path("<int:goal_id>/withdraw/", views.goal_withdraw, name="goal-withdraw"),
    path("<int:goal_id>/xlsx/", views.goal_export, name="goal-export"),
    path("<int:goal_id>/import/", views.goal_import, name="goal-import"),
    path("<int:goal_id>/import/apply/", views.goal_import_apply, name="goal-import-apply"),
    path("<int:goal_id>/adjustment/", views.goal_adjustment, name="goal-adjustment"),
    path(
        "<int:goal_id>/adjustment/<int:adjustment_id>/submit/",
        views.adjustment_submit,
        name="goal-adjustment-submit",
    ),
]

"""Pages of the console: 重点评价 (managers) and 我的评价任务 (evaluators)."""

from django.urls import path

from backend.web.console.key_evaluations import views

urlpatterns = [
    path("", views.index, name="key-evaluations"),
    path("plan/", views.plan, name="key-evaluation-plan"),
    path("plan/select/", views.plan_select, name="key-evaluation-select"),
    path("plan/draw/", views.plan_draw, name="key-evaluation-draw"),
    path("<int:key_evaluation_id>/", views.detail, name="key-evaluation-detail"),
    path("<int:key_evaluation_id>/assign/", views.assign, name="key-evaluation-assign"),
    path("<int:key_evaluation_id>/finalise/", views.finalise, name="key-evaluation-finalise"),
    path("my/", views.my_assignments, name="my-assignments"),
    path("my/<int:assignment_id>/", views.my_assignment, name="my-assignment"),
    path(
        "my/<int:assignment_id>/submit/",
        views.my_assignment_submit,
        name="my-assignment-submit",
    ),
]

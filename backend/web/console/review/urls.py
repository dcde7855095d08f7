"""Pages of the console: 审核 (review) — goals sent up for the city, rectification answers."""

from django.urls import path

from backend.web.console.review import views

urlpatterns = [
    path("", views.inbox, name="review"),
    path("goals/<str:unit>/<int:goal_id>/", views.goal, name="review-goal"),
    path("goals/<str:unit>/<int:goal_id>/decide/", views.decide, name="review-goal-decide"),
    path(
        "goals/<str:unit>/<int:goal_id>/adjustment/decide/",
        views.decide_adjustment,
        name="review-adjustment-decide",
    ),
    path("rectifications/<int:pk>/", views.rectification, name="review-rectification"),
    path(
        "rectifications/<int:pk>/decide/",
        views.decide_rectification,
        name="review-rectification-decide",
    ),
]

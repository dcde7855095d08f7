"""Pages of the unit workspace: review (审核) by the unit leader, and by the city reviewer on a
county's host."""

from django.urls import path

from backend.web.workspace.review import views

urlpatterns = [
    path("", views.inbox, name="review"),
    path("goals/<int:goal_id>/", views.goal, name="review-goal"),
    path("goals/<int:goal_id>/decide/", views.decide, name="review-decide"),
    path("goals/<int:goal_id>/hand/", views.hand, name="review-hand"),
    path("adjustments/<int:adjustment_id>/", views.adjustment, name="review-adjustment"),
    path(
        "adjustments/<int:adjustment_id>/decide/",
        views.decide_adjustment,
        name="review-adjustment-decide",
    ),
    path("city/", views.city_inbox, name="review-city"),
    path("city/goals/<int:goal_id>/", views.city_goal, name="review-city-goal"),
    path("city/goals/<int:goal_id>/decide/", views.city_decide, name="review-city-decide"),
    path(
        "city/adjustments/<int:adjustment_id>/",
        views.city_adjustment,
        name="review-city-adjustment",
    ),
    path(
        "city/adjustments/<int:adjustment_id>/decide/",
        views.city_decide_adjustment,
        name="review-city-adjustment-decide",
    ),
]

"""Pages of the unit workspace: projects (项目)."""

from django.urls import path

from backend.web.workspace.projects import views

urlpatterns = [
    path("", views.project_list, name="projects"),
    path("new/", views.project_create, name="project-create"),
    path("<int:project_id>/", views.project_detail, name="project-detail"),
    path("<int:project_id>/edit/", views.project_edit, name="project-edit"),
    path("<int:project_id>/adjustments/", views.adjustment_add, name="project-adjustment-add"),
    path("<int:project_id>/expenditures/", views.expenditure_add, name="project-expenditure-add"),
    path("<int:project_id>/monthly/", views.monthly_spending, name="project-monthly-spending"),
]

"""Pages of the unit workspace: 绩效自评 (self-evaluations) and the department-wide
evaluation."""

from django.urls import path

from backend.web.workspace.evaluation import imports, views

urlpatterns = [
    path("", views.index, name="evaluations"),
    path("start/", views.start, name="evaluation-start"),
    path("<int:evaluation_id>/", views.detail, name="evaluation-detail"),
    path("<int:evaluation_id>/score/", views.score, name="evaluation-score"),
    path("<int:evaluation_id>/save/", views.save, name="evaluation-save"),
    path("<int:evaluation_id>/submit/", views.submit, name="evaluation-submit"),
    path("<int:evaluation_id>/return/", views.send_back, name="evaluation-return"),
    path("<int:evaluation_id>/finalise/", views.finalise, name="evaluation-finalise"),
    path("<int:evaluation_id>/report/", views.report, name="evaluation-report"),
    path("<int:evaluation_id>/evidence/", views.evidence, name="evaluation-evidence"),
    path("<int:evaluation_id>/xlsx/", imports.evaluation_export, name="evaluation-export"),
    path("<int:evaluation_id>/import/", imports.evaluation_import, name="evaluation-import"),
    path(
        "<int:evaluation_id>/import/apply/",
        imports.evaluation_import_apply,
        name="evaluation-import-apply",
    ),
    path("department/<int:fiscal_year>/", views.department, name="department-detail"),
    path("department/<int:fiscal_year>/start/", views.department_start, name="department-start"),
    path("department/<int:fiscal_year>/score/", views.department_score, name="department-score"),
    path("department/<int:fiscal_year>/save/", views.department_save, name="department-save"),
    path("department/<int:fiscal_year>/submit/", views.department_submit, name="department-submit"),
    path("department/<int:fiscal_year>/return/", views.department_return, name="department-return"),
    path(
        "department/<int:fiscal_year>/finalise/",
        views.department_finalise,
        name="department-finalise",
    ),
    path("department/<int:fiscal_year>/report/", views.department_report, name="department-report"),
]

"""单位与用户: units, their provisioning and import, users and their roles."""

from django.urls import path

from backend.web.console.units import views

urlpatterns = [
    path("", views.units, name="units"),
    path("new/", views.unit_create, name="unit-create"),
    path("import/", views.unit_import, name="unit-import"),
    path("import/apply/", views.unit_import_apply, name="unit-import-apply"),
    path("runs/<str:run_id>/", views.unit_run, name="unit-run"),
    path("users/", views.unit_users, name="unit-users"),
    path("users/new/", views.unit_user_create, name="unit-user-create"),
    path("users/<int:pk>/", views.unit_user_detail, name="unit-user-detail"),
    path("users/<int:pk>/grant/", views.unit_user_grant, name="unit-user-grant"),
    path("users/<int:pk>/password/", views.unit_user_password, name="unit-user-password"),
    path("users/<int:pk>/active/", views.unit_user_active, name="unit-user-active"),
    path("users/<int:pk>/anonymise/", views.unit_user_anonymise, name="unit-user-anonymise"),
    path("memberships/<int:pk>/revoke/", views.unit_membership_revoke, name="unit-revoke"),
    path("<slug:code>/", views.unit_detail, name="unit-detail"),
    path("<slug:code>/grant/", views.unit_grant, name="unit-grant"),
]

"""指标库与模板 (``Op.TEMPLATE_MANAGE``): templates, versions, pushes, conflicts, drift."""

from django.urls import path

from backend.web.console.templates import views

urlpatterns = [
    path("", views.index, name="templates"),
    path("new/", views.create, name="template-create"),
    path("conflicts/", views.conflicts, name="template-conflicts"),
    path("conflicts/<slug:code>/", views.unit_conflicts, name="template-unit-conflicts"),
    path(
        "conflicts/<slug:code>/<int:conflict_id>/resolve/",
        views.resolve,
        name="template-conflict-resolve",
    ),
    path("versions/<int:version_id>/", views.version, name="template-version"),
    path(
        "versions/<int:version_id>/indicators/new/",
        views.indicator_add,
        name="template-indicator-add",
    ),
    path(
        "versions/<int:version_id>/indicators/<int:indicator_id>/",
        views.indicator_update,
        name="template-indicator-update",
    ),
    path(
        "versions/<int:version_id>/indicators/<int:indicator_id>/remove/",
        views.indicator_remove,
        name="template-indicator-remove",
    ),
    path("versions/<int:version_id>/publish/", views.publish, name="template-publish"),
    path("versions/<int:version_id>/discard/", views.discard, name="template-discard"),
    path("versions/<int:version_id>/retire/", views.retire, name="template-retire"),
    path("versions/<int:version_id>/xlsx/", views.version_export, name="template-export"),
    path("versions/<int:version_id>/push/", views.push_new, name="template-push-new"),
    path("pushes/<int:push_id>/", views.push_detail, name="template-push"),
    path(
        "pushes/<int:push_id>/targets/<int:target_id>/retry/",
        views.push_retry,
        name="template-push-retry",
    ),
    path("pushes/<int:push_id>/rerun/", views.push_rerun, name="template-push-rerun"),
    path("t/<slug:code>/", views.detail, name="template-detail"),
    path("t/<slug:code>/draft/", views.new_draft, name="template-draft"),
    path("t/<slug:code>/diff/", views.diff, name="template-diff"),
    path("t/<slug:code>/drift/", views.drift, name="template-drift"),
    path("t/<slug:code>/import/", views.sheet_import, name="template-import"),
    path("t/<slug:code>/import/apply/", views.sheet_import_apply, name="template-import-apply"),
]

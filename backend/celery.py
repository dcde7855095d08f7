"""The Celery application. Tenant-aware through tenant-schemas-celery: a task queued while a
tenant schema is active carries the schema name and runs in it."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = CeleryApp("jixiao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task log lines carry the task and its unit (backend/core/logs.py).
from backend.core.logs import connect_celery_signals  # noqa: E402

connect_celery_signals()

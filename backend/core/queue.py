"""Queueing a Celery task by its name.

Tasks call services; services never import their app's ``tasks`` module: that would be an
import cycle (docs/architecture.md "Apps and imports"; tests/platform/test_import_graph.py).
A service that queues work looks the task up here by its registered name (the ``name=`` of its
``@shared_task``) and calls ``apply_async`` on it, so the message, the tenant header and the
eager/test behaviour are exactly those of the task object itself.
"""

from __future__ import annotations

from celery import Task

from backend.celery import app


def task_named(name: str) -> Task:
    """The registered task called ``name``. A worker has every ``tasks`` module imported at
    start; a web process imports them on first use here, through Celery's autodiscovery (every
    installed app's ``tasks.py``)."""
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]

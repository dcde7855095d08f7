"""Celery entry points of in-year monitoring. They only call services.

``monitoring.sweep_all`` runs on the beat schedule (``CELERY_BEAT_SCHEDULE`` in settings: every
day at 06:30, Asia/Shanghai) on the public schema and fans out one ``monitoring.sweep_unit``
per active unit, each carrying the unit's schema in its ``_schema_name`` header, so that
tenant-schemas-celery runs it on that schema. Each unit's sweep is one transaction: a worker
(or only its pool child) killed midway leaves the unit as it was, and the redelivered task
(``acks_late`` + ``reject_on_worker_lost``) sweeps it again from the start; a unit already
swept by the run (the ``sweep_all`` message's id) is not swept a second time."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django_tenants.utils import get_public_schema_name

from backend.core.schemas import current_schema
from backend.monitoring import services

logger = logging.getLogger(__name__)


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@shared_task(
    name="monitoring.sweep_all",
    bind=True,
    # Acknowledged once the fan-out is queued; a worker lost before that requeues it. The
    # redelivered message keeps its id, which is the run's: units already swept are skipped.
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def sweep_all_task(self: Any, as_of: str | None = None) -> int:
    """Queue the sweep of every active unit (``as_of``: ISO date, default today, the same
    for every unit) as one run, named by this message's id. Returns how many were queued."""
    queued = services.dispatch_sweeps(as_of=_date(as_of), run=self.request.id)
    logger.info("monitoring sweep %s queued for %s units", self.request.id, queued)
    return queued


@shared_task(
    name="monitoring.sweep_unit",
    # Redelivered if the worker dies mid-task (also when only the pool child is killed:
    # reject_on_worker_lost requeues instead of acknowledging); the sweep is one transaction
    # and runs at most once per run (``sweep_unit_once``).
    acks_late=True,
    reject_on_worker_lost=True,
    # A lost database connection is worth another attempt (the transaction rolled back).
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    ignore_result=True,
)
def sweep_unit_task(as_of: str | None = None, run: str | None = None) -> dict[str, Any] | None:
    """Sweep the unit whose schema the task runs on (``_schema_name`` header), once for
    ``run`` when it belongs to one. On the public schema — a message queued without a schema
    — there is no unit: nothing is done."""
    if current_schema() == get_public_schema_name():
        logger.warning("monitoring.sweep_unit without a unit schema: ignored")
        return None
    if run is None:
        result = services.sweep_unit(as_of=_date(as_of))
    else:
        swept = services.sweep_unit_once(run=run, as_of=_date(as_of))
        if swept is None:
            logger.info("monitoring sweep %s of %s already done", run, current_schema())
            return None
        result = swept
    return {
        "schema": current_schema(),
        "run": run,
        "raised": result.raised,
        "updated": result.updated,
        "resolved": result.resolved,
    }

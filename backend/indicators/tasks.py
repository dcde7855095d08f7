"""Celery entry points of the indicator library. They only call services."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import OperationalError

from backend.indicators.models import PushTarget
from backend.indicators.services import push

logger = logging.getLogger(__name__)


@shared_task(
    name="indicators.apply_push_target",
    # Redelivered if the worker dies mid-task; run_target is idempotent.
    acks_late=True,
    # A lost database connection is worth retrying (the target was marked failed meanwhile).
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    # Progress and outcome are on the PushTarget row; nobody waits on the result backend.
    ignore_result=True,
)
def apply_push_target(target_id: int) -> dict[str, Any] | None:
    """Adopt a push's version into one unit. Queued by ``push.dispatch`` with the unit's
    schema in the ``_schema_name`` header, so tenant-schemas-celery switches the connection to
    that schema before this runs."""
    try:
        target = push.run_target(target_id)
    except PushTarget.DoesNotExist:
        logger.warning("push target %s no longer exists", target_id)
        return None
    return {
        "target": target.pk,
        "status": target.status,
        "created": target.created,
        "updated": target.updated,
        "retired": target.retired,
        "conflicts": target.conflicts,
        "error": target.error,
    }

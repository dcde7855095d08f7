"""Celery entry points of results application. They only call services.

``feedback.flag_overdue`` runs on the beat schedule (``CELERY_BEAT_SCHEDULE``: every day at
00:20, Asia/Shanghai) on the public schema: rectification requests live in the public tables,
so there is no per-unit fan-out. It is one transaction and idempotent."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from backend.feedback import services

logger = logging.getLogger(__name__)


@shared_task(
    name="feedback.flag_overdue",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def flag_overdue_task(today: str | None = None) -> int:
    """Flag (and clear) overdue rectifications as of ``today`` (ISO date, default today).
    Returns how many rows changed."""
    changed = services.flag_overdue(datetime.date.fromisoformat(today) if today else None)
    logger.info("rectifications overdue flags changed: %s", changed)
    return changed

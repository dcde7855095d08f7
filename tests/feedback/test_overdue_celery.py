"""The overdue beat task through the real broker: sent the way the beat schedule sends it,
consumed by a worker thread from Redis, run on the public schema. Data are committed for real
(a year no other test uses) and removed at the end."""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator

import pytest
from django.db import connection

from backend.feedback import tasks
from backend.feedback.models import RectificationRequest
from tenants.models import Procuratorate

YEAR = 2031


def _cleanup() -> None:
    connection.set_schema_to_public()
    RectificationRequest.objects.filter(fiscal_year=YEAR).delete()


@pytest.fixture
def worker(celery_worker_thread: None) -> Iterator[None]:
    _cleanup()
    try:
        yield
    finally:
        _cleanup()


def test_the_beat_task_flags_overdue_requests_through_celery(worker: None) -> None:
    lsj = Procuratorate.objects.get(code="lengshuijiang")
    hunan = Procuratorate.objects.get(code="hunan")

    def make(due: datetime.date, status: str = "open") -> RectificationRequest:
        return RectificationRequest.objects.create(
            unit=lsj,
            issuer=hunan,
            fiscal_year=YEAR,
            origin="reviewer",
            title="逾期测试",
            requirement="整改",
            due_on=due,
            status=status,
        )

    late = make(datetime.date(YEAR, 1, 31))
    accepted = make(datetime.date(YEAR, 1, 31), status="accepted")
    not_yet = make(datetime.date(YEAR, 3, 31))

    tasks.flag_overdue_task.delay(f"{YEAR}-02-15")  # what the beat schedule sends

    deadline = time.monotonic() + 60
    while not RectificationRequest.objects.get(pk=late.pk).overdue:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert not RectificationRequest.objects.get(pk=accepted.pk).overdue
    assert not RectificationRequest.objects.get(pk=not_yet.pk).overdue

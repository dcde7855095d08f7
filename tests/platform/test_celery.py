"""Provisioning as a real Celery task: a worker thread consumes from the real Redis broker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict

import pytest
from django_tenants.utils import schema_exists

from tenants.models import Domain, Procuratorate
from tenants.references import disposing_of_units
from tenants.services import UnitSpec
from tenants.tasks import import_units_task

CODES = ["celery-one", "celery-two"]


@pytest.fixture
def worker(celery_worker_thread: None) -> Iterator[None]:
    """Removes the units the test committed (a flush cannot truncate public tables that
    tenant schemas reference)."""
    yield
    units = Procuratorate.objects.filter(code__in=["celery-root", *CODES])
    Domain.objects.filter(tenant__in=units).delete()
    with disposing_of_units():
        for unit in units.order_by("-depth"):
            unit.delete(force_drop=True)


def test_import_units_task_provisions_through_the_broker(worker: None) -> None:
    from tenants.services import provision_unit

    provision_unit(UnitSpec("celery-root", "测试省院", "province"))
    rows = [
        {"line": 2, "unit": asdict(UnitSpec(CODES[0], "一院", "city", "celery-root"))},
        {"line": 3, "unit": asdict(UnitSpec(CODES[1], "二院", "county", CODES[0]))},
        {"line": 4, "unit": asdict(UnitSpec("Bad", "坏", "county", CODES[0]))},
    ]
    result = import_units_task.delay(rows).get(timeout=60)
    assert result["created"] == CODES
    assert [(e["line"], e["message"].split(":")[0]) for e in result["errors"]] == [(4, "code")]
    assert all(schema_exists(code.replace("-", "_")) for code in CODES)
    assert Domain.objects.filter(tenant__code__in=CODES).count() == 2
    assert Procuratorate.objects.get(code=CODES[1]).path == "/celery-root/celery-one/celery-two/"

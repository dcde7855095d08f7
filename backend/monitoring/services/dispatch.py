"""Every unit: the daily sweep dispatched one task per unit schema, or run inline over all of
them (management command, benchmarks) with the connection recycled."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from backend.core.queue import task_named
from backend.core.schemas import set_public_schema
from backend.monitoring.services.sweep import SweepResult, sweep_unit
from tenants import selectors as unit_selectors
from tenants.models import Procuratorate

logger = logging.getLogger(__name__)


def dispatch_sweeps(*, as_of: datetime.date | None = None, run: str | None = None) -> int:
    """Queue one ``monitoring.sweep_unit`` task per active unit, each with the unit's schema
    passed explicitly (tenant-schemas-celery's ``_schema_name``: design.md §7) and the same
    ``as_of`` and ``run`` for all (``sweep_unit_once``). The messages leave once the current
    transaction (if any) commits. Returns how many were queued."""
    day = (as_of if as_of is not None else timezone.localdate()).isoformat()
    schemas = list(
        unit_selectors.active_units().order_by("path").values_list("schema_name", flat=True)
    )
    if schemas:
        transaction.on_commit(lambda: _send(schemas, day, run))
    return len(schemas)


def _send(schemas: Sequence[str], day: str, run: str | None) -> None:
    # By name, not by import: backend.monitoring.tasks calls this module (backend/core/queue.py).
    sweep_unit_task = task_named("monitoring.sweep_unit")
    for schema in schemas:
        sweep_unit_task.apply_async(
            args=[day], kwargs={"run": run}, headers={"_schema_name": schema}
        )


def sweep_all_inline(
    *,
    as_of: datetime.date | None = None,
    units: Iterable[Procuratorate] | None = None,
    progress: Callable[[Procuratorate, SweepResult | None], None] | None = None,
) -> dict[str, SweepResult | Exception]:
    """Sweep every active unit (or ``units``) in this process, one after the other, each on
    its own schema and in its own transaction: what the worker does, for the command, the demo
    and tests. A unit that fails is rolled back alone and reported (code → the exception);
    the others go on."""
    day = as_of if as_of is not None else timezone.localdate()
    todo = (
        list(units) if units is not None else list(unit_selectors.active_units().order_by("path"))
    )
    results: dict[str, SweepResult | Exception] = {}
    try:
        for unit in todo:
            outcome: SweepResult | None = None
            with tenant_context(unit):
                try:
                    outcome = sweep_unit(as_of=day)
                    results[unit.code] = outcome
                except Exception as exc:  # one unit's failure must not stop the others
                    logger.exception("monitoring sweep of %s failed", unit.code)
                    results[unit.code] = exc
            if progress:
                progress(unit, outcome)
    finally:
        set_public_schema()
    return results

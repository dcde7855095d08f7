"""Celery entry points for provisioning. They only call services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError

from tenants import services


@shared_task(
    bind=True,
    name="tenants.import_units",
    # A lost database connection is worth retrying: the import is idempotent.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def import_units_task(self: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Provision many units in the background, reporting progress as the task state
    ``PROGRESS`` with ``{"done": i, "total": n, "code": ...}``. Safe to re-run: units already
    registered are skipped."""
    specs = [
        (int(row.get("line", index)), services.UnitSpec(**row["unit"]))
        for index, row in enumerate(rows, start=2)
    ]

    def progress(done: int, spec: services.UnitSpec) -> None:
        self.update_state(
            state="PROGRESS", meta={"done": done, "total": len(specs), "code": spec.code}
        )

    report = services.import_units(specs, progress=progress)
    return {
        "created": report.created,
        "skipped": report.skipped,
        "errors": [{"line": line, "message": str(error)} for line, error in report.errors],
    }


@shared_task(name="tenants.check_references")
def check_references_task() -> dict[str, Any]:
    """The weekly check of the ids unit schemas hold for shared rows (beat schedule): every
    dangling one is logged as an error; the summary is the task's result."""
    import logging

    from tenants.references import dangling_references, unit_schemas

    log = logging.getLogger("jixiao.references")
    schemas = unit_schemas()
    dangling = 0
    for item in dangling_references(schemas):
        dangling += 1
        log.error(
            "dangling shared reference",
            extra={
                "schema": item.schema,
                "table": item.reference.table,
                "row_id": item.row_id,
                "column": item.reference.column,
                "value": item.value,
            },
        )
    return {"units": len(schemas), "dangling": dangling}

"""The provisioning runs a user started from the console: queued as ``tenants.import_units``
(one Celery task, one transaction per unit), remembered in the user's session so that only the
user who started a run follows its progress, and read back from the result backend."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from celery.result import AsyncResult
from django.http import HttpRequest
from django.utils import timezone

from tenants.services import UnitSpec
from tenants.tasks import import_units_task

SESSION_KEY = "console_unit_runs"
KEPT = 20  # runs remembered per session


@dataclass(frozen=True)
class Progress:
    state: str  # queued | running | done | failed
    done: int
    total: int
    code: str = ""
    created: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    errors: tuple[dict[str, Any], ...] = ()
    message: str = ""

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


def start(request: HttpRequest, rows: list[tuple[int, UnitSpec]], *, kind: str) -> str:
    """Queue the provisioning of ``rows`` and remember the run in the session; its id."""
    payload = [{"line": line, "unit": asdict(spec)} for line, spec in rows]
    result = import_units_task.delay(payload)
    runs = [r for r in request.session.get(SESSION_KEY, []) if r["id"] != result.id]
    runs.insert(
        0,
        {
            "id": result.id,
            "kind": kind,
            "total": len(rows),
            "codes": [spec.code for _, spec in rows][:5],
            "at": timezone.now().isoformat(),
        },
    )
    request.session[SESSION_KEY] = runs[:KEPT]
    return str(result.id)


def run_of(request: HttpRequest, run_id: str) -> dict[str, Any] | None:
    """The run ``run_id`` if this session started it."""
    return next((r for r in request.session.get(SESSION_KEY, []) if r["id"] == run_id), None)


def progress(run: dict[str, Any]) -> Progress:
    result = AsyncResult(run["id"], app=import_units_task.app)
    total = int(run["total"])
    state = result.state
    info = result.info
    if state == "SUCCESS" and isinstance(info, dict):
        return Progress(
            "done",
            total,
            total,
            created=tuple(info.get("created", [])),
            skipped=tuple(info.get("skipped", [])),
            errors=tuple(info.get("errors", [])),
        )
    if state == "FAILURE":
        return Progress(
            "failed", 0, total, message="创建过程中出现系统错误，请稍后重试或联系运维人员。"
        )
    if state == "PROGRESS" and isinstance(info, dict):
        return Progress("running", int(info.get("done", 0)), total, code=str(info.get("code", "")))
    if state in ("STARTED", "RETRY"):
        return Progress("running", 0, total)
    return Progress("queued", 0, total)

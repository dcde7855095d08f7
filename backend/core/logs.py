"""Structured logs: one JSON object per line, with the request id, the user, the unit and the
duration of every request, and the unit of every Celery task.

- ``RequestLogMiddleware`` gives each request an id (the proxy's ``X-Request-ID`` when it is a
  sane token, else a new one), echoes it in the response's ``X-Request-ID`` and logs one line
  ``request`` at the end with method, path, status, duration, user and unit;
- ``JsonFormatter`` writes every record as JSON, adding what the current request or task put in
  the context (``request_id``, ``user``, ``unit``, ``task``) and a record's ``extra`` fields;
- ``connect_celery_signals`` puts the task's name, id and unit schema into the context of the
  worker's log records (tenant-schemas-celery has set the schema by ``task_prerun``).

Selected by ``JIXIAO_LOG_FORMAT`` (``json``, the default when DEBUG is off, or ``text``).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

CONTEXT: ContextVar[dict[str, Any] | None] = ContextVar("jixiao_log_context", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

log = logging.getLogger("jixiao.request")


def _with_context(factory: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """Records take the context when they are made (a handler may format them later)."""

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        for key, value in (CONTEXT.get() or {}).items():
            record.__dict__.setdefault(key, value)
        return record

    make.jixiao_context = True  # type: ignore[attr-defined]  # mypy: no function attributes
    return make


if not getattr(logging.getLogRecordFactory(), "jixiao_context", False):
    logging.setLogRecordFactory(_with_context(logging.getLogRecordFactory()))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _unit() -> str | None:
    schema = getattr(connection, "schema_name", None)
    return None if schema in (None, "public") else schema


class RequestLogMiddleware:
    """Outermost middleware: the id is known to everything that logs during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        # declared on backend.web.requests.Request: set here, for every request
        request.request_id = request_id  # type: ignore[attr-defined]
        token = CONTEXT.set({"request_id": request_id})
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            context = CONTEXT.get() or {}
            context.update(
                {
                    "user": user.username if user is not None and user.is_authenticated else None,
                    "unit": _unit(),
                }
            )
            duration = round((time.perf_counter() - started) * 1000, 1)
            log.info(
                "%s %s %s %.1f ms",
                request.method,
                request.path,
                response.status_code,
                duration,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration,
                },
            )
            response["X-Request-ID"] = request_id
            return response
        finally:
            CONTEXT.reset(token)


def connect_celery_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    @task_prerun.connect(weak=False)
    def _task_context(task_id: str, task: Any, **kwargs: Any) -> None:
        CONTEXT.set({"task": task.name, "task_id": task_id, "unit": _unit()})

    @task_postrun.connect(weak=False)
    def _task_done(**kwargs: Any) -> None:
        CONTEXT.set(None)

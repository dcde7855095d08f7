"""gunicorn's configuration for the web process (``manage.py demo``, the compose ``web`` role,
``bench/load.py``). gunicorn reads ``./gunicorn.conf.py`` by itself when started from the
repository root; the callers pass it with ``--config`` all the same.

Bounded by design: ``workers`` processes of ``threads`` threads each serve at most
workers × threads requests at once; every thread keeps one PostgreSQL connection for
``CONN_MAX_AGE`` and reuses it for the next request, so the web process never holds more than
workers × threads connections, whatever the number of requests (docs/operations.md,
``make bench ONLY=load``). Requests beyond that wait in the listen backlog. Static files are
answered by WhiteNoise inside the same workers.

Every value comes from the environment (docs/operations.md); the defaults suit the 2-core
machines of development and CI: 2 workers × 8 threads (at most 16 connections).
"""

from __future__ import annotations

import os

bind = os.environ.get("JIXIAO_WEB_BIND", "127.0.0.1:8000")
worker_class = os.environ.get("JIXIAO_WEB_WORKER_CLASS", "gthread")
workers = int(os.environ.get("JIXIAO_WEB_WORKERS", "2"))
threads = int(os.environ.get("JIXIAO_WEB_THREADS", "8"))
# A request taking longer than this is killed with its worker (its transaction rolls back).
timeout = int(os.environ.get("JIXIAO_WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = int(os.environ.get("JIXIAO_WEB_KEEPALIVE", "5"))
backlog = 2048
# Workers are replaced after this many requests (with jitter, not all at once), which also
# bounds the per-process caches of a platform with thousands of schemas.
max_requests = int(os.environ.get("JIXIAO_WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = (
    "-"
    if os.environ.get("JIXIAO_WEB_ACCESS_LOG", "").lower() in {"1", "true", "yes", "on"}
    else None
)
errorlog = "-"
loglevel = os.environ.get("JIXIAO_WEB_LOG_LEVEL", "info")
proc_name = "jixiao-web"

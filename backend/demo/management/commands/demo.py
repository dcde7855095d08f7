"""``make demo``: prepare the demo province and run the platform in the foreground."""

from __future__ import annotations

import http.client
import ipaddress
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from backend import embedded
from backend.demo import history, services

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_debug_beyond_loopback(addr: str) -> None:
    """Django's debug pages (settings, source, SQL) go to whoever can connect: with DEBUG on,
    the demo serves on a loopback address only."""
    host = addr.rsplit(":", 1)[0] if ":" in addr else addr
    if settings.DEBUG and not is_loopback(host):
        raise CommandError(
            f"DJANGO_DEBUG is on: the demo serves on a loopback address only (127.0.0.1, ::1, "
            f"localhost), not {addr}. To serve other machines, set DJANGO_DEBUG=0 and "
            "DJANGO_SECRET_KEY (docs/operations.md)."
        )


def answers(addr: str, timeout: float = 2.0) -> bool:
    """Whether the platform at ``host:port`` answers a page (gunicorn accepts connections as
    soon as it binds; a worker answers only once it has loaded Django)."""
    host, _, port = addr.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request("GET", "/login/", headers={"Host": settings.JIXIAO_BASE_DOMAIN})
        return connection.getresponse().status < 500
    except OSError:
        return False
    finally:
        connection.close()


class Command(BaseCommand):
    help = "Load the demo province (first run) and serve it with a Celery worker until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default=os.environ.get("JIXIAO_DEMO_ADDR", "127.0.0.1:8000"))
        parser.add_argument(
            "--prepare-only",
            action="store_true",
            help="load everything (workspace and history) in this process, do not serve",
        )
        parser.add_argument(
            "--history-only",
            action="store_true",
            help="load the history (the background part of a first start) and exit",
        )

    def handle(self, *args: object, **options: object) -> None:
        addr = str(options["addr"])
        if options["history_only"]:
            self._load_history(quiet=False)
            return
        if not options["prepare_only"]:
            refuse_debug_beyond_loopback(addr)
        started = time.monotonic()
        self.stdout.write("Preparing the database (migrations, schema blueprint)…")
        history.migrate()
        bars: dict[str, tqdm] = {}

        def tick(step: str) -> None:
            if step not in bars:
                for bar in bars.values():
                    bar.close()
                bars[step] = tqdm(unit="unit", desc=step)
            bars[step].update(1)

        try:
            logins = history.prepare_workspace(report=tick)
        finally:
            for bar in bars.values():
                bar.close()
        self.stdout.write(f"Workspace ready in {time.monotonic() - started:.0f} s")
        if options["prepare_only"]:
            self._load_history(quiet=True)
            self._print_logins(logins, addr)
            return
        self._serve(addr, on_ready=lambda: self._print_logins(logins, addr))

    def _load_history(self, *, quiet: bool) -> None:
        """The background part in this process, printing its progress on one line."""
        last = [-1]

        def echo(progress: history.Progress) -> None:
            if not quiet and progress.percent != last[0]:
                last[0] = progress.percent
                self.stdout.write(
                    f"演示数据加载中 {progress.percent}% ({progress.step})"
                    if progress.state != history.DONE
                    else "演示数据加载完成 100%"
                )

        result = history.load_history(echo=echo)
        seconds = (result.finished_at or time.time()) - result.started_at
        self.stdout.write(f"Demo history loaded in {seconds:.0f} s")

    def _print_logins(self, logins: list[services.DemoLogin], addr: str) -> None:
        """The workspace and console addresses and one demo log-in per role."""
        port = addr.rsplit(":", 1)[-1]
        lines = services.login_banner(logins, base=settings.JIXIAO_BASE_DOMAIN, port=port)
        self.stdout.write(self.style.SUCCESS("\n" + lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)
        self.stdout.write(
            f"  GraphQL: http://{settings.JIXIAO_BASE_DOMAIN}:{port}/graphql/ (public), "
            f"http://{services.SHOWN_UNIT}.{settings.JIXIAO_BASE_DOMAIN}:{port}/graphql/ (a unit)\n"
        )

    def _serve(self, addr: str, on_ready: Callable[[], None]) -> None:
        env = dict(os.environ)
        # Children share this process's embedded servers instead of starting their own.
        env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or embedded.postgres_url()
        env["REDIS_URL"] = settings.REDIS_URL
        # The web process first: a login needs it alone, and on a small machine the worker and
        # beat importing Django at the same time would delay its first answer.
        children = [
            # The web process: gunicorn, bounded workers × threads (gunicorn.conf.py).
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "backend.wsgi:application",
                    "--config",
                    str(settings.BASE_DIR / "gunicorn.conf.py"),
                    "--bind",
                    addr,
                    # Django is imported once, in the master, and the workers fork from it:
                    # on a small machine the first page answers sooner than with every worker
                    # importing it at the same time (the app opens no connection at import).
                    "--preload",
                ],
                env=env,
                cwd=settings.BASE_DIR,
            ),
        ]

        def start_workers() -> list[subprocess.Popen[bytes]]:
            return [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "backend",
                        "worker",
                        "-l",
                        "warning",
                        "-Q",
                        settings.CELERY_TASK_DEFAULT_QUEUE,
                        "--concurrency",
                        "2",
                    ],
                    env=env,
                    cwd=settings.BASE_DIR,
                ),
                # beat: the daily monitoring sweep (its schedule state lives in the data folder)
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "backend",
                        "beat",
                        "-l",
                        "warning",
                        "-s",
                        str(embedded.DATA_DIR / "celerybeat-schedule"),
                    ],
                    env=env,
                    cwd=settings.BASE_DIR,
                ),
            ]

        self.stdout.write(f"Starting the server on http://{addr} (gunicorn)…")
        ready = False
        loader: subprocess.Popen[bytes] | None = None
        try:
            while all(child.poll() is None for child in children):
                if not ready and answers(addr):
                    ready = True
                    on_ready()
                    self.stdout.write(f"Serving on http://{addr} — Ctrl-C to stop.")
                    children.extend(start_workers())
                    loader = self._start_history(env)
                if loader is not None and loader.poll() is not None:
                    if loader.returncode != 0:
                        self.stderr.write(
                            "The demo history stopped with an error (see above); the next "
                            "`make demo` resumes it."
                        )
                    loader = None
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            if loader is not None:
                children.insert(0, loader)
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def _start_history(self, env: dict[str, str]) -> subprocess.Popen[bytes] | None:
        """The background part of a first start (``--history-only``) as a child process at a
        lower priority, so that pages stay quick while it loads; none once it has finished."""
        record = history.read_progress()
        if record is not None and record.state == history.DONE:
            return None
        self.stdout.write(
            "Loading the demo history in the background (past year, monitoring, statistics);"
            " the pages show its progress."
        )
        return subprocess.Popen(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "demo", "--history-only"],
            env=env,
            cwd=settings.BASE_DIR,
            preexec_fn=lambda: os.nice(10),
        )

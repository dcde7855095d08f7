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
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from backend import embedded
from backend.demo import benchmarking as demo_benchmarking
from backend.demo import evaluation as demo_evaluation
from backend.demo import goals as demo_goals
from backend.demo import monitoring as demo_monitoring
from backend.demo import results as demo_results
from backend.demo import services
from tenants import blueprint

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
        parser.add_argument("--prepare-only", action="store_true", help="load data, do not serve")

    def handle(self, *args: object, **options: object) -> None:
        addr = str(options["addr"])
        if not options["prepare_only"]:
            refuse_debug_beyond_loopback(addr)
        self.stdout.write("Preparing the database (migrations, schema blueprint)…")
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
        blueprint.ensure_blueprint()
        rows = len(services.UNITS_CSV.read_text(encoding="utf-8").splitlines()) - 1
        with tqdm(total=rows, unit="unit", desc="units") as bar:
            services.load_units(progress=lambda *_: bar.update(1))
        logins = services.load_users()
        with tqdm(unit="unit", desc="templates") as bar:
            services.load_templates(progress=lambda *_: bar.update(1))
        with tqdm(total=rows, unit="unit", desc="goals") as bar:
            projects = demo_goals.load_goals(progress=lambda _unit: bar.update(1))
        if projects:
            self.stdout.write(f"{projects} demo projects with goals")
        with tqdm(total=rows, unit="unit", desc="monitoring") as bar:
            entries = demo_monitoring.load_monitoring(progress=lambda _unit: bar.update(1))
        if entries:
            self.stdout.write(f"{entries} monitoring entries submitted (rounds 1–9)")
        with tqdm(total=rows, unit="unit", desc="last year's evaluations") as bar:
            evaluated = demo_evaluation.load_evaluations(progress=lambda _unit: bar.update(1))
        if evaluated:
            self.stdout.write(f"{evaluated} self-evaluations of last year")
        statistics = demo_benchmarking.load_benchmarking()
        self.stdout.write(f"{statistics} unit statistics rows and the demo peer groups")
        loaded = demo_results.load_results()
        if loaded.key_evaluations:
            self.stdout.write(
                f"{loaded.key_evaluations} key evaluations, {loaded.sampled} sampled for re-review,"
                f" feedback to {loaded.feedback_items} units"
            )
        if options["prepare_only"]:
            self._print_logins(logins, addr)
            return
        self._serve(addr, on_ready=lambda: self._print_logins(logins, addr))

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
        children = [
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
                ],
                env=env,
                cwd=settings.BASE_DIR,
            ),
        ]
        self.stdout.write(f"Starting the server on http://{addr} (gunicorn)…")
        ready = False
        try:
            while all(child.poll() is None for child in children):
                if not ready and answers(addr):
                    ready = True
                    on_ready()
                    self.stdout.write(f"Serving on http://{addr} — Ctrl-C to stop.")
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

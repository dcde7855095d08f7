"""The demo's first start in two parts.

``prepare_workspace`` (the foreground, before the server starts) gives what is needed to log in
and work: the units provisioned, the demo users and memberships, the starter templates pushed to
every unit, and this year's projects and goals of the units whose log-ins ``make demo`` prints
(冷水江, 娄底 and the province).

``load_history`` (the background, a child process ``manage.py demo --history-only`` that the
demo starts once the server answers) fills in the rest: this year's projects of the other units,
monitoring rounds 1–9, last year's evaluations and facts, the unit statistics and peer groups,
the key evaluation, the sampling draw and the feedback batch.

Every step is the loaders' own: one unit at a time, each on its own schema in one transaction,
skipping a unit that already has its data. A page therefore sees a unit either before or after a
step, never half-way through it; an interrupted load (Ctrl-C, a crash) leaves whole units, and
the next ``make demo`` redoes what is missing and skips the rest.

Progress is a small JSON record in the data folder (``<JIXIAO_DATA_DIR>/demo-history.json``):
the launcher prints it, and the pages show it as a banner while the load runs
(``backend/demo/templatetags/demo_progress.py``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from backend import embedded
from backend.core.schemas import set_public_schema
from backend.demo import benchmarking as demo_benchmarking
from backend.demo import evaluation as demo_evaluation
from backend.demo import goals as demo_goals
from backend.demo import monitoring as demo_monitoring
from backend.demo import results as demo_results
from backend.demo import services
from tenants import blueprint
from tenants.models import Procuratorate

LOADING = "loading"
DONE = "done"
FAILED = "failed"


def progress_path() -> Path:
    return Path(os.environ.get("JIXIAO_DEMO_PROGRESS", embedded.DATA_DIR / "demo-history.json"))


@dataclass
class Progress:
    """Where the background load stands: ``done`` of ``total`` unit-steps."""

    state: str = LOADING
    step: str = ""
    done: int = 0
    total: int = 0
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    error: str = ""
    # which database the record speaks of (the data folder may outlive it, or serve several)
    database: str = ""

    @property
    def percent(self) -> int:
        if self.state == DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0

    def save(self, path: Path | None = None) -> None:
        """Write atomically (a page never reads half a record)."""
        target = path or progress_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(asdict(self)), encoding="utf-8")
        os.replace(temporary, target)


def database_key() -> str:
    settings = connection.settings_dict
    return f"{settings.get('NAME')}@{settings.get('HOST') or 'localhost'}:{settings.get('PORT')}"


def read_progress(path: Path | None = None) -> Progress | None:
    """The last record written for this database, or None when there is none (no demo, not
    readable, or written for another database)."""
    try:
        data = json.loads((path or progress_path()).read_text(encoding="utf-8"))
        record = Progress(**data)
    except (OSError, ValueError, TypeError):
        return None
    return record if record.database in ("", database_key()) else None


def migrate() -> None:
    """``migrate_schemas`` for the public schema and the units, skipped where nothing is
    pending (a second start then costs a few queries instead of visiting 137 schemas), and
    the schema blueprint. A unit schema is behind when its ``django_migrations`` lacks one of
    the migrations the blueprint (the fully migrated unit schema) records."""
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    current = blueprint.ensure_blueprint()
    expected = {(app, name) for app, name in current.migrations}
    behind = []
    with connection.cursor() as cursor:
        for schema in Procuratorate.objects.values_list("schema_name", flat=True):
            cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
            if not expected <= set(cursor.fetchall()):
                behind.append(schema)
    for schema in behind:
        call_command(
            "migrate_schemas", schema_name=schema, tenant=True, interactive=False, verbosity=0
        )
    set_public_schema()


def workspace_units() -> list[str]:
    """The units whose projects and goals exist before the server starts: those of the
    log-ins ``make demo`` prints — 冷水江 (finance, leader), 娄底 (reviewer), the province
    (admin, evaluators)."""
    shown = Procuratorate.objects.filter(code__in=[services.SHOWN_UNIT, services.SHOWN_CITY])
    provinces = Procuratorate.objects.filter(parent__isnull=True)
    codes = {*shown.values_list("code", flat=True), *provinces.values_list("code", flat=True)}
    return sorted(codes)


UnitProgress = Callable[[str], None]


def prepare_workspace(
    *,
    seed: int = 2026,
    units: Collection[str] | None = None,
    provision: bool = True,
    report: UnitProgress | None = None,
) -> list[services.DemoLogin]:
    """The foreground part (idempotent): units (the province's CSV, unless ``provision`` is
    false: tests bring their own), users, templates, this year's goals of the workspace units
    (``units``, default ``workspace_units()``). Returns the demo log-ins."""
    tick = report or (lambda _step: None)
    if provision:
        services.load_units(progress=lambda *_: tick("units"))
    logins = services.load_users()
    services.load_templates(progress=lambda *_: tick("templates"))
    codes = list(units) if units is not None else workspace_units()
    demo_goals.load_goals(seed=seed, units=codes, progress=lambda _u: tick("goals"))
    return logins


def history_steps(
    seed: int = 2026, units: Collection[str] | None = None
) -> list[tuple[str, Callable[[Callable[[Procuratorate], None]], object], bool]]:
    """(label, run(progress), per unit) for each background step, in order; the per-unit
    steps for the units with the given codes only when ``units`` is given (tests)."""
    return [
        (
            "本年度项目与目标",
            lambda p: demo_goals.load_goals(seed=seed, progress=p, units=units),
            True,
        ),
        (
            "月度监控",
            lambda p: demo_monitoring.load_monitoring(seed=seed, progress=p, units=units),
            True,
        ),
        (
            "上年度评价",
            lambda p: demo_evaluation.load_evaluations(seed=seed, progress=p, units=units),
            True,
        ),
        ("对标统计", lambda _p: demo_benchmarking.load_benchmarking(seed=seed), False),
        ("重点评价与反馈", lambda _p: demo_results.load_results(seed=seed), False),
    ]


def load_history(
    *,
    seed: int = 2026,
    units: Collection[str] | None = None,
    path: Path | None = None,
    echo: Callable[[Progress], None] | None = None,
) -> Progress:
    """The background part: every step of ``history_steps`` for every active unit (or the
    given ones), recording progress in ``path`` after each unit. Idempotent and restartable.
    A failure is recorded (state ``failed``) and raised."""
    targets = Procuratorate.objects.filter(active=True)
    if units is not None:
        targets = targets.filter(code__in=list(units))
    count = targets.count()
    steps = history_steps(seed, units)
    progress = Progress(
        total=sum(count if per_unit else 1 for _, _, per_unit in steps), database=database_key()
    )
    progress.save(path)

    def advance(_unit: object = None) -> None:
        progress.done += 1
        progress.save(path)
        if echo is not None:
            echo(progress)

    try:
        for label, run, per_unit in steps:
            progress.step = label
            start = progress.done
            run(advance)
            # a step that counted fewer units than expected (inactive, no province) still ends
            # where it should
            progress.done = start + (count if per_unit else 0)
            if not per_unit:
                advance()
    except BaseException as exc:
        progress.state = FAILED
        progress.error = f"{type(exc).__name__}: {exc}"[:500]
        progress.save(path)
        raise
    progress.state = DONE
    progress.step = ""
    progress.finished_at = time.time()
    progress.save(path)
    if echo is not None:
        echo(progress)
    return progress

"""The demo province: every unit of Hunan and the log-ins to try the platform with."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django_tenants.utils import schema_context

from backend.accounts.models import Membership, Role, User
from backend.indicators.models import PushTarget, TemplatePush
from backend.indicators.services import push as push_services
from backend.indicators.services import starter
from tenants import services as provisioning
from tenants.models import Procuratorate, UnitLevel

UNITS_CSV = Path(__file__).resolve().parent / "data" / "hunan_units.csv"
DEMO_PASSWORD = "jixiao-demo"
PROVINCE_ADMIN = "admin"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    unit_code: str


def demo_logins(units: list[Procuratorate]) -> list[DemoLogin]:
    """One province_admin and three evaluators (key evaluation experts) at the province, one
    city_reviewer per city, one unit_finance and one unit_leader per unit."""
    logins: list[DemoLogin] = []
    for unit in units:
        if unit.level == UnitLevel.PROVINCE:
            logins.append(DemoLogin(PROVINCE_ADMIN, Role.PROVINCE_ADMIN, unit.code))
            logins.extend(
                DemoLogin(f"{unit.code}-evaluator-{n}", Role.EVALUATOR, unit.code)
                for n in (1, 2, 3)
            )
        if unit.level == UnitLevel.CITY:
            logins.append(DemoLogin(f"{unit.code}-reviewer", Role.CITY_REVIEWER, unit.code))
        logins.append(DemoLogin(f"{unit.code}-finance", Role.UNIT_FINANCE, unit.code))
        logins.append(DemoLogin(f"{unit.code}-leader", Role.UNIT_LEADER, unit.code))
    return logins


# The demo log-in shown for each role when the demo starts: the unit of the guide (冷水江, a
# county of 娄底), its city, and the province.
SHOWN_UNIT = "lengshuijiang"
SHOWN_CITY = "loudi"
ROLE_ORDER = (
    Role.UNIT_FINANCE,
    Role.UNIT_LEADER,
    Role.CITY_REVIEWER,
    Role.PROVINCE_ADMIN,
    Role.EVALUATOR,
)


@dataclass(frozen=True)
class RoleLogin:
    """Where one role signs in and with which demo user (the password is ``DEMO_PASSWORD``)."""

    role: str
    label: str
    username: str
    url: str


def role_logins(logins: list[DemoLogin], *, base: str, port: str) -> list[RoleLogin]:
    """One demo log-in per role the demo creates: the unit roles on 冷水江's workspace, the
    city reviewer, the province admin and an evaluator on the console (the base host, whose
    start page leads each to its own pages)."""
    root = _port(port)
    preferred: dict[str, str] = {
        Role.UNIT_FINANCE: f"{SHOWN_UNIT}-finance",
        Role.UNIT_LEADER: f"{SHOWN_UNIT}-leader",
        Role.CITY_REVIEWER: f"{SHOWN_CITY}-reviewer",
        Role.PROVINCE_ADMIN: PROVINCE_ADMIN,
    }
    chosen: dict[str, DemoLogin] = {}
    for login in logins:
        current = chosen.get(login.role)
        if current is None or login.username == preferred.get(login.role):
            chosen[login.role] = login
    shown = []
    for role in ROLE_ORDER:
        if role not in chosen:
            continue
        login = chosen[role]
        unit_role = role in (Role.UNIT_FINANCE, Role.UNIT_LEADER)
        host = f"{login.unit_code}.{base}" if unit_role else base
        # an evaluator's start page is its assignments (the base host's "/" leads there)
        path = "/console/" if role in (Role.CITY_REVIEWER, Role.PROVINCE_ADMIN) else "/"
        shown.append(
            RoleLogin(role, Role(role).label, login.username, f"http://{host}{root}{path}")
        )
    return shown


def _port(port: str) -> str:
    return f":{port}" if port not in ("", "80") else ""


def login_banner(logins: list[DemoLogin], *, base: str, port: str) -> list[str]:
    """What ``make demo`` prints once the server answers: the addresses and a log-in per role."""
    root = _port(port)
    shown = role_logins(logins, base=base, port=port)
    lines = [
        f"绩效 demo is ready: {len(logins)} log-ins, password '{DEMO_PASSWORD}' for all",
        f"  unit workspace  http://{SHOWN_UNIT}.{base}{root}/  (each unit on <code>.{base}{root})",
        f"  console         http://{base}{root}/console/",
        "  sign in (user name · address · role):",
    ]
    width = max((len(x.url) for x in shown), default=0)
    for login in shown:
        lines.append(f"    {login.username:22} {login.url:{width}}  {login.label}")
    lines.append("    … and <unit>-finance, <unit>-leader for every unit, <city>-reviewer per city")
    return lines


def _workers(asked: int) -> int:
    """Threads for the demo's per-unit work: the CPU count (at most 4) unless asked; one inside
    a transaction (tests), whose uncommitted rows other connections could not see."""
    if connection.in_atomic_block:
        return 1
    return asked or min(4, os.cpu_count() or 1)


def load_units(
    progress: Callable[[int, provisioning.UnitSpec], None] | None = None, *, workers: int = 0
) -> None:
    """Provision the province from the CSV (idempotent: registered codes are skipped).

    Level by level (the province, then the cities, then the counties: a parent is registered
    before its children), each level's units on ``workers`` threads (default: the CPU count,
    at most 4), each thread with its own connection and each unit in its own transaction, as
    ``import_units`` does one at a time. Schema replay is mostly PostgreSQL's work, so two
    threads keep two cores busy."""
    rows = provisioning.read_units_csv(UNITS_CSV)
    depth: dict[str, int] = {}
    for _line, spec in rows:
        depth[spec.code] = depth.get(spec.parent_code or "", -1) + 1
    levels = sorted({depth[spec.code] for _, spec in rows})
    workers = _workers(workers)
    done = 0
    lock = threading.Lock()

    def provision(batch: list[tuple[int, provisioning.UnitSpec]]) -> provisioning.ImportReport:
        nonlocal done
        try:

            def tick(_index: int, spec: provisioning.UnitSpec) -> None:
                nonlocal done
                with lock:
                    done += 1
                    if progress is not None:
                        progress(done, spec)

            return provisioning.import_units(batch, progress=tick)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()

    for level in levels:
        batch = [(line, spec) for line, spec in rows if depth[spec.code] == level]
        chunks = [batch[n::workers] for n in range(workers) if batch[n::workers]]
        if len(chunks) == 1:
            reports = [provision(chunks[0])]
        else:
            with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
                reports = list(pool.map(provision, chunks))
        for report in reports:
            if report.errors:
                line, error = min(report.errors, key=lambda x: x[0])
                raise RuntimeError(f"demo units: line {line}: {error}")


def load_templates(
    progress: Callable[[PushTarget], None] | None = None, *, workers: int = 0
) -> int:
    """The starter library, published and pushed to every unit (in this process: the demo
    prepares its data before the worker starts), each version's units on ``workers`` threads
    (default: the CPU count, at most 4) through the worker's own ``run_target``, as Celery
    workers would run them side by side. Idempotent: a finished push is not redone.
    Returns the number of units updated."""
    admin = User.objects.filter(username=PROVINCE_ADMIN).first()
    applied = 0
    versions = [
        *starter.load_starter_library(user=admin),
        *starter.load_department_templates(user=admin),
    ]
    workers = _workers(workers)
    lock = threading.Lock()

    def run(chunk: list[PushTarget]) -> int:
        try:
            for target in chunk:
                with schema_context(target.unit.schema_name):
                    try:
                        done = push_services.run_target(target.pk)
                    except push_services.TRANSIENT_ERRORS:
                        done = PushTarget.objects.get(pk=target.pk)
                if progress is not None:
                    with lock:
                        progress(done)
            return len(chunk)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()

    for version in versions:
        push = TemplatePush.objects.filter(version=version).order_by("created_at").first()
        if push is None:
            push = push_services.push_version(
                version, push_services.TargetSpec("all"), user=admin, dispatch=False
            )
        pending = list(
            PushTarget.objects.filter(push=push)
            .exclude(status__in=push_services.DONE)
            .select_related("unit")
            .order_by("unit__path")
        )
        chunks = [pending[n::workers] for n in range(workers) if pending[n::workers]]
        if len(chunks) <= 1:
            applied += sum(run(chunk) for chunk in chunks)
        else:
            with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
                applied += sum(pool.map(run, chunks))
    return applied


@transaction.atomic
def load_users() -> list[DemoLogin]:
    """Create the demo users that are missing (idempotent). They share one password hash:
    hashing ~290 passwords one by one would take minutes."""
    units = list(Procuratorate.objects.order_by("path"))
    by_code = {unit.code: unit for unit in units}
    logins = demo_logins(units)
    password = make_password(DEMO_PASSWORD)
    existing = set(User.objects.values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(
                username=login.username,
                password=password,
                full_name=f"{by_code[login.unit_code].name}{Role(login.role).label}",
                is_staff=login.role == Role.PROVINCE_ADMIN,
                is_superuser=login.role == Role.PROVINCE_ADMIN,
            )
            for login in logins
            if login.username not in existing
        ]
    )
    users = dict(
        User.objects.filter(username__in=[x.username for x in logins]).values_list("username", "pk")
    )
    Membership.objects.bulk_create(
        [
            Membership(user_id=users[x.username], unit=by_code[x.unit_code], role=x.role)
            for x in logins
        ],
        ignore_conflicts=True,
    )
    return logins

"""The demo province: every unit of Hunan and the log-ins to try the platform with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction

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


def load_units(progress: Callable[[int, provisioning.UnitSpec], None] | None = None) -> None:
    report = provisioning.import_units(provisioning.read_units_csv(UNITS_CSV), progress=progress)
    if report.errors:
        line, error = report.errors[0]
        raise RuntimeError(f"demo units: line {line}: {error}")


def load_templates(progress: Callable[[PushTarget], None] | None = None) -> int:
    """The starter library, published and pushed to every unit (in this process: the demo
    prepares its data before the worker starts). Idempotent: a finished push is not redone.
    Returns the number of units updated."""
    admin = User.objects.filter(username=PROVINCE_ADMIN).first()
    applied = 0
    versions = [
        *starter.load_starter_library(user=admin),
        *starter.load_department_templates(user=admin),
    ]
    for version in versions:
        push = TemplatePush.objects.filter(version=version).order_by("created_at").first()
        if push is None:
            push = push_services.push_version(
                version, push_services.TargetSpec("all"), user=admin, dispatch=False
            )
        applied += len(push_services.run_inline(push, progress=progress))
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

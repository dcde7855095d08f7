"""Who sees which alerts and execution facts. On the public side (the mirrors): the province
sees every unit, a city reviewer its city and counties only, a county's own people only their
unit, someone without a membership nothing — whatever filter they pass. On a unit's schema the
selectors only ever see that unit's rows."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from backend.accounts.models import Role, User
from backend.benchmarking.selectors import execution_facts_under
from backend.monitoring import selectors
from backend.monitoring.services import sweep_unit
from backend.oversight.models import MonitoringRound
from backend.oversight.selectors import alert_records_under
from tenants.models import Procuratorate
from tests.factories import UserFactory
from tests.goals.factories import ProjectFactory
from tests.monitoring.test_entries import (
    D,
    make_round,
    monitored_project,
    report,
    to_calendar,
)

pytestmark = pytest.mark.django_db

OCTOBER = datetime.date(2026, 10, 20)
UNITS = ("hunan", "loudi", "lengshuijiang", "lianyuan", "changsha-furong")
REPORTING = ("lengshuijiang", "changsha-furong")


@pytest.fixture
def province(member: Callable[..., User], unit: Callable[[str], Procuratorate]) -> dict[str, User]:
    """Alerts in five units: every one silent for July; 冷水江 and 芙蓉区 reported August with
    a lag (execution facts for August), the others are silent for August too. The people who
    look at them."""
    people = {
        "province_admin": member("hunan", Role.PROVINCE_ADMIN),
        "loudi_reviewer": member("loudi", Role.CITY_REVIEWER),
        "changsha_reviewer": member("changsha", Role.CITY_REVIEWER),
        "lsj_finance": member("lengshuijiang", Role.UNIT_FINANCE),
        "furong_finance": member("changsha-furong", Role.UNIT_FINANCE),
        "nobody": UserFactory(username="nobody"),
    }
    july, august = make_round(7, state="calendar"), make_round(8)
    finance = {"lengshuijiang": people["lsj_finance"], "changsha-furong": people["furong_finance"]}
    for code in UNITS:
        with tenant_context(unit(code)):
            if code in REPORTING:
                report(monitored_project(code=f"{code}-p"), august, finance[code], spent=D(1))
            else:
                ProjectFactory()
    to_calendar(july, august)
    for code in UNITS:
        with tenant_context(unit(code)):
            sweep_unit(as_of=OCTOBER)
    return people


def seen(user: User, **filters: object) -> set[str]:
    return {record.unit.code for record in alert_records_under(user, **filters)}


def test_each_level_sees_the_alerts_under_it(province: dict[str, User]) -> None:
    assert seen(province["province_admin"]) == set(UNITS)
    assert seen(province["loudi_reviewer"]) == {"loudi", "lengshuijiang", "lianyuan"}
    assert seen(province["changsha_reviewer"]) == {"changsha-furong"}
    # A unit's own people read their alerts on their host: the public mirror is the console's.
    assert seen(province["lsj_finance"]) == set()
    assert seen(province["nobody"]) == set()
    # A filter narrows what the user sees, never widens it.
    assert seen(province["loudi_reviewer"], city="changsha") == set()
    assert seen(province["loudi_reviewer"], city="loudi") == {"loudi", "lengshuijiang", "lianyuan"}


def test_the_filters(province: dict[str, User]) -> None:
    admin = province["province_admin"]
    assert seen(admin, city="loudi") == {"loudi", "lengshuijiang", "lianyuan"}
    assert seen(admin, kind="execution_lag") == set(REPORTING)
    assert seen(admin, kind="silent_unit", month=7) == set(UNITS)
    assert seen(admin, month=8, kind="silent_unit") == set(UNITS) - set(REPORTING)
    assert seen(admin, severity="serious", city="changsha") == {"changsha-furong"}
    assert seen(admin, status="resolved") == set()
    assert seen(admin, fiscal_year=2027) == set()
    with CaptureQueriesContext(connection) as queries:
        rows = list(alert_records_under(admin, kind="silent_unit"))
        assert {row.unit.name for row in rows}
    assert len(queries) == 2
    lianyuan = sorted(
        (r.month, r.status, r.project_code) for r in rows if r.unit.code == "lianyuan"
    )
    assert lianyuan == [(7, "open", ""), (8, "open", "")]


def test_execution_facts_under_the_user(province: dict[str, User]) -> None:
    def units(user: User, **filters: object) -> set[str]:
        return {f.unit.code for f in execution_facts_under(user, **filters)}

    assert units(province["province_admin"]) == set(REPORTING)
    assert units(province["province_admin"], city="changsha") == {"changsha-furong"}
    assert units(province["province_admin"], month=7) == set()
    assert units(province["province_admin"], fiscal_year=2026, month=8) == set(REPORTING)
    assert units(province["loudi_reviewer"]) == {"lengshuijiang"}
    assert units(province["furong_finance"]) == set()  # the unit reads its own on its host
    assert units(province["nobody"]) == set()


def test_a_units_selectors_only_see_its_own_rows(
    province: dict[str, User], unit: Callable[[str], Procuratorate]
) -> None:
    with tenant_context(unit("lianyuan")):
        assert sorted(a.month for a in selectors.alerts(kind="silent_unit")) == [7, 8]
        assert selectors.alerts().count() == 2
        assert not selectors.entries().exists()
        assert selectors.unit_execution_curve(fiscal_year=2026) == []
    with tenant_context(unit("lengshuijiang")):
        assert {e.project.code for e in selectors.entries()} == {"lengshuijiang-p"}
        projects = {a.project.code for a in selectors.alerts() if a.project}
        assert projects == {"lengshuijiang-p"}
        assert [p.month for p in selectors.unit_execution_curve(fiscal_year=2026)] == [8]
    assert MonitoringRound.objects.count() == 2  # the province's, shared by all

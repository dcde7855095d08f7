"""The sweep: every rule over a unit in one transaction. Idempotent (two sweeps, the same
alerts, no duplicates), resolving what recovered and everything of a year that is over,
carrying a problem found again at the next round over to it, one unit's failure rolled back
alone and completed by a re-run, a constant number of queries whatever the number of projects,
the fan-out queuing one task per active unit with its schema, and the command.

Entries are recorded through the services while their rounds are open (today), then the rounds
are moved back to their usual dates (the 1st to the 15th of the next month) and the sweep
looks from an ``as_of`` in the autumn of 2026."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from backend.accounts.models import User
from backend.budgets.models import Project
from backend.monitoring import services, tasks
from backend.monitoring.models import Alert, AlertKind, AlertStatus
from backend.monitoring.services import SweepResult, answer_alert, sweep_all_inline, sweep_unit
from backend.monitoring.services import sweep as sweep_module
from backend.oversight.models import AlertRecord, MonitoringRound, SweepRecord
from backend.oversight.services import set_monitoring_policy
from tenants.models import Procuratorate
from tests.goals.factories import ProjectFactory
from tests.monitoring.test_entries import (
    YEAR,
    hunan,
    make_actors,
    make_round,
    monitored_project,
    report,
    to_calendar,
)

pytestmark = pytest.mark.django_db

D = Decimal
OCTOBER = datetime.date(2026, 10, 20)  # rounds 7–9 closed; July's silence is 10+ days old


@pytest.fixture
def users(member: Callable[..., User]) -> dict[str, User]:
    return make_actors(member)


@pytest.fixture
def rounds() -> dict[int, MonitoringRound]:
    """The province's rounds 7–9, open today so that entries can be recorded."""
    return {month: make_round(month) for month in (7, 8, 9)}


def state() -> list[tuple[Any, ...]]:
    """Every alert of the current schema, as comparable values."""
    return list(
        Alert.objects.order_by("key").values_list(
            "pk", "key", "kind", "severity", "status", "month", "evidence", "resolution"
        )
    )


def records(unit: Procuratorate) -> list[tuple[Any, ...]]:
    return list(
        AlertRecord.objects.filter(unit=unit)
        .order_by("alert_id")
        .values_list("alert_id", "kind", "severity", "status", "month", "evidence")
    )


def lagging_unit(
    unit: Procuratorate, users: dict[str, User], rounds: dict[int, MonitoringRound]
) -> dict[str, Project]:
    """冷水江: one project lagging at August and September, one on track, one never
    reported; nothing reported for July (silent once the rounds are back on their dates)."""
    with tenant_context(unit):
        lagging = monitored_project(code="lagging")
        on_track = monitored_project(code="on-track")
        ProjectFactory(code="unreported")
        finance = users["finance"]
        report(lagging, rounds[8], finance, spent=D("400000.00"), progress=D(33))
        report(lagging, rounds[9], finance, spent=D("480000.00"), progress=D(40))
        report(on_track, rounds[8], finance, spent=D("800000.00"), progress=D("66.67"))
        report(on_track, rounds[9], finance, spent=D("900000.00"))
    to_calendar(*rounds.values())
    return {"lagging": lagging, "on_track": on_track}


# --- idempotency --------------------------------------------------------------------------------


def test_two_sweeps_leave_the_same_alerts(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
) -> None:
    lsj = unit("lengshuijiang")
    projects = lagging_unit(lsj, users, rounds)
    with tenant_context(lsj):
        first = sweep_unit(as_of=OCTOBER)
        assert first == SweepResult(raised=1, updated=0, resolved=0)  # July's silence
        after_first = state()
        silent = Alert.objects.get(kind=AlertKind.SILENT_UNIT)
        assert (silent.key, silent.fiscal_year, silent.month, silent.project_id) == (
            f"silent_unit:{YEAR}:7",
            YEAR,
            7,
            None,
        )
        assert silent.evidence["closes_on"] == "2026-08-15"
        live = Alert.objects.filter(status__in=["open", "answered"])
        assert {a.project_id for a in live} == {projects["lagging"].pk, None}
        # The lagging project's alerts are September's; August's were carried over.
        assert {a.month for a in live if a.project_id} == {9}

        second = sweep_unit(as_of=OCTOBER)
        assert second == SweepResult(raised=0, updated=0, resolved=0)
        assert state() == after_first
        assert len({key for _, key, *_ in after_first}) == len(after_first)
    assert len(records(lsj)) == len(after_first)


def test_a_run_sweeps_a_unit_once_however_often_it_is_delivered(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
) -> None:
    lsj = unit("lengshuijiang")
    lagging_unit(lsj, users, rounds)
    with tenant_context(lsj):
        first = services.sweep_unit_once(run="run-1", as_of=OCTOBER)
        after_first = state()
        again = services.sweep_unit_once(run="run-1", as_of=OCTOBER)  # a redelivery
        assert state() == after_first
        other = services.sweep_unit_once(run="run-2", as_of=OCTOBER)  # tomorrow's run
    assert first == SweepResult(raised=1) and again is None and other == SweepResult()
    marks = SweepRecord.objects.filter(unit=lsj).order_by("run")
    assert [(m.run, m.as_of, m.raised) for m in marks] == [
        ("run-1", OCTOBER, 1),
        ("run-2", OCTOBER, 0),
    ]


def test_the_silent_unit_rule_at_its_delay(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
) -> None:
    lianyuan = unit("lianyuan")
    with tenant_context(lianyuan):
        ProjectFactory()
        to_calendar(*rounds.values())
        # September's round closed on 15 October: silent from the 25th.
        sweep_unit(as_of=datetime.date(2026, 10, 24))
        assert sorted(Alert.objects.values_list("month", flat=True)) == [7, 8]
        assert sweep_unit(as_of=datetime.date(2026, 10, 25)).raised == 1
        assert sorted(Alert.objects.values_list("month", flat=True)) == [7, 8, 9]
    with tenant_context(unit("xinhua")):  # no project this year: nothing to report
        assert sweep_unit(as_of=datetime.date(2026, 10, 25)) == SweepResult()
        assert not Alert.objects.exists()


def test_a_deadline_extended_lifts_the_silence_and_a_late_report_resolves_it(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
) -> None:
    lsj = unit("lengshuijiang")
    with tenant_context(lsj):
        project = monitored_project()
        to_calendar(*rounds.values())
        sweep_unit(as_of=OCTOBER)
        assert sorted(Alert.objects.values_list("month", flat=True)) == [7, 8]
        # The province reopens July and August (today); the unit reports July.
        for month in (7, 8):
            rounds[month].opens_on = timezone.localdate() - datetime.timedelta(days=1)
            rounds[month].closes_on = timezone.localdate() + datetime.timedelta(days=5)
            rounds[month].save()
        report(project, rounds[7], users["finance"], spent=D("700000.00"), progress=D("58.33"))
        july = Alert.objects.get(kind=AlertKind.SILENT_UNIT, month=7)
        assert (july.status, july.resolution) == ("resolved", services.RESOLVED_REPORTED)
        sweep_unit(as_of=timezone.localdate())
        august = Alert.objects.get(kind=AlertKind.SILENT_UNIT, month=8)
        assert (august.status, august.resolution) == ("resolved", services.RESOLVED_EXTENDED)


# --- the life of an alert -----------------------------------------------------------------------


def test_numbers_that_recover_resolve_the_alert_and_its_return_raises_it_again(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
) -> None:
    lsj = unit("lengshuijiang")
    projects = lagging_unit(lsj, users, rounds)
    with tenant_context(lsj):
        sweep_unit(as_of=OCTOBER)
        lag = Alert.objects.get(kind=AlertKind.EXECUTION_LAG, status="open")
        # The province relaxes its thresholds: 35 points behind is no longer a lag.
        set_monitoring_policy(
            hunan(),
            user=users["province_admin"],
            lag_warning_points=D(40),
            lag_serious_points=D(50),
        )
        result = sweep_unit(as_of=OCTOBER)
        assert (result.raised, result.resolved) == (0, 1)
        lag.refresh_from_db()
        assert (lag.status, lag.resolution) == (AlertStatus.RESOLVED, services.RESOLVED_RECOVERED)
        assert lag.resolved_at is not None
        assert AlertRecord.objects.get(unit=lsj, alert_id=lag.pk).status == "resolved"

        set_monitoring_policy(
            hunan(),
            user=users["province_admin"],
            lag_warning_points=D(10),
            lag_serious_points=D(20),
        )
        assert sweep_unit(as_of=OCTOBER).raised == 1
        lag.refresh_from_db()
        assert (lag.status, lag.resolution, lag.resolved_at) == (AlertStatus.OPEN, "", None)
        assert Alert.objects.filter(kind=AlertKind.EXECUTION_LAG, month=9).count() == 1
        assert lag.project_id == projects["lagging"].pk


def test_a_problem_found_again_at_the_next_round_keeps_its_answer_and_deadline(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
) -> None:
    lsj = unit("lengshuijiang")
    with tenant_context(lsj):
        project = monitored_project()
        finance = users["finance"]
        report(project, rounds[8], finance, spent=D("400000.00"), progress=D(33))
        august = Alert.objects.get(kind=AlertKind.EXECUTION_LAG)
        answer_alert(august, user=finance, response="continue", note="四季度集中支付。")
        august_indicators = set(
            Alert.objects.filter(kind=AlertKind.INDICATOR_RISK).values_list("pk", flat=True)
        )
        assert len(august_indicators) == 3
        # September: still lagging on money, indicators back on track (75 % of targets).
        report(project, rounds[9], finance, spent=D("480000.00"))
        august.refresh_from_db()
        september = Alert.objects.get(kind=AlertKind.EXECUTION_LAG, month=9)
        assert (august.status, august.resolution) == ("resolved", "已转入9月监控预警")
        assert (september.status, september.response, september.response_note) == (
            AlertStatus.ANSWERED,
            "continue",
            "四季度集中支付。",
        )
        assert september.answer_due == august.answer_due
        assert september.answered_by == finance
        for alert in Alert.objects.filter(pk__in=august_indicators):
            assert (alert.status, alert.resolution) == ("resolved", services.RESOLVED_RECOVERED)
        assert not Alert.objects.filter(kind=AlertKind.INDICATOR_RISK, month=9).exists()
        # Money still lags and now falls short of the indicators' progress.
        live = Alert.objects.filter(status__in=["open", "answered"], project=project)
        assert sorted(live.values_list("kind", "month")) == [
            ("achievement_gap", 9),
            ("execution_lag", 9),
            ("forecast", 9),
        ]


def test_the_end_of_the_year_resolves_every_live_alert(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
) -> None:
    lsj = unit("lengshuijiang")
    lagging_unit(lsj, users, rounds)
    with tenant_context(lsj):
        sweep_unit(as_of=OCTOBER)
        live = Alert.objects.filter(status__in=["open", "answered"]).count()
        assert live >= 3
        # January: the calendar year is over and every round of 2026 has closed.
        result = sweep_unit(as_of=datetime.date(2027, 1, 20))
        assert result == SweepResult(raised=0, updated=0, resolved=live)
        assert set(Alert.objects.values_list("status", flat=True)) == {"resolved"}
        assert set(
            Alert.objects.exclude(resolution__startswith="已转入").values_list(
                "resolution", flat=True
            )
        ) == {services.RESOLVED_YEAR_END}
        assert sweep_unit(as_of=datetime.date(2027, 1, 20)) == SweepResult()
    assert set(AlertRecord.objects.filter(unit=lsj).values_list("status", flat=True)) == {
        "resolved"
    }


def test_a_year_whose_last_round_is_still_open_is_not_over(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
) -> None:
    lsj = unit("lengshuijiang")
    lagging_unit(lsj, users, rounds)
    MonitoringRound.objects.create(
        province=hunan(),
        fiscal_year=YEAR,
        month=12,
        opens_on=datetime.date(2027, 1, 1),
        closes_on=datetime.date(2027, 1, 15),
    )
    with tenant_context(lsj):
        sweep_unit(as_of=OCTOBER)
        assert sweep_unit(as_of=datetime.date(2027, 1, 10)).resolved == 0
        assert sweep_unit(as_of=datetime.date(2027, 1, 16)).resolved > 0


# --- failures, queries, fan-out -----------------------------------------------------------------


def test_a_unit_failing_mid_sweep_is_rolled_back_alone_and_a_rerun_completes_it(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lsj, lianyuan = unit("lengshuijiang"), unit("lianyuan")
    lagging_unit(lsj, users, rounds)
    with tenant_context(lianyuan):
        ProjectFactory()  # never reports: silent for July and August by 20 October
    mirror = sweep_module.mirror_alerts

    def failing_mirror(target: Procuratorate, alerts: Any) -> None:
        # The alerts are already inserted when this runs: the failure must undo them.
        assert Alert.objects.exists()
        if connection.schema_name == "lianyuan":
            raise RuntimeError("worker killed")
        mirror(target, alerts)

    monkeypatch.setattr(sweep_module, "mirror_alerts", failing_mirror)
    results = sweep_all_inline(as_of=OCTOBER, units=[lsj, lianyuan])
    assert results["lengshuijiang"] == SweepResult(raised=1)
    assert isinstance(results["lianyuan"], RuntimeError)
    assert connection.schema_name == "public"
    with tenant_context(lianyuan):
        assert not Alert.objects.exists()
    assert not AlertRecord.objects.filter(unit=lianyuan).exists()

    monkeypatch.setattr(sweep_module, "mirror_alerts", mirror)
    results = sweep_all_inline(as_of=OCTOBER, units=[lsj, lianyuan])
    assert results == {"lengshuijiang": SweepResult(), "lianyuan": SweepResult(raised=2)}
    with tenant_context(lianyuan):
        assert Alert.objects.count() == 2
    assert AlertRecord.objects.filter(unit=lianyuan).count() == 2


def _queries(unit: Procuratorate, as_of: datetime.date) -> int:
    with tenant_context(unit), CaptureQueriesContext(connection) as queries:
        sweep_unit(as_of=as_of)
    return len(queries)


def test_the_sweep_makes_a_constant_number_of_queries(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
) -> None:
    sizes = {"lengshuijiang": 1, "lianyuan": 4}
    finance = {"lengshuijiang": users["finance"], "lianyuan": users["other_finance"]}
    for code, size in sizes.items():
        with tenant_context(unit(code)):
            for _ in range(size):
                project = monitored_project()
                for month, spent in ((8, D("400000.00")), (9, D("480000.00"))):
                    report(project, rounds[month], finance[code], spent=spent, progress=D(40))
            # Forget the alerts the submissions raised: the sweep raises them all again.
            Alert.objects.all().delete()
    AlertRecord.objects.all().delete()
    to_calendar(*rounds.values())
    counts = {code: _queries(unit(code), OCTOBER) for code in sizes}
    assert counts["lengshuijiang"] == counts["lianyuan"], counts
    with tenant_context(unit("lianyuan")):
        assert Alert.objects.filter(month=9).count() == 4 * 5
    # Nothing to change: fewer queries, the same for both.
    again = {code: _queries(unit(code), OCTOBER) for code in sizes}
    assert again["lengshuijiang"] == again["lianyuan"] < counts["lianyuan"], again
    # A year-end resolution of everything, the same again.
    end = {code: _queries(unit(code), datetime.date(2027, 2, 1)) for code in sizes}
    assert end["lengshuijiang"] == end["lianyuan"], end


def test_the_beat_task_queues_one_sweep_per_active_unit_with_its_schema(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[tuple[list[str], dict[str, str]]] = []
    runs: set[str | None] = set()

    def send(args: list[str], kwargs: dict[str, str | None], headers: dict[str, str]) -> None:
        sent.append((args, headers))
        runs.add(kwargs["run"])

    monkeypatch.setattr(tasks.sweep_unit_task, "apply_async", send)
    Procuratorate.objects.filter(code="xinhua").update(active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_all_task.apply(args=["2026-10-20"], task_id="run-7").get() == 9
    expected = [
        (["2026-10-20"], {"_schema_name": schema})
        for schema in Procuratorate.objects.filter(active=True)
        .order_by("path")
        .values_list("schema_name", flat=True)
    ]
    assert sent == expected
    assert (["2026-10-20"], {"_schema_name": "loudi_louxing"}) in sent
    assert all(headers["_schema_name"] != "xinhua" for _, headers in sent)
    assert len(sent) == 9
    assert runs == {"run-7"}  # one run: the beat message's id


def test_the_unit_task_sweeps_its_schema_and_ignores_the_public_one(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
) -> None:
    lsj = unit("lengshuijiang")
    lagging_unit(lsj, users, rounds)
    assert tasks.sweep_unit_task("2026-10-20") is None  # public schema: no unit
    with tenant_context(lsj):
        outcome = tasks.sweep_unit_task("2026-10-20")
    assert outcome == {
        "schema": "lengshuijiang",
        "run": None,
        "raised": 1,
        "updated": 0,
        "resolved": 0,
    }


def test_the_command_sweeps_by_hand(
    unit: Callable[[str], Procuratorate],
    users: dict[str, User],
    rounds: dict[int, MonitoringRound],
) -> None:
    lagging_unit(unit("lengshuijiang"), users, rounds)
    out = StringIO()
    call_command("monitoring_sweep", "--unit", "lengshuijiang", "--as-of", "2026-10-20", stdout=out)
    assert "1 units swept: 1 alerts raised, 0 updated, 0 resolved" in out.getvalue()
    out = StringIO()
    call_command("monitoring_sweep", "--as-of", "2026-10-20", stdout=out, verbosity=0)
    assert "10 units swept" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("monitoring_sweep", "--unit", "nowhere", verbosity=0)

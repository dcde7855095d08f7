"""Monitoring rounds and entries: the province's rounds and settings, starting, recording and
submitting a project's entry (spending from expenditures or entered, rates, forecast, the
indicator checks), closed rounds read-only, roles, and the public execution facts written in
the submitting transaction (and rebuilt to the same rows). Runs in 冷水江 inside the test
transaction.

The helpers at the top (``make_round``, ``monitored_project``, ``report``, ...) are shared with
the other monitoring tests."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.benchmarking import selectors as fact_selectors
from backend.benchmarking.models import ExecutionFact
from backend.benchmarking.services import rebuild_facts
from backend.budgets.models import Project
from backend.budgets.services import set_monthly_spending
from backend.core.errors import DomainError
from backend.goals.models import GoalStatus
from backend.monitoring import selectors
from backend.monitoring.models import (
    EntryIndicator,
    EntryStatus,
    MonitoringEntry,
    SpentSource,
)
from backend.monitoring.services import (
    record_entry,
    spread_cumulative,
    start_entry,
    submit_entry,
)
from backend.oversight import selectors as oversight_selectors
from backend.oversight.models import MonitoringRound, ProvincePolicy, RoundKind
from backend.oversight.services import RoundDates, open_round, set_monitoring_policy, set_rounds
from tenants.models import Procuratorate
from tests.goals.factories import VALID_INDICATORS, ProjectFactory, make_goal

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = 2026
BUDGET = D("1200000.00")
ON_TRACK = D(75)  # indicator progress (%) in step with a 75 % execution at September

# name → (unit code, role)
ACTORS: dict[str, tuple[str, str]] = {
    "finance": ("lengshuijiang", Role.UNIT_FINANCE),
    "leader": ("lengshuijiang", Role.UNIT_LEADER),
    "other_finance": ("lianyuan", Role.UNIT_FINANCE),
    "loudi_reviewer": ("loudi", Role.CITY_REVIEWER),
    "province_admin": ("hunan", Role.PROVINCE_ADMIN),
}


# --- shared helpers -----------------------------------------------------------------------------


def make_actors(member: Callable[..., User]) -> dict[str, User]:
    return {name: member(code, role) for name, (code, role) in ACTORS.items()}


def hunan() -> Procuratorate:
    return Procuratorate.objects.get(code="hunan")


def calendar_dates(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """The usual reporting window of a round: the 1st to the 15th of the next month."""
    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime.date(y, m, 1), datetime.date(y, m, 15)


def make_round(month: int, *, state: str = "open", year: int = YEAR) -> MonitoringRound:
    """A round of the province, open today (or ``closed``, ``upcoming``, ``calendar``: on
    its usual dates)."""
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    opens_on, closes_on = {
        "open": (today - 3 * day, today + 5 * day),
        "closed": (today - 30 * day, today - 20 * day),
        "upcoming": (today + 3 * day, today + 10 * day),
        "calendar": calendar_dates(year, month),
    }[state]
    return MonitoringRound.objects.create(
        province=hunan(),
        fiscal_year=year,
        month=month,
        kind=RoundKind.MIDYEAR if month == 7 else RoundKind.MONTHLY,
        opens_on=opens_on,
        closes_on=closes_on,
    )


def to_calendar(*rounds: MonitoringRound) -> None:
    """Move rounds (opened today to record entries) back to their usual dates."""
    for round in rounds:
        round.opens_on, round.closes_on = calendar_dates(round.fiscal_year, round.month)
        round.save(update_fields=["opens_on", "closes_on"])


# The valid default indicators with every quantitative one a running total (件, 人次), so that
# each has progress to set against time; rates (%) are left out of the progress rules.
COUNTED_INDICATORS: list[dict[str, Any]] = [
    {**row, "unit": "人次"} if row.get("unit") == "%" else row for row in VALID_INDICATORS
]


def monitored_project(
    *, budget: Decimal = BUDGET, indicators: list[dict[str, Any]] | None = None, **fields: Any
) -> Project:
    """A project of ``YEAR`` with an approved goal (counted indicators by default)."""
    project = ProjectFactory(initial_budget=budget, **fields)
    make_goal(
        project=project,
        indicators=indicators if indicators is not None else COUNTED_INDICATORS,
        status=GoalStatus.APPROVED,
        grade="excellent",
        approved_at=timezone.now(),
    )
    return project


def spend(project: Project, months: Mapping[int, Decimal], user: User) -> None:
    for month, amount in months.items():
        set_monthly_spending(project, month=month, amount=amount, user=user)


def answers(
    entry: MonitoringEntry,
    *,
    progress: Decimal | None = ON_TRACK,
    likelihood: str = "certain",
    cause: str = "",
    measure: str = "",
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One answer per indicator of ``entry``: quantitative ones at ``progress`` % of their
    target, qualitative ones with a text; ``overrides`` by indicator code."""
    rows = []
    for line in entry.indicators.select_related("goal_indicator"):
        gi = line.goal_indicator
        row: dict[str, Any] = {
            "goal_indicator_id": gi.pk,
            "likelihood": likelihood,
            "deviation_cause": cause,
            "corrective_measure": measure,
        }
        if gi.target_value is not None and progress is not None:
            row["value_to_date"] = (gi.target_value * progress / 100).quantize(D("0.0001"))
        else:
            row["text_to_date"] = "按计划推进"
        row.update((overrides or {}).get(gi.code, {}))
        rows.append(row)
    return rows


def report(
    project: Project,
    round: MonitoringRound,
    user: User,
    *,
    spent: Decimal | None = None,
    submit: bool = True,
    **answer_options: Any,
) -> MonitoringEntry:
    """Start, record (``spent`` when entered; ``answers(**answer_options)``) and submit."""
    entry = start_entry(project, round, user=user)
    entry = record_entry(
        entry, user=user, spent_to_date=spent, indicators=answers(entry, **answer_options)
    )
    if submit:
        entry = submit_entry(entry, user=user)
    return entry


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return [p.code for p in error.value.problems]


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def users(member: Callable[..., User]) -> dict[str, User]:
    return make_actors(member)


# --- rounds and settings ------------------------------------------------------------------------


def test_the_province_sets_its_rounds_month_seven_being_the_midyear_round(
    users: dict[str, User], unit: Callable[[str], Procuratorate]
) -> None:
    province = hunan()
    june = open_round(
        province,
        fiscal_year=YEAR,
        month=6,
        opens_on=datetime.date(2026, 7, 1),
        closes_on=datetime.date(2026, 7, 15),
        user=users["province_admin"],
    )
    july = open_round(
        province,
        fiscal_year=YEAR,
        month=7,
        opens_on=datetime.date(2026, 8, 1),
        closes_on=datetime.date(2026, 8, 15),
        user=users["province_admin"],
    )
    assert (june.kind, july.kind) == (RoundKind.MONTHLY, RoundKind.MIDYEAR)
    # Setting it again moves its dates (a deadline extended), never a second round.
    again = open_round(
        province,
        fiscal_year=YEAR,
        month=7,
        opens_on=datetime.date(2026, 8, 1),
        closes_on=datetime.date(2026, 8, 20),
        user=users["province_admin"],
    )
    assert again.pk == july.pk and again.closes_on == datetime.date(2026, 8, 20)
    assert [r.month for r in oversight_selectors.rounds_for(unit("lengshuijiang"), YEAR)] == [6, 7]
    assert oversight_selectors.round_for(unit("xinhua"), YEAR, 7) == july

    for name in ("finance", "loudi_reviewer"):
        with pytest.raises(DomainError) as error:
            open_round(
                province,
                fiscal_year=YEAR,
                month=8,
                opens_on=datetime.date(2026, 9, 1),
                closes_on=datetime.date(2026, 9, 15),
                user=users[name],
            )
        assert codes(error) == ["PERMISSION_DENIED"]
    with pytest.raises(DomainError) as error:
        open_round(
            unit("loudi"),
            fiscal_year=YEAR,
            month=8,
            opens_on=datetime.date(2026, 9, 1),
            closes_on=datetime.date(2026, 9, 15),
            user=users["province_admin"],
        )
    assert codes(error) == ["NOT_A_PROVINCE"]


def test_round_problems_are_reported_together_and_nothing_is_saved(users: dict[str, User]) -> None:
    with pytest.raises(DomainError) as error:
        set_rounds(
            hunan(),
            fiscal_year=YEAR,
            rounds=[
                RoundDates(3, datetime.date(2026, 4, 1), datetime.date(2026, 4, 15)),
                RoundDates(13, datetime.date(2026, 4, 1), datetime.date(2026, 4, 15)),
                RoundDates(5, datetime.date(2026, 6, 15), datetime.date(2026, 6, 1)),
                RoundDates(6, datetime.date(2026, 7, 1), datetime.date(2026, 7, 15), "midyear"),
                RoundDates(3, datetime.date(2026, 4, 1), datetime.date(2026, 4, 15)),
            ],
            user=users["province_admin"],
        )
    assert [(p.code, p.field) for p in error.value.problems] == [
        ("INVALID_MONTH", "rounds.1.month"),
        ("INVALID_DATES", "rounds.2.closes_on"),
        ("INVALID_KIND", "rounds.3.kind"),
        ("DUPLICATE_MONTH", "rounds.4.month"),
    ]
    assert not MonitoringRound.objects.filter(fiscal_year=YEAR).exists()
    rounds = set_rounds(
        hunan(),
        fiscal_year=YEAR,
        rounds=[RoundDates(m, *calendar_dates(YEAR, m)) for m in range(1, 10)],
        user=users["province_admin"],
    )
    assert [r.kind for r in rounds].count(RoundKind.MIDYEAR) == 1


def test_round_state_at_its_dates() -> None:
    round = MonitoringRound(
        opens_on=datetime.date(2026, 10, 1), closes_on=datetime.date(2026, 10, 15)
    )
    state = oversight_selectors.round_state
    assert state(round, datetime.date(2026, 9, 30)) == "upcoming"
    assert state(round, datetime.date(2026, 10, 1)) == "open"
    assert state(round, datetime.date(2026, 10, 15)) == "open"
    assert state(round, datetime.date(2026, 10, 16)) == "closed"


def test_the_province_picks_its_execution_rule_and_thresholds(
    users: dict[str, User], lsj: Procuratorate
) -> None:
    assert selectors.monitoring_settings(lsj).policy.execution_rule == "points"
    policy = set_monitoring_policy(
        hunan(),
        user=users["province_admin"],
        execution_rule="floor",
        execution_floors={"4": 30, "9": 70},
        answer_working_days=5,
    )
    assert policy.execution_floors == {"4": 30, "9": 70}
    settings = selectors.monitoring_settings(lsj)
    assert settings.policy.execution_rule == "floor"
    assert settings.policy.floors == {4: D(30), 9: D(70)}
    assert settings.answer_working_days == 5

    with pytest.raises(DomainError) as error:
        set_monitoring_policy(
            hunan(),
            user=users["province_admin"],
            execution_rule="weekly",
            lag_warning_points=D(25),  # above the serious threshold (20)
            ratio_red=D(120),
            silent_days=0,
            execution_floors={"13": 10},
        )
    assert sorted(codes(error)) == sorted(
        ["INVALID_CHOICE", "OUT_OF_RANGE", "OUT_OF_RANGE", "INVALID_MONTH", "INVALID_THRESHOLDS"]
    )
    assert ProvincePolicy.objects.get(province=hunan()).execution_rule == "floor"
    with pytest.raises(DomainError) as error:
        set_monitoring_policy(hunan(), user=users["finance"], execution_rule="ratio")
    assert codes(error) == ["PERMISSION_DENIED"]


# --- starting an entry --------------------------------------------------------------------------


def test_an_entry_takes_its_spending_from_the_expenditures(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    project = monitored_project()
    spend(project, {m: D("100000.00") for m in range(1, 7)}, users["finance"])
    spend(project, {7: D("50000.00")}, users["finance"])  # after the round's month
    entry = start_entry(project, make_round(6), user=users["finance"])
    assert entry.status == EntryStatus.DRAFT
    assert (entry.spent_source, entry.spent_to_date) == (SpentSource.EXPENDITURES, D("600000.00"))
    assert (entry.full_budget, entry.execution_rate, entry.time_progress) == (
        BUDGET,
        D("50.00"),
        D("50.00"),
    )
    assert entry.forecast_rate == D("100.00")  # 600 000 + 6 × 100 000 over 1 200 000
    lines = list(entry.indicators.select_related("goal_indicator"))
    assert [line.goal_indicator.code for line in lines] == [i["code"] for i in VALID_INDICATORS]
    assert entry.history.get().history_user == users["finance"]
    # Starting it again gives the same entry.
    assert start_entry(project, entry.round, user=users["finance"]).pk == entry.pk
    assert MonitoringEntry.objects.count() == 1


def test_without_expenditures_the_spending_is_entered_and_the_forecast_uses_the_rounds(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    project = monitored_project()
    june = report(project, make_round(6), users["finance"], spent=D("480000.00"))
    assert (june.spent_source, june.execution_rate) == (SpentSource.ENTERED, D("40.00"))
    # Nothing known before June: 80 000 a month over 1–6, the same pace for 6 more months.
    assert june.forecast_rate == D("80.00")
    entry = start_entry(project, make_round(9), user=users["finance"])
    assert (entry.spent_source, entry.spent_to_date) == (SpentSource.ENTERED, D("0.00"))
    entry = record_entry(entry, user=users["finance"], spent_to_date=D("840000.00"))
    # 360 000 over July–September: 120 000 a month, 3 months left at that pace.
    assert (entry.execution_rate, entry.time_progress, entry.forecast_rate) == (
        D("70.00"),
        D("75.00"),
        D("100.00"),
    )


def test_spreading_cumulative_figures_over_the_months() -> None:
    assert spread_cumulative({3: D("300.00"), 6: D("400.00")}, 6) == {
        1: D("100.00"),
        2: D("100.00"),
        3: D("100.00"),
        4: D("33.33"),
        5: D("33.33"),
        6: D("33.34"),
    }
    assert spread_cumulative({2: D("50.00")}, 4) == {
        1: D("25.00"),
        2: D("25.00"),
        3: D("0.00"),
        4: D("0.00"),
    }


def test_an_entry_needs_an_open_round_of_the_province_and_the_projects_year(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    project = monitored_project()
    with pytest.raises(DomainError) as error:
        start_entry(project, make_round(5, state="upcoming"), user=users["finance"])
    assert codes(error) == ["ROUND_NOT_OPEN"]
    with pytest.raises(DomainError) as error:
        start_entry(project, make_round(4, state="closed"), user=users["finance"])
    assert codes(error) == ["ROUND_CLOSED"]
    with pytest.raises(DomainError) as error:
        start_entry(project, make_round(4, year=2027), user=users["finance"])
    assert codes(error) == ["WRONG_YEAR"]
    assert not MonitoringEntry.objects.exists()


def test_a_closed_round_is_read_only(lsj: Procuratorate, users: dict[str, User]) -> None:
    project = monitored_project()
    round = make_round(6)
    entry = start_entry(project, round, user=users["finance"])
    round.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    round.save()
    with pytest.raises(DomainError) as error:
        record_entry(entry, user=users["finance"], spent_to_date=D("1.00"))
    assert codes(error) == ["ROUND_CLOSED"]
    with pytest.raises(DomainError) as error:
        submit_entry(entry, user=users["finance"])
    assert codes(error) == ["ROUND_CLOSED"]
    entry.refresh_from_db()
    assert (entry.spent_to_date, entry.status) == (D("0.00"), EntryStatus.DRAFT)


@pytest.mark.parametrize("actor", ["leader", "other_finance", "loudi_reviewer", "province_admin"])
def test_only_the_units_finance_records_and_submits(
    lsj: Procuratorate, users: dict[str, User], actor: str
) -> None:
    project = monitored_project()
    round = make_round(6)
    with pytest.raises(DomainError) as error:
        start_entry(project, round, user=users[actor])
    assert codes(error) == ["PERMISSION_DENIED"]
    entry = start_entry(project, round, user=users["finance"])
    for action in (
        lambda: record_entry(entry, user=users[actor], spent_to_date=D("1.00")),
        lambda: submit_entry(entry, user=users[actor]),
    ):
        with pytest.raises(DomainError) as error:
            action()
        assert codes(error) == ["PERMISSION_DENIED"]


# --- recording ----------------------------------------------------------------------------------


def test_recording_reports_every_problem_naming_the_indicator(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    project = monitored_project()
    spend(project, {1: D("10.00")}, users["finance"])
    entry = start_entry(project, make_round(6), user=users["finance"])
    ids = {line.goal_indicator.code: line.goal_indicator_id for line in entry.indicators.all()}
    with pytest.raises(DomainError) as error:
        record_entry(
            entry,
            user=users["finance"],
            spent_to_date=D("500.00"),
            indicators=[
                {"goal_indicator_id": ids["q1"], "value_to_date": "many", "likelihood": "maybe"},
                {"goal_indicator_id": ids["e1"], "deviation_cause": "weather"},
                {"goal_indicator_id": 999999, "likelihood": "certain"},
            ],
        )
    assert [(p.code, p.field) for p in error.value.problems] == [
        ("SPENT_FROM_EXPENDITURES", "spent_to_date"),
        ("INVALID_NUMBER", "indicators.q1.value_to_date"),
        ("INVALID_CHOICE", "indicators.q1.likelihood"),
        ("INVALID_CHOICE", "indicators.e1.deviation_cause"),
        ("UNKNOWN_INDICATOR", "indicators.2.goal_indicator_id"),
    ]
    assert "q1" in error.value.problems[1].message
    assert not EntryIndicator.objects.exclude(likelihood="").exists()

    entry = record_entry(
        entry,
        user=users["finance"],
        indicators=[
            {"goal_indicator_id": ids["q1"], "value_to_date": "60", "likelihood": "certain"}
        ],
    )
    line = entry.indicators.get(goal_indicator_id=ids["q1"])
    assert (line.value_to_date, line.likelihood) == (D("60.0000"), "certain")
    assert line.history.first().history_user == users["finance"]


def test_submitting_checks_every_indicator(lsj: Procuratorate, users: dict[str, User]) -> None:
    project = monitored_project()
    entry = start_entry(project, make_round(6), user=users["finance"])
    entry = record_entry(
        entry,
        user=users["finance"],
        spent_to_date=D("600000.00"),
        indicators=answers(
            entry,
            overrides={
                "q1": {"likelihood": ""},
                "q2": {"likelihood": "possible"},
                "s1": {"likelihood": "impossible", "deviation_cause": "staffing"},
            },
        ),
    )
    with pytest.raises(DomainError) as error:
        submit_entry(entry, user=users["finance"])
    assert [(p.code, p.field) for p in error.value.problems] == [
        ("LIKELIHOOD_REQUIRED", "indicators.q1.likelihood"),
        ("CAUSE_REQUIRED", "indicators.q2.deviation_cause"),
        ("MEASURE_REQUIRED", "indicators.q2.corrective_measure"),
        ("MEASURE_REQUIRED", "indicators.s1.corrective_measure"),
    ]
    assert "办理案件数" in error.value.problems[0].message
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT
    assert not ExecutionFact.objects.exists()


def test_submitting_writes_the_units_execution_fact_in_the_same_transaction(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    round = make_round(6)
    first = report(monitored_project(), round, users["finance"], spent=D("600000.00"))
    assert (first.status, first.submitted_by) == (EntryStatus.SUBMITTED, users["finance"])
    fact = ExecutionFact.objects.get(unit=lsj, fiscal_year=YEAR, month=6)
    assert (fact.projects, fact.spent, fact.execution_rate, fact.time_progress) == (
        1,
        D("600000.00"),
        D("50.00"),
        D("50.00"),
    )
    report(monitored_project(budget=D("800000.00")), round, users["finance"], spent=D("200000.00"))
    # A draft counts for nothing.
    report(monitored_project(), round, users["finance"], spent=D("1.00"), submit=False)
    fact.refresh_from_db()
    assert (fact.projects, fact.full_budget, fact.spent, fact.execution_rate) == (
        2,
        D("2000000.00"),
        D("800000.00"),
        D("40.00"),
    )
    with pytest.raises(DomainError) as error:
        submit_entry(first, user=users["finance"])
    assert codes(error) == ["ALREADY_SUBMITTED"]
    with pytest.raises(DomainError) as error:
        record_entry(first, user=users["finance"], spent_to_date=D("1.00"))
    assert codes(error) == ["ALREADY_SUBMITTED"]

    # The rebuild computes the same rows from the schema.
    incremental = fact_selectors.execution_facts_of(lsj)
    ExecutionFact.objects.filter(unit=lsj).delete()
    result = rebuild_facts(lsj)
    assert result.executions == 1
    assert fact_selectors.execution_facts_of(lsj) == incremental


def test_execution_curves(lsj: Procuratorate, users: dict[str, User]) -> None:
    big = monitored_project()
    small = monitored_project(budget=D("400000.00"))
    may = make_round(5)
    report(big, may, users["finance"], spent=D("400000.00"))
    report(small, may, users["finance"], spent=D("100000.00"))
    report(big, make_round(6), users["finance"], spent=D("500000.00"))
    curve = selectors.execution_curve(big)
    assert [(p.month, p.execution_rate, p.time_progress) for p in curve] == [
        (5, D("33.33"), D("41.67")),
        (6, D("41.67"), D("50.00")),
    ]
    assert curve[-1].forecast is not None
    unit_curve = selectors.unit_execution_curve(fiscal_year=YEAR)
    # May: 500 000 of 1 600 000; June: only the big project has reported.
    assert [(p.month, p.execution_rate) for p in unit_curve] == [(5, D("31.25")), (6, D("41.67"))]
    assert selectors.unit_execution_curve(fiscal_year=YEAR + 1) == []

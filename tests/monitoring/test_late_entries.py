"""Late entries (逾期补报): after a round closed, an entry is still taken when it carries the
unit's reason; it is flagged late with its date, never refused, and the province sees the flag
(GraphQL on the unit's host, as the pages show it)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from backend.accounts.models import User
from backend.core.errors import DomainError
from backend.monitoring.models import Alert, AlertKind, EntryStatus, MonitoringEntry
from backend.monitoring.services import record_entry, start_entry, submit_entry, sweep_unit
from tenants.models import Procuratorate
from tests.conftest import GraphQLClient
from tests.monitoring.test_entries import (
    answers,
    codes,
    make_actors,
    make_round,
    monitored_project,
)

pytestmark = pytest.mark.django_db

D = Decimal
REASON = "财务人员病休，未能按期填报"


@pytest.fixture
def users(member: Callable[..., User]) -> dict[str, User]:
    return make_actors(member)


def test_a_closed_round_without_a_reason_is_refused_and_nothing_is_written(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    project = monitored_project()
    round = make_round(4, state="closed")
    with pytest.raises(DomainError) as error:
        start_entry(project, round, user=users["finance"])
    assert codes(error) == ["ROUND_CLOSED"]
    assert error.value.problems[0].field == "late_reason"
    assert "逾期补报须填写逾期原因" in error.value.problems[0].message
    with pytest.raises(DomainError) as error:
        start_entry(project, round, user=users["finance"], late_reason="x" * 501)
    assert codes(error) == ["TOO_LONG"]
    assert not MonitoringEntry.objects.exists()


def test_a_late_entry_is_taken_flagged_late_with_its_date(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    project = monitored_project()
    round = make_round(4, state="closed")
    today = timezone.localdate()
    entry = start_entry(project, round, user=users["finance"], late_reason=f"  {REASON} ")
    assert (entry.late, entry.late_on, entry.late_reason) == (True, today, REASON)
    # Recording and submitting go on without repeating the reason.
    entry = record_entry(
        entry, user=users["finance"], spent_to_date=D("100000.00"), indicators=answers(entry)
    )
    entry = submit_entry(entry, user=users["finance"])
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED
    assert (entry.late_on, entry.late_reason) == (today, REASON)
    # The rules run on it as on any entry: April, 100,000 of 1,200,000 spent is a lag.
    assert Alert.objects.filter(project=project, kind=AlertKind.EXECUTION_LAG).exists()
    assert entry.history.filter(history_change_reason="提交监控数据").exists()


def test_a_draft_whose_round_closed_is_finished_late_with_a_reason(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    project = monitored_project()
    round = make_round(6)
    entry = start_entry(project, round, user=users["finance"])
    assert not entry.late
    round.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    round.save()
    with pytest.raises(DomainError) as error:
        record_entry(entry, user=users["finance"], indicators=answers(entry))
    assert codes(error) == ["ROUND_CLOSED"]
    with pytest.raises(DomainError) as error:
        submit_entry(entry, user=users["finance"])
    assert codes(error) == ["ROUND_CLOSED"]

    entry = record_entry(
        entry, user=users["finance"], indicators=answers(entry), late_reason=REASON
    )
    assert entry.late and entry.late_reason == REASON
    entry = submit_entry(entry, user=users["finance"])
    assert entry.status == EntryStatus.SUBMITTED and entry.late


def test_starting_again_with_a_reason_flags_an_existing_draft_late(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    project = monitored_project()
    round = make_round(6)
    entry = start_entry(project, round, user=users["finance"])
    round.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    round.save()
    again = start_entry(project, round, user=users["finance"], late_reason=REASON)
    assert again.pk == entry.pk and again.late
    MonitoringEntry.objects.get(pk=entry.pk, late_reason=REASON)


def test_an_entry_submitted_within_an_extended_deadline_is_not_late(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    project = monitored_project()
    round = make_round(6, state="closed")
    entry = start_entry(project, round, user=users["finance"], late_reason=REASON)
    record_entry(entry, user=users["finance"], indicators=answers(entry))
    round.closes_on = timezone.localdate() + datetime.timedelta(days=3)  # the province extends
    round.save()
    entry = submit_entry(entry, user=users["finance"])
    assert not entry.late and entry.late_reason == ""


def test_a_late_entry_resolves_the_silent_unit_alert(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    project = monitored_project()
    round = make_round(4, state="closed")  # closed 20 days ago: the unit is silent
    sweep_unit()
    silent = Alert.objects.get(kind=AlertKind.SILENT_UNIT)
    entry = start_entry(project, round, user=users["finance"], late_reason=REASON)
    record_entry(entry, user=users["finance"], indicators=answers(entry))
    submit_entry(entry, user=users["finance"])
    silent.refresh_from_db()
    assert (silent.status, silent.resolution) == ("resolved", "已补报监控数据")


def test_negative_indicator_values_are_refused(lsj: Procuratorate, users: dict[str, User]) -> None:
    project = monitored_project()
    entry = start_entry(project, make_round(6), user=users["finance"])
    rows = answers(entry)
    rows[0]["value_to_date"] = D("-1")
    with pytest.raises(DomainError) as error:
        record_entry(entry, user=users["finance"], indicators=rows)
    assert codes(error) == ["NEGATIVE_NUMBER"]


def test_the_province_sees_the_late_flag(
    lsj: Procuratorate, users: dict[str, User], gql: GraphQLClient, token_for: Callable[..., str]
) -> None:
    project = monitored_project()
    round = make_round(4, state="closed")
    entry = start_entry(project, round, user=users["finance"], late_reason=REASON)
    record_entry(entry, user=users["finance"], indicators=answers(entry))
    submit_entry(entry, user=users["finance"])
    on_time = monitored_project()
    start_entry(on_time, make_round(6), user=users["finance"])
    result = gql(
        "{ monitoringEntries { projectCode late lateReason lateOn } }",
        host="lengshuijiang.localhost",
        token=token_for(users["province_admin"]),
    )
    rows = {row["projectCode"]: row for row in result["data"]["monitoringEntries"]}
    assert rows[project.code] == {
        "projectCode": project.code,
        "late": True,
        "lateReason": REASON,
        "lateOn": timezone.localdate().isoformat(),
    }
    assert rows[on_time.code]["late"] is False and rows[on_time.code]["lateOn"] is None


def test_late_entry_through_the_api(
    lsj: Procuratorate, users: dict[str, User], gql: GraphQLClient, token_for: Callable[..., str]
) -> None:
    from graphql_relay import to_global_id

    project = monitored_project()
    round = make_round(4, state="closed")
    mutation = """mutation($p: ID!, $r: ID!, $reason: String) {
      startMonitoringEntry(projectId: $p, roundId: $r, lateReason: $reason) {
        entry { late lateReason } errors { field code message } } }"""
    variables = {
        "p": to_global_id("Project", project.pk),
        "r": to_global_id("MonitoringRound", round.pk),
    }
    token = token_for(users["finance"])
    refused = gql(mutation, host="lengshuijiang.localhost", token=token, variables=variables)
    assert [e["code"] for e in refused["data"]["startMonitoringEntry"]["errors"]] == [
        "ROUND_CLOSED"
    ]
    taken = gql(
        mutation,
        host="lengshuijiang.localhost",
        token=token,
        variables={**variables, "reason": REASON},
    )
    assert taken["data"]["startMonitoringEntry"]["entry"] == {"late": True, "lateReason": REASON}

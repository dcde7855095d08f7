"""Starting an entry (ws:monitoring-start): at once in an open round; in a closed round only
with the reason of the late entry, which is asked for on the page."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from backend.monitoring.models import MonitoringEntry
from tests.monitoring.test_entries import monitored_project
from tests.web.conftest import Browser
from tests.web.workspace.monitoring.conftest import in_unit, open_round

pytestmark = pytest.mark.django_db
URL = "/monitoring/start/"


def project_id() -> int:
    with in_unit():
        return monitored_project(code="case-funds", name="办案业务经费").pk


def test_an_open_round_starts_at_once(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    round, pid = open_round(), project_id()
    response = browse(persona("finance")).post(URL, {"project_id": pid, "round_id": round.pk})
    assert response.status_code == 302
    with in_unit():
        entry = MonitoringEntry.objects.get(project_id=pid, round=round)
        assert not entry.late and entry.indicators.count() == 4
    assert response["Location"] == f"/monitoring/entries/{entry.pk}/"


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "逾期补报须填写逾期原因"), ("原因\x00", "空字符"), ("长" * 501, "500")],
)
def test_a_closed_round_asks_for_the_reason(
    reason: str, message: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    round, pid = open_round(4, state="closed"), project_id()
    page = browse(persona("finance"))
    html = page.get(f"{URL}?project={pid}&round={round.pk}").content.decode()
    assert "逾期补报" in html and 'name="late_reason"' in html
    response = page.post(URL, {"project_id": pid, "round_id": round.pk, "late_reason": reason})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html.split('data-field-error="late_reason">', 1)[1]
    with in_unit():
        assert not MonitoringEntry.objects.exists()


def test_a_closed_round_with_a_reason_starts_a_late_entry(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    round, pid = open_round(4, state="closed"), project_id()
    response = browse(persona("finance")).post(
        URL, {"project_id": pid, "round_id": round.pk, "late_reason": "系统故障"}
    )
    assert response.status_code == 302
    with in_unit():
        entry = MonitoringEntry.objects.get(project_id=pid)
        assert entry.late and entry.late_reason == "系统故障"


@pytest.mark.parametrize("query", ["?project=987654&round=1", "?project=x&round=y", ""])
def test_unknown_or_odd_ids_are_404(
    query: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    open_round()
    assert browse(persona("finance")).get(URL + query).status_code == 404


@pytest.mark.parametrize("name", ["other_unit_finance", "province_admin", "city_reviewer"])
def test_who_may_not_enter_gets_403(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    round, pid = open_round(), project_id()
    response = browse(persona(name)).post(URL, {"project_id": pid, "round_id": round.pk})
    assert response.status_code == 403
    assert "办案业务经费" not in response.content.decode()
    with in_unit():
        assert not MonitoringEntry.objects.exists()


def test_the_query_count_does_not_grow_with_the_projects(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    from tests.web.workspace.monitoring.conftest import many_projects

    round, pid = open_round(4, state="closed"), project_id()
    page = browse(persona("finance"))
    url = f"{URL}?project={pid}&round={round.pk}"
    page.get(url)
    many_projects(10)
    small = count_queries(lambda: page.get(url))
    many_projects(190)
    assert count_queries(lambda: page.get(url)) == small

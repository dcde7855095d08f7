"""The entry form (ws:monitoring-entry, -save, -submit): what it shows, saving and submitting
through the services, bad input answered next to the field with nothing written, the late entry
of a closed round (flagged, visible as late to the province), who may do what, and a query
count independent of the number of indicators."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from backend.accounts.models import User
from backend.monitoring.models import Alert, EntryIndicator, EntryStatus, MonitoringEntry
from backend.monitoring.services import start_entry
from tests.monitoring.test_entries import COUNTED_INDICATORS, make_round, monitored_project
from tests.web.conftest import Browser
from tests.web.workspace.monitoring.conftest import in_unit

pytestmark = pytest.mark.django_db
D = Decimal


def draft(finance: User, *, state: str = "open", indicators: list[dict[str, Any]] | None = None):  # type: ignore[no-untyped-def]
    with in_unit():
        project = monitored_project(code="case-funds", name="办案业务经费", indicators=indicators)
        round = make_round(9, state="open")
        entry = start_entry(project, round, user=finance)
        if state == "closed":
            round.closes_on = timezone.localdate() - datetime.timedelta(days=1)
            round.save()
        return entry


def answers(likelihood: str = "certain", **extra: str) -> dict[str, str]:
    """Form data for COUNTED_INDICATORS (q1, q2 counted; e1 qualitative; s1 counted)."""
    data = {
        "spent_to_date": "900000.00",
        "q1-value_to_date": "90",
        "q1-projected_value": "120",
        "q2-value_to_date": "71.25",
        "q2-projected_value": "95",
        "e1-text_to_date": "按计划推进",
        "s1-value_to_date": "67.5",
        "s1-projected_value": "90",
    }
    for code in ("q1", "q2", "e1", "s1"):
        data[f"{code}-likelihood"] = likelihood
        data[f"{code}-deviation_cause"] = ""
        data[f"{code}-corrective_measure"] = ""
    data.update(extra)
    return data


def field_error(html: str, field: str) -> str:
    marker = f'data-field-error="{field}">'
    assert marker in html, f"no error next to {field}"
    return html.split(marker, 1)[1].split("<", 1)[0]


def test_the_form_shows_every_indicator(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    entry = draft(finance)
    response = browse(finance).get(f"/monitoring/entries/{entry.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "办理案件数",
        "≥ 120 件",
        "年底能否完成",
        "确定能",
        "经费保障",
        "纠偏措施",
        "保存并提交",
    ):
        assert text in html, text
    assert 'name="spent_to_date"' in html  # no expenditures: the spending is entered


def test_saving_records_through_the_service(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    entry = draft(finance)
    response = browse(finance).post(f"/monitoring/entries/{entry.pk}/save/", answers())
    assert response.status_code == 302
    with in_unit():
        entry.refresh_from_db()
        assert entry.spent_to_date == D("900000.00") and entry.status == EntryStatus.DRAFT
        line = EntryIndicator.objects.get(entry=entry, goal_indicator__code="q1")
        assert (line.value_to_date, line.likelihood) == (D("90.0000"), "certain")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("q1-value_to_date", "1" + "0" * 20, "超出允许范围"),
        ("q1-value_to_date", "-5", "不能为负数"),
        ("spent_to_date", "-1", "不能为负数"),
        ("spent_to_date", "abc", "不是有效的数字"),
        ("spent_to_date", "1e400", "超出允许范围"),
        ("spent_to_date", "1" + "0" * 30, "超出允许范围"),
        ("q1-corrective_measure", "措施\x00", "空字符"),
        ("q1-corrective_measure", "长" * 1001, "1000"),
        ("e1-text_to_date", "长" * 501, "500"),
        ("q1-likelihood", "maybe", "选择一个有效的选项"),
    ],
)
def test_bad_input_is_answered_next_to_the_field_and_nothing_is_written(
    field: str,
    value: str,
    message: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
) -> None:
    finance = persona("finance")
    entry = draft(finance)
    response = browse(finance).post(
        f"/monitoring/entries/{entry.pk}/save/", answers(**{field: value})
    )
    assert response.status_code == 200
    assert message in field_error(response.content.decode(), field)
    with in_unit():
        entry.refresh_from_db()
        assert entry.spent_to_date == D("0.00")
        assert not EntryIndicator.objects.filter(entry=entry, likelihood="certain").exists()


def test_submitting_checks_every_indicator_then_raises_the_alerts(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    entry = draft(finance)
    page = browse(finance)
    incomplete = answers(likelihood="possible")
    response = page.post(f"/monitoring/entries/{entry.pk}/submit/", incomplete)
    html = response.content.decode()
    assert "须选择偏差原因" in field_error(html, "q1-deviation_cause")
    assert "须填写纠偏措施" in field_error(html, "q1-corrective_measure")
    with in_unit():
        entry.refresh_from_db()
        assert entry.status == EntryStatus.DRAFT and entry.spent_to_date == D("0.00")

    lagging = answers(spent_to_date="300000.00")
    response = page.post(f"/monitoring/entries/{entry.pk}/submit/", lagging)
    assert response.status_code == 302
    with in_unit():
        entry.refresh_from_db()
        assert entry.status == EntryStatus.SUBMITTED
        assert Alert.objects.filter(project_id=entry.project_id).exists()
    html = page.get(f"/monitoring/entries/{entry.pk}/").content.decode()
    assert "已提交" in html and 'name="q1-likelihood"' not in html  # read-only now


def test_a_late_entry_needs_its_reason_and_is_flagged_for_the_province(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    entry = draft(finance, state="closed")
    page = browse(finance)
    html = page.get(f"/monitoring/entries/{entry.pk}/").content.decode()
    assert "逾期补报须说明原因" in html and 'name="late_reason"' in html

    response = page.post(f"/monitoring/entries/{entry.pk}/submit/", answers())
    assert "逾期补报须填写逾期原因" in field_error(response.content.decode(), "late_reason")
    with in_unit():
        assert MonitoringEntry.objects.get(pk=entry.pk).status == EntryStatus.DRAFT

    reason = "财务人员病休，未能按期填报"
    response = page.post(f"/monitoring/entries/{entry.pk}/submit/", answers(late_reason=reason))
    assert response.status_code == 302
    with in_unit():
        entry.refresh_from_db()
        assert entry.status == EntryStatus.SUBMITTED and entry.late
        assert entry.late_on == timezone.localdate()

    for viewer in ("province_admin", "city_reviewer"):
        html = browse(persona(viewer)).get(f"/monitoring/entries/{entry.pk}/").content.decode()
        assert "逾期补报" in html and reason in html, viewer
        listing = browse(persona(viewer)).get(f"/monitoring/?round={entry.round_id}")
        assert "逾期补报" in listing.content.decode()


def test_the_leader_reads_but_entering_is_the_finance_officers(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    entry = draft(persona("finance"))
    leader = browse(persona("leader"))
    page = leader.get(f"/monitoring/entries/{entry.pk}/").content.decode()
    assert "办案业务经费" in page
    assert 'name="q1-value_to_date"' not in page  # read only: nothing to fill in
    response = leader.post(f"/monitoring/entries/{entry.pk}/save/", answers())
    assert response.status_code == 403
    with in_unit():
        entry.refresh_from_db()
        assert entry.spent_to_date == D("0.00")  # as started: nothing recorded


def test_a_stale_form_is_refused_and_writes_nothing(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    """Two people had the form open; the second save carries the version both read."""
    finance = persona("finance")
    entry = draft(finance)
    page = browse(finance)
    read = entry.version
    assert (
        page.post(f"/monitoring/entries/{entry.pk}/save/", answers(version=str(read))).status_code
        == 302
    )
    response = page.post(
        f"/monitoring/entries/{entry.pk}/save/",
        answers(version=str(read), spent_to_date="1.00"),
    )
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    with in_unit():
        entry.refresh_from_db()
        assert entry.spent_to_date == D("900000.00")


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator"])
def test_another_units_user_gets_403_and_no_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    entry = draft(persona("finance"))
    page = browse(persona(name))
    for response in (
        page.get(f"/monitoring/entries/{entry.pk}/"),
        page.post(f"/monitoring/entries/{entry.pk}/save/", answers()),
        page.post(f"/monitoring/entries/{entry.pk}/submit/", answers()),
    ):
        assert response.status_code == 403
        assert "办案业务经费" not in response.content.decode()
    with in_unit():
        assert MonitoringEntry.objects.get(pk=entry.pk).spent_to_date == D("0.00")


def test_province_admin_may_read_but_not_post(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    entry = draft(persona("finance"))
    page = browse(persona("province_admin"))
    html = page.get(f"/monitoring/entries/{entry.pk}/").content.decode()
    assert "办案业务经费" in html and "保存并提交" not in html
    assert page.post(f"/monitoring/entries/{entry.pk}/save/", answers()).status_code == 403


def test_an_unknown_entry_is_404(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona("finance")).get("/monitoring/entries/987654/").status_code == 404


def _indicators(n: int) -> list[dict[str, Any]]:
    return [
        {**COUNTED_INDICATORS[0], "code": f"q{i}", "name": f"指标{i}", "weight": D(1)}
        for i in range(n)
    ]


def test_the_query_count_does_not_grow_with_the_indicators(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    finance = persona("finance")
    page = browse(finance)
    counts = []
    for n, month in ((10, 9), (200, 10)):
        with in_unit():
            project = monitored_project(indicators=_indicators(n))
            entry = start_entry(project, make_round(month), user=finance)
        page.get(f"/monitoring/entries/{entry.pk}/")
        counts.append(count_queries(lambda e=entry: page.get(f"/monitoring/entries/{e.pk}/")))
    assert counts[0] == counts[1], counts

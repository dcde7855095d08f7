"""Alerts raised when an entry is submitted: their evidence, their deadline, the three forms of
the execution rule as the province sets them, the answer (open → answered) by the unit's
finance or leader, and the public mirror written in the same transaction. Runs in 冷水江."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from backend.accounts.models import User
from backend.core.errors import DomainError
from backend.monitoring import selectors
from backend.monitoring.models import Alert, AlertKind, AlertStatus, Severity
from backend.monitoring.services import add_working_days, answer_alert
from backend.oversight.models import AlertRecord
from backend.oversight.services import set_monitoring_policy
from tenants.models import Procuratorate
from tests.monitoring.test_entries import (
    YEAR,
    codes,
    hunan,
    make_actors,
    make_round,
    monitored_project,
    report,
)

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def users(member: Callable[..., User]) -> dict[str, User]:
    return make_actors(member)


def kinds(project_id: int | None = None) -> list[tuple[str, str, str | None]]:
    qs = Alert.objects.order_by("kind", "goal_indicator__code")
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    return [
        (a.kind, a.severity, a.goal_indicator.code if a.goal_indicator else None)
        for a in qs.select_related("goal_indicator")
    ]


def test_a_lagging_submission_raises_its_alerts_with_their_evidence(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    project = monitored_project(code="case-funds")
    report(project, make_round(9), users["finance"], spent=D("480000.00"), progress=D(40))
    # 40 % spent against 75 % of the year; indicators at 40 % of their targets; the pace of
    # 53 333 a month projects 53.33 % at year end.
    assert kinds() == [
        ("execution_lag", "serious", None),
        ("forecast", "serious", None),
        ("indicator_risk", "warning", "q1"),
        ("indicator_risk", "warning", "q2"),
        ("indicator_risk", "warning", "s1"),
    ]
    lag = Alert.objects.get(kind=AlertKind.EXECUTION_LAG)
    assert (lag.status, lag.fiscal_year, lag.month, lag.project_id) == (
        AlertStatus.OPEN,
        YEAR,
        9,
        project.pk,
    )
    assert lag.key == f"execution_lag:{project.pk}:-:9"
    assert {k: lag.evidence[k] for k in ("execution_rate", "time_progress", "lag_points")} == {
        "execution_rate": "40.00",
        "time_progress": "75.00",
        "lag_points": "35.00",
    }
    assert "40.00%" in lag.message and "case-funds" in lag.message
    assert lag.answer_due == add_working_days(timezone.localdate(), 10)
    forecast = Alert.objects.get(kind=AlertKind.FORECAST)
    assert forecast.evidence["forecast_rate"] == "53.33"

    records = {r.alert_id: r for r in AlertRecord.objects.filter(unit=lsj)}
    assert set(records) == set(Alert.objects.values_list("pk", flat=True))
    record = records[lag.pk]
    assert (record.kind, record.severity, record.status, record.month) == (
        "execution_lag",
        "serious",
        "open",
        9,
    )
    assert (record.project_code, record.evidence, record.answer_due) == (
        "case-funds",
        lag.evidence,
        lag.answer_due,
    )


def test_an_indicator_that_cannot_be_met_and_a_gap_between_achievement_and_money(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    on_track_money = monitored_project()
    report(
        on_track_money,
        make_round(9),
        users["finance"],
        spent=D("900000.00"),
        progress=D(50),
        overrides={
            "q2": {
                "likelihood": "impossible",
                "deviation_cause": "staffing",
                "corrective_measure": "抽调人员专班办理",
            }
        },
    )
    assert kinds() == [
        ("achievement_gap", "warning", None),
        ("indicator_risk", "warning", "q1"),
        ("indicator_risk", "serious", "q2"),
        ("indicator_risk", "warning", "s1"),
    ]
    gap = Alert.objects.get(kind=AlertKind.ACHIEVEMENT_GAP)
    assert (gap.evidence["mean_progress"], gap.evidence["execution_rate"]) == ("50.00", "75.00")


@pytest.mark.parametrize(
    ("settings", "severity", "evidence"),
    [
        # 55 % at September: 20 points behind 75 % (not more than 20: yellow) ...
        ({"execution_rule": "points"}, Severity.WARNING, {"lag_points": "20.00"}),
        ({"execution_rule": "points", "lag_serious_points": D("19.99")}, Severity.SERIOUS, {}),
        # ... 73.33 % of time progress (below 80: yellow, not below 60) ...
        ({"execution_rule": "ratio"}, Severity.WARNING, {"ratio": "73.33"}),
        ({"execution_rule": "ratio", "ratio_red": D(75)}, Severity.SERIOUS, {}),
        # ... and below a September floor of 60 % by 5 points (not more than 10: yellow).
        ({"execution_rule": "floor", "execution_floors": {"9": 60}}, Severity.WARNING, {}),
        ({"execution_rule": "floor", "execution_floors": {"9": 70}}, Severity.SERIOUS, {}),
        ({"execution_rule": "floor", "execution_floors": {"10": 80}}, None, {}),
        ({"execution_rule": "ratio", "ratio_yellow": D("73.33"), "ratio_red": D(50)}, None, {}),
    ],
)
def test_the_execution_rule_is_the_one_the_province_set(
    lsj: Procuratorate,
    users: dict[str, User],
    settings: dict[str, object],
    severity: str | None,
    evidence: dict[str, str],
) -> None:
    set_monitoring_policy(hunan(), user=users["province_admin"], **settings)
    project = monitored_project()
    report(project, make_round(9), users["finance"], spent=D("660000.00"), progress=D(55))
    lag = Alert.objects.filter(kind=AlertKind.EXECUTION_LAG).first()
    if severity is None:
        assert lag is None
        return
    assert lag is not None and lag.severity == severity
    assert lag.evidence["rule"] == settings["execution_rule"]
    assert {k: lag.evidence[k] for k in evidence} == evidence


def test_the_answer_deadline_counts_working_days() -> None:
    wednesday = datetime.date(2026, 11, 25)
    assert add_working_days(wednesday, 10) == datetime.date(2026, 12, 9)
    assert add_working_days(datetime.date(2026, 11, 27), 1) == datetime.date(2026, 11, 30)
    assert add_working_days(datetime.date(2026, 11, 28), 1) == datetime.date(2026, 11, 30)
    assert add_working_days(wednesday, 0) == wednesday


def test_the_unit_answers_an_alert_and_the_mirror_follows(
    lsj: Procuratorate, users: dict[str, User]
) -> None:
    set_monitoring_policy(hunan(), user=users["province_admin"], answer_working_days=3)
    report(monitored_project(), make_round(9), users["finance"], spent=D("480000.00"))
    lag = Alert.objects.get(kind=AlertKind.EXECUTION_LAG)
    forecast = Alert.objects.get(kind=AlertKind.FORECAST)
    assert lag.answer_due == add_working_days(timezone.localdate(), 3)

    for actor in ("loudi_reviewer", "other_finance", "province_admin"):
        with pytest.raises(DomainError) as error:
            answer_alert(lag, user=users[actor], response="continue", note="按计划执行")
        assert codes(error) == ["PERMISSION_DENIED"]
    with pytest.raises(DomainError) as error:
        answer_alert(lag, user=users["finance"], response="wait", note="  ")
    assert codes(error) == ["INVALID_CHOICE", "NOTE_REQUIRED"]

    answered = answer_alert(
        lag, user=users["finance"], response="reallocate", note="部分资金调整用于信息化建设。"
    )
    assert (answered.status, answered.response, answered.answered_by) == (
        AlertStatus.ANSWERED,
        "reallocate",
        users["finance"],
    )
    assert answered.history.first().history_user == users["finance"]
    assert AlertRecord.objects.get(unit=lsj, alert_id=lag.pk).status == "answered"
    answer_alert(forecast, user=users["leader"], response="continue", note="四季度集中支付。")
    with pytest.raises(DomainError) as error:
        answer_alert(lag, user=users["leader"], response="cancel", note="取消")
    assert codes(error) == ["INVALID_TRANSITION"]


def test_alert_selectors_filter(lsj: Procuratorate, users: dict[str, User]) -> None:
    lagging = monitored_project()
    fine = monitored_project()
    round = make_round(9)
    report(lagging, round, users["finance"], spent=D("480000.00"), progress=D(40))
    report(fine, round, users["finance"], spent=D("900000.00"))
    assert selectors.alerts(project=fine).count() == 0
    assert selectors.alerts(project=lagging).count() == 5
    assert selectors.alerts(kind="indicator_risk").count() == 3
    assert selectors.alerts(severity="serious").count() == 2
    answer_alert(
        selectors.alerts(kind="forecast").get(),
        user=users["finance"],
        response="continue",
        note="年底前完成支付。",
    )
    assert selectors.alerts(status="open").count() == 4
    assert selectors.open_alert_counts(fiscal_year=YEAR) == {
        "execution_lag": 1,
        "forecast": 1,
        "indicator_risk": 3,
    }
    later = timezone.localdate() + datetime.timedelta(days=30)
    assert selectors.alerts(overdue_on=later).count() == 4
    assert selectors.alerts(overdue_on=timezone.localdate()).count() == 0

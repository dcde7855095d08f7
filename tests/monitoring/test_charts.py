"""The execution chart (``backend.monitoring.charts``) and the views serving it on a unit's host
(``/monitoring/projects/<id>/execution.svg``, ``/monitoring/execution.svg``)."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from backend.accounts.models import Role, User
from backend.budgets.models import Project
from backend.budgets.services import create_project
from backend.monitoring.charts import execution_svg
from backend.monitoring.models import EntryStatus, MonitoringEntry, SpentSource
from backend.oversight.models import MonitoringRound
from tenants.models import Procuratorate

SVG = "{http://www.w3.org/2000/svg}"
LSJ = "lengshuijiang.localhost"
YEAR = 2026


def tp(month: int) -> Decimal:
    return (Decimal(month) * 100 / 12).quantize(Decimal("0.01"))


def curve(rates: dict[int, str], forecast: str | None = None) -> list:
    points = [(m, Decimal(r), tp(m), None) for m, r in sorted(rates.items())]
    if forecast is not None:
        month, rate, progress, _ = points[-1]
        points[-1] = (month, rate, progress, Decimal(forecast))
    return points


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def floats(element: ET.Element, *names: str) -> list[float]:
    return [float(element.get(name, "nan")) for name in names]


# --- the chart --------------------------------------------------------------------------------


def test_the_chart_is_a_well_formed_svg_with_its_three_series() -> None:
    document = execution_svg(
        curve({1: "6.10", 2: "12.00", 3: "20.50", 4: "30.00"}, forecast="88.40"),
        title="办案业务经费 预算执行进度",
        subtitle="冷水江市人民检察院 · 2026 年",
    )
    root = ET.fromstring(document)
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("640", "360")
    assert root.find(f"{SVG}title").text == "办案业务经费 预算执行进度"

    (execution,) = by_class(root, "execution")
    (line,) = execution.iter(f"{SVG}polyline")
    # from the start of the year (0, 0) through the four months
    assert len(line.get("points").split()) == 5
    assert len(list(execution.iter(f"{SVG}circle"))) == 4
    assert by_class(root, "time-progress")
    (forecast,) = by_class(root, "forecast")
    assert "88.4%" in "".join(forecast.itertext())

    texts = "".join(root.itertext())
    for label in ("执行进度", "时间进度", "预计", "冷水江市人民检察院 · 2026 年"):
        assert label in texts
    for month in range(1, 13):
        assert any(t.text == str(month) for t in root.iter(f"{SVG}text"))
    for level in ("0%", "20%", "40%", "60%", "80%", "100%"):
        assert any(t.text == level for t in root.iter(f"{SVG}text"))
    assert "4 月：执行进度 30.0%，时间进度 33.3%，预计全年 88.4%" in texts


def test_a_month_on_time_progress_sits_on_the_diagonal() -> None:
    root = ET.fromstring(execution_svg(curve({3: "25.00", 6: "50.00"}), title="t"))
    (diagonal,) = by_class(root, "time-progress")
    x1, y1, x2, y2 = floats(diagonal, "x1", "y1", "x2", "y2")
    for dot in by_class(root, "execution")[0].iter(f"{SVG}circle"):
        cx, cy = floats(dot, "cx", "cy")
        assert cy == pytest.approx(y1 + (y2 - y1) * (cx - x1) / (x2 - x1), abs=0.1)
    # December on the right edge, 100 % at the top, 0 % at the bottom
    assert x2 > x1 and y2 < y1


def test_text_is_escaped() -> None:
    title = '进度 <script>alert("x")</script> & <b>'
    document = execution_svg(curve({1: "5.00"}), title=title, subtitle="a<b & c>d")
    assert "<script>" not in document and "<b>" not in document
    assert "&lt;script&gt;" in document and "&amp;" in document
    root = ET.fromstring(document)
    assert root.find(f"{SVG}title").text == title
    assert root.get("aria-label") == title
    (subtitle,) = by_class(root, "subtitle")
    assert subtitle.text == "a<b & c>d"


def test_no_forecast_segment_without_a_forecast_or_in_december() -> None:
    root = ET.fromstring(execution_svg(curve({1: "5.00", 2: "9.00"}), title="t"))
    assert not by_class(root, "forecast")
    december = curve({11: "90.00", 12: "98.00"}, forecast="98.00")
    assert not by_class(ET.fromstring(execution_svg(december, title="t")), "forecast")


def test_forecast_runs_from_the_last_month_to_december() -> None:
    root = ET.fromstring(
        execution_svg(curve({2: "10.00", 5: "30.00"}, forecast="72.00"), title="t")
    )
    (segment,) = by_class(root, "forecast")[0].iter(f"{SVG}line")
    last_dot = list(by_class(root, "execution")[0].iter(f"{SVG}circle"))[-1]
    assert floats(segment, "x1", "y1") == floats(last_dot, "cx", "cy")
    (diagonal,) = by_class(root, "time-progress")
    assert floats(segment, "x2")[0] == floats(diagonal, "x2")[0]  # December
    assert segment.get("stroke-dasharray")


def test_an_empty_curve_still_draws_axes_and_says_so() -> None:
    root = ET.fromstring(execution_svg([], title="冷水江 2026"))
    assert by_class(root, "time-progress") and by_class(root, "grid")
    assert not by_class(root, "execution")
    assert by_class(root, "empty")[0].text == "暂无已提交的监控数据"


def test_overspending_extends_the_axis_above_100() -> None:
    root = ET.fromstring(execution_svg(curve({5: "60.00", 6: "112.50"}), title="t"))
    labels = {t.text for t in root.iter(f"{SVG}text")}
    assert "120%" in labels and "140%" not in labels
    dot = list(by_class(root, "execution")[0].iter(f"{SVG}circle"))[-1]
    grid = by_class(root, "grid")[0]
    top = min(float(line.get("y1")) for line in grid.iter(f"{SVG}line"))
    assert floats(dot, "cy")[0] > top  # inside the plot, not clipped at 100 %


def test_unordered_points_are_drawn_by_month() -> None:
    points = curve({1: "5.00", 2: "10.00", 3: "15.00"})
    assert execution_svg(points[::-1], title="t") == execution_svg(points, title="t")


# --- the views --------------------------------------------------------------------------------


@pytest.fixture
def charted(unit: Callable[[str], Procuratorate], member: Callable[..., User]) -> dict[str, object]:
    """A project of lengshuijiang with submitted entries for March and April (rows written
    directly: the entries' workflow is tested with the services)."""
    lsj = unit("lengshuijiang")
    finance = member("lengshuijiang", Role.UNIT_FINANCE)
    rounds = {
        month: MonitoringRound.objects.create(
            province=unit("hunan"),
            fiscal_year=YEAR,
            month=month,
            opens_on=datetime.date(YEAR, month + 1, 1),
            closes_on=datetime.date(YEAR, month + 1, 15),
        )
        for month in (3, 4)
    }
    with schema_context(lsj.schema_name):
        project = create_project(
            code="case-funds-chart",
            name="2026年办案业务经费<测试>",
            category="project",
            kind="case_funds",
            fiscal_year=YEAR,
            initial_budget=Decimal("1000000.00"),
            user=finance,
        )
        for month, spent in ((3, "200000.00"), (4, "300000.00")):
            MonitoringEntry.objects.create(
                project=project,
                round=rounds[month],
                month=month,
                full_budget=project.full_budget,
                spent_to_date=Decimal(spent),
                spent_source=SpentSource.ENTERED,
                execution_rate=Decimal(spent) / Decimal(10000),
                time_progress=tp(month),
                forecast_rate=Decimal("85.00") if month == 4 else None,
                status=EntryStatus.SUBMITTED,
            )
    return {"unit": lsj, "project": project, "finance": finance}


def get(path: str, *, host: str = LSJ, token: str | None = None, client: Client | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = (client or Client()).get(path, HTTP_HOST=host, headers=headers)
    connection.set_schema_to_public()
    return response


@pytest.mark.django_db
def test_a_member_gets_the_project_chart_with_a_bearer_token(
    charted: dict[str, object], token_for: Callable[[User], str]
) -> None:
    project = charted["project"]
    assert isinstance(project, Project)
    response = get(
        f"/monitoring/projects/{project.pk}/execution.svg", token=token_for(charted["finance"])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.find(f"{SVG}title").text == "2026年办案业务经费<测试> 预算执行进度"
    texts = "".join(root.itertext())
    assert "3 月：执行进度 20.0%，时间进度 25.0%" in texts
    assert "4 月：执行进度 30.0%，时间进度 33.3%，预计全年 85.0%" in texts
    assert by_class(root, "forecast")
    assert "全年预算 1,000,000.00 元" in texts


@pytest.mark.django_db
def test_a_member_gets_the_unit_chart_with_a_session(charted: dict[str, object]) -> None:
    client = Client()
    client.force_login(charted["finance"])
    response = get(f"/monitoring/execution.svg?year={YEAR}", client=client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.find(f"{SVG}title").text == f"冷水江市人民检察院 {YEAR} 年预算执行进度"
    texts = "".join(root.itertext())
    assert "4 月：执行进度 30.0%" in texts


@pytest.mark.django_db
def test_a_reviewer_above_the_unit_may_look(
    charted: dict[str, object], member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    reviewer = member("loudi", Role.CITY_REVIEWER)
    project = charted["project"]
    assert isinstance(project, Project)
    path = f"/monitoring/projects/{project.pk}/execution.svg"
    assert get(path, token=token_for(reviewer)).status_code == 200


@pytest.mark.django_db
def test_another_units_user_is_refused_and_anonymous_must_log_in(
    charted: dict[str, object], member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    project = charted["project"]
    assert isinstance(project, Project)
    stranger = token_for(member("lianyuan", Role.UNIT_FINANCE))
    for path in (f"/monitoring/projects/{project.pk}/execution.svg", "/monitoring/execution.svg"):
        assert get(path, token=stranger).status_code == 403
        anonymous = get(path)
        assert anonymous.status_code == 401
        assert anonymous["WWW-Authenticate"].startswith("Bearer")
        assert get(path, token="jx_not-a-token").status_code == 401
        assert b"<svg" not in anonymous.content


@pytest.mark.django_db
def test_unknown_project_and_the_public_host_are_404(
    charted: dict[str, object], token_for: Callable[[User], str]
) -> None:
    token = token_for(charted["finance"])
    project = charted["project"]
    assert isinstance(project, Project)
    assert (
        get(f"/monitoring/projects/{project.pk + 1000}/execution.svg", token=token).status_code
        == 404
    )
    for path in (f"/monitoring/projects/{project.pk}/execution.svg", "/monitoring/execution.svg"):
        assert get(path, host="localhost", token=token).status_code == 404


@pytest.mark.django_db
def test_only_get_and_a_valid_year(
    charted: dict[str, object], token_for: Callable[[User], str]
) -> None:
    token = token_for(charted["finance"])
    assert get("/monitoring/execution.svg?year=abc", token=token).status_code == 400
    response = Client().post(
        "/monitoring/execution.svg", HTTP_HOST=LSJ, headers={"Authorization": f"Bearer {token}"}
    )
    connection.set_schema_to_public()
    assert response.status_code == 405

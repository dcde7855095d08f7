"""The demo's first start in two parts (``backend.demo.history``): the foreground part leaves a
workspace to log in and work in; the background part fills in the history, records its
progress, and can be interrupted and run again without doubling anything. Over the session
units (the demo code takes a list of unit codes), on three units for the history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from backend.budgets.models import Project
from backend.demo import history, services
from backend.evaluation.models import SelfEvaluation
from backend.goals.models import PerformanceGoal
from backend.indicators.models import PushTarget
from backend.indicators.services.push import DONE
from backend.library.models import AdoptedTemplate
from backend.monitoring.models import MonitoringEntry
from tenants.models import Procuratorate

pytestmark = pytest.mark.django_db

HISTORY_UNITS = ("lengshuijiang", "xinhua", "changsha-tianxin")


def _counts(codes: tuple[str, ...]) -> dict[str, tuple[int, int, int, int]]:
    counts = {}
    for code in codes:
        with schema_context(Procuratorate.objects.get(code=code).schema_name):
            counts[code] = (
                Project.objects.count(),
                PerformanceGoal.objects.count(),
                MonitoringEntry.objects.count(),
                SelfEvaluation.objects.count(),
            )
    return counts


def test_the_foreground_part_leaves_a_workspace_for_lengshuijiang_finance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIXIAO_DEMO_PROGRESS", str(tmp_path / "progress.json"))
    history.prepare_workspace(provision=False)
    # the printed units have this year's projects; the others wait for the background part
    assert history.workspace_units() == ["hunan", "lengshuijiang", "loudi"]
    lsj = Procuratorate.objects.get(code="lengshuijiang")
    with schema_context(lsj.schema_name):
        assert Project.objects.exists()
        assert PerformanceGoal.objects.exists()
        assert AdoptedTemplate.objects.exists()  # the pushed templates
    with schema_context(Procuratorate.objects.get(code="changsha-tianxin").schema_name):
        assert not Project.objects.exists()
    assert not PushTarget.objects.exclude(status__in=DONE).exists()

    # lengshuijiang-finance logs in and works: the workspace and its projects answer
    client = Client()
    host = f"lengshuijiang.{_base()}"
    response = client.post(
        "/login/",
        {"username": "lengshuijiang-finance", "password": services.DEMO_PASSWORD},
        HTTP_HOST=host,
    )
    connection.set_schema_to_public()
    assert response.status_code == 302
    for path in ("/", "/projects/"):
        page = client.get(path, HTTP_HOST=host, follow=True)
        connection.set_schema_to_public()
        assert page.status_code == 200, path
        assert 'name="password"' not in page.content.decode(), path
    with schema_context(lsj.schema_name):
        code = Project.objects.order_by("code").first().code
    page = client.get("/projects/", HTTP_HOST=host)
    connection.set_schema_to_public()
    assert code in page.content.decode()

    # a second run is a no-op
    before = _counts(("lengshuijiang",))
    history.prepare_workspace(provision=False)
    assert _counts(("lengshuijiang",)) == before


def _base() -> str:
    from django.conf import settings

    return str(settings.JIXIAO_BASE_DOMAIN)


class Interrupted(Exception):
    pass


def test_the_background_part_resumes_after_an_interruption_and_is_idempotent(
    tmp_path: Path,
) -> None:
    path = tmp_path / "progress.json"
    history.prepare_workspace(provision=False, units=["lengshuijiang"])
    seen: list[tuple[str, int]] = []

    def interrupt(progress: history.Progress) -> None:
        seen.append((progress.step, progress.percent))
        if progress.step == "月度监控":
            raise Interrupted  # after the first unit's monitoring was committed

    with pytest.raises(Interrupted):
        history.load_history(units=HISTORY_UNITS, path=path, echo=interrupt)
    record = history.read_progress(path)
    assert record is not None and record.state == history.FAILED
    assert 0 < record.percent < 100
    partial = _counts(HISTORY_UNITS)
    # whole units: every unit has its goals, exactly one has its monitoring, none is evaluated
    assert all(projects > 0 and goals > 0 for projects, goals, _, _ in partial.values())
    assert sum(1 for *_, entries, _ in partial.values() if entries) == 1
    assert not any(evaluations for *_, evaluations in partial.values())

    done = history.load_history(units=HISTORY_UNITS, path=path)
    assert done.state == history.DONE and done.percent == 100
    assert history.read_progress(path) == done
    complete = _counts(HISTORY_UNITS)
    for code, (projects, _goals, entries, evaluations) in complete.items():
        assert entries > 0 and evaluations > 0, code
        # last year's projects joined this year's; this year's were not made twice
        assert projects > partial[code][0], code
    # the unit monitored before the interruption kept its entries, not doubled
    for code, (_, _, entries, _) in partial.items():
        if entries:
            assert complete[code][2] == entries

    again = history.load_history(units=HISTORY_UNITS, path=path)
    assert again.state == history.DONE
    assert _counts(HISTORY_UNITS) == complete


def test_the_pages_show_the_progress_while_the_history_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "progress.json"
    monkeypatch.setenv("JIXIAO_DEMO_PROGRESS", str(path))
    client = Client()

    def login_page() -> str:
        page = client.get("/login/", HTTP_HOST=_base())
        connection.set_schema_to_public()
        assert page.status_code == 200
        return page.content.decode()

    assert 'data-testid="demo-progress"' not in login_page()  # no record: no banner
    history.Progress(step="月度监控", done=63, total=100).save(path)
    html = login_page()
    assert "演示数据加载中 … 63%" in html and "月度监控" in html
    record: Any = history.read_progress(path)
    record.state = history.FAILED
    record.save(path)
    assert "再次运行 make demo" in login_page()
    record.state = history.DONE
    record.save(path)
    assert 'data-testid="demo-progress"' not in login_page()
    # a record written for another database (a benchmark's, say) is not this demo's
    history.Progress(done=5, total=100, database="other@elsewhere:5432").save(path)
    assert history.read_progress(path) is None
    assert 'data-testid="demo-progress"' not in login_page()

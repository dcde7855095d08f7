"""新建单位 and its progress: access, bad input (beside the fields, nothing written, nothing
queued), a unit outside the scope, a good unit queued and its run followed until done (the task
run in place with its result stored in the real result backend), another session's run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import pytest

from tenants.models import Procuratorate
from tenants.services import UnitSpec
from tenants.tasks import import_units_task
from tests.web.conftest import Browser, User

URL = "/console/units/new/"
GOOD = {"code": "t-xinpu", "name": "新埔县人民检察院", "level": "county", "parent_code": "loudi"}


@pytest.mark.parametrize(("name", "status"), [("province_admin", 200), ("city_reviewer", 403)])
def test_access(
    name: str, status: int, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona(name), None).get(URL).status_code == status


def test_bad_input_is_named_beside_the_fields_and_nothing_is_queued(
    queue: Any, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    response = page.post(URL, {**GOOD, "name": ""})
    assert response.status_code == 400
    assert 'data-field-error="name"' in response.content.decode()
    bad = {"code": "Bad Code", "name": "坏", "level": "county", "parent_code": "nowhere"}
    response = page.post(URL, bad)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field-error="code"' in body and "只能使用小写字母" in body
    assert 'data-field-error="parent_code"' in body and "不存在" in body
    response = page.post(URL, {**GOOD, "level": "province", "parent_code": ""})
    assert "须隶属于您管辖范围内的单位" in response.content.decode()
    response = page.post(URL, {**GOOD, "code": "lianyuan"})
    assert "已被使用" in response.content.decode()
    response = page.post(URL, {**GOOD, "parent_code": "lianyuan"})
    assert "基层院不能隶属于基层院" in response.content.decode()
    assert not Procuratorate.objects.filter(code="t-xinpu").exists()
    assert "console_unit_runs" not in page.client.session


def test_a_new_unit_is_provisioned_and_its_progress_followed(
    queue: Any, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    response = page.post(URL, GOOD)
    assert response.status_code == 302
    run_url = response["Location"]
    run_id = run_url.rstrip("/").rsplit("/", 1)[1]
    queued = page.get(run_url)
    assert 'data-state="queued"' in queued.content.decode()
    assert 'hx-trigger="every 1s"' in queued.content.decode()
    payload = [{"line": 1, "unit": asdict(UnitSpec(**GOOD))}]
    import_units_task.apply(args=[payload], task_id=run_id)
    done = page.get(run_url, HTTP_HX_REQUEST="true")
    body = done.content.decode()
    assert 'data-state="done"' in body and "every 1s" not in body
    assert "<html" not in body  # the partial alone
    assert 'data-testid="created-t-xinpu"' in body and "100%" in body
    unit = Procuratorate.objects.get(code="t-xinpu")
    assert unit.path == "/hunan/loudi/t-xinpu/"
    # another session cannot follow it
    other = browse(persona("province_admin"), None)
    assert other.get(run_url).status_code == 404

"""导入自评表 in a real browser, as the unit's finance officer: from the score sheet to the
import page, a synthetic 项目支出绩效自评表 written as units write it (约91万元) uploaded,
the dry-run report (cell → field, old → new, the total and grade, the warnings) looked at and
photographed for the guide, then applied; the sheet shows the imported figures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from backend.accounts.models import Role
from tests.browser.conftest import SCREENS, Site, bt_user, login, shot

UNIT = "lengshuijiang"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def draft(committed: None) -> Iterator[int]:
    """A 2026 draft self-evaluation (q1, q2, e1, s1; 900,000 of 1,000,000 spent)."""
    from backend.evaluation.services import start_self_evaluation
    from tests.evaluation.factories import approved_goal, project_of

    finance = bt_user("bt-evimp-finance", UNIT, Role.UNIT_FINANCE, "李珺")
    with schema_context(UNIT):
        goal = approved_goal()
        evaluation = start_self_evaluation(project_of(goal), 2026, finance)
    connection.set_schema_to_public()
    yield evaluation.pk


@pytest.mark.browser
def test_a_filled_table_is_checked_then_imported(page: Any, site: Site, draft: int) -> None:
    from tests.fixtures.real_tables import self_evaluation_xlsx, standard_table

    table = SCREENS / "bt-evaluation-import.xlsx"
    SCREENS.mkdir(parents=True, exist_ok=True)
    table.write_bytes(self_evaluation_xlsx(standard_table(executed="约91万元")))
    login(page, site, "bt-evimp-finance", unit=UNIT)
    page.goto(site.url(UNIT, f"/evaluations/{draft}/"))
    page.get_by_test_id("import-link").click()
    page.get_by_label("上传已填写的自评表").set_input_files(str(table))
    page.get_by_role("button", name="上传并核对变更").click()
    changes = page.get_by_test_id("import-changes").inner_text()
    assert "全年执行数" in changes and "900,000.00 元" in changes and "910,000.00 元" in changes
    assert page.get_by_test_id("import-total").inner_text() == "96.10"
    assert "D4：全年执行数" in page.get_by_test_id("import-warnings").inner_text()
    shot(page, "evaluation-import", guide=True)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    shot(page, "evaluation-import-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_test_id("apply-import").click()
    assert "已按上传的自评表更新自评" in page.locator(".jx-messages").inner_text()
    assert page.locator("input[name='executed']").input_value() == "910000"

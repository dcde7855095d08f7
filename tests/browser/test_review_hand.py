"""移交审核 in a real browser: the leader who declared a goal opens its review, is told they
may not review it themselves, hands it to the unit's other leader; the guide's screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from backend.accounts.models import Role
from tests.browser.conftest import Site, bt_user, login, shot

UNIT = "lengshuijiang"


@pytest.fixture
def declared(committed: None) -> Iterator[int]:
    """A submitted goal declared by one leader of the unit, and a second leader."""
    from backend.goals.services import workflow
    from tests.goals.factories import VALID_INDICATORS, make_goal

    declarer = bt_user("bt-hand-leader", UNIT, Role.UNIT_LEADER, "赵堃")
    bt_user("bt-hand-deputy", UNIT, Role.UNIT_LEADER, "钱璟")
    finance = bt_user("bt-hand-finance", UNIT, Role.UNIT_FINANCE, "李珺")
    with schema_context(UNIT):
        goal = make_goal(indicators=list(VALID_INDICATORS), created_by=declarer)
        workflow.submit(goal, user=finance)
    connection.set_schema_to_public()
    yield goal.pk


@pytest.mark.browser
def test_the_declaring_leader_hands_the_review(page: Any, site: Site, declared: int) -> None:
    login(page, site, "bt-hand-leader", unit=UNIT)
    page.goto(site.url(UNIT, f"/review/goals/{declared}/"))
    form = page.get_by_test_id("hand-form")
    assert "不能由您本人审核" in form.inner_text()
    page.get_by_label("移交给").select_option("bt-hand-deputy")
    shot(page, "goal-review-hand", guide=True)
    page.get_by_role("button", name="移交审核").click()
    assert "审核移交给钱璟" in page.locator(".jx-messages").inner_text()

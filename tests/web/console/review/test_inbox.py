"""console:review — the 审核 inbox: 待审核 / 已审核, filters, scope, query count."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.feedback import services as feedback_services
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import html

pytestmark = pytest.mark.django_db
INBOX = reverse("console:review", urlconf="backend.urls_public")


@pytest.mark.parametrize("name", ["finance", "leader", "evaluator", "city_finance"])
def test_unit_people_and_evaluators_are_refused(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    response = browse(persona(name), None).get(INBOX)
    assert response.status_code == 403


def test_the_city_sees_its_countys_goal_and_answer(
    persona: Callable[[str], User], browse: Callable[..., Browser], unit_approved, responded
) -> None:
    goal = unit_approved("县院项目")
    responded(title="冷水江整改")
    page = html(browse(persona("city_reviewer"), None).get(INBOX))
    assert "县院项目" in page and "冷水江整改" in page
    assert (
        reverse(
            "console:review-goal", urlconf="backend.urls_public", args=["lengshuijiang", goal.pk]
        )
        in page
    )


def test_another_city_sees_none_of_it(
    persona: Callable[[str], User], browse: Callable[..., Browser], unit_approved, responded
) -> None:
    unit_approved("县院项目")
    responded(title="冷水江整改")
    page = html(browse(persona("other_city_reviewer"), None).get(INBOX))
    assert "县院项目" not in page and "冷水江整改" not in page
    assert "没有等待市院审核的绩效目标。" in page


def test_the_province_filters_by_city_and_year(
    persona: Callable[[str], User], browse: Callable[..., Browser], unit_approved, responded
) -> None:
    unit_approved("县院项目")
    responded(unit="changsha-furong", title="芙蓉整改")
    admin = browse(persona("province_admin"), None)
    page = html(admin.get(INBOX))
    assert "县院项目" in page and "芙蓉整改" in page
    page = html(admin.get(INBOX, data={"city": "changsha"}))
    assert "县院项目" not in page and "芙蓉整改" in page
    page = html(admin.get(INBOX, data={"year": "1999"}))  # out of range: dropped, not a 500
    assert "县院项目" in page
    page = html(admin.get(INBOX, data={"year": "2025"}))
    assert "县院项目" not in page and "芙蓉整改" not in page


def test_decided_items_are_under_the_done_tab(
    persona: Callable[[str], User], browse: Callable[..., Browser], unit_approved, responded
) -> None:
    goal = unit_approved("县院项目")
    builders_review_city(goal, persona("city_reviewer"))
    item = responded(title="冷水江整改")
    feedback_services.accept_rectification(item, persona("province_admin"), "同意。")
    admin = browse(persona("province_admin"), None)
    todo = html(admin.get(INBOX))
    assert "县院项目" not in todo and "冷水江整改" not in todo
    done = html(admin.get(INBOX, data={"tab": "done"}))
    assert "县院项目" in done and "冷水江整改" in done and "验收通过" in done
    returned = html(admin.get(INBOX, data={"tab": "done", "status": "returned"}))
    assert "县院项目" not in returned and "冷水江整改" not in returned


def builders_review_city(goal, reviewer: User) -> None:  # type: ignore[no-untyped-def]
    from backend.goals.services import workflow

    fresh = builders.reload(goal)
    with builders.in_unit():
        workflow.review(fresh, user=reviewer, decision="approve", grade="excellent")


def test_the_query_count_does_not_grow_with_rows(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
    responded,
) -> None:
    from backend.oversight.models import GoalSubmission
    from tenants.models import Procuratorate

    admin = browse(persona("province_admin"), None)
    unit = Procuratorate.objects.get(code="lengshuijiang")

    def rows(n: int, start: int) -> None:
        GoalSubmission.objects.bulk_create(
            GoalSubmission(
                unit=unit,
                goal_id=start + i,
                project_code=f"P{start + i}",
                project_name=f"项目{start + i}",
                fiscal_year=2026,
                status="unit_approved",
            )
            for i in range(n)
        )
        for _ in range(n // 5):
            responded()

    rows(10, 1)
    admin.get(INBOX)
    small = count_queries(lambda: admin.get(INBOX))
    rows(190, 100)
    large = count_queries(lambda: admin.get(INBOX))
    assert small == large
    small_done = count_queries(lambda: admin.get(INBOX, data={"tab": "done"}))
    assert small_done <= large

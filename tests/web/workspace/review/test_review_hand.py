"""ws:review-hand — 移交审核 on the review page (issue 16, no self-approval): the leader who
declared a goal sees, instead of a review they may not give, a form to hand the review to
another leader of the unit; the hand-over goes through ``workflow.hand_approval`` and only
that leader reviews afterwards. Nobody else sees or uses the form; a bad choice is named next
to the field and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import Membership, Role, User
from backend.goals.models import GoalStatus, PerformanceGoal
from tenants.models import Procuratorate
from tests.factories import UserFactory
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, html

pytestmark = pytest.mark.django_db


def url(goal_id: int, name: str = "ws:review-goal") -> str:
    return reverse(name, urlconf="backend.urls", args=[goal_id])


def deputy_leader(username: str = "web-deputy") -> User:
    user = UserFactory(username=username, full_name="钱璟")
    unit = Procuratorate.objects.get(code="lengshuijiang")
    Membership.objects.create(user=user, unit=unit, role=Role.UNIT_LEADER)
    return user


@pytest.fixture
def declared(persona: Callable[[str], User]) -> PerformanceGoal:
    """A submitted goal declared by the unit's leader."""
    goal = builders.goal(project__code="ajjf", created_by=persona("leader"))
    return builders.submit(goal, persona("finance"))


def test_the_declaring_leader_hands_the_review_to_another_leader(
    persona: Callable[[str], User], browse: Callable[..., Browser], declared: PerformanceGoal
) -> None:
    deputy = deputy_leader()
    page = browse(persona("leader"))
    shown = html(page.get(url(declared.pk)))
    form = shown[shown.index('data-testid="hand-form"') :]
    assert "该绩效目标由您编制，不能由您本人审核" in form
    assert 'value="web-deputy"' in form and "钱璟（web-deputy）" in form
    assert 'value="web-leader"' not in form  # not to oneself
    assert "提交审核结论" not in shown  # no review form the service would refuse
    refused = html(page.post(url(declared.pk, "ws:review-decide"), {"grade": "excellent"}))
    assert "本目标由您编制，不能由您本人审核" in refused
    assert builders.reload(declared).status == GoalStatus.SUBMITTED

    handed = page.post(url(declared.pk, "ws:review-hand"), {"approver": "web-deputy"})
    assert handed.status_code == 302
    assert builders.reload(declared).approver_id == deputy.pk
    # the deputy reviews; the declarer no longer sees the form it no longer needs
    after = html(page.get(url(declared.pk)))
    assert 'data-testid="handed"' in after and "已移交钱璟审核" in after
    assert "提交审核结论" not in after
    decided = browse(deputy).post(url(declared.pk, "ws:review-decide"), {"grade": "excellent"})
    assert decided.status_code == 302
    assert builders.reload(declared).status in (GoalStatus.APPROVED, GoalStatus.UNIT_APPROVED)


def test_a_bad_choice_is_named_and_changes_nothing(
    persona: Callable[[str], User], browse: Callable[..., Browser], declared: PerformanceGoal
) -> None:
    deputy_leader()
    page = browse(persona("leader"))
    for choice in ("web-finance", "nobody", ""):
        response = page.post(url(declared.pk, "ws:review-hand"), {"approver": choice})
        assert response.status_code == 200
        assert 'data-field-error="approver"' in html(response)
    assert builders.reload(declared).approver_id is None


def test_another_leader_sees_no_hand_form_and_cannot_hand(
    persona: Callable[[str], User], browse: Callable[..., Browser], declared: PerformanceGoal
) -> None:
    deputy = deputy_leader()
    deputy_leader("web-third")
    page = browse(deputy)
    assert 'data-testid="hand-form"' not in html(page.get(url(declared.pk)))
    response = page.post(url(declared.pk, "ws:review-hand"), {"approver": "web-third"}, follow=True)
    assert "只有编制该目标的负责人" in html(response)
    assert builders.reload(declared).approver_id is None


def test_without_another_leader_the_form_says_so(
    persona: Callable[[str], User], browse: Callable[..., Browser], declared: PerformanceGoal
) -> None:
    shown = html(browse(persona("leader")).get(url(declared.pk)))
    assert 'data-testid="no-leaders"' in shown


@pytest.mark.parametrize("name", ["finance", "city_reviewer", "province_admin", *OUTSIDERS])
def test_who_is_no_leader_here_gets_403(
    name: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    declared: PerformanceGoal,
) -> None:
    deputy_leader()
    response = browse(persona(name)).post(
        url(declared.pk, "ws:review-hand"), {"approver": "web-deputy"}
    )
    assert response.status_code == 403
    assert builders.reload(declared).approver_id is None


def test_another_units_leader_gets_404_on_their_own_host(
    member: Callable[..., User], browse: Callable[..., Browser], declared: PerformanceGoal
) -> None:
    theirs = member("lianyuan", Role.UNIT_LEADER, "ly-leader")
    page = browse(theirs, unit="lianyuan")
    response = page.post(url(declared.pk, "ws:review-hand"), {"approver": "x"})
    assert response.status_code == 404

"""The province's review policy, the public goal submissions and the review inboxes: a
reviewer sees what awaits them in the units they review, and never another city's units.

Goals are made in several unit schemas (``tenant_context``) and moved through the real
workflow; the inbox reads only the public rows."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from backend.accounts.models import Role, User
from backend.core.errors import DomainError
from backend.goals.models import GoalStatus, PerformanceGoal
from backend.goals.services.workflow import request_adjustment, submit_adjustment
from backend.oversight import selectors
from backend.oversight.models import GoalSubmission, ProvincePolicy
from backend.oversight.services import set_policy, sync_submission
from tenants.models import Procuratorate
from tests.factories import UserFactory
from tests.goals.factories import make_goal
from tests.goals.test_workflow import city_review, drive

pytestmark = pytest.mark.django_db

UNITS = ("lengshuijiang", "lianyuan", "changsha-furong")


@pytest.fixture
def people(member: Callable[..., User]) -> dict[str, dict[str, User]]:
    """code → the workflow's actors as ``drive`` names them, for each unit of ``UNITS``
    (the reviewers of its parent city included)."""
    reviewers = {
        "loudi": member("loudi", Role.CITY_REVIEWER),
        "changsha": member("changsha", Role.CITY_REVIEWER),
    }
    cities = {"lengshuijiang": "loudi", "lianyuan": "loudi", "changsha-furong": "changsha"}
    return {
        code: {
            "finance": member(code, Role.UNIT_FINANCE),
            "leader": member(code, Role.UNIT_LEADER),
            # drive() has the city stage done by "loudi_reviewer": the unit's own city's.
            "loudi_reviewer": reviewers[cities[code]],
        }
        for code in UNITS
    } | {"reviewers": reviewers}


def goals_at(
    unit: Procuratorate, people: dict[str, User], states: dict[str, str]
) -> dict[str, PerformanceGoal]:
    """project code → a goal in each given state, made in ``unit``'s schema."""
    made = {}
    with tenant_context(unit):
        for code, state in states.items():
            made[code] = drive(make_goal(project__code=code), state, people)
    return made


@pytest.fixture
def province(
    unit: Callable[[str], Procuratorate], people: dict[str, dict[str, User]]
) -> dict[str, dict[str, PerformanceGoal]]:
    city_review(True)
    return {
        "lengshuijiang": goals_at(
            unit("lengshuijiang"),
            people["lengshuijiang"],
            {"l-sub": "submitted", "l-city": "unit_approved", "l-ok": "approved", "l-new": "draft"},
        ),
        "lianyuan": goals_at(
            unit("lianyuan"), people["lianyuan"], {"y-city": "unit_approved", "y-ret": "returned"}
        ),
        "changsha-furong": goals_at(
            unit("changsha-furong"),
            people["changsha-furong"],
            {"f-city": "unit_approved", "f-sub": "submitted"},
        ),
    }


def listed(rows: object) -> set[tuple[str, str]]:
    return {(row.unit.code, row.project_code) for row in rows}  # type: ignore[attr-defined]


def test_a_city_reviewer_sees_its_counties_awaiting_it_and_never_another_city(
    province: dict, people: dict
) -> None:
    loudi, changsha = people["reviewers"]["loudi"], people["reviewers"]["changsha"]
    assert listed(selectors.review_inbox(loudi)) == {
        ("lengshuijiang", "l-city"),
        ("lianyuan", "y-city"),
    }
    assert listed(selectors.review_inbox(changsha)) == {("changsha-furong", "f-city")}
    assert listed(selectors.review_inbox(loudi, fiscal_year=2025)) == set()
    assert listed(selectors.review_inbox(loudi, fiscal_year=2026)) == {
        ("lengshuijiang", "l-city"),
        ("lianyuan", "y-city"),
    }


def test_a_leader_sees_only_the_own_units_submitted_goals(province: dict, people: dict) -> None:
    assert listed(selectors.review_inbox(people["lengshuijiang"]["leader"])) == {
        ("lengshuijiang", "l-sub")
    }
    assert listed(selectors.review_inbox(people["lianyuan"]["leader"])) == set()
    assert listed(selectors.review_inbox(people["changsha-furong"]["leader"])) == {
        ("changsha-furong", "f-sub")
    }
    # Preparers review nothing; neither does a stranger.
    assert not selectors.review_inbox(people["lengshuijiang"]["finance"]).exists()
    assert not selectors.review_inbox(UserFactory(username="nobody")).exists()


def test_a_leader_of_the_city_is_not_a_reviewer_of_its_counties(
    province: dict, member: Callable[..., User]
) -> None:
    assert not selectors.review_inbox(member("loudi", Role.UNIT_LEADER)).exists()
    # A city_reviewer role held at the province is not a city's.
    assert not selectors.review_inbox(member("hunan", Role.CITY_REVIEWER)).exists()


def test_submissions_under_a_city_reviewer_are_all_of_its_counties(
    province: dict, people: dict
) -> None:
    loudi = people["reviewers"]["loudi"]
    assert listed(selectors.submissions_under(loudi)) == {
        ("lengshuijiang", "l-sub"),
        ("lengshuijiang", "l-city"),
        ("lengshuijiang", "l-ok"),
        ("lianyuan", "y-city"),
        ("lianyuan", "y-ret"),
    }  # l-new was never submitted: a draft is the unit's own
    assert listed(selectors.submissions_under(loudi, status="unit_approved")) == {
        ("lengshuijiang", "l-city"),
        ("lianyuan", "y-city"),
    }
    assert listed(selectors.submissions_under(loudi, fiscal_year=2025)) == set()
    assert listed(selectors.submissions_under(people["reviewers"]["changsha"])) == {
        ("changsha-furong", "f-city"),
        ("changsha-furong", "f-sub"),
    }
    # A unit's own people follow their goals on their host: the public list is the console's.
    assert not selectors.submissions_under(people["lianyuan"]["finance"]).exists()
    assert not selectors.submissions_under(UserFactory(username="nobody")).exists()


def test_inbox_reads_are_two_queries(province: dict, people: dict) -> None:
    loudi = people["reviewers"]["loudi"]
    for read in (selectors.review_inbox, selectors.submissions_under):
        with CaptureQueriesContext(connection) as queries:
            rows = list(read(loudi))
            codes = [row.unit.code for row in rows]
        selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
        assert codes and len(selects) == 2, selects


def test_adjustments_awaiting_review_are_in_the_inbox(
    unit: Callable[[str], Procuratorate], province: dict, people: dict
) -> None:
    lsj = people["lengshuijiang"]
    approved = province["lengshuijiang"]["l-ok"]
    with tenant_context(unit("lengshuijiang")):
        adjustment = request_adjustment(
            approved,
            reason="调整",
            changes=[{"indicator": "q2", "field": "target_value", "after": "96"}],
            user=lsj["finance"],
        )
        assert ("lengshuijiang", "l-ok") not in listed(selectors.review_inbox(lsj["leader"]))
        submit_adjustment(adjustment, user=lsj["finance"])
    assert listed(selectors.review_inbox(lsj["leader"])) == {
        ("lengshuijiang", "l-sub"),
        ("lengshuijiang", "l-ok"),
    }
    row = GoalSubmission.objects.get(unit=unit("lengshuijiang"), goal_id=approved.pk)
    assert (row.status, row.adjustment_status) == ("approved", "submitted")


def test_the_submission_row_mirrors_the_goal(
    unit: Callable[[str], Procuratorate], province: dict
) -> None:
    lengshuijiang = unit("lengshuijiang")
    goal = province["lengshuijiang"]["l-ok"]
    row = GoalSubmission.objects.get(unit=lengshuijiang, goal_id=goal.pk)
    with tenant_context(lengshuijiang):
        goal.refresh_from_db()
        project = goal.project
    assert (row.project_code, row.project_name, row.fiscal_year, row.full_budget) == (
        project.code,
        project.name,
        2026,
        Decimal("500000.00"),
    )
    assert (row.status, row.grade, row.submitted_at, row.warnings) == (
        GoalStatus.APPROVED,
        "excellent",
        goal.submitted_at,
        0,
    )
    # An upsert: syncing again changes nothing and adds no row.
    with tenant_context(lengshuijiang):
        again = sync_submission(lengshuijiang, goal)
    assert again.pk == row.pk
    assert GoalSubmission.objects.filter(unit=lengshuijiang, goal_id=goal.pk).count() == 1


# --- the policy ---------------------------------------------------------------------------------


def test_the_policy_belongs_to_the_province_of_every_unit_below(
    unit: Callable[[str], Procuratorate], member: Callable[..., User]
) -> None:
    hunan = unit("hunan")
    assert selectors.policy_for(unit("lengshuijiang")) is None
    assert not selectors.requires_city_review(unit("lengshuijiang"))

    admin = member("hunan", Role.PROVINCE_ADMIN)
    policy = set_policy(hunan, require_city_review=True, user=admin)
    assert (policy.province, policy.require_city_review, policy.updated_by) == (hunan, True, admin)
    for code in ("lengshuijiang", "changsha-tianxin", "loudi", "hunan"):
        assert selectors.policy_for(unit(code)) == policy
    assert selectors.requires_city_review(unit("lengshuijiang"))
    assert selectors.parent_city(unit("lengshuijiang")) == unit("loudi")
    # A city's or the province's own goals have no parent city to review them.
    assert not selectors.requires_city_review(unit("loudi"))
    assert not selectors.requires_city_review(hunan)

    set_policy(hunan, require_city_review=False, user=admin)
    assert ProvincePolicy.objects.get().require_city_review is False
    assert not selectors.requires_city_review(unit("lengshuijiang"))


def test_only_a_province_admin_of_that_province_or_staff_sets_the_policy(
    unit: Callable[[str], Procuratorate], member: Callable[..., User]
) -> None:
    hunan = unit("hunan")
    for user in (
        member("loudi", Role.CITY_REVIEWER),
        member("hunan", Role.UNIT_LEADER),
        member("loudi", Role.PROVINCE_ADMIN),  # a role at a city is not the province's
    ):
        with pytest.raises(DomainError) as error:
            set_policy(hunan, require_city_review=True, user=user)
        assert [p.code for p in error.value.problems] == ["PERMISSION_DENIED"]
    with pytest.raises(DomainError) as error:
        set_policy(hunan, require_city_review=True, user=None)
    assert [p.code for p in error.value.problems] == ["PERMISSION_DENIED"]
    with pytest.raises(DomainError) as error:
        set_policy(unit("loudi"), require_city_review=True, user=member("loudi", Role.UNIT_FINANCE))
    assert [p.code for p in error.value.problems] == ["NOT_A_PROVINCE"]
    assert not ProvincePolicy.objects.exists()

    staff = UserFactory(username="operator", is_staff=True)
    assert set_policy(hunan, require_city_review=True, user=staff).updated_by == staff

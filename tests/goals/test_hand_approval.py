"""Issue 16: no self-approval. The leader who declared (drafted) a goal cannot review it at the
unit stage; they hand the approval to another leader of the unit, who reviews it; nobody else
can, and it cannot be handed to the declaring leader or to someone who is not a leader here."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import Role, User
from backend.core.errors import DomainError, PermissionDenied
from backend.goals.models import GoalStatus
from backend.goals.services.workflow import hand_approval, review, submit
from tests.goals.factories import make_goal
from tests.goals.test_workflow import DECISIONS, make_actors

pytestmark = pytest.mark.django_db


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return [p.code for p in error.value.problems]


def test_the_declaring_leader_hands_the_approval(lsj, member: Callable[..., User]) -> None:
    users = make_actors(member)
    declarer = users["leader"]
    deputy = member("lengshuijiang", Role.UNIT_LEADER, "lsj-deputy")
    third = member("lengshuijiang", Role.UNIT_LEADER, "lsj-third")
    goal = make_goal(created_by=declarer)
    submit(goal, user=users["finance"])
    with pytest.raises(DomainError) as error:
        review(goal, user=declarer, **DECISIONS["approve"])
    assert codes(error) == ["SELF_APPROVAL"]
    # only the declarer hands it, to another leader of the unit
    with pytest.raises(PermissionDenied):
        hand_approval(goal, user=deputy, to=third)
    for to, code in ((declarer, "SELF_APPROVAL"), (users["finance"], "NOT_A_LEADER")):
        with pytest.raises(DomainError) as error:
            hand_approval(goal, user=declarer, to=to)
        assert codes(error) == [code]
    with pytest.raises(DomainError) as error:
        hand_approval(goal, user=declarer, to=users["other_leader"])
    assert codes(error) == ["NOT_A_LEADER"]
    hand_approval(goal, user=declarer, to=deputy)
    goal.refresh_from_db()
    assert goal.approver == deputy
    # now only the deputy reviews
    for someone in (declarer, third):
        with pytest.raises(DomainError) as error:
            review(goal, user=someone, **DECISIONS["approve"])
        assert codes(error) == ["APPROVAL_HANDED"]
    review(goal, user=deputy, **DECISIONS["approve"])
    goal.refresh_from_db()
    assert goal.status in (GoalStatus.APPROVED, GoalStatus.UNIT_APPROVED)


def test_a_goal_drafted_by_finance_is_reviewed_as_before(lsj, member) -> None:
    users = make_actors(member)
    goal = make_goal(created_by=users["finance"])
    submit(goal, user=users["finance"])
    review(goal, user=users["leader"], **DECISIONS["approve"])
    goal.refresh_from_db()
    assert goal.status in (GoalStatus.APPROVED, GoalStatus.UNIT_APPROVED)

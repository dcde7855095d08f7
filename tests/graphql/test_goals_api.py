"""Projects and goals over GraphQL: the whole declaration and review on the units' hosts, the
review inbox on the public host, isolation between units, and a query count that does not grow
with the number of projects."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from backend.accounts.models import Role
from backend.benchmarking.models import IndicatorFact, ProjectFact
from backend.budgets.models import Project
from backend.goals.models import GoalIndicator, PerformanceGoal
from tests.conftest import error_codes
from tests.graphql.test_templates_api import PUSH, publish_template, run_push

pytestmark = pytest.mark.django_db

LSJ = "lengshuijiang.localhost"
CREATE_PROJECT = """mutation($input: ProjectInput!) { createProject(input: $input) {
  project { id code fullBudget } errors { field code message } } }"""
CREATE_GOAL = """mutation($p: ID!) { createGoal(projectId: $p, overallGoal: "依法高效办理各类案件",
  templateCode: "case-funds-test") { goal { id status indicators { code mandatory } }
  errors { field code message } } }"""
LIBRARY = "{ library { indicators { id code } } }"
ADD = """mutation($g: ID!, $l: ID!) { addGoalIndicator(goalId: $g, libraryIndicatorId: $l) {
  indicator { code } errors { field code message } } }"""
SUBMIT = """mutation($id: ID!) { submitGoal(id: $id) { goal { status warnings { code } }
  errors { field code message } } }"""
REVIEW = """mutation($id: ID!, $d: Decision!, $g: Grade) { reviewGoal(id: $id, decision: $d,
  grade: $g, comment: "同意") { goal { status grade } errors { field code message } } }"""


@pytest.fixture
def pushed(gql, member, token_for) -> str:
    """The test template, published and adopted by the five counties under 娄底."""
    admin = token_for(member("hunan", Role.PROVINCE_ADMIN, username="admin"))
    version = publish_template(gql, admin)
    result = gql(PUSH, token=admin, variables={"v": version["id"], "t": {"under": "loudi"}})
    run_push(result["data"]["pushTemplate"]["push"]["id"])
    return admin


def declare(gql, token: str, host: str = LSJ) -> str:
    """A project and a complete goal (submittable); returns the goal's id."""
    project = gql(
        CREATE_PROJECT,
        host=host,
        token=token,
        variables={
            "input": {
                "code": "bl-2026",
                "name": "办案业务经费",
                "category": "PROJECT",
                "kind": "CASE_FUNDS",
                "fiscalYear": 2026,
                "initialBudget": "850000.00",
                "department": "计划财务装备部",
            }
        },
    )["data"]["createProject"]
    assert project["errors"] == [], project
    goal = gql(CREATE_GOAL, host=host, token=token, variables={"p": project["project"]["id"]})[
        "data"
    ]["createGoal"]
    assert goal["errors"] == [], goal
    assert goal["goal"]["indicators"] == [{"code": "cases", "mandatory": True}]
    library = gql(LIBRARY, host=host, token=token)["data"]["library"]["indicators"]
    for item in library:
        if item["code"] != "cases":
            added = gql(
                ADD, host=host, token=token, variables={"g": goal["goal"]["id"], "l": item["id"]}
            )
            assert added["data"]["addGoalIndicator"]["errors"] == [], added
    return goal["goal"]["id"]


def test_declare_submit_and_approve_records_the_facts(gql, pushed, member, token_for) -> None:
    finance = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    leader = token_for(member("lengshuijiang", Role.UNIT_LEADER))
    goal_id = declare(gql, finance)

    # the preparer cannot approve
    refused = gql(
        REVIEW, host=LSJ, token=finance, variables={"id": goal_id, "d": "APPROVE", "g": "EXCELLENT"}
    )
    assert (
        gql(SUBMIT, host=LSJ, token=finance, variables={"id": goal_id})["data"]["submitGoal"][
            "goal"
        ]["status"]
        == "SUBMITTED"
    )
    refused = gql(
        REVIEW, host=LSJ, token=finance, variables={"id": goal_id, "d": "APPROVE", "g": "EXCELLENT"}
    )
    assert error_codes(refused) == ["PERMISSION_DENIED"], refused  # the finance officer
    approved = gql(
        REVIEW, host=LSJ, token=leader, variables={"id": goal_id, "d": "APPROVE", "g": "EXCELLENT"}
    )
    assert approved["data"]["reviewGoal"]["errors"] == [], approved
    assert approved["data"]["reviewGoal"]["goal"] == {"status": "APPROVED", "grade": "EXCELLENT"}

    fact = ProjectFact.objects.get(unit__code="lengshuijiang")
    assert fact.full_budget == Decimal("850000.00") and fact.goal_grade == "excellent"
    assert set(
        IndicatorFact.objects.filter(unit__code="lengshuijiang").values_list(
            "indicator_code", flat=True
        )
    ) == {"cases", "closure", "effect", "satisfaction"}
    history = gql(
        "query($id: ID!) { goal(id: $id) { history { kind object user } } }",
        host=LSJ,
        token=finance,
        variables={"id": goal_id},
    )["data"]["goal"]["history"]
    assert {"kind": "+", "object": "goal", "user": "lengshuijiang-unit_finance"} in history


WITHDRAW = """mutation($id: ID!) { withdrawGoal(id: $id) { goal { status }
  errors { field code message } } }"""


def test_a_submitted_goal_is_withdrawn_before_review(gql, pushed, member, token_for) -> None:
    finance = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    leader = token_for(member("lengshuijiang", Role.UNIT_LEADER))
    goal_id = declare(gql, finance)
    gql(SUBMIT, host=LSJ, token=finance, variables={"id": goal_id})

    # withdrawing is the submitter's (the role table's goal.submit): the gate refuses the leader
    refused = gql(WITHDRAW, host=LSJ, token=leader, variables={"id": goal_id})
    assert error_codes(refused) == ["PERMISSION_DENIED"]
    done = gql(WITHDRAW, host=LSJ, token=finance, variables={"id": goal_id})["data"]
    assert done["withdrawGoal"] == {"goal": {"status": "DRAFT"}, "errors": []}
    again = gql(WITHDRAW, host=LSJ, token=finance, variables={"id": goal_id})["data"]
    assert [e["code"] for e in again["withdrawGoal"]["errors"]] == ["INVALID_TRANSITION"]

    # another unit's user cannot reach the goal at all
    other = token_for(member("lianyuan", Role.UNIT_FINANCE))
    gql(SUBMIT, host=LSJ, token=finance, variables={"id": goal_id})
    result = gql(WITHDRAW, host=LSJ, token=other, variables={"id": goal_id})
    assert error_codes(result) == ["PERMISSION_DENIED"]
    with schema_context("lengshuijiang"):
        assert PerformanceGoal.objects.get().status == "submitted"


def test_add_goal_indicator_takes_a_library_indicator_or_an_input(
    gql, pushed, member, token_for
) -> None:
    finance = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    goal_id = declare(gql, finance)
    library = gql(LIBRARY, host=LSJ, token=finance)["data"]["library"]["indicators"]
    with schema_context("lengshuijiang"):
        before = GoalIndicator.objects.count()
    add = """mutation($g: ID!, $l: ID, $i: IndicatorInput) {
      addGoalIndicator(goalId: $g, libraryIndicatorId: $l, input: $i) {
        indicator { code } errors { field code } } }"""
    for variables in ({"g": goal_id}, {"g": goal_id, "l": library[0]["id"], "i": {}}):
        payload = gql(add, host=LSJ, token=finance, variables=variables)["data"]
        assert payload["addGoalIndicator"] == {
            "indicator": None,
            "errors": [{"field": "libraryIndicatorId", "code": "INVALID_INPUT"}],
        }
    with schema_context("lengshuijiang"):
        assert GoalIndicator.objects.count() == before


def test_a_city_reviewer_sees_its_counties_goals_from_the_public_host(
    gql, pushed, member, token_for
) -> None:
    gql(
        'mutation { setProvincePolicy(province: "hunan", requireCityReview: true) '
        "{ errors { code } } }",
        token=pushed,
    )
    finance = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    leader = token_for(member("lengshuijiang", Role.UNIT_LEADER))
    goal_id = declare(gql, finance)
    gql(SUBMIT, host=LSJ, token=finance, variables={"id": goal_id})
    passed = gql(
        REVIEW, host=LSJ, token=leader, variables={"id": goal_id, "d": "APPROVE", "g": "GOOD"}
    )
    assert passed["data"]["reviewGoal"]["goal"]["status"] == "UNIT_APPROVED", passed

    loudi = token_for(member("loudi", Role.CITY_REVIEWER))
    changsha = token_for(member("changsha", Role.CITY_REVIEWER))
    inbox = gql("{ reviewInbox { unit { code } projectName status goalId } }", token=loudi)
    assert [(i["unit"]["code"], i["status"]) for i in inbox["data"]["reviewInbox"]] == [
        ("lengshuijiang", "UNIT_APPROVED")
    ]
    assert gql("{ reviewInbox { goalId } }", token=changsha)["data"]["reviewInbox"] == []
    assert gql("{ goalSubmissions { goalId } }", token=changsha)["data"]["goalSubmissions"] == []

    # changsha's reviewer cannot act on the county's host; loudi's can, with the inbox's goalId
    item = inbox["data"]["reviewInbox"][0]
    assert error_codes(
        gql(
            REVIEW,
            host=LSJ,
            token=changsha,
            variables={"id": item["goalId"], "d": "APPROVE", "g": "GOOD"},
        )
    ) == ["PERMISSION_DENIED"]
    done = gql(
        REVIEW, host=LSJ, token=loudi, variables={"id": item["goalId"], "d": "APPROVE", "g": "GOOD"}
    )
    assert done["data"]["reviewGoal"]["goal"]["status"] == "APPROVED", done


def test_a_unit_never_sees_another_units_projects(gql, pushed, member, token_for) -> None:
    finance = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    goal_id = declare(gql, finance)
    other = token_for(member("lianyuan", Role.UNIT_FINANCE))
    query = "{ projects { totalCount } }"
    assert error_codes(gql(query, host=LSJ, token=other)) == ["PERMISSION_DENIED"]
    assert gql(query, host="lianyuan.localhost", token=other)["data"]["projects"]["totalCount"] == 0
    # an id of lengshuijiang's means nothing on lianyuan's host, even to a reviewer of both
    reviewer = token_for(member("loudi", Role.CITY_REVIEWER))
    found = gql(
        "query($id: ID!) { goal(id: $id) { overallGoal } }",
        host="lianyuan.localhost",
        token=reviewer,
        variables={"id": goal_id},
    )
    assert found["data"]["goal"] is None
    # and nobody outside the unit can write into it
    written = gql(
        CREATE_PROJECT,
        host=LSJ,
        token=reviewer,
        variables={
            "input": {
                "code": "x",
                "name": "x",
                "category": "PROJECT",
                "kind": "OTHER",
                "fiscalYear": 2026,
                "initialBudget": "1",
            }
        },
    )
    assert error_codes(written) == ["PERMISSION_DENIED"]


def test_bad_input_is_a_typed_error_and_writes_nothing(gql, member, token_for) -> None:
    finance = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    result = gql(
        CREATE_PROJECT,
        host=LSJ,
        token=finance,
        variables={
            "input": {
                "code": "neg",
                "name": "负数",
                "category": "PROJECT",
                "kind": "OTHER",
                "fiscalYear": 2026,
                "initialBudget": "-5",
            }
        },
    )
    payload = result["data"]["createProject"]
    assert payload["project"] is None and payload["errors"]
    assert payload["errors"][0]["field"] == "initial_budget"
    with schema_context("lengshuijiang"):
        assert Project.objects.count() == 0


def _make_projects(count: int) -> None:
    projects = Project.objects.bulk_create(
        Project(
            code=f"p{i:03}",
            name=f"项目{i}",
            category="project",
            kind="case_funds",
            fiscal_year=2026,
            initial_budget=Decimal("1000.00"),
            full_budget=Decimal("1000.00"),
        )
        for i in range(count)
    )
    goals = PerformanceGoal.objects.bulk_create(
        PerformanceGoal(project=p, fiscal_year=2026, overall_goal="目标") for p in projects
    )
    GoalIndicator.objects.bulk_create(
        GoalIndicator(
            goal=g,
            source="goal",
            code=f"i{k}",
            level1="产出指标",
            level2="数量指标",
            name=f"指标{k}",
            value_type="quantitative",
            direction="gte",
            unit="件",
            target_value=Decimal(10),
            weight=Decimal(10),
        )
        for g in goals
        for k in range(3)
    )


def test_the_projects_query_runs_a_constant_number_of_queries(gql, member, token_for) -> None:
    token = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    query = """query($n: Int!) { projects(first: $n, fiscalYear: 2026) { totalCount edges { node {
      name fullBudget spent executionRate adjustments { amount }
      goal { status indicators { code targetValue weight } } } } } }"""
    gql("{ me { username } }", token=token)  # the token's first use is stamped once
    counts = {}
    for total in (10, 200):
        with schema_context("lengshuijiang"):
            PerformanceGoal.objects.all().delete()
            Project.objects.all().delete()
            _make_projects(total)
        with CaptureQueriesContext(connection) as captured:
            result = gql(query, host=LSJ, token=token, variables={"n": total})
        edges = result["data"]["projects"]["edges"]
        assert len(edges) == total and len(edges[-1]["node"]["goal"]["indicators"]) == 3
        counts[total] = len(captured)
    assert counts[10] == counts[200], counts


def test_public_rows_follow_budget_changes_and_edits(gql, pushed, member, token_for) -> None:
    """The inbox row and the facts mirror the goal's project: a budget adjustment after
    approval and an edit of a returned goal update them in the same transaction."""
    from backend.oversight.models import GoalSubmission

    finance = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    leader = token_for(member("lengshuijiang", Role.UNIT_LEADER))
    goal_id = declare(gql, finance)
    gql(SUBMIT, host=LSJ, token=finance, variables={"id": goal_id})
    gql(REVIEW, host=LSJ, token=leader, variables={"id": goal_id, "d": "APPROVE", "g": "GOOD"})
    project_id = gql(
        "query($id: ID!) { goal(id: $id) { project { id } } }",
        host=LSJ,
        token=finance,
        variables={"id": goal_id},
    )["data"]["goal"]["project"]["id"]
    adjusted = gql(
        """mutation($p: ID!) { addBudgetAdjustment(projectId: $p, date: "2026-06-30",
                   amount: "150000", reason: "年中追加办案经费") { project { fullBudget }
                   errors { code } } }""",
        host=LSJ,
        token=finance,
        variables={"p": project_id},
    )
    assert adjusted["data"]["addBudgetAdjustment"]["project"]["fullBudget"] == "1000000.00"
    assert ProjectFact.objects.get(unit__code="lengshuijiang").full_budget == Decimal("1000000")
    assert GoalSubmission.objects.get(unit__code="lengshuijiang").full_budget == Decimal("1000000")


HAND = """mutation($id: ID!, $to: String!) { handGoalApproval(id: $id, approver: $to) {
  goal { status } errors { field code message } } }"""


def test_the_declaring_leader_hands_the_approval_over_graphql(
    gql, pushed, member, token_for
) -> None:
    """Issue 16: no self-approval. The leader who declared the goal is refused at review
    (``SELF_APPROVAL``) and hands it to another leader, who approves; an unknown user or one
    who is no leader here is named on ``approver``."""
    declarer = token_for(member("lengshuijiang", Role.UNIT_LEADER, username="declarer"))
    deputy = token_for(member("lengshuijiang", Role.UNIT_LEADER, username="deputy"))
    finance = token_for(member("lengshuijiang", Role.UNIT_FINANCE, username="lsj-cashier"))
    goal_id = declare(gql, declarer)
    gql(SUBMIT, host=LSJ, token=finance, variables={"id": goal_id})
    approve = {"id": goal_id, "d": "APPROVE", "g": "EXCELLENT"}
    own = gql(REVIEW, host=LSJ, token=declarer, variables=approve)["data"]["reviewGoal"]
    assert [e["code"] for e in own["errors"]] == ["SELF_APPROVAL"], own
    for to, code in (("nobody-here", "NOT_FOUND"), ("lsj-cashier", "NOT_A_LEADER")):
        refused = gql(HAND, host=LSJ, token=declarer, variables={"id": goal_id, "to": to})
        errors = refused["data"]["handGoalApproval"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("approver", code)], refused
    handed = gql(HAND, host=LSJ, token=declarer, variables={"id": goal_id, "to": "deputy"})
    assert handed["data"]["handGoalApproval"]["errors"] == [], handed
    done = gql(REVIEW, host=LSJ, token=deputy, variables=approve)["data"]["reviewGoal"]
    assert done["errors"] == [] and done["goal"]["status"] == "APPROVED", done

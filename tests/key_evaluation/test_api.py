"""Key evaluation through GraphQL: the whole flow on the public host, evaluators seeing only
what is assigned to them (issue 6 must-hold), a city never seeing another city's units, the
unit's own view on its host, and query counts that do not grow with rows."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from backend.accounts.models import Role, User
from backend.benchmarking.models import ProjectFact
from backend.key_evaluation import services
from backend.key_evaluation.models import KeyEvaluation
from graphql_schema.tenant import schema as tenant_schema
from tenants.models import Procuratorate
from tests.conftest import GraphQLClient, error_codes
from tests.key_evaluation.factories import finalised_project
from tests.key_evaluation.test_services import SHEETS

pytestmark = pytest.mark.django_db

D = Decimal
PUBLIC = "localhost"
LSJ = "lengshuijiang.localhost"

SELECT = """
mutation($issuer: String!, $unit: String!, $projectId: ID!) {
  selectForKeyEvaluation(issuer: $issuer, unit: $unit, projectId: $projectId, fiscalYear: 2026) {
    errors { field code message }
    keyEvaluation { id kind status selfScore projectCode unit { code } issuer { code }
                    indicators { code weight selfScore } }
  }
}"""
ASSIGN = """
mutation($id: ID!, $userIds: [ID!]!) {
  assignEvaluators(id: $id, userIds: $userIds) {
    errors { field code message }
    keyEvaluation { status assignments { id evaluator { username } status } }
  }
}"""
RECORD = """
mutation($id: ID!, $indicators: [EvaluatorScoreInput!]!) {
  recordEvaluatorScores(assignmentId: $id, indicators: $indicators, comment: "意见") {
    errors { field code message }
    assignment { total grade scores { indicatorCode finalScore computation } }
  }
}"""
SUBMIT = """
mutation($id: ID!) {
  submitEvaluatorScores(assignmentId: $id) { errors { field code } assignment { status } }
}"""
FINALISE = """
mutation($id: ID!) {
  finaliseKeyEvaluation(id: $id, conclusion: "自评偏高") {
    errors { field code message }
    keyEvaluation { status keyScore keyGrade gap overrated rule scoreExplanation
                    indicators { code keyScore } }
  }
}"""
LIST = """
query { keyEvaluations { totalCount edges { node {
  id projectCode unit { code } status
  indicators { code selfScore keyScore }
  assignments { evaluator { username } total scores { indicatorCode finalScore } }
} } } }"""
ONE = """
query($id: ID!) { keyEvaluation(id: $id) { projectCode assignments { evaluator { username } } } }"""
MINE = """
query { myKeyEvaluationAssignments { totalCount edges { node {
  id status keyEvaluation { projectCode } } } } }"""


@pytest.fixture
def people(member: Callable[..., User]) -> dict[str, User]:
    return {
        "admin": member("hunan", Role.PROVINCE_ADMIN),
        "loudi": member("loudi", Role.CITY_REVIEWER),
        "changsha": member("changsha", Role.CITY_REVIEWER),
        "A": member("hunan", Role.EVALUATOR, username="eval-a"),
        "B": member("hunan", Role.EVALUATOR, username="eval-b"),
        "C": member("loudi", Role.EVALUATOR, username="eval-c"),
        "lsj": member("lengshuijiang", Role.UNIT_FINANCE),
        "lianyuan": member("lianyuan", Role.UNIT_FINANCE),
    }


@pytest.fixture
def tokens(people: dict[str, User], token_for: Callable[[User], str]) -> dict[str, str]:
    return {name: token_for(user) for name, user in people.items()}


@pytest.fixture
def facts(unit: Callable[[str], Procuratorate]) -> dict[str, ProjectFact]:
    return {
        "lsj": finalised_project(unit("lengshuijiang"), code="lsj-1"),
        "lianyuan": finalised_project(unit("lianyuan"), code="lianyuan-1"),
    }


def ok(result: dict[str, Any], name: str) -> dict[str, Any]:
    assert "errors" not in result, result
    payload = result["data"][name]
    assert payload["errors"] == [], payload["errors"]
    return payload


def gid(kind: str, pk: int) -> str:
    return to_global_id(kind, pk)


def scores_input(name: str) -> list[dict[str, Any]]:
    """A sheet of ``SHEETS`` as GraphQL input (camelCase keys, enum names, decimal strings)."""
    camel = {"actual_value": "actualValue", "band_score": "bandScore"}
    return [
        {
            camel.get(k, k): str(v) if isinstance(v, Decimal) else v.upper() if k == "band" else v
            for k, v in row.items()
        }
        for row in SHEETS[name]
    ]


def test_the_whole_flow_through_graphql(
    gql: GraphQLClient,
    people: dict[str, User],
    tokens: dict[str, str],
    facts: dict[str, ProjectFact],
) -> None:
    fact = facts["lsj"]
    policy = gql(
        'mutation { setKeyEvaluationPolicy(province: "hunan", keyScoreRule: MEAN, '
        'overratePoints: "10") { errors { code } policy { keyScoreRule overratePoints } } }',
        host=PUBLIC,
        token=tokens["admin"],
    )
    assert ok(policy, "setKeyEvaluationPolicy")["policy"] == {
        "keyScoreRule": "MEAN",
        "overratePoints": "10.00",
    }
    selected = ok(
        gql(
            SELECT,
            host=PUBLIC,
            token=tokens["loudi"],
            variables={
                "issuer": "loudi",
                "unit": "lengshuijiang",
                "projectId": gid("Project", fact.project_id),
            },
        ),
        "selectForKeyEvaluation",
    )["keyEvaluation"]
    assert selected["kind"] == "KEY" and selected["status"] == "SELECTED"
    assert selected["selfScore"] == "96.00" and selected["unit"]["code"] == "lengshuijiang"
    assert [i["code"] for i in selected["indicators"]] == ["q1", "q2", "e1", "s1"]

    evaluators = gql(
        'query { keyEvaluators(issuer: "loudi") { id username } }',
        host=PUBLIC,
        token=tokens["loudi"],
    )["data"]["keyEvaluators"]
    assert [e["username"] for e in evaluators] == ["eval-a", "eval-b", "eval-c"]
    assigned = ok(
        gql(
            ASSIGN,
            host=PUBLIC,
            token=tokens["loudi"],
            variables={"id": selected["id"], "userIds": [e["id"] for e in evaluators]},
        ),
        "assignEvaluators",
    )["keyEvaluation"]
    assert assigned["status"] == "EVALUATING"
    by_name = {a["evaluator"]["username"]: a["id"] for a in assigned["assignments"]}

    for name, username in (("A", "eval-a"), ("B", "eval-b"), ("C", "eval-c")):
        sheet = ok(
            gql(
                RECORD,
                host=PUBLIC,
                token=tokens[name],
                variables={"id": by_name[username], "indicators": scores_input(name)},
            ),
            "recordEvaluatorScores",
        )["assignment"]
        assert sheet["total"] == {"A": "84.00", "B": "84.39", "C": "69.00"}[name]
        submitted = gql(
            SUBMIT, host=PUBLIC, token=tokens[name], variables={"id": by_name[username]}
        )
        assert ok(submitted, "submitEvaluatorScores")["assignment"]["status"] == "SUBMITTED"

    final = ok(
        gql(FINALISE, host=PUBLIC, token=tokens["loudi"], variables={"id": selected["id"]}),
        "finaliseKeyEvaluation",
    )["keyEvaluation"]
    assert final["status"] == "FINALISED"
    assert (final["keyScore"], final["keyGrade"], final["gap"], final["overrated"]) == (
        "79.13",
        "中",
        "16.87",
        True,
    )
    assert final["rule"] == "MEAN" and "÷ 3 = 79.13" in final["scoreExplanation"]
    assert final["indicators"][0] == {"code": "q1", "keyScore": "22.00"}
    fact.refresh_from_db()
    assert (fact.key_score, fact.key_grade) == (D("79.13"), "中")

    # The unit sees its project's key score beside its own, not the evaluators.
    own = gql(
        "query { keyEvaluations { totalCount edges { node { projectCode selfScore keyScore "
        "gap overrated status issuer { code } indicators { code selfScore keyScore } } } } }",
        host=LSJ,
        token=tokens["lsj"],
    )
    assert "errors" not in own, own
    nodes = [e["node"] for e in own["data"]["keyEvaluations"]["edges"]]
    assert nodes == [
        {
            "projectCode": "lsj-1",
            "selfScore": "96.00",
            "keyScore": "79.13",
            "gap": "16.87",
            "overrated": True,
            "status": "FINALISED",
            "issuer": {"code": "loudi"},
            "indicators": [
                {"code": "q1", "selfScore": "30.00", "keyScore": "22.00"},
                {"code": "q2", "selfScore": "20.00", "keyScore": "19.65"},
                {"code": "e1", "selfScore": "27.00", "keyScore": "18.67"},
                {"code": "s1", "selfScore": "10.00", "keyScore": "9.81"},
            ],
        }
    ]
    # The unit's type has no evaluators' sheets at all.
    unit_type = tenant_schema.graphql_schema.get_type("UnitKeyEvaluation")
    assert "assignments" not in unit_type.fields and "evaluator" not in str(unit_type.fields)


def _two_key_evaluations(
    unit: Callable[[str], Procuratorate], people: dict[str, User], facts: dict[str, ProjectFact]
) -> dict[str, KeyEvaluation]:
    """冷水江's project assigned to A and B; 涟源's to B only."""
    rows = {}
    for name, fact in facts.items():
        rows[name] = services.select_for_key_evaluation(
            unit("loudi"), people["loudi"], fact.unit, fact.project_id, 2026, "key"
        )
    services.assign_evaluators(rows["lsj"], people["loudi"], [people["A"].pk, people["B"].pk])
    services.assign_evaluators(rows["lianyuan"], people["loudi"], [people["B"].pk])
    for name in ("A", "B"):
        a = rows["lsj"].assignments.get(evaluator=people[name])
        services.record_evaluator_scores(a, people[name], SHEETS[name])
    return rows


def test_evaluators_see_only_the_projects_assigned_to_them(
    gql: GraphQLClient,
    unit: Callable[[str], Procuratorate],
    people: dict[str, User],
    tokens: dict[str, str],
    facts: dict[str, ProjectFact],
) -> None:
    rows = _two_key_evaluations(unit, people, facts)

    def listed(name: str) -> dict[str, list[str]]:
        result = gql(LIST, host=PUBLIC, token=tokens[name])
        assert "errors" not in result, result
        return {
            e["node"]["projectCode"]: [a["evaluator"]["username"] for a in e["node"]["assignments"]]
            for e in result["data"]["keyEvaluations"]["edges"]
        }

    # A: only 冷水江's, and in it only A's own sheet.
    assert listed("A") == {"lsj-1": ["eval-a"]}
    assert listed("B") == {"lsj-1": ["eval-b"], "lianyuan-1": ["eval-b"]}
    # C holds the evaluator role at Loudi too, but is assigned nothing.
    assert listed("C") == {}
    # The managers see everything below them, every evaluator.
    assert listed("loudi") == {"lsj-1": ["eval-a", "eval-b"], "lianyuan-1": ["eval-b"]}
    assert listed("admin") == listed("loudi")
    # A unit's people are refused on the public host; another city sees nothing at all.
    assert error_codes(gql(LIST, host=PUBLIC, token=tokens["lsj"])) == ["PERMISSION_DENIED"]
    assert listed("changsha") == {}

    other = gid("KeyEvaluation", rows["lianyuan"].pk)
    assert gql(ONE, host=PUBLIC, token=tokens["A"], variables={"id": other})["data"] == {
        "keyEvaluation": None
    }
    mine = gql(MINE, host=PUBLIC, token=tokens["A"])["data"]["myKeyEvaluationAssignments"]
    assert mine["totalCount"] == 1
    assert mine["edges"][0]["node"]["keyEvaluation"]["projectCode"] == "lsj-1"

    # A cannot act on B's sheet nor on a key evaluation they may not see.
    b_sheet = rows["lsj"].assignments.get(evaluator=people["B"])
    result = gql(
        RECORD,
        host=PUBLIC,
        token=tokens["A"],
        variables={"id": gid("EvaluatorAssignment", b_sheet.pk), "indicators": []},
    )
    assert [e["code"] for e in result["data"]["recordEvaluatorScores"]["errors"]] == ["NOT_FOUND"]
    # An evaluator manages nothing: finalising is refused before any key evaluation is looked
    # up, whether it may see it or not.
    mine_id = gid("KeyEvaluation", rows["lsj"].pk)
    for key_evaluation in (other, mine_id):
        result = gql(FINALISE, host=PUBLIC, token=tokens["A"], variables={"id": key_evaluation})
        assert error_codes(result) == ["PERMISSION_DENIED"]
        assert result["data"]["finaliseKeyEvaluation"] is None


def test_a_city_never_reaches_another_citys_units(
    gql: GraphQLClient,
    unit: Callable[[str], Procuratorate],
    people: dict[str, User],
    tokens: dict[str, str],
    facts: dict[str, ProjectFact],
) -> None:
    rows = _two_key_evaluations(unit, people, facts)
    lsj_id = gid("KeyEvaluation", rows["lsj"].pk)
    assert gql(ONE, host=PUBLIC, token=tokens["changsha"], variables={"id": lsj_id})["data"] == {
        "keyEvaluation": None
    }
    for mutation, variables, name in (
        (FINALISE, {"id": lsj_id}, "finaliseKeyEvaluation"),
        (ASSIGN, {"id": lsj_id, "userIds": [gid("User", people["A"].pk)]}, "assignEvaluators"),
    ):
        result = gql(mutation, host=PUBLIC, token=tokens["changsha"], variables=variables)
        assert [e["code"] for e in result["data"][name]["errors"]] == ["NOT_FOUND"]
    # Selecting a Loudi county: not as Changsha, not as Loudi.
    new = finalised_project(unit("xinhua"), code="xinhua-1")
    for issuer, code in (("changsha", "NOT_IN_SUBTREE"), ("loudi", "PERMISSION_DENIED")):
        result = gql(
            SELECT,
            host=PUBLIC,
            token=tokens["changsha"],
            variables={
                "issuer": issuer,
                "unit": "xinhua",
                "projectId": gid("Project", new.project_id),
            },
        )
        assert [e["code"] for e in result["data"]["selectForKeyEvaluation"]["errors"]] == [code]
    draws = gql(
        'mutation { drawSample(issuer: "loudi", fiscalYear: 2026) { errors { code } } }',
        host=PUBLIC,
        token=tokens["changsha"],
    )
    assert [e["code"] for e in draws["data"]["drawSample"]["errors"]] == ["PERMISSION_DENIED"]
    assert not KeyEvaluation.objects.filter(unit__code="xinhua").exists()


def test_unit_hosts_show_only_their_own_projects(
    gql: GraphQLClient,
    unit: Callable[[str], Procuratorate],
    people: dict[str, User],
    tokens: dict[str, str],
    facts: dict[str, ProjectFact],
) -> None:
    _two_key_evaluations(unit, people, facts)
    query = "query { keyEvaluations { totalCount edges { node { projectCode } } } }"
    own = gql(query, host=LSJ, token=tokens["lsj"])["data"]["keyEvaluations"]
    assert [e["node"]["projectCode"] for e in own["edges"]] == ["lsj-1"]
    theirs = gql(query, host="lianyuan.localhost", token=tokens["lianyuan"])["data"]
    assert [e["node"]["projectCode"] for e in theirs["keyEvaluations"]["edges"]] == ["lianyuan-1"]
    # 冷水江's token on 涟源's host: refused.
    refused = gql(query, host="lianyuan.localhost", token=tokens["lsj"])
    assert error_codes(refused) == ["PERMISSION_DENIED"]
    # Changsha's reviewer on 冷水江's host: refused too.
    assert error_codes(gql(query, host=LSJ, token=tokens["changsha"])) == ["PERMISSION_DENIED"]
    # No key-evaluation writes on a unit's host.
    mutations = tenant_schema.graphql_schema.mutation_type.fields
    assert not {"drawSample", "selectForKeyEvaluation", "finaliseKeyEvaluation"} & set(mutations)


def test_sampling_through_graphql(
    gql: GraphQLClient,
    people: dict[str, User],
    tokens: dict[str, str],
    facts: dict[str, ProjectFact],
) -> None:
    draw = """mutation { drawSample(issuer: "loudi", fiscalYear: 2026, share: "50") {
      errors { code } draw { populationSize sampleSize seed share created chosen flagged } } }"""
    first = ok(gql(draw, host=PUBLIC, token=tokens["loudi"]), "drawSample")["draw"]
    assert (first["populationSize"], first["sampleSize"], first["seed"], first["created"]) == (
        2,
        1,
        "loudi-2026",
        1,
    )
    again = ok(gql(draw, host=PUBLIC, token=tokens["loudi"]), "drawSample")["draw"]
    assert again["chosen"] == first["chosen"] and again["created"] == 0
    query = "query { samplingDraws { totalCount edges { node { seed issuer { code } } } } }"
    for name, count in (("loudi", 2), ("admin", 2), ("changsha", 0)):
        result = gql(query, host=PUBLIC, token=tokens[name])
        assert result["data"]["samplingDraws"]["totalCount"] == count, name
    for name in ("A", "lsj"):  # an evaluator, a unit's finance officer: not managers
        assert error_codes(gql(query, host=PUBLIC, token=tokens[name])) == ["PERMISSION_DENIED"]
    sampled = gql(
        "query { keyEvaluations(kind: SAMPLE) { totalCount } }", host=PUBLIC, token=tokens["loudi"]
    )
    assert sampled["data"]["keyEvaluations"]["totalCount"] == 1


def test_listing_costs_the_same_number_of_queries_whatever_the_rows(
    gql: GraphQLClient,
    unit: Callable[[str], Procuratorate],
    people: dict[str, User],
    tokens: dict[str, str],
    facts: dict[str, ProjectFact],
) -> None:
    rows = _two_key_evaluations(unit, people, facts)
    gql(LIST, host=PUBLIC, token=tokens["loudi"])  # the token's first use is written once
    counts = []
    for extra in ("xinhua", "shuangfeng"):
        with CaptureQueriesContext(connection) as queries:
            result = gql(LIST, host=PUBLIC, token=tokens["loudi"])
        assert "errors" not in result
        counts.append(len(queries))
        fact = finalised_project(unit(extra), code=f"{extra}-1")
        key_eval = services.select_for_key_evaluation(
            unit("loudi"), people["loudi"], fact.unit, fact.project_id, 2026, "key"
        )
        services.assign_evaluators(key_eval, people["loudi"], [people["A"].pk, people["C"].pk])
        a = key_eval.assignments.get(evaluator=people["A"])
        services.record_evaluator_scores(a, people["A"], SHEETS["A"])
    with CaptureQueriesContext(connection) as queries:
        result = gql(LIST, host=PUBLIC, token=tokens["loudi"])
    counts.append(len(queries))
    assert result["data"]["keyEvaluations"]["totalCount"] == len(rows) + 2
    assert counts[0] == counts[1] == counts[2], counts

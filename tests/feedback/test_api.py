"""Results application over GraphQL on both hosts: a unit's own inbox (rectifications,
feedback items, linkages) and its responses; reviewers across their subtree on the public host.
Isolation: a unit never sees another unit's rows; a city reviewer never acts on another city's
unit; a unit cannot accept its own rectification. Query counts do not grow with rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from graphql_relay import to_global_id

from backend.accounts.models import Role, User
from backend.documents.models import Document
from backend.feedback.models import RectificationRequest
from backend.feedback.services import EvaluationResult, apply_evaluation_result
from tenants.models import Procuratorate
from tests.conftest import error_codes
from tests.feedback.factories import RectificationFactory, UnitYearFactFactory, finalised

pytestmark = pytest.mark.django_db

LSJ, LIANYUAN, PUBLIC = "lengshuijiang.localhost", "lianyuan.localhost", "localhost"
DUE = "2099-01-31"
D = Decimal

RECT_FIELDS = """id status overdue title origin projectCode projectId unit { code }
  issuer { code } events { kind text evidenceIds actorName }"""
UNIT_RECTS = f"""query($s: RectificationStatus) {{ rectifications(status: $s) {{ totalCount
  edges {{ node {{ {RECT_FIELDS} }} }} }} }}"""
PUBLIC_RECTS = f"""query($city: String, $o: Boolean) {{ rectifications(city: $city, overdue: $o)
  {{ totalCount edges {{ node {{ {RECT_FIELDS} }} }} }} }}"""
RESPOND = f"""mutation($id: ID!, $t: String!, $e: [ID!]) {{ respondRectification(id: $id, text: $t,
  evidenceIds: $e) {{ rectification {{ {RECT_FIELDS} }} errors {{ field code message }} }} }}"""
ACCEPT = f"""mutation($id: ID!) {{ acceptRectification(id: $id, comment: "同意") {{
  rectification {{ {RECT_FIELDS} }} errors {{ field code message }} }} }}"""
REJECT = f"""mutation($id: ID!) {{ rejectRectification(id: $id, comment: "材料不足") {{
  rectification {{ {RECT_FIELDS} }} errors {{ field code message }} }} }}"""


@pytest.fixture
def tokens(member: Callable[..., User], token_for: Callable[[User], str]) -> dict[str, str]:
    return {
        name: token_for(member(code, role))
        for name, code, role in (
            ("admin", "hunan", Role.PROVINCE_ADMIN),
            ("loudi", "loudi", Role.CITY_REVIEWER),
            ("changsha", "changsha", Role.CITY_REVIEWER),
            ("lsj", "lengshuijiang", Role.UNIT_FINANCE),
            ("lianyuan", "lianyuan", Role.UNIT_FINANCE),
        )
    }


def poor(unit: Procuratorate, total: str = "45.00", grade: str = "差", evaluation_id: int = 501):
    fact = finalised(unit=unit, self_score=D(total), self_grade=grade)
    apply_evaluation_result(
        EvaluationResult(
            unit=unit,
            fiscal_year=2026,
            evaluation_id=evaluation_id,
            project_id=fact.project_id,
            project_code=fact.project_code,
            project_name=fact.project_name,
            full_budget=fact.full_budget,
            total=D(total),
            grade=grade,
        )
    )
    return fact


def nodes(result: dict, field: str) -> list[dict]:
    assert "errors" not in result, result
    return [edge["node"] for edge in result["data"][field]["edges"]]


def test_a_poor_grade_travels_to_the_unit_and_back(gql, tokens, unit):
    lsj = unit("lengshuijiang")
    fact = poor(lsj)
    poor(unit("lianyuan"), evaluation_id=502)
    with tenant_context(lsj):
        doc = Document.objects.create(title="整改报告", file="documents/r.pdf", size=1).pk

    mine = nodes(gql(UNIT_RECTS, host=LSJ, token=tokens["lsj"]), "rectifications")
    assert len(mine) == 1
    request = mine[0]
    assert (request["status"], request["origin"], request["issuer"]["code"]) == (
        "OPEN",
        "GRADE",
        "hunan",
    )
    assert request["projectId"] == to_global_id("Project", fact.project_id)
    one = gql(
        "query($id: ID!) { rectification(id: $id) { id title } }",
        host=LSJ,
        token=tokens["lsj"],
        variables={"id": request["id"]},
    )
    assert one["data"]["rectification"]["id"] == request["id"]

    responded = gql(
        RESPOND,
        host=LSJ,
        token=tokens["lsj"],
        variables={"id": request["id"], "t": "已整改", "e": [to_global_id("Document", doc)]},
    )["data"]["respondRectification"]
    assert responded["errors"] == [] and responded["rectification"]["status"] == "RESPONDED"
    assert responded["rectification"]["events"][0]["evidenceIds"] == [to_global_id("Document", doc)]
    # The unit cannot accept its own (a unit role reviews nothing on the public host).
    own = gql(ACCEPT, token=tokens["lsj"], variables={"id": request["id"]})
    assert error_codes(own) == ["PERMISSION_DENIED"] and own["data"]["acceptRectification"] is None
    # The other city's reviewer cannot see or act on it; Loudi's reviews it (a rectification
    # raised automatically by a grade is its counties' city's to review, issue 16).
    other = gql(ACCEPT, token=tokens["changsha"], variables={"id": request["id"]})
    assert other["data"]["acceptRectification"]["errors"][0]["code"] == "NOT_FOUND"
    rejected = gql(REJECT, token=tokens["loudi"], variables={"id": request["id"]})
    assert rejected["data"]["rejectRectification"]["rectification"]["status"] == "OPEN"
    gql(RESPOND, host=LSJ, token=tokens["lsj"], variables={"id": request["id"], "t": "补充"})
    accepted = gql(ACCEPT, token=tokens["admin"], variables={"id": request["id"]})
    payload = accepted["data"]["acceptRectification"]
    assert payload["errors"] == [] and payload["rectification"]["status"] == "ACCEPTED"
    assert [e["kind"] for e in payload["rectification"]["events"]] == [
        "RESPONDED",
        "REJECTED",
        "RESPONDED",
        "ACCEPTED",
    ]
    again = gql(ACCEPT, token=tokens["admin"], variables={"id": request["id"]})
    assert again["data"]["acceptRectification"]["errors"][0]["code"] == "INVALID_TRANSITION"


def test_a_unit_sees_and_answers_only_its_own(gql, tokens, unit):
    poor(unit("lengshuijiang"))
    theirs = RectificationRequest.objects.get(unit__code="lengshuijiang")
    gid = to_global_id("RectificationRequest", theirs.pk)
    # 涟源 on its own host: nothing of 冷水江's.
    assert nodes(gql(UNIT_RECTS, host=LIANYUAN, token=tokens["lianyuan"]), "rectifications") == []
    assert (
        gql(
            "query($id: ID!) { rectification(id: $id) { id } }",
            host=LIANYUAN,
            token=tokens["lianyuan"],
            variables={"id": gid},
        )["data"]["rectification"]
        is None
    )
    answer = gql(RESPOND, host=LIANYUAN, token=tokens["lianyuan"], variables={"id": gid, "t": "x"})
    assert answer["data"]["respondRectification"]["errors"][0]["code"] == "NOT_FOUND"
    # 涟源's people on 冷水江's host: refused outright.
    assert error_codes(gql(UNIT_RECTS, host=LSJ, token=tokens["lianyuan"])) == ["PERMISSION_DENIED"]
    # A reviewer reading 冷水江's host may read, but only the unit's people respond.
    assert len(nodes(gql(UNIT_RECTS, host=LSJ, token=tokens["loudi"]), "rectifications")) == 1
    refused = gql(RESPOND, host=LSJ, token=tokens["loudi"], variables={"id": gid, "t": "x"})
    assert error_codes(refused) == ["PERMISSION_DENIED"]
    assert refused["data"]["respondRectification"] is None


def test_reviewers_lists_follow_their_reach(gql, tokens, unit):
    poor(unit("lengshuijiang"))
    RectificationFactory(unit=unit("changsha-furong"), issuer=unit("changsha"), overdue=True)

    def codes(token: str, **variables: object) -> list[str]:
        rows = nodes(gql(PUBLIC_RECTS, token=token, variables=variables), "rectifications")
        return sorted(r["unit"]["code"] for r in rows)

    assert codes(tokens["admin"]) == ["changsha-furong", "lengshuijiang"]
    assert codes(tokens["admin"], o=True) == ["changsha-furong"]
    assert codes(tokens["loudi"]) == ["lengshuijiang"]
    assert codes(tokens["loudi"], city="changsha") == []
    assert codes(tokens["changsha"]) == ["changsha-furong"]
    # A unit's own people read their rectifications on their host, not here.
    assert error_codes(gql(PUBLIC_RECTS, token=tokens["lsj"])) == ["PERMISSION_DENIED"]
    assert error_codes(gql(PUBLIC_RECTS)) == ["UNAUTHENTICATED"]


def test_suggested_rectification_opened_by_the_city(gql, tokens, unit):
    fair = poor(unit("lengshuijiang"), "70.00", "中", evaluation_id=601)
    poor(unit("changsha-furong"), "72.00", "中", evaluation_id=602)
    query = """{ suggestedRectifications(fiscalYear: 2026) { totalCount edges { node {
      unit { code } projectId projectCode selfScore selfGrade } } } }"""
    seen = nodes(gql(query, token=tokens["loudi"]), "suggestedRectifications")
    assert [(s["unit"]["code"], s["selfGrade"], s["selfScore"]) for s in seen] == [
        ("lengshuijiang", "中", "70.00")
    ]
    assert len(nodes(gql(query, token=tokens["admin"]), "suggestedRectifications")) == 2
    opening = """mutation($input: OpenRectificationInput!) { openRectification(input: $input) {
      rectification { id origin projectCode unit { code } issuer { code } }
      errors { field code } } }"""
    base = {
        "issuer": "loudi",
        "fiscalYear": 2026,
        "title": "评价等级为中，请整改",
        "requirement": "分析偏差原因",
        "dueOn": DUE,
        "projectId": seen[0]["projectId"],
    }
    elsewhere = gql(
        opening, token=tokens["loudi"], variables={"input": {**base, "unit": "changsha-furong"}}
    )
    assert elsewhere["data"]["openRectification"]["errors"][0]["code"] == "PERMISSION_DENIED"
    opened = gql(
        opening, token=tokens["loudi"], variables={"input": {**base, "unit": "lengshuijiang"}}
    )
    payload = opened["data"]["openRectification"]
    assert payload["errors"] == [], payload
    assert payload["rectification"]["projectCode"] == fair.project_code
    assert payload["rectification"]["origin"] == "REVIEWER"
    assert nodes(gql(query, token=tokens["loudi"]), "suggestedRectifications") == []


LINKAGES = """query($u: Boolean) { budgetLinkages(unitLevel: $u) { totalCount edges { node {
  id unit { code } projectCode grade score baseBudget suggestedAction suggestedMinPct
  suggestedMaxPct basis decidedAction decidedPct decidedBudget decisionReason decidedByName }
  } } }"""
OWN_LINKAGES = """query { budgetLinkages { totalCount edges { node {
  id unit { code } projectCode decidedAction } } } }"""
DECIDE = """mutation($id: ID!, $a: LinkageAction!, $p: Decimal, $r: String!) {
  decideBudgetLinkage(id: $id, action: $a, pct: $p, reason: $r) { linkage { decidedAction
  decidedPct decidedBudget decisionReason } errors { field code message } } }"""


def test_linkage_shown_with_its_basis_and_decided(gql, tokens, unit):
    lsj_fact = poor(unit("lengshuijiang"))
    poor(unit("changsha-furong"), "95.00", "优", evaluation_id=701)
    rows = nodes(gql(LINKAGES, token=tokens["admin"], variables={"u": False}), "budgetLinkages")
    assert {(r["unit"]["code"], r["suggestedAction"]) for r in rows} == {
        ("lengshuijiang", "REDUCE"),
        ("changsha-furong", "INCREASE"),
    }
    lsj_row = next(r for r in rows if r["unit"]["code"] == "lengshuijiang")

    basis = json.loads(lsj_row["basis"])
    assert basis["budget_range"] == ["0.00", "800000.00"] and basis["grade"] == "差"
    assert (lsj_row["suggestedMinPct"], lsj_row["suggestedMaxPct"]) == ("-100.00", "-20.00")
    unit_rows = nodes(gql(LINKAGES, token=tokens["loudi"], variables={"u": True}), "budgetLinkages")
    assert [(r["unit"]["code"], r["grade"]) for r in unit_rows] == [("lengshuijiang", "差")]

    furong = next(r for r in rows if r["unit"]["code"] == "changsha-furong")
    refused = gql(
        DECIDE,
        token=tokens["loudi"],
        variables={"id": furong["id"], "a": "INCREASE", "p": "5", "r": "x"},
    )
    assert refused["data"]["decideBudgetLinkage"]["errors"][0]["code"] == "NOT_FOUND"
    bad = gql(
        DECIDE,
        token=tokens["loudi"],
        variables={"id": lsj_row["id"], "a": "REDUCE", "p": "10", "r": ""},
    )
    assert {e["code"] for e in bad["data"]["decideBudgetLinkage"]["errors"]} == {
        "PCT_MISMATCH",
        "REASON_REQUIRED",
    }
    decided = gql(
        DECIDE,
        token=tokens["loudi"],
        variables={"id": lsj_row["id"], "a": "REDUCE", "p": "-25", "r": "市院研究决定"},
    )["data"]["decideBudgetLinkage"]
    assert decided["errors"] == []
    assert decided["linkage"] == {
        "decidedAction": "REDUCE",
        "decidedPct": "-25.00",
        "decidedBudget": "750000.00",
        "decisionReason": "市院研究决定",
    }
    # The unit reads its own linkages (with the decision) on its host, nobody else's.
    own = nodes(gql(OWN_LINKAGES, host=LSJ, token=tokens["lsj"]), "budgetLinkages")
    assert {r["unit"]["code"] for r in own} == {"lengshuijiang"}
    assert {(r["projectCode"], r["decidedAction"]) for r in own} == {
        (lsj_fact.project_code, "REDUCE"),
        ("", None),  # the unit as a whole
    }
    assert "decideBudgetLinkage" not in str(
        gql("{ __schema { mutationType { fields { name } } } }", host=LSJ, token=tokens["lsj"])
    )


ISSUE = """mutation($input: IssueFeedbackInput!) { issueFeedback(input: $input) { batch { id
  unitCount readCount answeredCount rectificationCount acceptedCount responseRate closureRate
  items { unit { code } figures } } errors { field code message } } }"""
ITEMS = """{ feedbackItems { totalCount edges { node { id title body fiscalYear figures readAt
  answer issuer { code } rectification { id status dueOn } } } } }"""
BATCHES = """{ feedbackBatches { totalCount edges { node { id title unitCount readCount
  answeredCount rectificationCount acceptedCount responseRate closureRate } } } }"""


def test_feedback_batch_round_trip(gql, tokens, unit):
    UnitYearFactFactory(unit=unit("lengshuijiang"), project_score=D("70.00"), project_grade="中")
    UnitYearFactFactory(unit=unit("lianyuan"), project_score=D("50.00"), project_grade="差")
    UnitYearFactFactory(unit=unit("changsha-furong"), project_score=D("55.00"), project_grade="差")
    issued = gql(
        ISSUE,
        token=tokens["loudi"],
        variables={
            "input": {
                "issuer": "loudi",
                "fiscalYear": 2026,
                "title": "年度评价反馈",
                "body": "请对照问题整改",
                "filter": {"grades": ["中", "差"], "level": "county"},
                "requiresRectification": True,
                "dueOn": DUE,
            }
        },
    )["data"]["issueFeedback"]
    assert issued["errors"] == [], issued
    batch = issued["batch"]
    assert sorted(i["unit"]["code"] for i in batch["items"]) == ["lengshuijiang", "lianyuan"]
    assert (batch["unitCount"], batch["rectificationCount"], batch["responseRate"]) == (
        2,
        2,
        "0.00",
    )
    # Another city's reviewer cannot issue for Loudi nor name a Changsha unit.
    refused = gql(
        ISSUE,
        token=tokens["changsha"],
        variables={
            "input": {
                "issuer": "loudi",
                "fiscalYear": 2026,
                "title": "t",
                "body": "b",
                "unitCodes": ["lianyuan"],
            }
        },
    )["data"]["issueFeedback"]
    assert refused["errors"][0]["code"] == "PERMISSION_DENIED"
    outside = gql(
        ISSUE,
        token=tokens["loudi"],
        variables={
            "input": {
                "issuer": "loudi",
                "fiscalYear": 2026,
                "title": "t",
                "body": "b",
                "unitCodes": ["changsha-furong"],
            }
        },
    )["data"]["issueFeedback"]
    assert outside["errors"][0]["code"] == "OUT_OF_REACH"

    mine = nodes(gql(ITEMS, host=LSJ, token=tokens["lsj"]), "feedbackItems")
    assert len(mine) == 1 and mine[0]["issuer"]["code"] == "loudi"
    assert json.loads(mine[0]["figures"])["self_grade"] == "中"
    assert mine[0]["rectification"]["status"] == "OPEN"
    item_id = mine[0]["id"]
    # 涟源 sees only its own item and cannot touch 冷水江's.
    theirs = nodes(gql(ITEMS, host=LIANYUAN, token=tokens["lianyuan"]), "feedbackItems")
    assert len(theirs) == 1 and theirs[0]["id"] != item_id
    poke = gql(
        'mutation($id: ID!) { answerFeedback(id: $id, text: "x") { errors { code } } }',
        host=LIANYUAN,
        token=tokens["lianyuan"],
        variables={"id": item_id},
    )
    assert poke["data"]["answerFeedback"]["errors"][0]["code"] == "NOT_FOUND"

    read = gql(
        "mutation($id: ID!) { markFeedbackRead(id: $id) { item { readAt } errors { code } } }",
        host=LSJ,
        token=tokens["lsj"],
        variables={"id": item_id},
    )["data"]["markFeedbackRead"]
    assert read["errors"] == [] and read["item"]["readAt"]
    answered = gql(
        'mutation($id: ID!) { answerFeedback(id: $id, text: "已落实") { item { answer }'
        " errors { code } } }",
        host=LSJ,
        token=tokens["lsj"],
        variables={"id": item_id},
    )["data"]["answerFeedback"]
    assert answered == {"item": {"answer": "已落实"}, "errors": []}
    # Issue 16: the answer carries evidence files (multipart, a list of uploads) and the
    # documents already uploaded; a refused answer stores no file.
    with_files = answer_with_files(item_id, tokens["lsj"], [("整改报告.pdf", b"%PDF-1.4 x")])
    assert with_files["errors"] == [] and len(with_files["item"]["evidenceIds"]) == 1
    refused = answer_with_files(item_id, tokens["lsj"], [("x.pdf", b"%PDF-1.4 y")], text=" ")
    assert [e["code"] for e in refused["errors"]] == ["REQUIRED"]
    with tenant_context(unit("lengshuijiang")):
        assert list(Document.objects.values_list("title", flat=True)) == ["整改报告.pdf"]
    rect_id = mine[0]["rectification"]["id"]
    gql(RESPOND, host=LSJ, token=tokens["lsj"], variables={"id": rect_id, "t": "已整改"})
    accepted = gql(ACCEPT, token=tokens["loudi"], variables={"id": rect_id})
    assert accepted["data"]["acceptRectification"]["errors"] == []

    rows = nodes(gql(BATCHES, token=tokens["loudi"]), "feedbackBatches")
    assert [
        (
            r["unitCount"],
            r["readCount"],
            r["answeredCount"],
            r["acceptedCount"],
            r["responseRate"],
            r["closureRate"],
        )
        for r in rows
    ] == [(2, 1, 1, 1, "50.00", "50.00")]
    assert len(nodes(gql(BATCHES, token=tokens["admin"]), "feedbackBatches")) == 1
    assert nodes(gql(BATCHES, token=tokens["changsha"]), "feedbackBatches") == []
    assert error_codes(gql(BATCHES, token=tokens["lsj"])) == ["PERMISSION_DENIED"]


def test_results_policy(gql, tokens):
    mutation = """mutation($i: ResultsPolicyInput!) { setResultsPolicy(province: "hunan", input: $i)
      { policy { province rectificationDays linkageIncreaseMax linkageFairReduceMax
      linkagePoorReduceMin } errors { field code } } }"""
    done = gql(
        mutation,
        token=tokens["admin"],
        variables={"i": {"rectificationDays": 45, "linkagePoorReduceMin": "25"}},
    )["data"]["setResultsPolicy"]
    assert done["errors"] == []
    assert done["policy"] == {
        "province": "hunan",
        "rectificationDays": 45,
        "linkageIncreaseMax": "10.00",
        "linkageFairReduceMax": "10.00",
        "linkagePoorReduceMin": "25.00",
    }
    bad = gql(
        mutation,
        token=tokens["admin"],
        variables={"i": {"rectificationDays": 0, "linkageIncreaseMax": "150"}},
    )
    assert {e["field"] for e in bad["data"]["setResultsPolicy"]["errors"]} == {
        "rectification_days",
        "linkage_increase_max",
    }
    denied = gql(mutation, token=tokens["loudi"], variables={"i": {"rectificationDays": 10}})
    assert error_codes(denied) == ["PERMISSION_DENIED"]
    assert denied["data"]["setResultsPolicy"] is None
    read = gql('{ resultsPolicy(province: "hunan") { rectificationDays } }', token=tokens["loudi"])
    assert read["data"]["resultsPolicy"] == {"rectificationDays": 45}


def test_query_counts_do_not_grow_with_rows(gql, tokens, unit, member):
    lsj, hunan = unit("lengshuijiang"), unit("hunan")
    finance = member("lengshuijiang", Role.UNIT_LEADER)

    def count(query: str, host: str, token: str, field: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            rows = nodes(gql(query, host=host, token=token), field)
        return len(rows), len(ctx.captured_queries)

    def add(n: int) -> None:
        for _ in range(n):
            r = RectificationFactory(unit=lsj, issuer=hunan, status="responded")
            r.events.create(kind="responded", text="x", actor=finance)
            poor(lsj, "88", "良", evaluation_id=r.pk + 10_000)

    add(2)
    for token, host in ((tokens["admin"], PUBLIC), (tokens["lsj"], LSJ)):
        gql("{ __typename }", host=host, token=token)  # the token's last_used_at is written once
    few = count(PUBLIC_RECTS, PUBLIC, tokens["admin"], "rectifications")
    few_unit = count(UNIT_RECTS, LSJ, tokens["lsj"], "rectifications")
    few_links = count(LINKAGES, PUBLIC, tokens["admin"], "budgetLinkages")
    add(5)
    many = count(PUBLIC_RECTS, PUBLIC, tokens["admin"], "rectifications")
    many_unit = count(UNIT_RECTS, LSJ, tokens["lsj"], "rectifications")
    many_links = count(LINKAGES, PUBLIC, tokens["admin"], "budgetLinkages")
    assert many[0] > few[0] and many[1] == few[1], (few, many)
    assert many_unit[0] > few_unit[0] and many_unit[1] == few_unit[1], (few_unit, many_unit)
    assert many_links[0] > few_links[0] and many_links[1] == few_links[1], (few_links, many_links)


def answer_with_files(
    item_id: str, token: str, files: list[tuple[str, bytes]], text: str = "已落实，见附件"
) -> dict:
    """answerFeedback as a multipart request with ``files`` as the list variable."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    query = (
        "mutation($id: ID!, $t: String!, $f: [Upload!]) { answerFeedback(id: $id, text: $t, "
        "files: $f) { item { answer evidenceIds } errors { field code } } }"
    )
    operations = {"query": query, "variables": {"id": item_id, "t": text, "f": [None] * len(files)}}
    parts: dict = {
        "operations": json.dumps(operations),
        "map": json.dumps({str(i): [f"variables.f.{i}"] for i in range(len(files))}),
    }
    for i, (name, content) in enumerate(files):
        parts[str(i)] = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = Client().post(
        "/graphql/", parts, HTTP_HOST=LSJ, headers={"Authorization": f"Bearer {token}"}
    )
    connection.set_schema_to_public()
    assert response.status_code == 200, response.content
    return response.json()["data"]["answerFeedback"]

"""The must-hold of issue 6, end to end through GraphQL over HTTP: a self-evaluation finalised
as 差 on the unit's host writes the public facts and, in the same transaction, opens the
rectification request and next year's budget-linkage suggestion, which the unit sees in its
inbox and the province on the public host; the unit responds and the province accepts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.benchmarking.models import ProjectFact, UnitYearFact
from backend.feedback.models import BudgetLinkage, RectificationRequest
from tenants.models import Procuratorate
from tests.evaluation.test_api import FINALISE, LSJ, RECORD, START, SUBMIT, _rows, project_id

pytestmark = pytest.mark.django_db
D = Decimal

# Poor results on the standard four indicators (q1 ≥120 件 weight 30, q2 ≥95 % 20,
# e1 qualitative 30, s1 ≥90 % 10) with 300,000 of 1,000,000 spent:
#   execution 30.00 % → 10 × 0.30 = 3.00
#   q1 30 of 120 → 30 × 30 / 120 = 7.50
#   q2 50 of 95 → 20 × 50 / 95 = 10.526… → 10.53
#   e1 未达成, 10 points in its 0–18 band → 10.00
#   s1 50 of 90 → 10 × 50 / 90 = 5.555… → 5.56
#   total 3.00 + 7.50 + 10.53 + 10.00 + 5.56 = 36.59 → 差 (< 60)
POOR: list[dict[str, Any]] = [
    {"code": "q1", "actual_value": D("30"), "deviationReason": "案件数量大幅减少"},
    {"code": "q2", "actual_value": D("50"), "deviationReason": "系统上线推迟"},
    {
        "code": "e1",
        "band": "not_achieved",
        "band_score": D("10"),
        "deviationReason": "配套制度出台较晚",
    },
    {"code": "s1", "actual_value": D("50"), "deviationReason": "服务对象意见较多"},
]

INBOX = """query { rectifications(fiscalYear: 2026) { totalCount edges { node {
  id status origin projectName dueOn overdue } } } }"""
LINKAGES = """query { budgetLinkages(fiscalYear: 2026) { edges { node {
  projectName grade score baseBudget suggestedAction suggestedMinPct suggestedMaxPct } } } }"""
RESPOND = """mutation($id: ID!) { respondRectification(id: $id, text: "已制定整改方案并落实") {
  errors { field code message } } }"""
ACCEPT = """mutation($id: ID!) { acceptRectification(id: $id, comment: "整改到位") {
  errors { field code message } } }"""
PUBLIC_LIST = """query { rectifications(fiscalYear: 2026) { totalCount edges { node {
  id status unit { code } } } } }"""


@pytest.fixture
def tokens(member: Callable[..., User], token_for: Callable[[User], str]) -> dict[str, str]:
    return {
        "finance": token_for(member("lengshuijiang", Role.UNIT_FINANCE, "lsj-fin")),
        "leader": token_for(member("lengshuijiang", Role.UNIT_LEADER, "lsj-lead")),
        "sibling": token_for(member("lianyuan", Role.UNIT_LEADER, "ly-lead")),
        "changsha": token_for(member("changsha", Role.CITY_REVIEWER, "cs-rev")),
        "province": token_for(member("hunan", Role.PROVINCE_ADMIN, "hn-admin")),
    }


def _data(result: dict[str, Any], name: str) -> Any:
    assert not result.get("errors"), result
    return result["data"][name]


def test_finalising_a_poor_evaluation_writes_facts_and_opens_a_rectification(
    gql: Any, tokens: dict[str, str], unit: Callable[[str], Procuratorate]
) -> None:
    lsj = unit("lengshuijiang")
    pid = project_id(lsj, spent="300000.00")
    started = _data(
        gql(START, host=LSJ, token=tokens["finance"], variables={"p": pid}), "startSelfEvaluation"
    )
    eid = started["evaluation"]["id"]
    recorded = _data(
        gql(RECORD, host=LSJ, token=tokens["finance"], variables={"id": eid, "rows": _rows(POOR)}),
        "recordSelfEvaluation",
    )
    assert recorded["errors"] == []
    assert (recorded["evaluation"]["total"], recorded["evaluation"]["grade"]) == ("36.59", "差")
    assert (
        _data(
            gql(SUBMIT, host=LSJ, token=tokens["finance"], variables={"id": eid}),
            "submitSelfEvaluation",
        )["errors"]
        == []
    )
    done = _data(
        gql(FINALISE, host=LSJ, token=tokens["leader"], variables={"id": eid}),
        "finaliseSelfEvaluation",
    )
    assert done["errors"] == [] and done["evaluation"]["grade"] == "差"

    # The facts, written in the finalising transaction.
    fact = ProjectFact.objects.get(unit=lsj, fiscal_year=2026)
    assert (fact.self_score, fact.self_grade, fact.execution_rate) == (D("36.59"), "差", D("30.00"))
    assert fact.linkage_suggestion == "reduce"
    year = UnitYearFact.objects.get(unit=lsj, fiscal_year=2026)
    assert (year.project_score, year.project_grade) == (D("36.59"), "差")

    # Exactly one automatic request, due after the province's default 60 days.
    request = RectificationRequest.objects.get(unit=lsj)
    assert request.origin == "grade" and request.status == "open"
    assert (request.due_on - timezone.localdate()).days == 60
    assert BudgetLinkage.objects.filter(unit=lsj, project_id=fact.project_id).count() == 1

    # The unit sees it in its inbox, with the linkage suggestion (差: −100 … −20 %).
    inbox = _data(gql(INBOX, host=LSJ, token=tokens["leader"]), "rectifications")
    assert inbox["totalCount"] == 1
    node = inbox["edges"][0]["node"]
    assert (node["status"], node["origin"], node["overdue"]) == ("OPEN", "GRADE", False)
    links = _data(gql(LINKAGES, host=LSJ, token=tokens["leader"]), "budgetLinkages")["edges"]
    project_link = [e["node"] for e in links if e["node"]["projectName"]]
    assert [(n["grade"], n["suggestedMinPct"], n["suggestedMaxPct"]) for n in project_link] == [
        ("差", "-100.00", "-20.00")
    ]

    # Isolation: a sibling unit's inbox is empty and its people cannot respond.
    sibling = _data(
        gql(INBOX, host="lianyuan.localhost", token=tokens["sibling"]), "rectifications"
    )
    assert sibling["totalCount"] == 0
    # The province sees it; 长沙's reviewer does not.
    public = _data(gql(PUBLIC_LIST, token=tokens["province"]), "rectifications")
    assert [e["node"]["unit"]["code"] for e in public["edges"]] == ["lengshuijiang"]
    assert _data(gql(PUBLIC_LIST, token=tokens["changsha"]), "rectifications")["totalCount"] == 0

    # The unit responds on its host; the province accepts on the public host.
    rid = node["id"]
    assert (
        _data(
            gql(RESPOND, host=LSJ, token=tokens["finance"], variables={"id": rid}),
            "respondRectification",
        )["errors"]
        == []
    )
    # The unit cannot accept its own request.
    own = gql(ACCEPT, token=tokens["leader"], variables={"id": rid})
    assert own.get("errors") or own["data"]["acceptRectification"]["errors"]
    assert (
        _data(gql(ACCEPT, token=tokens["province"], variables={"id": rid}), "acceptRectification")[
            "errors"
        ]
        == []
    )
    request.refresh_from_db()
    assert request.status == "accepted"

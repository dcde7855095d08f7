"""Monitoring over GraphQL: rounds set by the province, entries recorded and submitted by a
unit, alerts on the unit's host, and the cross-unit views on the public host — each unit seeing
only its own, a city its counties, the province all."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from backend.accounts.models import Role
from tests.conftest import error_codes
from tests.graphql.test_goals_api import LSJ, REVIEW, SUBMIT, declare
from tests.graphql.test_goals_api import pushed as pushed

pytestmark = pytest.mark.django_db

OPEN_ROUND = """mutation($m: Int!, $o: Date!, $c: Date!) { openMonitoringRound(province: "hunan",
  fiscalYear: 2026, month: $m, opensOn: $o, closesOn: $c) { round { id month kind state }
  errors { field code message } } }"""


def approved_goal(gql, member, token_for, host: str, code: str) -> tuple[str, str]:
    finance = token_for(member(code, Role.UNIT_FINANCE))
    leader = token_for(member(code, Role.UNIT_LEADER))
    goal_id = declare(gql, finance, host=host)
    gql(SUBMIT, host=host, token=finance, variables={"id": goal_id})
    gql(REVIEW, host=host, token=leader, variables={"id": goal_id, "d": "APPROVE", "g": "GOOD"})
    project = gql(
        "query($id: ID!) { goal(id: $id) { project { id } } }",
        host=host,
        token=finance,
        variables={"id": goal_id},
    )["data"]["goal"]["project"]["id"]
    return finance, project


def test_a_unit_records_submits_and_sees_its_alerts(gql, pushed, member, token_for) -> None:
    today = timezone.localdate()
    opened = gql(
        OPEN_ROUND,
        token=pushed,
        variables={
            "m": 6,
            "o": str(today - datetime.timedelta(days=1)),
            "c": str(today + datetime.timedelta(days=10)),
        },
    )["data"]["openMonitoringRound"]
    assert opened["errors"] == [] and opened["round"]["state"] == "open", opened
    finance, project = approved_goal(gql, member, token_for, LSJ, "lengshuijiang")

    started = gql(
        """mutation($p: ID!, $r: ID!) { startMonitoringEntry(projectId: $p, roundId: $r)
      { entry { id spentSource indicators { goalIndicatorId code } } errors { field code } } }""",
        host=LSJ,
        token=finance,
        variables={"p": project, "r": opened["round"]["id"]},
    )
    entry = started["data"]["startMonitoringEntry"]["entry"]
    assert entry is not None, started
    answers = [
        {
            "goalIndicatorId": i["goalIndicatorId"],
            "likelihood": "IMPOSSIBLE",
            "deviationCause": "FUNDING",
            "correctiveMeasure": "申请追加经费",
            "valueToDate": "1",
        }
        for i in entry["indicators"]
    ]
    recorded = gql(
        """mutation($id: ID!, $i: [EntryIndicatorInput!]) { recordMonitoringEntry(
      id: $id, spentToDate: "100000", indicators: $i) { entry { executionRate timeProgress }
      errors { field code message } } }""",
        host=LSJ,
        token=finance,
        variables={"id": entry["id"], "i": answers},
    )
    assert recorded["data"]["recordMonitoringEntry"]["errors"] == [], recorded
    submitted = gql(
        """mutation($id: ID!) { submitMonitoringEntry(id: $id) { entry { status }
      errors { field code message } } }""",
        host=LSJ,
        token=finance,
        variables={"id": entry["id"]},
    )
    assert submitted["data"]["submitMonitoringEntry"]["errors"] == [], submitted

    alerts = gql(
        "{ alerts { totalCount edges { node { id kind severity evidence } } } }",
        host=LSJ,
        token=finance,
    )["data"]["alerts"]
    kinds = {e["node"]["kind"] for e in alerts["edges"]}
    assert {"EXECUTION_LAG", "INDICATOR_RISK"} <= kinds, kinds
    # another unit's user sees none of it
    other = token_for(member("lianyuan", Role.UNIT_FINANCE))
    assert error_codes(gql("{ alerts { totalCount } }", host=LSJ, token=other)) == [
        "PERMISSION_DENIED"
    ]
    assert (
        gql("{ alerts { totalCount } }", host="lianyuan.localhost", token=other)["data"]["alerts"][
            "totalCount"
        ]
        == 0
    )
    # answered within the deadline
    alert_id = alerts["edges"][0]["node"]["id"]
    answered = gql(
        """mutation($id: ID!) { answerAlert(id: $id, response: CONTINUE,
      note: "已追加经费，下月补齐进度") { alert { status } errors { code } } }""",
        host=LSJ,
        token=finance,
        variables={"id": alert_id},
    )
    assert answered["data"]["answerAlert"]["alert"]["status"] == "ANSWERED", answered

    # the public views: province all, loudi its counties, changsha none; a county's own people
    # read their alerts on their host, not here
    query = (
        "{ alertsAcrossUnits(fiscalYear: 2026) { totalCount edges { node { unit { code } } } } }"
    )
    loudi = token_for(member("loudi", Role.CITY_REVIEWER))
    changsha = token_for(member("changsha", Role.CITY_REVIEWER))
    assert error_codes(gql(query, token=other)) == ["PERMISSION_DENIED"]
    assert gql(query, token=pushed)["data"]["alertsAcrossUnits"]["totalCount"] == len(
        alerts["edges"]
    )
    assert {
        e["node"]["unit"]["code"]
        for e in gql(query, token=loudi)["data"]["alertsAcrossUnits"]["edges"]
    } == {"lengshuijiang"}
    assert gql(query, token=changsha)["data"]["alertsAcrossUnits"]["totalCount"] == 0
    facts = gql(
        "{ executionFacts(fiscalYear: 2026) { unit { code } month executionRate } }", token=loudi
    )["data"]["executionFacts"]
    assert [(f["unit"]["code"], f["month"]) for f in facts] == [("lengshuijiang", 6)]
    assert (
        gql("{ executionFacts(fiscalYear: 2026) { month } }", token=changsha)["data"][
            "executionFacts"
        ]
        == []
    )

    chart = gql(
        "query($p: ID!) { executionChartUrl(projectId: $p) }",
        host=LSJ,
        token=finance,
        variables={"p": project},
    )["data"]["executionChartUrl"]
    # absolute, on the unit's host (issue 16)
    assert chart.startswith(f"http://{LSJ}/monitoring/projects/"), chart
    assert chart.endswith("/execution.svg")


def test_only_the_province_sets_rounds_and_rules(gql, member, token_for) -> None:
    county = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    reviewer = token_for(member("loudi", Role.CITY_REVIEWER))
    for token in (county, reviewer):
        refused = gql(
            OPEN_ROUND, token=token, variables={"m": 3, "o": "2026-04-01", "c": "2026-04-15"}
        )
        assert error_codes(refused) == ["PERMISSION_DENIED"]
        rule = gql(
            'mutation { setMonitoringPolicy(province: "hunan", input: {executionRule: '
            "RATIO}) { ok } }",
            token=token,
        )
        assert error_codes(rule) == ["PERMISSION_DENIED"]

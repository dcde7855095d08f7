"""Templates and the push over GraphQL: authoring on the public host (province_admin only),
each unit's library on its own host."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from backend.accounts.models import Role
from backend.indicators.models import PushTarget, TemplatePush
from backend.indicators.services.push import run_inline
from tests.conftest import error_codes

pytestmark = pytest.mark.django_db

INDICATORS = [
    {
        "code": "cases",
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "审查起诉案件数",
        "valueType": "QUANTITATIVE",
        "direction": "GTE",
        "unit": "件",
        "targetValue": "300",
        "weight": "25",
        "mandatory": True,
    },
    {
        "code": "closure",
        "level1": "产出指标",
        "level2": "质量指标",
        "name": "办结率",
        "valueType": "QUANTITATIVE",
        "direction": "GTE",
        "unit": "%",
        "targetValue": "95",
        "weight": "25",
        "locked": True,
    },
    {
        "code": "effect",
        "level1": "效益指标",
        "level2": "社会效益指标",
        "name": "司法公信力提升",
        "valueType": "QUALITATIVE",
        "targetText": "明显提升",
        "scoringMethod": "BANDS",
        "weight": "30",
    },
    {
        "code": "satisfaction",
        "level1": "满意度指标",
        "level2": "服务对象满意度指标",
        "name": "当事人满意度",
        "valueType": "QUANTITATIVE",
        "direction": "GTE",
        "unit": "%",
        "targetValue": "90",
        "weight": "10",
    },
]

CREATE = """mutation($input: CreateTemplateInput!) {
  createTemplate(input: $input) { template { id code versions { id number status } }
  errors { field code message } } }"""
ADD = """mutation($v: ID!, $input: IndicatorInput!) {
  addTemplateIndicator(versionId: $v, input: $input) {
    indicator { id code } errors { field code } } }"""
PUBLISH = """mutation($id: ID!, $log: String) {
  publishTemplateVersion(id: $id, changelog: $log) { version { status number }
  errors { field code message } } }"""
PUSH = """mutation($v: ID!, $t: PushTargetsInput!) {
  pushTemplate(versionId: $v, targets: $t) { push { id counts { total pending } }
  errors { field code message } } }"""
LIBRARY = """{ library { adoptedTemplates { templateCode versionNumber }
  indicators { id code name weight locked mandatory overriddenFields source } } }"""


@pytest.fixture
def admin_token(member, token_for) -> str:
    return token_for(member("hunan", Role.PROVINCE_ADMIN, username="admin"))


def publish_template(gql, token: str, code: str = "case-funds-test") -> dict[str, Any]:
    created = gql(CREATE, token=token, variables={"input": {"code": code, "name": "办案经费"}})
    payload = created["data"]["createTemplate"]
    assert payload["errors"] == [], payload
    version = payload["template"]["versions"][0]
    for indicator in INDICATORS:
        added = gql(ADD, token=token, variables={"v": version["id"], "input": indicator})
        assert added["data"]["addTemplateIndicator"]["errors"] == [], added
    published = gql(PUBLISH, token=token, variables={"id": version["id"], "log": "首版"})
    assert published["data"]["publishTemplateVersion"]["errors"] == [], published
    return version


def run_push(push_id_global: str) -> None:
    """Run every target in-process, in its unit's schema (what the Celery task does)."""
    run_inline(TemplatePush.objects.get(pk=_pk(push_id_global)))


def _pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


def test_author_publish_and_push_to_a_subtree(gql, admin_token, member, token_for) -> None:
    version = publish_template(gql, admin_token)
    pushed = gql(PUSH, token=admin_token, variables={"v": version["id"], "t": {"under": "loudi"}})
    payload = pushed["data"]["pushTemplate"]
    assert payload["errors"] == []
    assert payload["push"]["counts"] == {"total": 5, "pending": 5}
    run_push(payload["push"]["id"])

    status = gql(
        "query($id: ID!) { templatePush(id: $id) { status counts { succeeded failed } "
        "units { unit { code } status durationMs } } }",
        token=admin_token,
        variables={"id": payload["push"]["id"]},
    )
    push = status["data"]["templatePush"]
    assert push["status"] == "completed"
    assert push["counts"] == {"succeeded": 5, "failed": 0}
    assert {u["unit"]["code"] for u in push["units"]} == {
        "loudi-louxing",
        "shuangfeng",
        "xinhua",
        "lengshuijiang",
        "lianyuan",
    }

    token = token_for(member("lengshuijiang"))
    library = gql(LIBRARY, host="lengshuijiang.localhost", token=token)["data"]["library"]
    assert library["adoptedTemplates"] == [{"templateCode": "case-funds-test", "versionNumber": 1}]
    assert [i["code"] for i in library["indicators"]] == [i["code"] for i in INDICATORS]
    # a unit outside the subtree got nothing
    furong = token_for(member("changsha-furong"))
    assert (
        gql(LIBRARY, host="changsha-furong.localhost", token=furong)["data"]["library"][
            "indicators"
        ]
        == []
    )


def test_a_publish_refusal_names_every_problem(gql, admin_token) -> None:
    created = gql(CREATE, token=admin_token, variables={"input": {"code": "bad", "name": "坏"}})
    version = created["data"]["createTemplate"]["template"]["versions"][0]
    for indicator in INDICATORS[:2]:  # output only: weights and groups are off
        gql(ADD, token=admin_token, variables={"v": version["id"], "input": indicator})
    result = gql(PUBLISH, token=admin_token, variables={"id": version["id"], "log": "x"})
    errors = result["data"]["publishTemplateVersion"]["errors"]
    assert len(errors) >= 2, errors
    assert result["data"]["publishTemplateVersion"]["version"] is None


@pytest.mark.parametrize("role", [Role.UNIT_FINANCE, Role.CITY_REVIEWER, Role.UNIT_LEADER])
def test_only_the_province_authors_and_pushes(gql, member, token_for, admin_token, role) -> None:
    version = publish_template(gql, admin_token)
    code = "loudi" if role == Role.CITY_REVIEWER else "lengshuijiang"
    token = token_for(member(code, role))
    refused = gql(CREATE, token=token, variables={"input": {"code": "mine", "name": "我的"}})
    assert error_codes(refused) == ["PERMISSION_DENIED"]
    pushed = gql(PUSH, token=token, variables={"v": version["id"], "t": {"all": True}})
    assert error_codes(pushed) == ["PERMISSION_DENIED"]
    assert PushTarget.objects.count() == 0
    assert error_codes(gql("{ templatePushes { totalCount } }", token=token)) == [
        "PERMISSION_DENIED"
    ]


def test_a_unit_sees_and_edits_only_its_own_library(gql, admin_token, member, token_for) -> None:
    version = publish_template(gql, admin_token)
    pushed = gql(
        PUSH,
        token=admin_token,
        variables={"v": version["id"], "t": {"codes": ["lengshuijiang", "lianyuan"]}},
    )
    run_push(pushed["data"]["pushTemplate"]["push"]["id"])
    mine = token_for(member("lengshuijiang"))

    assert error_codes(gql(LIBRARY, host="lianyuan.localhost", token=mine)) == ["PERMISSION_DENIED"]
    indicators = gql(LIBRARY, host="lengshuijiang.localhost", token=mine)["data"]["library"][
        "indicators"
    ]
    cases = next(i for i in indicators if i["code"] == "cases")
    closure = next(i for i in indicators if i["code"] == "closure")
    update = """mutation($id: ID!, $input: IndicatorInput!) {
      updateLibraryIndicator(id: $id, input: $input) {
        indicator { weight overriddenFields } errors { field code } } }"""
    changed = gql(
        update,
        host="lengshuijiang.localhost",
        token=mine,
        variables={"id": cases["id"], "input": {"targetValue": "320"}},
    )
    assert changed["data"]["updateLibraryIndicator"]["errors"] == []
    assert changed["data"]["updateLibraryIndicator"]["indicator"]["overriddenFields"] == [
        "target_value"
    ]
    locked = gql(
        update,
        host="lengshuijiang.localhost",
        token=mine,
        variables={"id": closure["id"], "input": {"weight": "20"}},
    )
    assert locked["data"]["updateLibraryIndicator"]["errors"][0]["code"] == "LOCKED"

    # lianyuan's copy of "cases" is untouched; lengshuijiang's id means nothing on its host
    theirs = token_for(member("lianyuan"))
    other = gql(LIBRARY, host="lianyuan.localhost", token=theirs)["data"]["library"]["indicators"]
    assert next(i for i in other if i["code"] == "cases")["overriddenFields"] == []
    # a city reviewer reads the county's library but does not edit it
    reviewer = token_for(member("loudi", Role.CITY_REVIEWER))
    assert "errors" not in gql(LIBRARY, host="lengshuijiang.localhost", token=reviewer)
    denied = gql(
        update,
        host="lengshuijiang.localhost",
        token=reviewer,
        variables={"id": cases["id"], "input": {"targetValue": "1"}},
    )
    assert error_codes(denied) == ["PERMISSION_DENIED"]


def test_the_xlsx_export_imports_back_as_a_draft(gql, admin_token) -> None:
    version = publish_template(gql, admin_token)
    exported = gql(
        "query($id: ID!) { templateVersion(id: $id) { xlsxBase64 template { id } } }",
        token=admin_token,
        variables={"id": version["id"]},
    )["data"]["templateVersion"]
    imported = gql(
        """mutation($t: ID!, $f: String!) { importTemplateVersion(templateId: $t, fileBase64: $f,
           changelog: "导入") { version { number status indicators { code weight } }
           errors { field code message } } }""",
        token=admin_token,
        variables={"t": exported["template"]["id"], "f": exported["xlsxBase64"]},
    )["data"]["importTemplateVersion"]
    assert imported["errors"] == []
    assert imported["version"]["number"] == 2 and imported["version"]["status"] == "DRAFT"
    assert [i["code"] for i in imported["version"]["indicators"]] == [i["code"] for i in INDICATORS]


def test_malformed_ids_and_files_are_typed_errors(gql, admin_token) -> None:
    bad_id = gql(PUBLISH, token=admin_token, variables={"id": "not-an-id", "log": "x"})
    assert bad_id["data"]["publishTemplateVersion"]["errors"][0]["code"] == "INVALID_ID"
    version = publish_template(gql, admin_token)
    template_id = gql('{ template(code: "case-funds-test") { id } }', token=admin_token)["data"][
        "template"
    ]["id"]
    not_b64 = gql(
        """mutation($t: ID!) { importTemplateVersion(templateId: $t, fileBase64: "%%%")
                  { errors { field code } } }""",
        token=admin_token,
        variables={"t": template_id},
    )
    assert not_b64["data"]["importTemplateVersion"]["errors"] == [
        {"field": "fileBase64", "code": "INVALID_FILE"}
    ]
    two_targets = gql(
        PUSH,
        token=admin_token,
        variables={"v": version["id"], "t": {"all": True, "level": "county"}},
    )
    assert two_targets["data"]["pushTemplate"]["errors"][0]["code"] == "INVALID_TARGETS"

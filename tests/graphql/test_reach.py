"""Every root field of both schemas, called by every persona over HTTP: the access map
(``graphql_schema/core/access.py``) says which operation each field performs, and the table
below — written out by hand, not read from ``backend/accounts/policy.py`` — says which
operations each persona may perform where. A refused persona gets ``PERMISSION_DENIED`` (or
``UNAUTHENTICATED``) and no data; an admitted one never does (``NOT_FOUND`` and validation
problems are fine: the generated arguments name nothing). The fields are read from the
schemas, so a field added tomorrow is covered the day it exists, and the map must name it
(deny by default). The file and chart URLs are checked the same way, persona by persona."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django_tenants.utils import schema_context

from backend.accounts import policy
from backend.accounts.policy import Op
from graphql_schema import access_doc
from graphql_schema.core.access import PUBLIC, TENANT, Open, RootFieldGate, Rule, ops_of
from graphql_schema.public import schema as public_schema
from graphql_schema.tenant import schema as tenant_schema
from tests.conftest import GraphQLClient
from tests.graphql import schema_calls
from tests.graphql.conftest import ANONYMOUS, EVERYONE

pytestmark = pytest.mark.django_db
LSJ = "lengshuijiang.localhost"

# What each persona may do on 冷水江's host (a county under 娄底, in 湖南).
UNIT_HOST: dict[str, set[Op]] = {
    "finance": {
        Op.UNIT_VIEW, Op.PROJECT_EDIT, Op.LIBRARY_EDIT, Op.GOAL_PREPARE, Op.GOAL_SUBMIT,
        Op.MONITORING_ENTER, Op.ALERT_ANSWER, Op.EVALUATION_PREPARE, Op.DOCUMENT_UPLOAD,
        Op.REPORT_GENERATE, Op.RESULTS_RESPOND,
    },
    "leader": {
        Op.UNIT_VIEW, Op.PROJECT_EDIT, Op.LIBRARY_EDIT, Op.GOAL_PREPARE, Op.GOAL_APPROVE,
        Op.ALERT_ANSWER, Op.EVALUATION_PREPARE, Op.EVALUATION_FINALISE, Op.DOCUMENT_UPLOAD,
        Op.REPORT_GENERATE, Op.RESULTS_RESPOND,
    },
    "city_reviewer": {Op.UNIT_VIEW, Op.GOAL_CITY_REVIEW},  # reads its counties, writes nothing
    "province_admin": {Op.UNIT_VIEW},
    "evaluator": set(),  # reaches no unit's host at all
    "other_unit_finance": set(),
    "other_city_reviewer": set(),
    "city_finance": set(),  # a unit role at the city does not reach its counties
    ANONYMOUS: set(),
}  # fmt: skip

# What each persona may do on the public host.
PUBLIC_HOST: dict[str, set[Op]] = {
    "province_admin": {
        Op.CONSOLE_VIEW, Op.REVIEW, Op.BENCHMARK_VIEW, Op.FEEDBACK_SEND,
        Op.KEY_EVALUATION_MANAGE, Op.LINKAGE_DECIDE, Op.TEMPLATE_MANAGE, Op.UNIT_MANAGE,
        Op.POLICY_MANAGE, Op.STATISTICS_MANAGE,
    },
    "city_reviewer": {
        Op.CONSOLE_VIEW, Op.REVIEW, Op.BENCHMARK_VIEW, Op.FEEDBACK_SEND,
        Op.KEY_EVALUATION_MANAGE, Op.LINKAGE_DECIDE,
    },
    "other_city_reviewer": {
        Op.CONSOLE_VIEW, Op.REVIEW, Op.BENCHMARK_VIEW, Op.FEEDBACK_SEND,
        Op.KEY_EVALUATION_MANAGE, Op.LINKAGE_DECIDE,
    },
    "evaluator": {Op.KEY_EVALUATION_SCORE},  # its own assignments, nothing else
    "finance": set(),  # a unit's people work on their unit's host
    "leader": set(),
    "other_unit_finance": set(),
    "city_finance": set(),
    ANONYMOUS: set(),
}  # fmt: skip

# Arguments given although optional: revoking the current token would end the persona's run.
SAFE_ARGUMENTS = {"revokeToken": 'revokeToken(id: "0") { __typename errors { code } }'}


def admitted(rule: Rule, persona: str, grants: set[Op]) -> bool:
    if rule is Open.ANYONE:
        return True
    if rule is Open.SIGNED_IN:
        return persona != ANONYMOUS
    return bool(set(ops_of(rule)) & grants)


def root_coordinates(schema: graphene.Schema) -> set[str]:
    return {
        f"{root}.{name}"
        for root, operation in (("Query", "query"), ("Mutation", "mutation"))
        for name in schema_calls.root_fields(schema, operation)
    }


# --- the map ---------------------------------------------------------------------------------


def test_the_access_map_names_every_root_field_and_nothing_else() -> None:
    assert set(TENANT) == root_coordinates(tenant_schema)
    assert set(PUBLIC) == root_coordinates(public_schema)


def test_every_write_on_a_units_host_performs_a_write_operation() -> None:
    """Reading the unit (``unit.view``, what a reviewer above holds) never admits a write."""
    for field, rule in TENANT.items():
        if field.startswith("Mutation.") and field not in (
            "Mutation.login",
            "Mutation.revokeToken",
        ):
            assert not isinstance(rule, Open), field
            assert Op.UNIT_VIEW not in ops_of(rule), field


def test_a_root_field_missing_from_the_map_is_refused(rf: Any) -> None:
    class Query(graphene.ObjectType):
        listed = graphene.String()
        forgotten = graphene.String()

        def resolve_listed(root, info):
            return "yes"

        def resolve_forgotten(root, info):
            return "leaked"

    request = rf.get("/")
    request.user = type("U", (), {"is_authenticated": True})()
    gate = RootFieldGate({"Query.listed": Open.SIGNED_IN}, unit_host=False)
    result = graphene.Schema(query=Query).execute(
        "{ listed forgotten __typename }", context_value=request, middleware=[gate]
    )
    assert result.data == {"listed": "yes", "forgotten": None, "__typename": "Query"}
    assert [e.extensions["code"] for e in result.errors] == ["PERMISSION_DENIED"]


def test_every_operation_has_its_grants_its_refusal_and_its_words() -> None:
    assert set(policy.ROLE_TABLE) == set(policy.DENIED_MESSAGES) == set(policy.DESCRIPTIONS)
    assert set(policy.ROLE_TABLE) == set(Op)


def test_docs_access_md_is_the_role_table_in_words() -> None:
    """``make schema`` writes it; run it after changing the role table or the access map."""
    assert access_doc.PATH.read_text(encoding="utf-8") == access_doc.rendered()


# --- every field, every persona ----------------------------------------------------------------


def check_host(
    gql: GraphQLClient,
    token: str | None,
    persona: str,
    schema: graphene.Schema,
    rules: dict[str, Rule],
    grants: set[Op],
    host: str,
) -> int:
    checked = 0
    for operation, root in (("query", "Query"), ("mutation", "Mutation")):
        fields = schema_calls.root_fields(schema, operation)
        calls = {n: f for n, f in fields.items() if n not in SAFE_ARGUMENTS}
        codes, data = schema_calls.send_all(
            lambda text: gql(text, host=host, token=token), operation, calls
        )
        for name, text in SAFE_ARGUMENTS.items():
            if name in fields:
                result = gql(f"{operation} {{ {text} }}", host=host, token=token)
                codes[name] = schema_calls.codes_by_field(result).get(name, set())
                data[name] = (result.get("data") or {}).get(name)
        refusal = "UNAUTHENTICATED" if token is None else "PERMISSION_DENIED"
        for name in fields:
            rule = rules[f"{root}.{name}"]
            if admitted(rule, persona, grants):
                assert not codes[name] & {"PERMISSION_DENIED", "UNAUTHENTICATED"}, (
                    persona, name, codes[name],
                )  # fmt: skip
            else:
                assert refusal in codes[name], (persona, name, codes[name])
                assert data.get(name) is None, (persona, name, data.get(name))
            checked += 1
    return checked


@pytest.mark.parametrize("persona", EVERYONE)
def test_every_unit_host_field_obeys_the_role_table(
    gql: GraphQLClient, persona_token: Callable[[str], str | None], persona: str
) -> None:
    checked = check_host(
        gql, persona_token(persona), persona, tenant_schema, TENANT, UNIT_HOST[persona], LSJ
    )
    assert checked == len(TENANT)


@pytest.mark.parametrize("persona", EVERYONE)
def test_every_public_host_field_obeys_the_role_table(
    gql: GraphQLClient, persona_token: Callable[[str], str | None], persona: str
) -> None:
    checked = check_host(
        gql,
        persona_token(persona),
        persona,
        public_schema,
        PUBLIC,
        PUBLIC_HOST[persona],
        "localhost",
    )
    assert checked == len(PUBLIC)


# --- the file and chart URLs -------------------------------------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT
    return tmp_path


@pytest.fixture
def unit_urls(media: Any) -> list[str]:
    """A document and a project of 冷水江: their URLs, and the unit's chart."""
    from backend.documents.services import store_document
    from tests.goals.factories import ProjectFactory

    with schema_context("lengshuijiang"):
        document = store_document(
            title="整改报告",
            content=ContentFile(b"secret evidence", name="r.txt"),
            uploaded_by=None,
        )
        project = ProjectFactory(name="冷水江办案经费")
    return [
        f"/documents/{document.pk}/download/",
        f"/monitoring/projects/{project.pk}/execution.svg",
        "/monitoring/execution.svg",
    ]


def fetch(path: str, host: str, token: str | None) -> HttpResponse:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = Client().get(path, HTTP_HOST=host, headers=headers)
    connection.set_schema_to_public()
    return response


def content(response: HttpResponse) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_unit_hosts_files_and_charts_obey_the_role_table(
    unit_urls: list[str], persona_token: Callable[[str], str | None], persona: str
) -> None:
    token = persona_token(persona)
    for path in unit_urls:
        response = fetch(path, LSJ, token)
        body = content(response)
        if Op.UNIT_VIEW in UNIT_HOST[persona]:
            assert response.status_code == 200, (persona, path)
        else:
            assert response.status_code == (401 if token is None else 403), (persona, path)
            assert b"secret" not in body and "冷水江办案经费".encode() not in body


@pytest.mark.parametrize("persona", EVERYONE)
def test_the_benchmark_exports_obey_the_role_table(
    persona_token: Callable[[str], str | None], persona: str
) -> None:
    token = persona_token(persona)
    for path in (
        "/exports/benchmark.xlsx",
        "/charts/benchmark-bars.svg",
        "/charts/benchmark-box.png",
    ):
        response = fetch(f"{path}?metric=self_score&fiscalYear=2026", "localhost", token)
        if Op.BENCHMARK_VIEW in PUBLIC_HOST[persona]:
            assert response.status_code == 200, (persona, path, response.content[:200])
        else:
            assert response.status_code == (401 if token is None else 403), (persona, path)


def test_the_tables_name_every_persona() -> None:
    assert set(UNIT_HOST) == set(PUBLIC_HOST) == set(EVERYONE)

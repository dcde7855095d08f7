from __future__ import annotations

import json

import pytest
from django.test import Client

from graphql_schema import errors_doc
from graphql_schema.sdl import rendered
from tests.conftest import error_codes

pytestmark = pytest.mark.django_db


def test_the_committed_sdl_matches_the_code() -> None:
    """Both SDLs, and the list of error codes in docs/api.md written from the same registry
    as the SDLs' ``ErrorCode`` enum."""
    for path, text in rendered().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is out of date: run `make schema` and commit the result"
        )
    committed = errors_doc.PATH.read_text(encoding="utf-8")
    assert errors_doc.section() in committed
    assert committed == errors_doc.rendered(committed), (
        "the error codes in docs/api.md are out of date: run `make schema` and commit the result"
    )


def test_login_issues_a_token_that_works(gql, member) -> None:
    member("lengshuijiang", username="zhang")
    query = """mutation($u: String!, $p: String!) {
        login(input: {username: $u, password: $p}) { token user { username } errors { code } }
    }"""
    result = gql(query, variables={"u": "zhang", "p": "secret-pass"})["data"]["login"]
    assert result["errors"] == [] and result["user"] == {"username": "zhang"}
    me = gql("{ me { username memberships { role unit { code } } } }", token=result["token"])
    assert me["data"]["me"] == {
        "username": "zhang",
        "memberships": [{"role": "UNIT_FINANCE", "unit": {"code": "lengshuijiang"}}],
    }


def test_a_wrong_password_is_a_typed_error(gql, member) -> None:
    member("lengshuijiang", username="zhang")
    result = gql(
        'mutation { login(input: {username: "zhang", password: "nope"}) '
        "{ token errors { field code message } } }"
    )
    payload = result["data"]["login"]
    assert payload["token"] is None
    assert payload["errors"] == [
        {"field": "password", "code": "INVALID_CREDENTIALS", "message": "用户名或密码错误。"}
    ]


def test_tokens_are_stored_hashed(member, token_for) -> None:
    from backend.accounts.models import ApiToken

    secret = token_for(member("lengshuijiang"))
    stored = ApiToken.objects.get()
    assert secret not in (stored.digest, stored.prefix) and len(stored.digest) == 64


def test_queries_deeper_than_the_limit_are_refused(gql, member, token_for) -> None:
    token = token_for(member("hunan", "province_admin"))
    nested = "code " + "parent { " * 12 + "code" + " }" * 12
    result = gql("{ units(first: 1) { edges { node { " + nested + " } } } }", token=token)
    error = result["errors"][0]
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "depth",
        "max": 10,
        "actual": 15,
    }
    assert "嵌套深度" in error["message"]


def test_unknown_fields_and_arguments_are_refused_not_ignored(gql, member, token_for) -> None:
    """The depth limit is added to graphql-core's standard rules, not put in their place."""
    token = token_for(member("hunan", "province_admin"))
    for query in (
        "{ units(first: 1) { edges { node { code noSuchField } } } }",
        "{ units(first: 1, noSuchArgument: 1) { totalCount } }",
    ):
        result = gql(query, token=token)
        assert result.get("data") is None
        assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", query


def test_an_api_client_logs_in_without_cookies_or_csrf(member) -> None:
    member("lengshuijiang", username="zhang")
    client = Client(enforce_csrf_checks=True)
    query = 'mutation { login(input: {username: "zhang", password: "secret-pass"}) { token } }'
    response = client.post(
        "/graphql/",
        json.dumps({"query": query}),
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert response.status_code == 200
    assert response.json()["data"]["login"]["token"].startswith("jx_")


def test_a_session_post_needs_the_csrf_token(member) -> None:
    user = member("lengshuijiang")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    body = json.dumps({"query": "{ me { username } }"})
    refused = client.post("/graphql/", body, content_type="application/json", HTTP_HOST="localhost")
    assert refused.status_code == 403
    page = client.get("/graphql/", HTTP_HOST="localhost", HTTP_ACCEPT="text/html")
    csrf = page.cookies["csrftoken"].value
    accepted = client.post(
        "/graphql/",
        body,
        content_type="application/json",
        HTTP_HOST="localhost",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert accepted.status_code == 200
    assert accepted.json()["data"]["me"]["username"] == user.username


def test_an_unexpected_failure_is_a_coded_error_without_internals(
    gql, member, token_for, monkeypatch
) -> None:
    from backend.accounts import policy

    def explode(user, op):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(policy, "units_allowing", explode)
    result = gql("{ units { totalCount } }", token=token_for(member("hunan", "province_admin")))
    assert error_codes(result) == ["INTERNAL_ERROR"]
    assert "secret" not in json.dumps(result)

"""Tenant isolation through the GraphQL endpoints: nothing of one unit is readable from
another's credentials; a membership reaches down its subtree, never up or sideways."""

from __future__ import annotations

import pytest

from backend.accounts.models import Role
from tests.conftest import error_codes

pytestmark = pytest.mark.django_db

UNIT = "{ unit { unit { code name } ancestors { code } } }"
UNITS = "{ units(first: 100) { totalCount edges { node { code level parentCode } } } }"


def unit_codes(result: dict) -> set[str]:
    return {edge["node"]["code"] for edge in result["data"]["units"]["edges"]}


def test_a_unit_user_reads_its_own_unit_with_its_parents(gql, member, token_for) -> None:
    token = token_for(member("lengshuijiang"))
    result = gql(UNIT, host="lengshuijiang.localhost", token=token)
    assert "errors" not in result
    assert result["data"]["unit"] == {
        "unit": {"code": "lengshuijiang", "name": "冷水江市人民检察院"},
        "ancestors": [{"code": "hunan"}, {"code": "loudi"}],
    }


@pytest.mark.parametrize("host", ["lianyuan.localhost", "loudi.localhost", "hunan.localhost"])
def test_a_unit_user_cannot_read_a_sibling_or_a_parent(gql, member, token_for, host) -> None:
    token = token_for(member("lengshuijiang"))
    result = gql(UNIT, host=host, token=token)
    assert error_codes(result) == ["PERMISSION_DENIED"]
    assert result["data"] is None


def test_a_unit_user_sees_only_itself_in_the_registry(gql, member, token_for) -> None:
    token = token_for(member("lengshuijiang"))
    assert unit_codes(gql(UNITS, token=token)) == {"lengshuijiang"}
    result = gql('{ unit(code: "lianyuan") { code } }', token=token)
    assert result["data"]["unit"] is None


def test_a_city_reviewer_reads_its_counties_not_another_citys(gql, member, token_for) -> None:
    token = token_for(member("loudi", Role.CITY_REVIEWER))
    assert unit_codes(gql(UNITS, token=token)) == {
        "loudi",
        "loudi-louxing",
        "shuangfeng",
        "xinhua",
        "lengshuijiang",
        "lianyuan",
    }
    for host in ("lengshuijiang.localhost", "lianyuan.localhost", "loudi.localhost"):
        assert "errors" not in gql(UNIT, host=host, token=token), host
    for host in ("changsha.localhost", "changsha-furong.localhost", "hunan.localhost"):
        assert error_codes(gql(UNIT, host=host, token=token)) == ["PERMISSION_DENIED"], host
    assert gql('{ unit(code: "changsha-furong") { code } }', token=token)["data"]["unit"] is None


def test_the_province_reaches_every_unit(gql, member, token_for) -> None:
    token = token_for(member("hunan", Role.PROVINCE_ADMIN))
    result = gql(UNITS, token=token)
    assert result["data"]["units"]["totalCount"] == 10
    filtered = gql('{ units(level: "COUNTY", under: "loudi") { totalCount } }', token=token)
    assert "errors" not in filtered, filtered
    assert filtered["data"]["units"]["totalCount"] == 5
    by_parent = gql('{ units(parent: "changsha") { edges { node { code } } } }', token=token)
    assert unit_codes(by_parent) == {"changsha-furong", "changsha-tianxin"}
    assert "errors" not in gql(UNIT, host="changsha-tianxin.localhost", token=token)


@pytest.mark.parametrize("host", ["localhost", "lengshuijiang.localhost"])
def test_no_token_no_data(gql, host) -> None:
    for query in ("{ me { username } }", UNIT if host != "localhost" else UNITS):
        result = gql(query, host=host)
        assert error_codes(result) == ["UNAUTHENTICATED"]
        assert not any((result["data"] or {}).values())


def test_a_forged_or_revoked_token_is_no_token(gql, member, token_for) -> None:
    user = member("lengshuijiang")
    assert error_codes(gql(UNITS, token="jx_not-a-real-token")) == ["UNAUTHENTICATED"]
    token = token_for(user)
    revoked = gql("mutation { revokeToken { errors { code } token { prefix } } }", token=token)
    assert revoked["data"]["revokeToken"]["errors"] == []
    assert error_codes(gql(UNITS, token=token)) == ["UNAUTHENTICATED"]


def test_a_user_cannot_revoke_someone_elses_token(gql, member, token_for) -> None:
    from backend.accounts.models import ApiToken

    victim = member("lianyuan")
    token_for(victim)
    victim_token = ApiToken.objects.get(user=victim)
    attacker = token_for(member("lengshuijiang"))
    result = gql(
        "mutation($id: ID) { revokeToken(id: $id) { errors { code field } } }",
        token=attacker,
        variables={"id": str(victim_token.pk)},
    )
    assert result["data"]["revokeToken"]["errors"] == [{"code": "NOT_FOUND", "field": "id"}]
    victim_token.refresh_from_db()
    assert victim_token.revoked_at is None


def test_an_unknown_host_is_a_404_not_the_public_schema(client) -> None:
    response = client.post("/graphql/", {}, HTTP_HOST="nowhere.localhost")
    assert response.status_code == 404


def test_the_registry_query_does_not_grow_with_rows(gql, member, token_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = token_for(member("hunan", Role.PROVINCE_ADMIN))
    query = "{ units(first: %d) { edges { node { code parent { code } } } } }"
    gql("{ me { username } }", token=token)  # the first use stamps the token's last use
    counts = {}
    for rows in (2, 10):
        with CaptureQueriesContext(connection) as captured:
            result = gql(query % rows, token=token)
        assert len(result["data"]["units"]["edges"]) == rows
        counts[rows] = len(captured)
    assert counts[2] == counts[10]


def test_a_deactivated_unit_is_not_served(gql, member, token_for, unit) -> None:
    from tenants.models import Procuratorate

    token = token_for(member("lengshuijiang"))
    Procuratorate.objects.filter(code="lengshuijiang").update(active=False)
    response = gql.client.post(
        "/graphql/",
        {"query": "{ me { username } }"},
        HTTP_HOST="lengshuijiang.localhost",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404


def test_the_console_renders_on_the_public_host(client, member) -> None:
    from backend.accounts.models import User

    admin = User.objects.create_superuser("root", password="x")
    client.force_login(admin)
    for url in ("/", "/admin/", "/admin/tenants/procuratorate/", "/admin/accounts/user/"):
        # "/" sends a user to where they work (a superuser without memberships: the places page)
        response = client.get(url, HTTP_HOST="localhost", follow=True)
        assert response.status_code == 200, url

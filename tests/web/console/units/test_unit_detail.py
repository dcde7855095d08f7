"""A unit's page and 授予角色 there: access, the people at the unit, a grant with bad input
(the message beside the field, nothing written), a role where it does not count, a good grant,
and a revoke from the unit's page."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import Membership, Role
from tests.factories import UserFactory
from tests.web.conftest import Browser, User

URL = "/console/units/lengshuijiang/"


@pytest.mark.parametrize(("name", "status"), [("province_admin", 200), ("city_reviewer", 403)])
def test_access(
    name: str, status: int, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona(name), None).get(URL).status_code == status


def test_the_page_lists_the_people_at_the_unit(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    persona("finance")
    body = browse(persona("province_admin"), None).get(URL).content.decode()
    assert "冷水江市人民检察院" in body
    assert 'data-testid="member-web-finance-unit_finance"' in body
    assert "http://lengshuijiang.localhost/" in body


def test_a_grant_names_its_problems_beside_the_fields(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    response = page.post(URL + "grant/", {"username": "nobody-here", "role": "unit_leader"})
    assert response.status_code == 400
    assert 'data-field-error="username"' in response.content.decode()
    UserFactory(username="zhangsan")
    response = page.post(URL + "grant/", {"username": "zhangsan", "role": "province_admin"})
    body = response.content.decode()
    assert 'data-field-error="role"' in body and "只能授予省级院的人员" in body
    assert not Membership.objects.filter(user__username="zhangsan").exists()


def test_a_grant_and_a_revoke(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    UserFactory(username="zhangsan")
    response = page.post(URL + "grant/", {"username": "ZhangSan", "role": "unit_leader"})
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="zhangsan")
    assert (membership.unit.code, membership.role) == ("lengshuijiang", Role.UNIT_LEADER)
    response = page.post(f"/console/units/memberships/{membership.pk}/revoke/", {"next": "unit"})
    assert response["Location"] == URL
    assert not Membership.objects.filter(pk=membership.pk).exists()

"""A user's page and its actions: 授予角色, 撤销, 重置密码, 停用/启用 — access, bad input beside the
fields with nothing written, the results, the manager's own account, and a user of another
province out of reach (404)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import ApiToken, Membership, User
from backend.accounts.services import issue_token
from tenants.models import Procuratorate
from tests.factories import UserFactory
from tests.web.conftest import Browser
from tests.web.console.units.conftest import other_province_user


def url(user: User, action: str = "") -> str:
    return f"/console/units/users/{user.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def zhang(db: None) -> User:
    user = UserFactory(username="t-zhang", full_name="张三")
    Membership.objects.create(
        user=user, unit=Procuratorate.objects.get(code="lengshuijiang"), role="unit_finance"
    )
    return user


@pytest.mark.parametrize(("name", "status"), [("province_admin", 200), ("city_reviewer", 403)])
def test_access(
    name: str,
    status: int,
    zhang: User,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
) -> None:
    assert browse(persona(name), None).get(url(zhang)).status_code == status


def test_a_user_of_another_province_is_out_of_reach(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    stranger = other_province_user()
    page = browse(persona("province_admin"), None)
    assert page.get(url(stranger)).status_code == 404
    assert page.post(url(stranger, "password"), {"password": "a-Long-pass-2026"}).status_code == 404
    assert page.post(url(stranger, "active"), {}).status_code == 404
    assert "t-hubei-finance" not in page.get("/console/units/users/").content.decode()
    membership = Membership.objects.get(user=stranger)
    revoke = page.post(f"/console/units/memberships/{membership.pk}/revoke/")
    assert revoke.status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_grant_with_bad_input_then_a_good_one(
    zhang: User, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    response = page.post(url(zhang, "grant"), {"unit": "nowhere", "role": "unit_leader"})
    assert response.status_code == 400
    assert 'data-field-error="unit"' in response.content.decode()
    response = page.post(url(zhang, "grant"), {"unit": "lengshuijiang", "role": "city_reviewer"})
    assert "只能授予市级院的人员" in response.content.decode()
    assert zhang.memberships.count() == 1
    response = page.post(url(zhang, "grant"), {"unit": "loudi", "role": "city_reviewer"})
    assert response.status_code == 302
    assert zhang.memberships.filter(unit__code="loudi", role="city_reviewer").exists()


def test_revoke(
    zhang: User, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    membership = zhang.memberships.get()
    response = page.post(f"/console/units/memberships/{membership.pk}/revoke/")
    assert response["Location"] == url(zhang)
    assert not zhang.memberships.exists()


def test_nobody_revokes_their_own_admin_role(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    admin = persona("province_admin")
    page = browse(admin, None)
    membership = admin.memberships.get()
    page.post(f"/console/units/memberships/{membership.pk}/revoke/")
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert "不能撤销您本人的管理员角色" in page.get(url(admin)).content.decode()


def test_reset_password(
    zhang: User, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    response = page.post(url(zhang, "password"), {"password": "12345678"})
    assert response.status_code == 400
    assert 'data-field-error="password"' in response.content.decode()
    zhang.refresh_from_db()
    assert zhang.check_password("secret-pass")
    response = page.post(url(zhang, "password"), {"password": "a-Long-pass-2026"})
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.check_password("a-Long-pass-2026")


def test_deactivate_and_reactivate(
    zhang: User, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    token = issue_token(zhang)
    page = browse(persona("province_admin"), None)
    page.post(url(zhang, "active"), {})
    zhang.refresh_from_db()
    assert not zhang.is_active
    assert ApiToken.objects.get(pk=token.token.pk).revoked_at is not None
    assert 'data-testid="inactive"' in page.get(url(zhang)).content.decode()
    page.post(url(zhang, "active"), {"active": "on"})
    zhang.refresh_from_db()
    assert zhang.is_active


def test_nobody_deactivates_themselves(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    admin = persona("province_admin")
    page = browse(admin, None)
    page.post(url(admin, "active"), {})
    admin.refresh_from_db()
    assert admin.is_active

"""console:unit-user-anonymise: a person who left is anonymised (``accounts.anonymise_user``)
after typing the username again; access by every role, bad input beside the field with
nothing written, the manager's own account, a user with a role out of reach."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import ApiToken, Membership, User
from backend.accounts.services import FORMER_USER_NAME, issue_token
from tenants.models import Procuratorate
from tests.factories import UserFactory
from tests.web.conftest import Browser
from tests.web.console.units.conftest import other_province_user


def url(user: User) -> str:
    return f"/console/units/users/{user.pk}/anonymise/"


@pytest.fixture
def zhang(db: None) -> User:
    user = UserFactory(username="t-zhang", full_name="张三", email="zhang@example.cn")
    Membership.objects.create(
        user=user, unit=Procuratorate.objects.get(code="lengshuijiang"), role="unit_finance"
    )
    issue_token(user, name="cli")
    return user


def untouched(user: User) -> None:
    user.refresh_from_db()
    assert (user.username, user.full_name, user.is_active) == ("t-zhang", "张三", True)
    assert user.memberships.count() == 1 and user.has_usable_password()


@pytest.mark.parametrize(
    "name",
    ["city_reviewer", "evaluator", "finance", "leader", "other_city_reviewer", "city_finance"],
)
def test_only_the_unit_manager_anonymises(
    name: str, zhang: User, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona(name), None)
    assert page.post(url(zhang), {"confirm": "t-zhang"}).status_code == 403
    untouched(zhang)


def test_the_unit_host_does_not_serve_it(
    zhang: User, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), "lengshuijiang")
    assert page.post(url(zhang), {"confirm": "t-zhang"}).status_code == 404
    untouched(zhang)


def test_a_wrong_confirmation_is_said_beside_the_field(
    zhang: User, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    for typed in ("", "t-zhan", "张三"):
        response = page.post(url(zhang), {"confirm": typed})
        assert response.status_code == 400
        body = response.content.decode()
        assert 'data-field-error="confirm"' in body and "请输入该用户的用户名“t-zhang”" in body
    untouched(zhang)


def test_anonymise(
    zhang: User, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    shown = page.get(f"/console/units/users/{zhang.pk}/").content.decode()
    assert 'data-testid="user-anonymise"' in shown
    response = page.post(url(zhang), {"confirm": " t-zhang "})
    assert response.status_code == 302 and response["Location"] == "/console/units/users/"
    zhang.refresh_from_db()
    assert zhang.username == f"former-{zhang.pk}" and zhang.full_name == FORMER_USER_NAME
    assert (zhang.email, zhang.is_active, zhang.has_usable_password()) == ("", False, False)
    assert not Membership.objects.filter(user=zhang).exists()
    assert not ApiToken.objects.filter(user=zhang).exists()
    assert "已匿名化用户 t-zhang" in page.get(response["Location"]).content.decode()


def test_the_own_account_offers_no_anonymising(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    admin = persona("province_admin")
    page = browse(admin, None)
    assert (
        'data-testid="user-anonymise"'
        not in page.get(f"/console/units/users/{admin.pk}/").content.decode()
    )
    response = page.post(url(admin), {"confirm": admin.username})
    assert response.status_code == 400 and "不能匿名化您本人的账号" in response.content.decode()
    admin.refresh_from_db()
    assert admin.username == "web-province_admin"


def test_a_user_with_a_role_out_of_reach_is_refused_on_the_page(
    zhang: User, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    province = other_province_user().memberships.get().unit
    Membership.objects.create(user=zhang, unit=province, role="unit_finance")
    response = browse(persona("province_admin"), None).post(url(zhang), {"confirm": "t-zhang"})
    assert response.status_code == 400
    assert "管辖范围以外的单位也有角色" in response.content.decode()
    zhang.refresh_from_db()
    assert zhang.username == "t-zhang" and zhang.memberships.count() == 2


def test_unknown_user_is_404(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    assert page.post("/console/units/users/987654/anonymise/", {"confirm": "x"}).status_code == 404


def test_a_user_of_another_province_is_out_of_reach(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    stranger = other_province_user()
    response = browse(persona("province_admin"), None).post(
        url(stranger), {"confirm": "t-hubei-finance"}
    )
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.username == "t-hubei-finance" and stranger.is_active

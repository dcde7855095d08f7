"""新建用户: access, bad input (every problem beside its field, nothing written), a user created
with a first role."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import Membership, User
from tests.web.conftest import Browser

URL = "/console/units/users/new/"


@pytest.mark.parametrize(("name", "status"), [("province_admin", 200), ("city_reviewer", 403)])
def test_access(
    name: str, status: int, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona(name), None).get(URL).status_code == status


def test_bad_input_is_named_beside_the_fields(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    response = page.post(
        URL,
        {
            "username": "web-finance" if persona("finance") else "",
            "full_name": "张三",
            "password": "123",
            "email": "not-an-email",
            "unit": "",
            "role": "",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    for field in ("username", "password", "email"):
        assert f'data-field-error="{field}"' in body, field
    assert "已被使用" in body and "电子邮箱格式不正确" in body
    response = page.post(
        URL, {"username": "t-zhang", "password": "a-Long-pass-2026", "unit": "nowhere", "role": ""}
    )
    body = response.content.decode()
    assert 'data-field-error="unit"' in body and 'data-field-error="role"' in body
    response = page.post(
        URL,
        {"username": "t-zhang", "password": "a-Long-pass-2026", "unit": "loudi",
         "role": "province_admin"},
    )  # fmt: skip
    assert "只能授予省级院的人员" in response.content.decode()
    assert not User.objects.filter(username="t-zhang").exists()  # one transaction


def test_a_user_with_a_first_role(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("province_admin"), None)
    response = page.post(
        URL,
        {
            "username": "t-zhang",
            "full_name": "张三",
            "password": "a-Long-pass-2026",
            "email": "",
            "unit": "冷水江市人民检察院",
            "role": "unit_finance",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="t-zhang")
    assert user.check_password("a-Long-pass-2026") and user.is_active
    assert Membership.objects.filter(
        user=user, unit__code="lengshuijiang", role="unit_finance"
    ).exists()
    assert response["Location"] == f"/console/units/users/{user.pk}/"

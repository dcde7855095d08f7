"""Signing in on a unit's host and on the console, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from backend.accounts.models import Role, User
from tests.browser.conftest import Site, bt_user, login, shot


@pytest.fixture
def finance(committed: None) -> User:
    return bt_user("bt-lsj-finance", "lengshuijiang", Role.UNIT_FINANCE, "李珺")


def test_a_unit_user_signs_in_on_the_unit_host(page: Any, site: Site, finance: User) -> None:
    page.goto(site.url("lengshuijiang", "/"))
    assert "/login/" in page.url
    shot(page, "login", guide=True)
    page.get_by_label("用户名").fill("bt-lsj-finance")
    page.get_by_label("密码").fill("wrong password")
    page.get_by_role("button", name="登录").click()
    assert "请输入一个正确的" in page.get_by_test_id("login-error").inner_text()

    login(page, site, "bt-lsj-finance", unit="lengshuijiang")
    assert page.url == site.url("lengshuijiang", "/")
    assert page.locator("h1").inner_text() == "工作台"
    assert "冷水江市人民检察院" in page.locator("header").inner_text()
    shot(page, "workspace-frame")


def test_another_units_user_is_refused_without_data(page: Any, site: Site, finance: User) -> None:
    login(page, site, "bt-lsj-finance", unit="lianyuan")
    assert page.get_by_test_id("denied").is_visible()
    assert "涟源" not in page.locator("main").inner_text()
    assert page.locator("#jx-sidebar").count() == 0

"""Login throttling (django-axes, backend/accounts/throttle.py) on both ways in: the GraphQL
``login`` mutation and the pages' session login. Per user name and per client address, a typed
``TOO_MANY_ATTEMPTS`` error with a Chinese message saying when to retry, the password not even
checked while locked, and the lock lifted after the cool-off."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from backend.accounts import throttle
from backend.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = """mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) {
  token errors { field code message } } }"""
PASSWORD = "correct-horse-battery"


def login(username: str, password: str, *, ip: str = "10.1.1.1", host: str = "localhost") -> Any:
    response = Client().post(
        "/graphql/",
        json.dumps({"query": LOGIN, "variables": {"u": username, "p": password}}),
        content_type="application/json",
        HTTP_HOST=host,
        REMOTE_ADDR=ip,
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]["login"]


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


@pytest.fixture
def user() -> User:
    return UserFactory(username="throttled", password=PASSWORD)


@pytest.fixture
def elapse() -> Callable[[timedelta], None]:
    """Moves every recorded failure back in time."""

    def move(delta: timedelta) -> None:
        AccessAttempt.objects.update(attempt_time=timezone.now() - delta)

    return move


def test_a_user_name_is_locked_after_five_failures_then_freed_after_the_cool_off(
    user: User, elapse: Callable[[timedelta], None]
) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert codes(login("throttled", "wrong")) == ["INVALID_CREDENTIALS"]
    fifth = login("throttled", "wrong")
    assert codes(fifth) == ["TOO_MANY_ATTEMPTS"]
    assert fifth["errors"][0]["field"] == "password"
    assert "登录失败次数过多" in fifth["errors"][0]["message"]
    assert "请 15 分钟后" in fifth["errors"][0]["message"]
    # The right password is not checked while locked, from any address or host.
    assert codes(login("throttled", PASSWORD)) == ["TOO_MANY_ATTEMPTS"]
    assert codes(login("throttled", PASSWORD, ip="10.9.9.9")) == ["TOO_MANY_ATTEMPTS"]
    assert codes(login("throttled", PASSWORD, host="lengshuijiang.localhost")) == [
        "TOO_MANY_ATTEMPTS"
    ]
    # Another user of the same address is not locked (the address has 5 of its 30).
    UserFactory(username="colleague", password=PASSWORD)
    assert login("colleague", PASSWORD)["token"]

    elapse(timedelta(minutes=10))
    assert "请 5 分钟后" in login("throttled", PASSWORD)["errors"][0]["message"]
    elapse(timedelta(minutes=16))
    freed = login("throttled", PASSWORD)
    assert freed["errors"] == [] and freed["token"].startswith("jx_")


def test_an_address_is_locked_after_its_own_limit_whatever_the_user_names(
    settings: Any,
) -> None:
    settings.JIXIAO_LOGIN_IP_LIMIT = 8
    UserFactory(username="innocent", password=PASSWORD)
    for index in range(7):
        assert codes(login(f"guess-{index}", "wrong", ip="10.6.6.6")) == ["INVALID_CREDENTIALS"]
    assert codes(login("guess-7", "wrong", ip="10.6.6.6")) == ["TOO_MANY_ATTEMPTS"]
    assert codes(login("innocent", PASSWORD, ip="10.6.6.6")) == ["TOO_MANY_ATTEMPTS"]
    assert login("innocent", PASSWORD, ip="10.7.7.7")["token"]


def test_the_login_page_says_so_in_chinese_and_refuses_the_right_password(user: User) -> None:
    client = Client()

    def post(password: str) -> Any:
        return client.post(
            "/login/",
            {"username": "throttled", "password": password},
            HTTP_HOST="lengshuijiang.localhost",
            REMOTE_ADDR="10.2.2.2",
        )

    for _ in range(4):
        response = post("wrong")
        assert response.status_code == 200
        assert "登录失败次数过多" not in response.content.decode()
    locked = post("wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert 'data-testid="login-error"' in page and "登录失败次数过多" in page and "分钟后" in page
    refused = post(PASSWORD)
    assert refused.status_code == 429 and "登录失败次数过多" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_throttled_too(user: User) -> None:
    user.is_staff = True
    user.save()
    client = Client()
    for _ in range(5):
        response = client.post(
            "/admin/login/",
            {"username": "throttled", "password": "wrong"},
            HTTP_HOST="localhost",
            REMOTE_ADDR="10.3.3.3",
        )
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_the_client_address_comes_from_trusted_proxies_only(settings: Any) -> None:
    request = Client().get("/", HTTP_HOST="localhost").wsgi_request
    request.META.update(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.JIXIAO_TRUSTED_PROXIES = 0
    assert throttle.client_ip(request) == "10.0.0.1"  # a client cannot pick its address
    settings.JIXIAO_TRUSTED_PROXIES = 1
    assert throttle.client_ip(request) == "203.0.113.7"  # what our proxy saw


def test_a_user_name_longer_than_any_is_refused_before_the_throttling_records_it() -> None:
    """The throttling's log keeps 255 characters of the name: a longer one is no user's and is
    answered as a wrong log-in, never a 500 (found by the fuzz test)."""
    assert codes(login("x" * 5000, "wrong")) == ["INVALID_CREDENTIALS"]
    assert codes(login("y" * 151, "wrong")) == ["INVALID_CREDENTIALS"]

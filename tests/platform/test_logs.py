"""Structured logs: one line per request with its id, user, unit and duration; the id echoed to
the client; every record as JSON with the context; task records carry the task's unit."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from celery import shared_task
from django.test import Client
from django_tenants.utils import schema_context

from backend.accounts.models import Role
from backend.core.logs import JsonFormatter
from tenants.models import Procuratorate
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "jixiao.request"]


def test_a_request_is_logged_once_with_its_id_user_unit_and_duration(
    caplog: pytest.LogCaptureFixture, unit: Callable[[str], Procuratorate]
) -> None:
    user = MembershipFactory(unit=unit("lengshuijiang"), role=Role.UNIT_FINANCE).user
    client = Client(HTTP_HOST="lengshuijiang.localhost")
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="jixiao.request"):
        response = client.get("/", HTTP_X_REQUEST_ID="proxy-abc-12345")
    (record,) = request_records(caplog)
    assert response["X-Request-ID"] == "proxy-abc-12345"
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "proxy-abc-12345"
    assert (line["user"], line["unit"]) == (user.username, "lengshuijiang")
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", response.status_code)
    assert isinstance(line["duration_ms"], float)


def test_a_bad_request_id_is_replaced(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="jixiao.request"):
        response = Client(HTTP_HOST="localhost").get("/login/", HTTP_X_REQUEST_ID="a b\nforged")
    (record,) = request_records(caplog)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == response["X-Request-ID"] != "a b\nforged"
    assert len(line["request_id"]) == 32
    assert line["user"] is None and line["unit"] is None


@shared_task(name="tests.log_something")
def log_something() -> None:
    logging.getLogger("jixiao.test").warning("inside the task")


def test_a_task_record_carries_the_task_and_its_unit(caplog: pytest.LogCaptureFixture) -> None:
    with schema_context("lengshuijiang"), caplog.at_level(logging.WARNING, logger="jixiao.test"):
        log_something.apply()
    (record,) = [r for r in caplog.records if r.name == "jixiao.test"]
    line = json.loads(JsonFormatter().format(record))
    assert (line["task"], line["unit"], line["message"]) == (
        "tests.log_something",
        "lengshuijiang",
        "inside the task",
    )

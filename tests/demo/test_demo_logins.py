"""``make demo`` prints the workspace address and one demo log-in per role once the server
answers: every printed log-in really signs in, at the printed address, with the demo password.
The users come from the demo's own code path (``services.load_users``) over the session units."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from backend.accounts.models import Role
from backend.demo import services
from backend.demo.management.commands import demo as demo_command
from tenants.models import Procuratorate

pytestmark = pytest.mark.django_db


def test_the_banner_names_the_workspace_and_one_login_per_role() -> None:
    logins = services.load_users()
    lines = services.login_banner(logins, base="localhost", port="8000")
    text = "\n".join(lines)
    assert "http://lengshuijiang.localhost:8000/" in lines[1]
    assert "http://localhost:8000/console/" in text
    assert f"password '{services.DEMO_PASSWORD}'" in lines[0]
    shown = services.role_logins(logins, base="localhost", port="8000")
    assert [x.role for x in shown] == list(services.ROLE_ORDER)
    assert {x.role for x in shown} == set(Role.values)  # every role the demo creates
    assert [(x.username, x.url) for x in shown] == [
        ("lengshuijiang-finance", "http://lengshuijiang.localhost:8000/"),
        ("lengshuijiang-leader", "http://lengshuijiang.localhost:8000/"),
        ("loudi-reviewer", "http://localhost:8000/console/"),
        ("admin", "http://localhost:8000/console/"),
        ("hunan-evaluator-1", "http://localhost:8000/"),
    ]
    for login in shown:
        assert login.username in text and login.url in text and login.label in text


def test_every_printed_login_signs_in_at_its_address() -> None:
    logins = services.load_users()
    base = settings.JIXIAO_BASE_DOMAIN
    for login in services.role_logins(logins, base=base, port="8000"):
        address = urlsplit(login.url)
        client = Client(enforce_csrf_checks=False)
        response = client.post(
            "/login/",
            {"username": login.username, "password": services.DEMO_PASSWORD},
            HTTP_HOST=address.netloc,
        )
        connection.set_schema_to_public()
        assert response.status_code == 302, (login.username, response.status_code)
        page = client.get(address.path, HTTP_HOST=address.netloc, follow=True)
        connection.set_schema_to_public()
        assert page.status_code == 200, login
        html = page.content.decode()
        assert 'data-testid="denied"' not in html, login
        assert 'name="password"' not in html, login  # not sent back to the login page
        final = page.redirect_chain[-1][0] if page.redirect_chain else address.path
        assert "/login/" not in final, (login, final)


def test_the_demo_prints_the_logins_after_the_server_answers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The command's order: the web server starts, answers, and only then the banner appears
    and the Celery worker, beat and the history load (in the background) start."""
    monkeypatch.setenv("JIXIAO_DEMO_PROGRESS", str(tmp_path / "progress.json"))
    events: list[str] = []
    monkeypatch.setattr(demo_command, "answers", lambda addr: events.append("probe") or True)

    class Child:
        polls = 0
        returncode = 0

        def __init__(self, *args: object, **kwargs: object) -> None:
            events.append("started")

        def poll(self) -> int | None:
            Child.polls += 1
            return None if Child.polls < 4 else 0

        def send_signal(self, signal: int) -> None: ...

        def wait(self, timeout: float) -> int:
            return 0

    monkeypatch.setattr(demo_command.subprocess, "Popen", Child)
    monkeypatch.setattr(demo_command.time, "sleep", lambda seconds: None)
    command = demo_command.Command()
    logins = services.load_users()
    command._serve("127.0.0.1:8000", on_ready=lambda: events.append("banner"))
    # the web process alone first; the worker, beat and the history once it answers
    assert events[:3] == ["started", "probe", "banner"]
    assert events[3:] == ["started", "started", "started"]
    command._print_logins(logins, "127.0.0.1:8000")
    out = capsys.readouterr().out
    assert "http://lengshuijiang.localhost:8000/" in out
    assert "lengshuijiang-finance" in out and "jixiao-demo" in out


def test_the_readme_shows_the_same_logins_on_its_first_screen() -> None:
    """README's first screen says how to log in: the same addresses and user names."""
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    first_screen = "\n".join(readme.splitlines()[:40])
    logins = services.demo_logins(list(Procuratorate.objects.order_by("path")))
    assert services.DEMO_PASSWORD in first_screen
    for login in services.role_logins(logins, base="localhost", port="8000"):
        assert f"| {login.url} | `{login.username}` |" in first_screen, login

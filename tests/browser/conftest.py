"""Browser tests: a real headless Chromium (Debian's package) driven by Playwright against the
platform served by a real WSGI server in a thread, on the test database.

What the browser sees must be committed, so these tests write through the services outside the
per-test transaction, on users and data of their own (``bt-`` names), and run after every other
test (``tests/conftest.py`` orders the ``browser`` marker last). Screenshots go to
``tests/browser/screens/`` (git-ignored); with ``JIXIAO_UPDATE_SCREENS=1`` the ones a test
names for the guides are copied to ``docs/screens/``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

CHROMIUM = os.environ.get("JIXIAO_CHROMIUM", "/usr/bin/chromium")
SCREENS = Path(__file__).parent / "screens"
DOCS_SCREENS = Path(settings.BASE_DIR) / "docs" / "screens"
PASSWORD = "bt-password-1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate (the calls are synchronous).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Site:
    """The running platform: ``site.url("lengshuijiang", "/projects/")``."""

    port: int

    def url(self, unit: str | None = None, path: str = "/") -> str:
        base = settings.JIXIAO_BASE_DOMAIN
        host = f"{unit}.{base}" if unit else base
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="session")
def site(django_db_setup: None, django_db_blocker: Any) -> Iterator[Site]:
    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with django_db_blocker.unblock():
        thread.start()
        try:
            yield Site(port=server.server_address[1])
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = (
            f"Chromium not found at {CHROMIUM}: apt-get install chromium chromium-driver "
            "fonts-noto-cjk (.ci/run does)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Chinese browser UI (date fields read 年/月/日, a file input's button) where Debian's
        # chromium-l10n is there; Chromium on Linux reads LANGUAGE, not only --lang.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, "--lang=zh-CN"],
            env={**os.environ, "LANGUAGE": "zh_CN:zh"},
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Any, site: Site) -> Iterator[Any]:
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 900}, device_scale_factor=1
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    # The pages run under the production Content Security Policy: anything it blocks (an inline
    # script or handler, eval in a vendored library) fails the test that met it.
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        yield page
        assert not blocked, f"blocked by the Content Security Policy: {blocked}"
    finally:
        context.close()


def shot(page: Any, name: str, *, guide: bool = False, full_page: bool = True) -> Path:
    """Save a screenshot; ``guide=True`` marks it as one the user guides show."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if guide and os.environ.get("JIXIAO_UPDATE_SCREENS"):
        DOCS_SCREENS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_SCREENS / path.name)
    return path


def login(page: Any, site: Site, username: str, *, unit: str | None = None) -> None:
    """Sign in on a unit's host (or the base host) through the login page."""
    page.goto(site.url(unit, "/login/"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def bt_user(username: str, unit: str, role: str, full_name: str = "") -> Any:
    """A committed user (password ``PASSWORD``) holding ``role`` at the unit ``unit`` (a code);
    call it inside ``committed``. Names start with ``bt-`` so they never meet other tests'."""
    from backend.accounts.models import Membership, User
    from tenants.models import Procuratorate

    assert username.startswith("bt-"), username
    user, _ = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.get_or_create(
        user=user, unit=Procuratorate.objects.get(code=unit), role=role
    )
    return user


@pytest.fixture
def committed(django_db_blocker: Any) -> Iterator[None]:
    """Write outside the test transaction (what the browser must see)."""
    with django_db_blocker.unblock():
        yield

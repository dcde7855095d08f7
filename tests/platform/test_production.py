"""Production settings: ``check --deploy`` clean with the documented switches (and not without
them), published secrets refused, HTTPS switches and the Content Security Policy on the pages,
no inline script in any template, introspection and GraphiQL refused to anonymous callers with
DEBUG off, the demo's debug server on loopback only, the compose file without fallback secrets
and serving with gunicorn."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.management.base import CommandError
from django.test import Client

from backend.demo.management.commands.demo import refuse_debug_beyond_loopback
from tests.factories import UserFactory

ROOT = Path(django_settings.BASE_DIR)
# What docs/operations.md ("Production") tells a deployment to set.
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "JIXIAO_SSL_REDIRECT": "1",
    "JIXIAO_HSTS_SECONDS": "31536000",
    "JIXIAO_HSTS_PRELOAD": "1",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JIXIAO_"))}
    for key in ("DATABASE_URL", "REDIS_URL", "JIXIAO_CELERY_QUEUE"):
        if key in os.environ:
            clean[key] = os.environ[key]
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_is_clean_in_the_production_configuration() -> None:
    done = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        **PRODUCTION,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_the_deploy_check_fails_without_the_switches() -> None:
    done = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="0",
    )
    assert done.returncode != 0
    assert "security.W004" in done.stderr and "security.W008" in done.stderr


@pytest.mark.parametrize("secret", ["compose-only-secret-change-me", "jixiao-insecure-x"])
def test_published_secrets_are_refused_outside_development(secret: str) -> None:
    done = manage("check", DJANGO_SECRET_KEY=secret, **PRODUCTION)
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY must be a secret of your own" in done.stderr


@pytest.mark.django_db
def test_https_switches_redirect_and_send_hsts(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    plain = Client().get("/login/", HTTP_HOST="localhost")
    assert plain.status_code == 301 and plain["Location"] == "https://localhost/login/"
    secure = Client().get("/login/", HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_scripts() -> None:
    response = Client().get("/login/", HTTP_HOST="lengshuijiang.localhost")
    policy = dict(
        part.strip().split(" ", 1)
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    )
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in response["Content-Security-Policy"]


INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_handler() -> None:
    """What the policy forbids must not be in our templates: every <script> has a src or is a
    JSON data block, and no element has an on…= handler or a javascript: link."""
    found = []
    for template in sorted((ROOT / "backend").rglob("templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        for attributes in SCRIPT_TAG.findall(text):
            if "src=" not in attributes and "application/json" not in attributes:
                found.append(f"{template.relative_to(ROOT)}: <script{attributes}>")
        if INLINE_HANDLER.search(text) or "javascript:" in text:
            found.append(f"{template.relative_to(ROOT)}: inline handler")
    assert found == []


INTROSPECTION = "{ __schema { queryType { name } } }"


def post(query: str, *, token: str | None = None, host: str = "localhost") -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = Client().post(
        "/graphql/",
        json.dumps({"query": query}),
        content_type="application/json",
        HTTP_HOST=host,
        headers=headers,
    )
    return response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["localhost", "lengshuijiang.localhost"])
def test_introspection_is_refused_to_anonymous_callers_in_production(
    settings: Any, token_for: Any, host: str
) -> None:
    settings.DEBUG = False
    refused = post(INTROSPECTION, host=host)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["INTROSPECTION_DISABLED"]
    assert "data" not in refused
    one_type = post('{ __type(name: "Query") { name } }', host=host)
    assert [e["extensions"]["code"] for e in one_type["errors"]] == ["INTROSPECTION_DISABLED"]
    assert post("{ __typename }", host=host)["data"]["__typename"]  # not introspection
    signed_in = post(INTROSPECTION, host=host, token=token_for(UserFactory()))
    assert signed_in["data"]["__schema"]["queryType"]["name"]
    settings.DEBUG = True
    assert post(INTROSPECTION, host=host)["data"]["__schema"]["queryType"]["name"]


@pytest.mark.django_db
def test_graphiql_is_served_to_signed_in_browsers_only_in_production(settings: Any) -> None:
    settings.DEBUG = False
    settings.JIXIAO_GRAPHIQL = True
    client = Client()
    anonymous = client.get("/graphql/", HTTP_HOST="localhost", HTTP_ACCEPT="text/html")
    assert anonymous.status_code == 400 and b"graphiql" not in anonymous.content.lower()
    client.force_login(UserFactory())
    page = client.get("/graphql/", HTTP_HOST="localhost", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"graphiql" in page.content.lower()
    # Its CDN scripts are outside the site's policy: the page goes without the header.
    assert "Content-Security-Policy" not in page


@pytest.mark.parametrize("addr", ["0.0.0.0:8000", "192.168.1.20:8000", "demo.example.org:80"])
def test_the_demo_serves_debug_pages_on_loopback_only(settings: Any, addr: str) -> None:
    settings.DEBUG = True
    with pytest.raises(CommandError, match="loopback"):
        refuse_debug_beyond_loopback(addr)
    for local in ("127.0.0.1:8000", "[::1]:8000", "localhost:8000", "127.0.0.5:9000"):
        refuse_debug_beyond_loopback(local)
    settings.DEBUG = False
    refuse_debug_beyond_loopback(addr)  # a real deployment may listen anywhere


def test_the_compose_stack_has_no_fallback_secret_and_serves_with_gunicorn() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    yaml.safe_load(text)
    secrets_ = ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")
    for name in secrets_:
        assert f"${{{name}:-" not in text and f"${{{name}-" not in text, name
        assert f"${{{name}:?" in text, name  # compose refuses to start without it
    entrypoint = (ROOT / "infra" / "entrypoint.sh").read_text(encoding="utf-8")
    web = entrypoint.split("web)", 1)[1].split(";;", 1)[0]
    assert "gunicorn backend.wsgi:application" in web and "runserver" not in web

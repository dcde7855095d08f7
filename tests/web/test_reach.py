"""Every page of both hosts, opened by every persona: the role table decides, and a refused
persona sees a refusal that names no data. The URLs are read from the URL configuration, so a
new page is covered the day it is added; the expectations below are written out by hand (not
derived from ``backend.accounts.policy``), so a change to the table must change them too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from backend.accounts.policy import Op
from tests.web.conftest import Browser, User

WORKSPACE = {
    # The finance officer submits goals and enters monitoring; the leader approves (the goal
    # and monitoring services always required the finance officer for these).
    "finance": {
        Op.UNIT_VIEW, Op.PROJECT_EDIT, Op.LIBRARY_EDIT, Op.GOAL_PREPARE, Op.GOAL_SUBMIT,
        Op.MONITORING_ENTER, Op.ALERT_ANSWER, Op.EVALUATION_PREPARE, Op.DOCUMENT_UPLOAD,
        Op.REPORT_GENERATE, Op.RESULTS_RESPOND,
    },
    "leader": {
        Op.UNIT_VIEW, Op.PROJECT_EDIT, Op.LIBRARY_EDIT, Op.GOAL_PREPARE, Op.GOAL_APPROVE,
        Op.ALERT_ANSWER, Op.EVALUATION_PREPARE, Op.EVALUATION_FINALISE,
        Op.DOCUMENT_UPLOAD, Op.REPORT_GENERATE, Op.RESULTS_RESPOND,
    },
    "city_reviewer": {Op.UNIT_VIEW, Op.GOAL_CITY_REVIEW},
    "province_admin": {Op.UNIT_VIEW},
    "evaluator": set(),
    "other_unit_finance": set(),
    "other_city_reviewer": set(),
    "city_finance": set(),  # a unit role at the city does not reach down to its counties
}  # fmt: skip

CONSOLE = {
    "province_admin": {
        Op.CONSOLE_VIEW, Op.REVIEW, Op.BENCHMARK_VIEW, Op.FEEDBACK_SEND,
        Op.KEY_EVALUATION_MANAGE, Op.LINKAGE_DECIDE, Op.TEMPLATE_MANAGE, Op.UNIT_MANAGE,
        Op.POLICY_MANAGE, Op.STATISTICS_MANAGE,
    },
    "city_reviewer": {
        Op.CONSOLE_VIEW, Op.REVIEW, Op.BENCHMARK_VIEW, Op.FEEDBACK_SEND,
        Op.KEY_EVALUATION_MANAGE, Op.LINKAGE_DECIDE,
    },
    "evaluator": {Op.KEY_EVALUATION_SCORE},
    "finance": set(),
    "leader": set(),
}  # fmt: skip


def pages(namespace: str) -> Iterator[tuple[str, Any]]:
    """(example path, view) of every URL in a namespace; path arguments get ids that exist
    nowhere, so an admitted persona gets 404 and a refused one 403 before any lookup."""
    from backend import urls as unit_urls
    from backend import urls_public

    conf = unit_urls if namespace == "ws" else urls_public

    def walk(patterns: list[Any], prefix: str, inside: bool) -> Iterator[tuple[str, Any]]:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(
                    entry.url_patterns, prefix + route, inside or entry.namespace == namespace
                )
            elif isinstance(entry, URLPattern) and inside:
                path = prefix + route
                for converter in ("<int:", "<str:", "<slug:", "<uuid:"):
                    while converter in path:
                        start = path.index(converter)
                        end = path.index(">", start)
                        value = {
                            "<int:": "987654",
                            "<uuid:": "00000000-0000-0000-0000-000000000000",
                        }.get(converter, "nothing-here")
                        path = path[:start] + value + path[end + 1 :]
                yield "/" + path, entry.callback

    yield from walk(get_resolver(conf).url_patterns, "", False)


def check(page: Browser, path: str, view: Any, admitted: bool) -> None:
    op = view.web_op
    response = page.get(path)
    if admitted:
        assert response.status_code in (200, 302, 404, 405), (path, op, response.status_code)
        if response.status_code == 302:
            assert "/login/" not in response["Location"], (path, op)
    else:
        assert response.status_code == 403, (path, op, response.status_code)
        assert b'data-testid="denied"' in response.content


@pytest.mark.parametrize("name", sorted(WORKSPACE))
def test_every_workspace_page_obeys_the_role_table(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona(name), "lengshuijiang")
    seen = 0
    for path, view in pages("ws"):
        assert hasattr(view, "web_op"), f"{path}: no access decorator"
        check(page, path, view, view.web_op is None or view.web_op in WORKSPACE[name])
        seen += 1
    assert seen >= 1


@pytest.mark.parametrize("name", sorted(CONSOLE))
def test_every_console_page_obeys_the_role_table(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona(name), None)
    for path, view in pages("console"):
        assert hasattr(view, "web_op"), f"{path}: no access decorator"
        check(page, path, view, view.web_op is None or view.web_op in CONSOLE[name])


def test_anonymous_callers_are_sent_to_the_login_page(browse: Callable[..., Browser]) -> None:
    for namespace, unit in (("ws", "lengshuijiang"), ("console", None)):
        page = browse(None, unit)
        for path, _view in pages(namespace):
            response = page.get(path)
            assert response.status_code == 302, path
            assert response["Location"].startswith("/login/?next="), path


def test_pages_of_one_host_are_not_served_on_the_other(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    admin = persona("province_admin")
    for path, _view in pages("ws"):
        if path != "/":
            assert browse(admin, None).get(path).status_code == 404, path
    for path, _view in pages("console"):
        assert browse(admin, "lengshuijiang").get(path).status_code == 404, path

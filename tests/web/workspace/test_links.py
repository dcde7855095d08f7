"""No dead links in the workspace: every ``href`` on every workspace page the finance officer
and the leader can reach (crawled from 工作台 over a small year of data) answers 200 or 302 —
never 404, 403 or 500. Links to another host (the console, another unit) are opened there;
static files must exist; links are followed within 冷水江's host."""

from __future__ import annotations

import datetime
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from backend.accounts.models import User
from backend.goals.models import GoalStatus
from tests.goals.factories import ProjectFactory, make_goal
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import draft_evaluation
from tests.web.workspace.monitoring.conftest import in_unit, lagging_entry
from tests.web.workspace.results.conftest import feedback_item, rectification

pytestmark = pytest.mark.django_db

HOST = "lengshuijiang.localhost"
# Pages a crawl could multiply without end: pagination keeps its own tests.
VARIANT_KEYS = {"page", "ready_page", "alerts_page", "history_page", "entries_page"}
LIMIT = 400  # pages crawled per persona; the small year has far fewer


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value:
                self.hrefs.append(value)


def hrefs(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def key(path: str, query: str) -> str:
    """A URL without its page numbers (``?page=2`` is the same page as the first)."""
    kept = sorted((k, v) for k, v in parse_qsl(query) if k not in VARIANT_KEYS and "page" not in k)
    return f"{path}?{urlencode(kept)}" if kept else path


@pytest.fixture
def year(persona: Callable[[str], User]) -> dict[str, User]:
    """A small year at 冷水江: a goal in draft, one submitted to the leader, a project without
    a goal, a monitored project whose lagging entry raised alerts, a self-evaluation in draft,
    a rectification and a feedback item from 娄底."""
    finance, leader = persona("finance"), persona("leader")
    lagging_entry(finance)
    draft_evaluation(finance)
    with in_unit():
        make_goal(project=ProjectFactory(code="links-draft", fiscal_year=2026))
        make_goal(
            project=ProjectFactory(code="links-sent", fiscal_year=2026),
            status=GoalStatus.SUBMITTED,
            submitted_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC),
        )
        ProjectFactory(code="links-none", fiscal_year=2026, initial_budget=Decimal("50000.00"))
    rectification()
    feedback_item()
    return {"finance": finance, "leader": leader}


def crawl(page: Browser, browse: Callable[..., Browser], user: User) -> dict[str, int]:
    """Open every page reachable from 工作台 on the unit's host; check every link on them.
    Returns the status of every URL opened (by the key above)."""
    seen: dict[str, int] = {}
    problems: list[str] = []
    queue: deque[tuple[str, str]] = deque([("/", "start")])
    others: dict[str, Browser] = {}
    while queue and len(seen) < LIMIT:
        url, origin = queue.popleft()
        parts = urlsplit(url)
        if key(parts.path, parts.query) in seen:
            continue
        response = page.get(url)
        seen[key(parts.path, parts.query)] = response.status_code
        if response.status_code not in (200, 302):
            problems.append(f"{url} → {response.status_code} (linked from {origin})")
            continue
        if response.status_code == 302 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in hrefs(response.content.decode()):
            target = urlsplit(urljoin(f"http://{HOST}{url}", href))
            if target.scheme not in ("http", "https") or href.startswith("#"):
                continue
            if target.path.startswith(settings.STATIC_URL):
                name = target.path[len(settings.STATIC_URL) :]
                if finders.find(name) is None:
                    problems.append(f"{href}: no static file (on {url})")
                continue
            if target.hostname != HOST:  # the console or another unit: opened there
                host = target.netloc
                if host not in others:
                    unit = host.split(".")[0] if host.count(".") else None
                    others[host] = browse(user, unit)
                other = others[host].get(target.path + (f"?{target.query}" if target.query else ""))
                if other.status_code not in (200, 302):
                    problems.append(f"{href} → {other.status_code} (linked from {url})")
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if key(target.path, target.query) not in seen:
                queue.append((link, url))
    assert not problems, "\n".join(problems)
    assert len(seen) < LIMIT, "the crawl did not finish: raise LIMIT or add a VARIANT_KEY"
    return seen


@pytest.mark.parametrize("who", ["finance", "leader"])
def test_every_link_on_every_workspace_page_answers(
    who: str, year: dict[str, User], browse: Callable[..., Browser]
) -> None:
    user = year[who]
    seen = crawl(browse(user), browse, user)
    # the crawl reached every area of the menu and the pages behind the lists
    for prefix in (
        "/projects/",
        "/goals/",
        "/monitoring/",
        "/monitoring/alerts/",
        "/evaluations/",
        "/results/rectifications/",
        "/results/feedback/",
        "/benchmark/",
    ):
        assert any(url.startswith(prefix) for url in seen), (prefix, sorted(seen))
    if who == "leader":
        assert any(url.startswith("/review/") for url in seen)
    assert len(seen) > 40, len(seen)


def test_the_docs_links_and_screenshots_exist() -> None:
    """The guides' links and screenshots (docs/screens/) and every relative link of README and
    docs/ point at files that exist."""
    import re
    from pathlib import Path

    root = Path(settings.BASE_DIR)
    missing = []
    for page in [root / "README.md", *sorted((root / "docs").rglob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:", "#")):
                continue
            if not (page.parent / target.split("#")[0]).exists():
                missing.append(f"{page.relative_to(root)}: {target}")
    assert not missing, "\n".join(missing)
    guide = (root / "docs" / "guide" / "unit.md").read_text(encoding="utf-8")
    assert guide.count("](../screens/") >= 25

"""项目 (ws:projects): the list with its filters, search, pagination and totals."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from backend.accounts.models import User
from tests.goals.factories import GoalFactory, ProjectFactory
from tests.web.conftest import Browser
from tests.web.workspace.projects.conftest import READERS, STRANGERS, YEAR, lsj, make_projects

pytestmark = pytest.mark.django_db
URL = "/projects/"


@pytest.mark.parametrize("name", ["finance", "leader", *READERS])
def test_the_units_people_and_reviewers_above_read_the_list(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    make_projects(3)
    response = browse(persona(name)).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "测试项目" in html and "p-0002" in html
    # only the unit's own people see the button that creates a project
    assert ('href="/projects/new/"' in html) is (name in ("finance", "leader"))


@pytest.mark.parametrize("name", STRANGERS)
def test_anyone_else_is_refused_without_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    make_projects(2)
    response = browse(persona(name)).get(URL)
    assert response.status_code == 403
    assert "p-0001" not in response.content.decode()
    assert "测试项目" not in response.content.decode()


def test_filters_search_and_totals(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    with lsj():
        a = ProjectFactory(
            code="a-case",
            name="办案业务经费",
            fiscal_year=YEAR,
            department="办公室",
            initial_budget=Decimal("1000000.00"),
            funding_source="transfer",
        )
        GoalFactory(project=a, status="approved")
        ProjectFactory(
            code="b-info",
            name="信息化建设",
            fiscal_year=YEAR,
            department="技术处",
            initial_budget=Decimal("234567.89"),
            category="basic",
        )
        ProjectFactory(code="c-old", name="往年项目", fiscal_year=YEAR - 1)
    page = browse(persona("finance"))

    def codes(query: str) -> set[str]:
        html = page.get(f"{URL}?{query}").content.decode()
        return {code for code in ("a-case", "b-info", "c-old") if f">{code}<" in html}

    assert codes("") == {"a-case", "b-info"}  # this year by default
    assert codes("year=all") == {"a-case", "b-info", "c-old"}
    assert codes(f"year={YEAR - 1}") == {"c-old"}
    assert codes("department=技术处") == {"b-info"}
    assert codes("status=approved") == {"a-case"}
    assert codes("status=none") == {"b-info"}
    assert codes("funding=transfer") == {"a-case"}
    assert codes("category=basic") == {"b-info"}
    assert codes("q=信息") == {"b-info"}
    assert codes("q=A-CASE") == {"a-case"}
    assert codes("q=nothing&year=all") == set()
    # the totals follow the filters; money as the forms write it
    html = page.get(URL).content.decode()
    assert "1,234,567.89" in html  # the full-year budgets of this year, in yuan
    html = page.get(f"{URL}?department=技术处").content.decode()
    assert "234,567.89" in html and "1,234,567.89" not in html


@pytest.mark.parametrize(
    "query",
    [
        "year=abcd",
        "year=99999999999999999999",
        "status=bogus",
        "funding=%00",
        "q=%00%00",
        "q=" + "很长" * 500,
        "category=<script>",
        "page=-1",
        "page=99999",
    ],
)
def test_bad_filters_filter_nothing_and_never_fail(
    query: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    make_projects(2)
    response = browse(persona("finance")).get(f"{URL}?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1].split("</main>")[0]


def test_pages_of_25(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    make_projects(30)
    page = browse(persona("finance"))
    first = page.get(URL).content.decode()
    assert "p-0024" in first and "p-0025" not in first and "第 1 / 2 页" in first
    second = page.get(f"{URL}?page=2&status=").content.decode()
    assert "p-0025" in second and "p-0029" in second and "p-0000" not in second


@pytest.mark.parametrize("count", [10, 200])
def test_a_fixed_number_of_queries(
    count: int,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    make_projects(count)
    page = browse(persona("finance"))
    page.get(URL)  # the session and the unit's host are warm
    assert count_queries(lambda: page.get(URL)) == 13

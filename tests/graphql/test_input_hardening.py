"""Issue 11's request limits and "bad input → typed error, never INTERNAL_ERROR", over HTTP on
both hosts: cyclic fragments, aliases, tokens, size, cost, pagination, decimals, NUL bytes,
fiscal years, nullable arguments, a broken XLSX."""

from __future__ import annotations

import base64
import io
import json
import time
import zipfile
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from graphql import get_introspection_query

from backend.accounts.models import Role
from tests.conftest import error_codes

pytestmark = pytest.mark.django_db

LSJ = "lengshuijiang.localhost"
HOSTS = ("localhost", LSJ)
CREATE_PROJECT = """mutation($input: ProjectInput!) { createProject(input: $input) {
  project { id initialBudget } errors { field code message } } }"""


def post(body: Any, *, host: str = "localhost", token: str | None = None) -> Any:
    """The raw response (the conftest client asserts a status this file checks itself)."""
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql/",
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        HTTP_HOST=host,
        headers=headers,
    )
    connection.set_schema_to_public()
    return response


def codes_of(response: Any) -> list[str]:
    return error_codes(response.json())


def project_input(**changes: Any) -> dict[str, Any]:
    return {
        "code": "hd-1",
        "name": "办案业务经费",
        "category": "PROJECT",
        "kind": "CASE_FUNDS",
        "fiscalYear": 2026,
        "initialBudget": "1000.00",
        **changes,
    }


@pytest.fixture
def finance(member, token_for) -> str:
    return token_for(member("lengshuijiang", Role.UNIT_FINANCE, "hd-finance"))


@pytest.fixture
def admin(member, token_for) -> str:
    return token_for(member("hunan", Role.PROVINCE_ADMIN, "hd-admin"))


# --- limits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("host", HOSTS)
def test_a_cyclic_fragment_is_a_validation_error_not_a_500(host: str) -> None:
    for query in (
        "fragment A on User { ...A } query { me { ...A } }",
        "fragment A on User { ...B } fragment B on User { ...A } query { me { ...A } }",
    ):
        response = post({"query": query}, host=host)  # anonymous
        assert response.status_code == 400, response.content
        assert codes_of(response) == ["GRAPHQL_VALIDATION_FAILED"]
        assert "within itself" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("host", HOSTS)
def test_a_thousand_aliases_are_refused_at_once(host: str, admin: str, finance: str) -> None:
    token = admin if host == "localhost" else finance
    query = "{ " + " ".join(f"a{i}: me {{ username }}" for i in range(1000)) + " }"
    started = time.perf_counter()
    response = post({"query": query}, host=host, token=token)
    elapsed = time.perf_counter() - started
    assert response.status_code == 400 and codes_of(response) == ["QUERY_TOO_COMPLEX"]
    assert "查询过于复杂" in response.json()["errors"][0]["message"]
    assert elapsed < 2.0  # it took 8–25 s before the limits (issue 11)


def test_each_limit_has_its_own_refusal(admin: str, settings) -> None:
    settings.JIXIAO_GRAPHQL_MAX_QUERY_CHARS = 100_000
    settings.JIXIAO_GRAPHQL_MAX_TOKENS = 100_000
    aliases = "{ " + " ".join(f"a{i}: me {{ username }}" for i in range(31)) + " }"
    cases = {
        "aliases": aliases,
        "tokens": "{ me { " + "username " * 3001 + "} }",
        "chars": "{ me { username } }" + " " * 100_001,
        # 10 pages of 200 units × 11 fields: the cost multiplies by the page size
        "cost": "{ "
        + " ".join(
            f"u{i}: units(first: 200) {{ edges {{ node {{ code name level region active depth"
            " id parentCode domain } } }"
            for i in range(10)
        )
        + " }",
        "introspection": "{ __schema { types { fields { type { fields { name } } } } } }",
    }
    settings.JIXIAO_GRAPHQL_MAX_TOKENS = 3000
    for limit, query in cases.items():
        if limit == "chars":
            settings.JIXIAO_GRAPHQL_MAX_QUERY_CHARS = 20_000
        response = post({"query": query}, token=admin)
        errors = response.json()["errors"]
        assert response.status_code == 400, (limit, errors)
        assert errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX", (limit, errors)
        assert errors[0]["extensions"]["limit"] == limit, (limit, errors)


def test_the_limits_let_ordinary_queries_and_graphiql_through(admin: str) -> None:
    response = post({"query": get_introspection_query(descriptions=True)}, token=admin)
    assert response.status_code == 200 and "errors" not in response.json()
    query = "{ units(first: 50) { totalCount edges { node { code name level parent { code } } } } }"
    response = post({"query": query}, token=admin)
    assert response.status_code == 200 and response.json()["data"]["units"]["totalCount"] == 10


def test_a_body_nested_too_deeply_is_refused(admin: str) -> None:
    deep = '{"query": "{ me { username } }", "variables": {"a": ' + "[" * 50_000 + "]" * 50_000
    response = post(deep + "}}", token=admin)
    assert response.status_code == 400 and codes_of(response) == ["QUERY_TOO_COMPLEX"]


# --- pagination and list arguments ------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "code", "field"),
    [
        ("first: -1", "INVALID_PAGINATION", "first"),
        ("first: 100000", "INVALID_PAGINATION", "first"),
        ("last: 201", "INVALID_PAGINATION", "last"),
        ("offset: -3", "INVALID_PAGINATION", "offset"),
        ('after: "zzz"', "INVALID_CURSOR", "after"),
        # a cursor this API could have issued, but for a row a billion rows down
        ('after: "YXJyYXljb25uZWN0aW9uOjk5OTk5OTk5OTk5OTk5"', "INVALID_CURSOR", "after"),
        ('before: "YXJyYXljb25uZWN0aW9uOi01"', "INVALID_CURSOR", "before"),
    ],
)
def test_bad_pagination_is_a_typed_error(admin: str, arguments: str, code: str, field: str) -> None:
    response = post({"query": f"{{ units({arguments}) {{ totalCount }} }}"}, token=admin)
    error = response.json()["errors"][0]
    assert response.status_code == 400
    assert error["extensions"] == {"code": code, "field": field}, error


def test_null_list_arguments_mean_their_default(finance: str) -> None:
    response = post({"query": "{ documents(limit: null) { id } }"}, host=LSJ, token=finance)
    assert response.json() == {"data": {"documents": []}}
    for limit in (0, -5, 201):
        response = post(
            {"query": f"{{ documents(limit: {limit}) {{ id }} }}"}, host=LSJ, token=finance
        )
        assert codes_of(response) == ["INVALID_PAGINATION"], limit
    trend = (
        "{ myTrend(metric: SELF_SCORE, fiscalYear: 2026, by: YEAR, years: %s)"
        " { points { fiscalYear } } }"
    )
    response = post({"query": trend % "null"}, host=LSJ, token=finance)
    assert "errors" not in response.json() and response.json()["data"]["myTrend"] is not None
    response = post({"query": trend % "100000"}, host=LSJ, token=finance)
    assert codes_of(response) == ["INVALID_YEARS"]


@pytest.mark.parametrize("year", [-1, 0, 1, 1999, 2101, 32767, 32768])
def test_a_fiscal_year_outside_2000_2100_is_refused_everywhere(
    year: int, admin: str, finance: str
) -> None:
    response = post(
        {"query": f"{{ projects(fiscalYear: {year}) {{ totalCount }} }}"}, host=LSJ, token=finance
    )
    assert codes_of(response) == ["INVALID_YEAR"]
    response = post(
        {"query": f"{{ evaluationResults(fiscalYear: {year}) {{ totalCount }} }}"}, token=admin
    )
    assert codes_of(response) == ["INVALID_YEAR"]
    response = post(
        {"query": CREATE_PROJECT, "variables": {"input": project_input(fiscalYear=year)}},
        host=LSJ,
        token=finance,
    )
    assert response.json()["data"]["createProject"]["errors"][0]["code"] == "INVALID_YEAR"


# --- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1E+30", "INVALID_NUMBER"),
        ("1E+999999999", "INVALID_NUMBER"),
        ("NaN", "INVALID_NUMBER"),
        ("-Infinity", "INVALID_NUMBER"),
        ("abc", "INVALID_NUMBER"),
        ("0.001", "INVALID_NUMBER"),
        ("-5", "NEGATIVE_AMOUNT"),
    ],
)
def test_a_bad_decimal_is_a_payload_error_naming_the_field(
    finance: str, value: str, code: str
) -> None:
    """It was an English HTTP 400 (graphene's Decimal) or an INTERNAL_ERROR (a quantize)."""
    response = post(
        {"query": CREATE_PROJECT, "variables": {"input": project_input(initialBudget=value)}},
        host=LSJ,
        token=finance,
    )
    assert response.status_code == 200
    [error] = response.json()["data"]["createProject"]["errors"]
    assert (error["code"], error["field"]) == (code, "initial_budget")
    assert any("\u4e00" <= c <= "\u9fff" for c in error["message"])  # Chinese


def test_a_decimal_may_be_a_number_or_a_literal(finance: str) -> None:
    for index, (initial, literal) in enumerate(
        (("1234.5", None), (1234.5, None), (None, "1234.5"), (None, '"1,234.50"'))
    ):
        code = f"hd-literal-{index}"
        if literal is None:
            body = {
                "query": CREATE_PROJECT,
                "variables": {"input": project_input(code=code, initialBudget=initial)},
            }
        else:
            query = CREATE_PROJECT.replace("$input: ProjectInput!", "").replace(
                "input: $input",
                f'input: {{code: "{code}", name: "n", category: PROJECT, kind: CASE_FUNDS, '
                f"fiscalYear: 2026, initialBudget: {literal}}}",
            )
            body = {"query": query.replace("mutation()", "mutation")}
        payload = post(body, host=LSJ, token=finance).json()["data"]["createProject"]
        assert payload["errors"] == [] and payload["project"]["initialBudget"] == "1234.50"


def test_values_the_types_refuse_are_typed_and_chinese(finance: str) -> None:
    response = post(
        {"query": CREATE_PROJECT, "variables": {"input": project_input(fiscalYear=2**40)}},
        host=LSJ,
        token=finance,
    )
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "INVALID_NUMBER", "field": "input.fiscalYear"}
    assert "整数" in error["message"]
    literal = '{ projects(first: 1, fiscalYear: "2026") { totalCount } }'
    [error] = post({"query": literal}, host=LSJ, token=finance).json()["errors"]
    assert error["extensions"] == {"code": "INVALID_NUMBER", "field": "fiscalYear"}
    expenditure = """mutation($d: Date!) { recordExpenditure(projectId: "x", date: $d,
      amount: "1") { errors { code } } }"""
    for variables, code in (({}, "REQUIRED"), ({"d": "2026-13-01"}, "INVALID_DATE")):
        response = post({"query": expenditure, "variables": variables}, host=LSJ, token=finance)
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": code, "field": "d"}, error


@pytest.mark.parametrize("host", HOSTS)
def test_nul_bytes_are_refused_in_any_text(host: str, admin: str, finance: str) -> None:
    token = admin if host == "localhost" else finance
    field = "units" if host == "localhost" else "projects"
    query = f'{{ {field}(search: "a\\u0000b") {{ totalCount }} }}'
    response = post({"query": query}, host=host, token=token)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "INVALID_TEXT", "field": "search"}
    if host == LSJ:
        response = post(
            {"query": CREATE_PROJECT, "variables": {"input": project_input(name="a\x00b")}},
            host=host,
            token=token,
        )
        assert response.json()["errors"][0]["extensions"] == {
            "code": "INVALID_TEXT",
            "field": "input.name",
        }


def test_text_over_the_column_size_is_a_typed_error(finance: str) -> None:
    response = post(
        {"query": CREATE_PROJECT, "variables": {"input": project_input(name="项" * 201)}},
        host=LSJ,
        token=finance,
    )
    errors = response.json()["data"]["createProject"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("TOO_LONG", "name")]


def test_a_broken_xlsx_is_invalid_file(admin: str) -> None:
    book = openpyxl.Workbook()
    book.active.title = "单位基本情况表"
    book.active["A3"] = "lengshuijiang"
    raw = io.BytesIO()
    book.save(raw)
    broken = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source,
        zipfile.ZipFile(broken, "w") as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # cut the sheet's XML in the middle
            target.writestr(info, data)
    mutation = """mutation($f: String!) { importUnitStatistics(fiscalYear: 2026, fileBase64: $f)
      { rows errors { field code } } }"""
    response = post(
        {"query": mutation, "variables": {"f": base64.b64encode(broken.getvalue()).decode()}},
        token=admin,
    )
    assert response.json()["data"]["importUnitStatistics"]["errors"] == [
        {"field": "file", "code": "INVALID_FILE"}
    ]

"""The benchmark export views on the public host: who may fetch them, what they serve."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from openpyxl import load_workbook

from backend.accounts import policy
from backend.accounts.models import Role, User
from backend.accounts.policy import Op
from backend.benchmarking.selectors import BenchmarkTable, Distribution, UnitValue
from backend.core.errors import DomainError
from backend.reports.exports import BenchmarkQuery, parse_query
from tenants.models import Procuratorate, UnitLevel

pytestmark = pytest.mark.django_db
PRODUCER = "tests.reports.test_export_views.producer"
QUERY = "?metric=self_score&fiscalYear=2026"
PATHS = [
    "/exports/benchmark.xlsx",
    "/charts/benchmark-bars.svg",
    "/charts/benchmark-bars.png",
    "/charts/benchmark-box.svg",
    "/charts/benchmark-box.png",
]
LOUDI_COUNTIES = [
    "娄底市娄星区人民检察院",
    "双峰县人民检察院",
    "新化县人民检察院",
    "冷水江市人民检察院",
    "涟源市人民检察院",
]
CHANGSHA_COUNTIES = ["长沙市芙蓉区人民检察院", "长沙市天心区人民检察院"]
CALLS: list[BenchmarkQuery] = []


def _table(units: list[Procuratorate], query: BenchmarkQuery) -> BenchmarkTable:
    cities = {u.code: u for u in Procuratorate.objects.filter(level=UnitLevel.CITY)}
    valued = sorted(
        ((Decimal(70 + 3 * i), u) for i, u in enumerate(sorted(units, key=lambda u: u.code))),
        key=lambda pair: -pair[0],
    )
    rows = []
    for rank, (value, unit) in enumerate(valued, start=1):
        city = cities[unit.path.strip("/").split("/")[1]]
        rows.append(
            UnitValue(
                unit.pk,
                unit.code,
                unit.name,
                unit.level,
                city.code,
                city.name,
                value,
                rank,
                Decimal(100) * (len(valued) - rank + 1) / len(valued),
            )
        )
    values = sorted(v for v, _u in valued)
    return BenchmarkTable(
        metric=query.metric,
        label="自评得分",
        unit_of_measure="分",
        higher_is_better=True,
        fiscal_year=query.fiscal_year,
        month=query.month,
        rows=tuple(rows),
        distribution=Distribution(
            len(values), values[0], None, values[len(values) // 2], None, values[-1], None
        ),
    )


def producer(user: User, query: BenchmarkQuery) -> BenchmarkTable:
    """What the benchmarking selector does: the counties under the caller."""
    CALLS.append(query)
    if query.metric == "unknown":
        raise DomainError.single("UNKNOWN_METRIC", "没有该对比指标：unknown。", "metric")
    return _table(
        list(policy.units_allowing(user, Op.UNIT_VIEW).filter(level=UnitLevel.COUNTY)), query
    )


def leaky_producer(user: User, query: BenchmarkQuery) -> BenchmarkTable:
    """A broken producer that ignores the caller's reach."""
    return _table(list(Procuratorate.objects.filter(level=UnitLevel.COUNTY)), query)


def get(
    path: str, *, token: str | None = None, host: str = "localhost", client: Client | None = None
) -> HttpResponse:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = (client or Client()).get(path, HTTP_HOST=host, headers=headers)
    connection.set_schema_to_public()
    return response


@pytest.fixture
def wired(settings: Any) -> None:
    settings.JIXIAO_BENCHMARK_PRODUCER = PRODUCER
    CALLS.clear()


def test_the_province_admin_downloads_every_export(
    wired: None, member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    token = token_for(member("hunan", Role.PROVINCE_ADMIN))
    response = get("/exports/benchmark.xlsx" + QUERY + "&month=7&peerGroup=big", token=token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    (call,) = CALLS
    assert call == BenchmarkQuery("self_score", 2026, 7, None, None, "big")
    sheet = load_workbook(io.BytesIO(response.content))["基准对比"]
    names = {sheet.cell(r, 2).value for r in range(9, 16)}
    assert names == set(LOUDI_COUNTIES + CHANGSHA_COUNTIES)
    assert sheet["B4"].value == "2026 年 1–7 月"

    svg = get("/charts/benchmark-bars.svg" + QUERY, token=token)
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert svg["Content-Security-Policy"].startswith("default-src 'none'")
    root = ET.fromstring(svg.content)
    document = svg.content.decode()
    for name in LOUDI_COUNTIES + CHANGSHA_COUNTIES:
        assert name in document
    assert [e for e in root.iter() if e.get("id") == "median-line"]

    box = get("/charts/benchmark-box.svg" + QUERY, token=token).content.decode()
    assert "娄底市人民检察院" in box and "长沙市人民检察院" in box
    for path in ("/charts/benchmark-bars.png", "/charts/benchmark-box.png"):
        png = get(path + QUERY, token=token)
        assert png.status_code == 200 and png["Content-Type"] == "image/png"
        assert png.content.startswith(b"\x89PNG\r\n\x1a\n") and len(png.content) > 5_000


def test_a_city_reviewer_sees_only_its_counties(
    wired: None, member: Callable[..., User], token_for: Callable[[User], str], settings: Any
) -> None:
    token = token_for(member("loudi", Role.CITY_REVIEWER))
    document = get("/charts/benchmark-bars.svg" + QUERY, token=token).content.decode()
    for name in LOUDI_COUNTIES:
        assert name in document
    for name in [*CHANGSHA_COUNTIES, "长沙市人民检察院"]:
        assert name not in document
    sheet = load_workbook(io.BytesIO(get("/exports/benchmark.xlsx" + QUERY, token=token).content))[
        "基准对比"
    ]
    assert {sheet.cell(r, 2).value for r in range(9, 14)} == set(LOUDI_COUNTIES)
    assert sheet.cell(14, 2).value is None

    # a producer that leaks other cities' units is caught and refused
    settings.JIXIAO_BENCHMARK_PRODUCER = "tests.reports.test_export_views.leaky_producer"
    for path in PATHS:
        assert get(path + QUERY, token=token).status_code == 403


def test_anonymous_and_unit_level_callers_are_refused(
    wired: None, member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    refused = {
        "unit finance": token_for(member("lengshuijiang", Role.UNIT_FINANCE)),
        "unit leader": token_for(member("lengshuijiang", Role.UNIT_LEADER)),
        "city leader": token_for(member("loudi", Role.UNIT_LEADER, username="loudi-boss")),
        "evaluator": token_for(member("hunan", Role.EVALUATOR)),
    }
    admin = token_for(member("hunan", Role.PROVINCE_ADMIN, username="admin-host"))
    for path in PATHS:
        anonymous = get(path + QUERY)
        assert anonymous.status_code == 401
        assert anonymous["WWW-Authenticate"] == 'Bearer realm="jixiao"'
        assert get(path + QUERY, token="jx_not-a-token").status_code == 401
        for who, token in refused.items():
            assert get(path + QUERY, token=token).status_code == 403, (path, who)
        # a unit's host does not serve them at all
        assert get(path + QUERY, token=admin, host="lengshuijiang.localhost").status_code == 404
    assert CALLS == []  # the producer never ran for them


def test_a_session_works_too_and_bad_queries_are_400(
    wired: None, member: Callable[..., User], settings: Any
) -> None:
    client = Client()
    client.force_login(member("changsha", Role.CITY_REVIEWER))
    response = get("/charts/benchmark-box.svg" + QUERY, client=client)
    assert response.status_code == 200
    assert "长沙市人民检察院" in response.content.decode()
    for query in (
        "",
        "?fiscalYear=2026",
        "?metric=self_score",
        "?metric=self_score&fiscalYear=26",
        "?metric=self_score&fiscalYear=2026&month=13",
        "?metric=unknown&fiscalYear=2026",
    ):
        response = get("/exports/benchmark.xlsx" + query, client=client)
        assert response.status_code == 400, query
    assert "没有该对比指标" in response.content.decode()
    settings.JIXIAO_BENCHMARK_PRODUCER = ""
    assert get("/exports/benchmark.xlsx" + QUERY, client=client).status_code == 503


def test_parse_query() -> None:
    assert parse_query(
        {"metric": "rate", "fiscalYear": "2026", "month": "3", "city": "loudi", "level": "county"}
    ) == BenchmarkQuery("rate", 2026, 3, "county", "loudi")
    assert parse_query({"metric": " ", "fiscalYear": "2026"}) == "缺少参数 metric（对比指标）。"


def test_the_default_producer_ranks_the_real_facts_within_the_callers_reach(
    member: Callable[..., User], token_for: Callable[[User], str], unit: Callable[[str], Any]
) -> None:
    """No producer wired by the test: the setting's default reads the fact tables through the
    benchmarking selector, and a city reviewer's sheet holds its own counties only."""
    from backend.benchmarking.models import UnitYearFact

    for code, score in (
        ("lengshuijiang", "91.50"),
        ("lianyuan", "78.25"),
        ("changsha-furong", "85"),
    ):
        UnitYearFact.objects.create(
            unit=unit(code), fiscal_year=2026, evaluated_projects=1, project_score=Decimal(score)
        )
    admin = token_for(member("hunan", Role.PROVINCE_ADMIN, "hn-admin-x"))
    loudi = token_for(member("loudi", Role.CITY_REVIEWER, "loudi-rev-x"))

    def sheet(token: str) -> list[tuple[Any, ...]]:
        response = get("/exports/benchmark.xlsx" + QUERY, token=token)
        assert response.status_code == 200, response.content
        book = load_workbook(io.BytesIO(response.content))
        return [
            row for row in book.active.iter_rows(values_only=True) if row and row[0] in (1, 2, 3)
        ]

    ranked = [(r[0], r[1], r[3]) for r in sheet(admin)]
    assert ranked[:3] == [
        (1, "冷水江市人民检察院", 91.5),
        (2, "长沙市芙蓉区人民检察院", 85),
        (3, "涟源市人民检察院", 78.25),
    ]
    names = {r[1] for r in sheet(loudi)}
    assert "长沙市芙蓉区人民检察院" not in names and "冷水江市人民检察院" in names
    unknown = get("/exports/benchmark.xlsx?metric=nope&fiscalYear=2026", token=admin)
    assert unknown.status_code == 400

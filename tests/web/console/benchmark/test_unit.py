"""console:benchmark-unit — one unit against its comparison group's median."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.benchmarking.peers import define_peer_group
from tenants.models import Procuratorate
from tests.web.conftest import Browser
from tests.web.workspace.goals.builders import html

pytestmark = pytest.mark.django_db


def url(code: str) -> str:
    return reverse("console:benchmark-unit", urlconf="backend.urls_public", args=[code])


def test_the_unit_beside_its_level(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts
) -> None:
    body = html(
        browse(persona("city_reviewer"), None).get(url("lengshuijiang"), data={"year": 2026})
    )
    assert "冷水江市人民检察院 · 与全省基层院比较" in body
    assert 'data-testid="unit-comparison"' in body and "预算执行率" in body
    assert 'data-chart="chart-percentiles"' in body


def test_a_peer_group_is_the_default_comparison(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts
) -> None:
    admin = persona("province_admin")
    hunan = Procuratorate.objects.get(code="hunan")
    define_peer_group(hunan, code="loudi-region", name="娄底辖区", kind="region", city="loudi")
    page = browse(admin, None)
    body = html(page.get(url("lengshuijiang"), data={"year": 2026}))
    assert "与娄底辖区比较" in body
    trends = html(page.get(url("lengshuijiang"), data={"year": 2026, "part": "trends"}))
    assert "冷水江市人民检察院与对比组" in trends


def test_outside_the_scope_is_404(
    persona: Callable[[str], User], browse: Callable[..., Browser], facts
) -> None:
    other = browse(persona("other_city_reviewer"), None)
    assert other.get(url("lengshuijiang")).status_code == 404
    city = browse(persona("city_reviewer"), None)
    assert city.get(url("loudi")).status_code == 404  # the reviewing unit itself
    assert city.get(url("hunan")).status_code == 404
    assert city.get(url("no-such-unit")).status_code == 404
    assert browse(persona("finance"), None).get(url("lengshuijiang")).status_code == 403


def test_the_query_count_does_not_grow_with_units(
    browse: Callable[..., Browser], big_province, count_queries: Callable[..., int]
) -> None:
    small = browse(big_province("usmall", 12), None)
    large = browse(big_province("ularge", 240), None)
    params = {"year": 2026}
    small.get(url("usmall-u0001"), data=params)
    counts = [
        count_queries(lambda p=p, c=c: p.get(url(c), data=params))
        for p, c in ((small, "usmall-u0001"), (large, "ularge-u0001"))
    ]
    assert counts[0] == counts[1]
    trends = {"year": 2026, "part": "trends"}
    counts = [
        count_queries(lambda p=p, c=c: p.get(url(c), data=trends))
        for p, c in ((small, "usmall-u0001"), (large, "ularge-u0001"))
    ]
    assert counts[0] == counts[1]

"""The demo's statistics and peer groups (``backend.demo.benchmarking``) on the session
province."""

from __future__ import annotations

import pytest

from backend.benchmarking import peers
from backend.benchmarking.models import PeerGroup, UnitStatistics
from backend.demo.benchmarking import load_benchmarking
from tenants.models import Procuratorate, UnitLevel

pytestmark = pytest.mark.django_db


def test_statistics_and_peer_groups_are_loaded_once() -> None:
    province = Procuratorate.objects.get(code="hunan")
    below = Procuratorate.objects.filter(path__startswith=province.path).exclude(pk=province.pk)
    written = load_benchmarking(years=(2025, 2026))
    assert written == 2 * below.count()
    stats = UnitStatistics.objects.filter(fiscal_year=2025)
    assert stats.count() == below.count()
    assert all(s.procurators < s.staff and s.cases > 0 for s in stats)
    codes = set(PeerGroup.objects.filter(province=province).values_list("code", flat=True))
    assert {"region-loudi", "region-changsha", "county-small", "county-large", "pilot"} <= codes
    loudi = peers.members(PeerGroup.objects.get(code="region-loudi"), 2025)
    assert {u.level for u in loudi} == {UnitLevel.COUNTY}
    assert sorted(
        peers.members(PeerGroup.objects.get(code="pilot"), 2025).values_list("code", flat=True)
    ) == ["changsha-furong", "lengshuijiang", "lianyuan", "shuangfeng"]
    before = list(UnitStatistics.objects.order_by("pk").values_list("unit_id", "staff", "cases"))
    load_benchmarking(years=(2025, 2026))
    after = list(UnitStatistics.objects.order_by("pk").values_list("unit_id", "staff", "cases"))
    assert before == after

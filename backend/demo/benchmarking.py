"""The demo's benchmarking set-up, as the province would enter it: every unit's staff, procurators
(员额检察官) and cases for last year and this year, and peer groups of each kind (by region, by
staff and budget size, and a named list). Deterministic (``random.Random(f"{seed}:stats:<code>")``)
and idempotent (statistics and groups are upserts)."""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.benchmarking import peers
from backend.benchmarking.models import PeerGroupKind
from tenants.models import Procuratorate, UnitLevel

# Staff of an office, by level (a county office has a few dozen people).
STAFF: dict[str, tuple[int, int]] = {
    UnitLevel.COUNTY: (38, 95),
    UnitLevel.SPECIAL: (25, 60),
    UnitLevel.CITY: (120, 230),
}
PILOT_UNITS = ("lengshuijiang", "lianyuan", "shuangfeng", "changsha-furong", "liuyang", "liling")


@transaction.atomic
def load_benchmarking(*, seed: int = 2026, years: tuple[int, ...] | None = None) -> int:
    """Statistics for every unit under the province for ``years`` (default: last year and
    this year) and the demo peer groups. Returns the number of statistics rows written."""
    province = Procuratorate.objects.filter(level=UnitLevel.PROVINCE).order_by("path").first()
    if province is None:
        return 0
    admin = User.objects.filter(username="admin").first()
    this_year = timezone.localdate().year
    years = years or (this_year - 1, this_year)
    units = list(
        Procuratorate.objects.filter(path__startswith=province.path)
        .exclude(pk=province.pk)
        .order_by("path")
    )
    written = 0
    for unit in units:
        rng = random.Random(f"{seed}:stats:{unit.code}")
        staff = rng.randint(*STAFF.get(unit.level, STAFF[UnitLevel.COUNTY]))
        procurators = max(3, round(staff * rng.uniform(0.33, 0.45)))
        per_procurator = rng.uniform(22, 58)
        for offset, year in enumerate(sorted(years)):
            peers.set_unit_statistics(
                province,
                unit=unit.code,
                fiscal_year=year,
                staff=staff + offset * rng.randint(-2, 3),
                procurators=procurators,
                cases=round(procurators * per_procurator * rng.uniform(0.92, 1.08)),
                user=admin,
            )
            written += 1
    for city in (u for u in units if u.level == UnitLevel.CITY):
        peers.define_peer_group(
            province,
            code=f"region-{city.code}",
            name=f"{city.name.removesuffix('人民检察院')}辖区",
            kind=PeerGroupKind.REGION,
            city=city.code,
        )
    bands = (
        ("county-small", "基层院（60人以下）", PeerGroupKind.STAFF_BAND, None, Decimal(60)),
        ("county-large", "基层院（60人及以上）", PeerGroupKind.STAFF_BAND, Decimal(60), None),
        (
            "budget-large",
            "项目预算800万元以上的基层院",
            PeerGroupKind.BUDGET_BAND,
            Decimal(8_000_000),
            None,
        ),
    )
    for code, name, kind, lower, upper in bands:
        peers.define_peer_group(
            province,
            code=code,
            name=name,
            kind=kind,
            level=UnitLevel.COUNTY,
            lower=lower,
            upper=upper,
        )
    known = {u.code for u in units}
    pilots = [code for code in PILOT_UNITS if code in known]
    if pilots:
        peers.define_peer_group(
            province, code="pilot", name="绩效管理试点院", kind=PeerGroupKind.LIST, units=pilots
        )
    return written

"""``unit_positions`` (one statement, ``_POSITIONS_SQL``) against a plain Python computation of
the same figures over a small random province: ties, units without values, count metrics (0
without rows), both directions and an indicator that carries its own, the level and the three
kinds of peer group."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.benchmarking import metrics, peers
from backend.benchmarking.models import PeerGroup, UnitStatistics, UnitYearFact
from backend.benchmarking.selectors import (
    distribution,
    metric_for,
    percentile_of,
    province_units,
    unit_positions,
)
from backend.benchmarking.selectors.positions import PositionRequest, UnitPosition
from tenants.models import Procuratorate, UnitLevel
from tests.benchmarking.factories import (
    YEAR,
    AlertRecordFactory,
    ExecutionFactFactory,
    IndicatorFactFactory,
    ProjectFactFactory,
    RectificationFactory,
    registry_counties,
)

pytestmark = pytest.mark.django_db

D = Decimal


def _pick(rng: random.Random, *choices: str | None) -> Decimal | None:
    """One of a few values (ties are likely), or None."""
    chosen = rng.choice(choices)
    return None if chosen is None else D(chosen)


def _random_province(rng: random.Random, extra: int) -> None:
    """``extra`` counties added under 娄底 and 长沙 (registry rows only), then random facts for
    every unit of 湖南 but a few that have none at all."""
    cities = list(Procuratorate.objects.filter(code__in=["loudi", "changsha"]).order_by("code"))
    registry_counties(cities, "rnd", extra)
    hunan = Procuratorate.objects.get(code="hunan")
    for u in province_units(hunan).order_by("code"):
        if rng.random() < 0.12:
            continue  # no facts at all: NULL for a value, 0 for a count
        for _ in range(rng.randint(1, 3)):
            budget = D(rng.choice(["1000.00", "2000.00", "4000.00"]))
            ProjectFactFactory(
                unit=u,
                initial_budget=budget,
                executed=_pick(rng, None, "500.00", "1000.00", "1234.56"),
                self_score=_pick(rng, None, "80.00", "85.00", "92.50"),
                key_score=_pick(rng, None, "70.00", "80.00"),
                evaluation_findings=rng.choice([0, 1, 2]),
            )
        for month in rng.sample([3, 6, 9], rng.randint(0, 2)):
            ExecutionFactFactory(
                unit=u,
                month=month,
                execution_rate=_pick(rng, "40.00", "50.00", "55.55"),
                forecast_rate=_pick(rng, None, "90.00", "95.00"),
                spent=D(rng.choice(["500.00", "800.00"])),
            )
        if rng.random() < 0.8:
            UnitYearFact.objects.create(
                unit=u,
                fiscal_year=YEAR,
                evaluated_projects=1,
                project_score=_pick(rng, None, "70.00", "85.00", "85.00", "92.50"),
                department_score=_pick(rng, None, "88.00", "90.00"),
                project_grade=rng.choice(["", "优", "良", "中", "差"]),
            )
        if rng.random() < 0.7:
            UnitStatistics.objects.create(
                unit=u,
                fiscal_year=YEAR,
                staff=rng.choice([30, 60, 90]),
                procurators=rng.choice([0, 3, 7]),
                cases=rng.choice([None, 21, 35]),
            )
        for _ in range(rng.choice([0, 0, 1, 2])):
            AlertRecordFactory(unit=u, month=rng.choice([3, 6, 9]))
        for _ in range(rng.choice([0, 1, 2])):
            RectificationFactory(
                unit=u,
                status=rng.choice(["open", "responded", "accepted"]),
                overdue=rng.random() < 0.5,
            )
        IndicatorFactFactory(unit=u, actual_value=_pick(rng, None, "90.0000", "95.0000"))
        IndicatorFactFactory(
            unit=u,
            indicator_code="complaints",
            direction="lte",
            name="投诉率",
            unit_of_measure="%",
            target_value=D(rng.choice(["1.0000", "2.0000"])),
            actual_value=_pick(rng, None, "0.5000", "1.0000", "1.5000"),
        )
    peers.define_peer_group(hunan, code="ld", name="娄底片区", kind="region", city="loudi")
    peers.define_peer_group(
        hunan, code="big", name="大院", kind="budget_band", lower=D("3000.00"), level="county"
    )
    codes = list(province_units(hunan).values_list("code", flat=True).order_by("code"))
    peers.define_peer_group(
        hunan, code="pilot", name="试点院", kind="list", units=rng.sample(codes, len(codes) // 2)
    )
    peers.define_peer_group(
        hunan, code="staff", name="人多", kind="staff_band", lower=D(60), upper=D(100)
    )


@dataclass(frozen=True)
class Shown:
    """What a reader of a UnitPosition sees, Decimals as strings (so that 85.0 ≠ 85.00)."""

    label: str
    unit_of_measure: str
    higher_is_better: bool
    month: int | None
    value: str
    positions: tuple[tuple[str, ...], ...]


def _shown(p: UnitPosition) -> Shown:
    return Shown(
        p.label,
        p.unit_of_measure,
        p.higher_is_better,
        p.month,
        str(p.value),
        tuple(
            (
                g.scope,
                g.code,
                g.name,
                str(g.rank),
                str(g.percentile),
                *(str(v) for v in vars(g.distribution).values()),
            )
            for g in p.positions
        ),
    )


def _by_hand(unit: Procuratorate, request: PositionRequest) -> Shown:
    """The definition, one unit at a time: every value of the province (``Metric.values``, a
    count metric's unit without rows counting 0), per group the unit belongs to rank = 1 + the
    values strictly better, n = the values present, the percentile and ``distribution``."""
    key, year, month, code = request
    spec = metric_for(key, month, code)
    units = province_units(unit)
    got = spec.values(units, year, month, code)
    higher = spec.higher_is_better if got.higher_is_better is None else got.higher_is_better
    default = D(0) if spec.count else None
    own = got.values.get(unit.pk, default)
    groups = [
        ("level", unit.level, f"全省{UnitLevel(unit.level).label}", units.filter(level=unit.level))
    ]
    for g in PeerGroup.objects.filter(province__code="hunan").order_by("code"):
        groups.append(("peer_group", g.code, g.name, peers.members(g, year)))
    positions = []
    for scope, group_code, name, members in groups:
        ids = set(members.values_list("pk", flat=True))
        if unit.pk not in ids:
            continue
        valued = [v for v in (got.values.get(i, default) for i in ids) if v is not None]
        rank = percentile = None
        if own is not None:
            rank = 1 + sum(1 for v in valued if (v > own if higher else v < own))
            percentile = percentile_of(rank, len(valued))
        dist = distribution(valued, spec.places)
        positions.append(
            (
                scope,
                group_code,
                name,
                str(rank),
                str(percentile),
                *(str(v) for v in vars(dist).values()),
            )
        )
    return Shown(
        got.label or spec.label,
        got.unit_of_measure if got.unit_of_measure is not None else spec.unit_of_measure,
        higher,
        month if spec.monthly else None,
        str(own),
        tuple(positions),
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_positions_match_a_computation_by_hand_on_a_random_province(seed: int) -> None:
    rng = random.Random(seed)
    _random_province(rng, extra=24)
    requests: list[PositionRequest] = []
    for key, spec in metrics.METRICS.items():
        codes = ["closure-rate", "complaints", "absent"] if spec.needs_indicator else [None]
        for code in codes:
            requests.append((key, YEAR, None, code))
            if spec.monthly:
                requests.append((key, YEAR, 6, code))
    requests.append(("self_score", YEAR - 1, None, None))  # a year without any fact
    hunan = Procuratorate.objects.get(code="hunan")
    units = list(province_units(hunan).order_by("code"))
    chosen = [
        *(u for u in units if u.level == "city"),
        *(u for u in units if u.code in {"lengshuijiang", "changsha-tianxin"}),
        *rng.sample([u for u in units if u.level == "county"], 3),
    ]
    checked = 0
    for u in chosen:
        with CaptureQueriesContext(connection) as queries:
            found = unit_positions(u, requests)
        assert len(queries.captured_queries) == 3  # the groups, then a statement per year
        for request, position in zip(requests, found, strict=True):
            assert _shown(position) == _by_hand(u, request), (u.code, request)
            checked += 1
    assert checked == len(chosen) * len(requests)

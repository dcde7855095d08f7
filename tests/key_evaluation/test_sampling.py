"""The sampling rule: ceil(share % × N) of the finalised self-evaluations below the issuer,
ordered by SHA-256(seed|unit|project) — reproducible, independent of listing order and of
any global random state — plus every flagged one; drawing again adds nothing new."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from decimal import Decimal

import pytest

from backend.accounts.models import Role, User
from backend.benchmarking.models import ProjectFact
from backend.core.errors import DomainError, PermissionDenied
from backend.key_evaluation import services
from backend.key_evaluation.models import KeyEvaluation, SamplingDraw
from backend.key_evaluation.sampling import Member, choose, sample_size
from tenants.models import Procuratorate
from tests.key_evaluation.factories import ProjectFactFactory, finalised_project

D = Decimal


@pytest.mark.parametrize(
    ("share", "population", "size"),
    [
        (D("15"), 7, 2),  # 1.05 -> 2
        (D("15"), 20, 3),  # 3.00 -> 3
        (D("15"), 21, 4),  # 3.15 -> 4
        (D("10"), 10, 1),
        (D("0.5"), 10, 1),  # 0.05 -> 1: any positive share takes at least one
        (D("0"), 10, 0),
        (D("100"), 3, 3),
        (D("15"), 0, 0),
    ],
)
def test_sample_size_rounds_up(share: Decimal, population: int, size: int) -> None:
    assert sample_size(share, population) == size


def test_sample_size_refuses_a_share_outside_0_100() -> None:
    with pytest.raises(ValueError):
        sample_size(D("100.01"), 5)


POPULATION = [Member(f"unit-{u}", 100 + p) for u in range(5) for p in range(4)]


def by_hand(seed: str, size: int) -> set[Member]:
    ranked = sorted(
        POPULATION,
        key=lambda m: hashlib.sha256(f"{seed}|{m.unit_code}|{m.project_id}".encode()).hexdigest(),
    )
    return set(ranked[:size])


def test_the_choice_is_reproducible_and_independent_of_order_and_global_random_state() -> None:
    first = choose(POPULATION, D("15"), "loudi-2026")
    shuffled = list(POPULATION)
    random.Random(7).shuffle(shuffled)
    random.seed(12345)  # the global random state plays no part
    second = choose(shuffled, D("15"), "loudi-2026")
    assert first == second
    assert len(first) == 3  # ceil(15 % × 20)
    assert {m for m, _ in first} == by_hand("loudi-2026", 3)
    assert [r for _, r in first] == sorted(r for _, r in first)


def test_another_seed_gives_another_choice() -> None:
    a = {m for m, _ in choose(POPULATION, D("25"), "loudi-2026")}
    b = {m for m, _ in choose(POPULATION, D("25"), "loudi-2026-b")}
    assert a == by_hand("loudi-2026", 5) and b == by_hand("loudi-2026-b", 5)
    assert a != b


def test_a_member_added_later_does_not_reorder_the_others() -> None:
    base = [m for m, _ in choose(POPULATION, D("100"), "s")]
    extra = Member("unit-9", 999)
    grown = [m for m, _ in choose([*POPULATION, extra], D("100"), "s")]
    assert [m for m in grown if m != extra] == base


# --- the service ---------------------------------------------------------------------------

LOUDI_COUNTIES = ("loudi-louxing", "shuangfeng", "xinhua", "lengshuijiang", "lianyuan")


@pytest.fixture
def population(db: None, unit: Callable[[str], Procuratorate]) -> dict[str, ProjectFact]:
    """Two finalised projects in each of Loudi's five counties (10 in all), one of them flagged
    not credible; and outside the population: a finalised one of Loudi itself, one in
    Changsha, one not finalised, one of another year. Only the facts matter to the draw, but
    the chosen ones are snapshot from real self-evaluations."""
    facts: dict[str, ProjectFact] = {}
    for code in LOUDI_COUNTIES:
        for n in (1, 2):
            facts[f"{code}-{n}"] = finalised_project(unit(code), code=f"{code}-{n}")
    flagged = facts["xinhua-2"]
    flagged.evaluation_flags = ["not_credible"]
    flagged.save()
    facts["loudi-own"] = finalised_project(unit("loudi"), code="loudi-own")
    facts["furong"] = finalised_project(unit("changsha-furong"), code="furong-1")
    ProjectFactFactory(unit=unit("shuangfeng"), finalised_at=None, evaluation_flags=["x"])
    ProjectFactFactory(unit=unit("shuangfeng"), fiscal_year=2025)
    return facts


@pytest.fixture
def reviewer(member: Callable[..., User]) -> User:
    return member("loudi", Role.CITY_REVIEWER)


def expected(seed: str, facts: dict[str, ProjectFact], size: int) -> list[tuple[str, int]]:
    members = [
        (f.unit.code, f.project_id)
        for key, f in facts.items()
        if key not in ("loudi-own", "furong")
    ]
    members.sort(key=lambda m: hashlib.sha256(f"{seed}|{m[0]}|{m[1]}".encode()).hexdigest())
    return members[:size]


@pytest.mark.django_db
def test_draw_records_the_method_and_creates_sample_evaluations(
    unit: Callable[[str], Procuratorate], population: dict[str, ProjectFact], reviewer: User
) -> None:
    draw = services.draw_sample(unit("loudi"), reviewer, 2026, share=D("20"))
    assert (draw.population_size, draw.sample_size, draw.seed, draw.share) == (
        10,
        2,
        "loudi-2026",
        D("20"),
    )
    chosen = [(row["unit"], row["project_id"]) for row in draw.chosen]
    assert chosen == expected("loudi-2026", population, 2)
    flagged = population["xinhua-2"]
    wanted = set(chosen) | {("xinhua", flagged.project_id)}
    if ("xinhua", flagged.project_id) not in chosen:
        assert [(r["unit"], r["project_id"], r["flags"]) for r in draw.flagged] == [
            ("xinhua", flagged.project_id, ["not_credible"])
        ]
    rows = KeyEvaluation.objects.filter(draw=draw)
    assert {(k.unit.code, k.project_id) for k in rows} == wanted
    assert {k.kind for k in rows} == {"sample"} and {k.issuer.code for k in rows} == {"loudi"}
    assert draw.created == len(wanted)
    # Snapshot taken like a selection.
    assert all(k.indicators.count() == 4 and k.self_score == D("96.00") for k in rows)


@pytest.mark.django_db
def test_drawing_again_adds_nothing_new(
    unit: Callable[[str], Procuratorate], population: dict[str, ProjectFact], reviewer: User
) -> None:
    first = services.draw_sample(unit("loudi"), reviewer, 2026, share=D("20"))
    count = KeyEvaluation.objects.count()
    second = services.draw_sample(unit("loudi"), reviewer, 2026, share=D("20"))
    assert second.chosen == first.chosen and second.flagged == first.flagged
    assert second.created == 0 and KeyEvaluation.objects.count() == count
    assert SamplingDraw.objects.count() == 2  # every draw is on record


@pytest.mark.django_db
def test_another_seed_draws_another_set_and_the_share_defaults_to_the_province(
    unit: Callable[[str], Procuratorate], population: dict[str, ProjectFact], reviewer: User
) -> None:
    draw = services.draw_sample(unit("loudi"), reviewer, 2026, seed="复核-B")
    # Province default: 15 % of 10 = 1.5 -> 2.
    assert (draw.share, draw.sample_size, draw.seed) == (D("15.00"), 2, "复核-B")
    chosen = [(row["unit"], row["project_id"]) for row in draw.chosen]
    assert chosen == expected("复核-B", population, 2)
    # Another seed, another order of the whole population (the first two of ten may coincide:
    # the project ids come from the database's sequences, which other tests advance).
    assert expected("复核-B", population, 10) != expected("loudi-2026", population, 10)


@pytest.mark.django_db
def test_flagged_ones_are_always_in(
    unit: Callable[[str], Procuratorate], population: dict[str, ProjectFact], reviewer: User
) -> None:
    draw = services.draw_sample(unit("loudi"), reviewer, 2026, share=D("0"))
    assert draw.sample_size == 0 and draw.chosen == []
    flagged = population["xinhua-2"]
    assert [(r["unit"], r["project_id"]) for r in draw.flagged] == [("xinhua", flagged.project_id)]
    assert list(KeyEvaluation.objects.values_list("project_id", flat=True)) == [flagged.project_id]


@pytest.mark.django_db
def test_the_province_draws_from_every_unit_below_it(
    unit: Callable[[str], Procuratorate],
    population: dict[str, ProjectFact],
    member: Callable[..., User],
) -> None:
    admin = member("hunan", Role.PROVINCE_ADMIN)
    draw = services.draw_sample(unit("hunan"), admin, 2026, share=D("100"))
    assert draw.population_size == 12  # the ten, Loudi's own, Changsha's


@pytest.mark.django_db
def test_who_may_draw(
    unit: Callable[[str], Procuratorate],
    population: dict[str, ProjectFact],
    member: Callable[..., User],
    reviewer: User,
) -> None:
    for user in (member("changsha", Role.CITY_REVIEWER), member("loudi", Role.EVALUATOR)):
        with pytest.raises(PermissionDenied):
            services.draw_sample(unit("loudi"), user, 2026)
    with pytest.raises(DomainError) as excinfo:
        services.draw_sample(unit("loudi"), reviewer, 2026, share=D("150"), seed="x" * 101)
    assert [p.code for p in excinfo.value.problems] == ["OUT_OF_RANGE", "TOO_LONG"]
    assert not SamplingDraw.objects.exists()

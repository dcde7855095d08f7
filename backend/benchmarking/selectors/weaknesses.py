"""Aggregated weaknesses: the indicators most often missed, the deviation causes, grades by
city and the self-vs-key gaps."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Q,
)

from backend.accounts.models import User
from backend.benchmarking.models import IndicatorFact, ProjectFact
from backend.benchmarking.selectors.scope import benchmark_scope, city_code_of, city_names_of
from backend.benchmarking.selectors.statistics import CENT
from backend.oversight.selectors import under_city
from tenants.models import Procuratorate


@dataclass(frozen=True)
class MissedIndicator:
    indicator_code: str
    name: str
    assessed: int  # indicator facts with a verdict (met true/false)
    missed: int  # of which not met
    units: int  # distinct units that missed it
    miss_rate: Decimal  # missed ÷ assessed, %


@dataclass(frozen=True)
class CauseCount:
    cause: str
    label: str
    count: int


@dataclass(frozen=True)
class CityGrades:
    city_code: str  # "" for units directly under the province
    city_name: str
    excellent: int  # projects graded 优
    good: int
    fair: int
    poor: int


@dataclass(frozen=True)
class SelfKeyGap:
    unit_id: int
    code: str
    name: str
    city_code: str
    city_name: str
    project_code: str
    project_name: str
    self_score: Decimal
    key_score: Decimal
    gap: Decimal


@dataclass(frozen=True)
class Weaknesses:
    fiscal_year: int
    overrate_points: Decimal
    missed_indicators: tuple[MissedIndicator, ...]
    deviation_causes: tuple[CauseCount, ...]
    grades_by_city: tuple[CityGrades, ...]
    self_key_gaps: tuple[SelfKeyGap, ...]


DEFAULT_OVERRATE_POINTS = Decimal(10)
TOP_INDICATORS = 20


def weaknesses(
    caller: User | AnonymousUser, fiscal_year: int, city: str | None = None
) -> Weaknesses:
    """The common weaknesses of the units in the caller's benchmark scope (optionally one city):
    the standard indicators most often missed (IndicatorFact.met false; the top 20 by misses),
    the deviation causes most often given, the self-evaluation grades of projects by city, and
    the projects whose self score exceeds the key-evaluation score by more than the province's
    ``overrate_points``. Seven queries, whatever the number of units."""
    from backend.monitoring.models import DeviationCause
    from backend.oversight.models import ProvincePolicy

    scope = benchmark_scope(caller)
    units = Procuratorate.objects.filter(scope.condition)
    if city:
        units = units.filter(under_city(city, field="path"))
    ids = units.order_by().values("pk")
    policy = ProvincePolicy.objects.filter(province__path__in=scope.provinces).first()
    overrate = policy.overrate_points if policy else DEFAULT_OVERRATE_POINTS

    facts = IndicatorFact.objects.filter(fiscal_year=fiscal_year, unit_id__in=ids)
    missed_rows = (
        facts.filter(met__isnull=False)
        .order_by()
        .values("indicator_code")
        .annotate(
            name=Max("name"),
            assessed=Count("id"),
            missed=Count("id", filter=Q(met=False)),
            units=Count("unit_id", filter=Q(met=False), distinct=True),
        )
        .filter(missed__gt=0)
        .order_by("-missed", "indicator_code")[:TOP_INDICATORS]
    )
    missed = tuple(
        MissedIndicator(
            indicator_code=r["indicator_code"],
            name=r["name"],
            assessed=r["assessed"],
            missed=r["missed"],
            units=r["units"],
            miss_rate=(Decimal(100) * r["missed"] / r["assessed"]).quantize(
                CENT, rounding=ROUND_HALF_UP
            ),
        )
        for r in missed_rows
    )
    labels = dict(DeviationCause.choices)
    causes = tuple(
        CauseCount(
            cause=r["deviation_cause"],
            label=labels.get(r["deviation_cause"], r["deviation_cause"]),
            count=r["n"],
        )
        for r in facts.exclude(deviation_cause="")
        .order_by()
        .values("deviation_cause")
        .annotate(n=Count("id"))
        .order_by("-n", "deviation_cause")
    )

    grade_rows = (
        ProjectFact.objects.filter(fiscal_year=fiscal_year, unit_id__in=ids)
        .exclude(self_grade="")
        .order_by()
        .values("unit__path", "unit__level", "self_grade")
        .annotate(n=Count("id"))
    )
    tally: dict[str, dict[str, int]] = {}
    for r in grade_rows:
        code = city_code_of(r["unit__path"], r["unit__level"])
        tally.setdefault(code, {}).setdefault(r["self_grade"], 0)
        tally[code][r["self_grade"]] += r["n"]

    gap_expr = ExpressionWrapper(
        F("self_score") - F("key_score"), output_field=DecimalField(max_digits=6, decimal_places=2)
    )
    gap_rows = list(
        ProjectFact.objects.filter(
            fiscal_year=fiscal_year,
            unit_id__in=ids,
            self_score__isnull=False,
            key_score__isnull=False,
        )
        .annotate(gap=gap_expr)
        .filter(gap__gt=overrate)
        .order_by("-gap", "unit__path", "project_code")
        .values(
            "unit_id",
            "unit__code",
            "unit__name",
            "unit__path",
            "unit__level",
            "project_code",
            "project_name",
            "self_score",
            "key_score",
            "gap",
        )
    )
    names = city_names_of(
        set(tally) | {city_code_of(r["unit__path"], r["unit__level"]) for r in gap_rows}
    )
    grades = tuple(
        CityGrades(
            city_code=code,
            city_name=names.get(code, ""),
            excellent=counts.get("优", 0),
            good=counts.get("良", 0),
            fair=counts.get("中", 0),
            poor=counts.get("差", 0),
        )
        for code, counts in sorted(tally.items())
    )
    gaps = tuple(
        SelfKeyGap(
            unit_id=r["unit_id"],
            code=r["unit__code"],
            name=r["unit__name"],
            city_code=city_code_of(r["unit__path"], r["unit__level"]),
            city_name=names.get(city_code_of(r["unit__path"], r["unit__level"]), ""),
            project_code=r["project_code"],
            project_name=r["project_name"],
            self_score=r["self_score"],
            key_score=r["key_score"],
            gap=r["gap"],
        )
        for r in gap_rows
        if r["self_score"] is not None and r["key_score"] is not None  # filtered above
    )
    return Weaknesses(fiscal_year, overrate, missed, causes, grades, gaps)

"""Whose units a reader may compare (``benchmark_scope``), the metric and peer group asked for,
and the city a unit belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Q,
)

from backend.accounts import policy
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.benchmarking import metrics
from backend.benchmarking.errors import BenchmarkErrorCode
from backend.benchmarking.metrics import Metric
from backend.benchmarking.models import PeerGroup
from backend.core.errors import CoreErrorCode, DomainError, Problem
from tenants.models import PATH_SEPARATOR, Procuratorate, UnitLevel


class OutOfReach(Exception):
    """The caller holds no role that benchmarks units (province admin, city reviewer)."""


def city_code_of(path: str, level: str) -> str:
    parts = path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)
    if level == UnitLevel.PROVINCE or len(parts) < 2:
        return ""
    if len(parts) == 2 and level != UnitLevel.CITY:
        return ""  # directly under the province
    return parts[1]


def root_path(path: str) -> str:
    return PATH_SEPARATOR + path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)[0] + PATH_SEPARATOR


@dataclass(frozen=True)
class Scope:
    condition: Q  # on Procuratorate
    provinces: tuple[str, ...]  # root paths of the caller's provinces


def benchmark_scope(user: User | AnonymousUser) -> Scope:
    """The units a caller benchmarks (one query): below each membership granting
    ``Op.BENCHMARK_VIEW`` (a province_admin at a province: every unit under it; a city_reviewer
    at a city: the units under that city) — never the reviewing unit itself, never sideways.
    Raises ``OutOfReach`` for any other caller."""
    condition = Q()
    roots: set[str] = set()
    for unit in policy.console_access(user).units_for(Op.BENCHMARK_VIEW):
        condition |= Q(path__startswith=unit.path) & ~Q(pk=unit.pk)
        roots.add(root_path(unit.path))
    if not roots:
        raise OutOfReach()
    return Scope(condition, tuple(sorted(roots)))


def metric_for(metric: str, month: int | None, indicator_code: str | None) -> Metric:
    spec = metrics.get(metric)
    problems = []
    if spec is None:
        problems.append(Problem(BenchmarkErrorCode.UNKNOWN_METRIC, "没有该对标指标。", "metric"))
    elif spec.needs_indicator and not indicator_code:
        problems.append(
            Problem(BenchmarkErrorCode.INDICATOR_REQUIRED, "请指定指标编码。", "indicatorCode")
        )
    if month is not None and not 1 <= month <= 12:
        problems.append(Problem(CoreErrorCode.INVALID_MONTH, "月份应在 1–12 之间。", "month"))
    if problems:
        raise DomainError(*problems)
    assert spec is not None
    return spec


def peer_group_of(provinces: Sequence[str], code: str) -> PeerGroup:
    group = (
        PeerGroup.objects.filter(code=code, province__path__in=list(provinces))
        .select_related("province", "city")
        .first()
    )
    if group is None:
        raise DomainError.single(CoreErrorCode.UNKNOWN_PEER_GROUP, "对标组不存在。", "peerGroup")
    return group


def city_names_of(codes: set[str]) -> dict[str, str]:
    codes.discard("")
    if not codes:
        return {}
    return dict(Procuratorate.objects.filter(code__in=codes).values_list("code", "name"))

"""Pure rules of key evaluation (no ORM): how evaluators' totals become the key score, and
the gap to the self-score. ``Decimal`` throughout, rounded half-up to two places."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from backend.evaluation.scoring import grade, quantize

MEAN: Final = "mean"
MEDIAN: Final = "median"
TRIMMED: Final = "trimmed"
RULES: Final = (MEAN, MEDIAN, TRIMMED)
TRIM_MINIMUM: Final = 3  # the trimmed mean needs at least this many evaluators
DEFAULT_OVERRATE_POINTS: Final = Decimal(10)


@dataclass(frozen=True)
class Combined:
    """The combined score, the rule actually applied (``trimmed`` with fewer than three
    evaluators falls back to ``mean``) and the arithmetic, in Chinese."""

    score: Decimal
    rule: str
    explanation: str


def _s(value: Decimal) -> str:
    """A score as shown (``85.50``)."""
    return format(quantize(value), "f")


def _mean(values: Sequence[Decimal]) -> Decimal:
    return quantize(sum(values, Decimal(0)) / len(values))


def _list(values: Sequence[Decimal]) -> str:
    return "、".join(_s(v) for v in values)


def combine(values: Sequence[Decimal], rule: str = MEAN) -> Combined:
    """Combine the evaluators' scores by ``rule``: ``mean`` (算术平均), ``median`` (中位数:
    the middle one, or the mean of the two middle ones), ``trimmed`` (去掉一个最高分和一个最低分
    后平均; with fewer than three scores it is the mean). Raises ``ValueError`` on no scores or
    an unknown rule."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}")
    if not values:
        raise ValueError("no scores to combine")
    values = [Decimal(v) for v in values]
    ordered = sorted(values)
    n = len(ordered)
    if rule == MEDIAN:
        middle = n // 2
        if n % 2:
            score = quantize(ordered[middle])
            text = f"中位数：{_list(ordered)}的中间值 = {_s(score)}"
        else:
            low, high = ordered[middle - 1], ordered[middle]
            score = quantize((low + high) / 2)
            text = (
                f"中位数：{_list(ordered)}中间两个值的平均"
                f"（{_s(low)} + {_s(high)}）÷ 2 = {_s(score)}"
            )
        return Combined(score, MEDIAN, text)
    if rule == TRIMMED and n >= TRIM_MINIMUM:
        kept = ordered[1:-1]
        score = _mean(kept)
        text = (
            f"去掉最高分{_s(ordered[-1])}和最低分{_s(ordered[0])}后平均："
            f"（{' + '.join(_s(v) for v in kept)}）÷ {len(kept)} = {_s(score)}"
        )
        return Combined(score, TRIMMED, text)
    score = _mean(values)
    text = f"算术平均：（{' + '.join(_s(v) for v in values)}）÷ {n} = {_s(score)}"
    if rule == TRIMMED:
        text = f"评价人员不足{TRIM_MINIMUM}人，不去掉最高最低分；" + text
    return Combined(score, MEAN, text)


@dataclass(frozen=True)
class Comparison:
    grade: str
    gap: Decimal  # self − key: positive when the unit scored itself higher
    overrated: bool


def compare(self_score: Decimal, key_score: Decimal, overrate_points: Decimal) -> Comparison:
    """The key grade, the gap self − key and whether the self-evaluation overrates itself
    (gap strictly greater than ``overrate_points``, 10 by default)."""
    gap = quantize(Decimal(self_score) - Decimal(key_score))
    return Comparison(grade=grade(key_score), gap=gap, overrated=gap > overrate_points)

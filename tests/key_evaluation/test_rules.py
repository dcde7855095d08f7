"""The pure rules: combining evaluators' totals (mean, median, trimmed) and the gap, worked out
by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.key_evaluation.rules import combine, compare

D = Decimal
FIVE = [D("70.00"), D("82.50"), D("88.00"), D("91.25"), D("99.99")]


def test_mean_of_five() -> None:
    # (70.00 + 82.50 + 88.00 + 91.25 + 99.99) / 5 = 431.74 / 5 = 86.348 -> 86.35
    result = combine(FIVE, "mean")
    assert result.score == D("86.35")
    assert result.rule == "mean"
    assert "÷ 5 = 86.35" in result.explanation


def test_median_of_five_is_the_middle_one() -> None:
    result = combine(list(reversed(FIVE)), "median")
    assert result.score == D("88.00")
    assert result.rule == "median"


def test_median_of_an_even_number_is_the_mean_of_the_middle_two_rounded_half_up() -> None:
    # (80.01 + 80.02) / 2 = 80.015 -> 80.02
    assert combine([D("80.02"), D("90"), D("80.01"), D("60")], "median").score == D("80.02")


def test_trimmed_drops_the_highest_and_the_lowest() -> None:
    # (82.50 + 88.00 + 91.25) / 3 = 261.75 / 3 = 87.25
    result = combine(FIVE, "trimmed")
    assert result.score == D("87.25")
    assert result.rule == "trimmed"
    assert "最高分99.99" in result.explanation and "最低分70.00" in result.explanation


def test_trimmed_with_fewer_than_three_is_the_mean() -> None:
    # (84.00 + 69.01) / 2 = 76.505 -> 76.51
    result = combine([D("84.00"), D("69.01")], "trimmed")
    assert result.score == D("76.51")
    assert result.rule == "mean"
    assert "不足3人" in result.explanation


def test_trimmed_with_exactly_three_keeps_the_middle_one() -> None:
    assert combine([D("84.00"), D("84.39"), D("69.00")], "trimmed").score == D("84.00")


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        combine([], "mean")
    with pytest.raises(ValueError):
        combine([D(1)], "mode")


@pytest.mark.parametrize(
    ("self_score", "key_score", "gap", "overrated", "grade"),
    [
        (D("96.00"), D("79.13"), D("16.87"), True, "中"),
        (D("90.00"), D("80.00"), D("10.00"), False, "良"),  # exactly 10: not more than 10
        (D("90.01"), D("80.00"), D("10.01"), True, "良"),
        (D("70.00"), D("90.00"), D("-20.00"), False, "优"),  # underrated is no flag
        (D("65.00"), D("59.99"), D("5.01"), False, "差"),
    ],
)
def test_gap_and_overrated(
    self_score: Decimal, key_score: Decimal, gap: Decimal, overrated: bool, grade: str
) -> None:
    result = compare(self_score, key_score, D(10))
    assert (result.gap, result.overrated, result.grade) == (gap, overrated, grade)


def test_overrate_threshold_is_a_setting() -> None:
    assert compare(D("90"), D("84"), D(5)).overrated
    assert not compare(D("90"), D("84"), D(6)).overrated

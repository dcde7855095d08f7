"""The one cleaner (backend/core/cleaning.py): every odd value is a typed problem, never an
exception."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from backend.core import cleaning
from backend.core.numbers import MONEY, POINTS, VALUE


@pytest.mark.parametrize(
    "value",
    ["1E+30", "1E+999999999", "-1E+999999999", "1E-999999", "NaN", "sNaN", "Infinity",
     "-Infinity", "abc", "9" * 80, True, [], {}, object(), "1e", "--1"],
)  # fmt: skip
@pytest.mark.parametrize("size", [MONEY, POINTS, VALUE])
def test_no_decimal_raises(value: object, size: dict[str, int]) -> None:
    number, problem = cleaning.decimal(value, "amount", "金额", size=size)
    assert number is None and problem is not None
    assert (problem.code, problem.field) == ("INVALID_NUMBER", "amount")


def test_decimals_fit_their_column() -> None:
    assert cleaning.decimal("1,234.50", "a", "金额", size=MONEY) == (Decimal("1234.50"), None)
    assert cleaning.decimal(0.1, "a", "金额", size=MONEY) == (Decimal("0.10"), None)
    assert cleaning.decimal("-0", "a", "金额", size=MONEY)[0] == Decimal("0.00")
    assert str(cleaning.decimal("-0", "a", "金额", size=MONEY)[0]) == "0.00"
    assert cleaning.decimal("0.001", "a", "金额", size=MONEY)[1].code == "INVALID_NUMBER"
    assert cleaning.decimal("1000.00", "w", "分值", size=POINTS)[1].code == "INVALID_NUMBER"
    assert cleaning.decimal("999.99", "w", "分值", size=POINTS)[1] is None
    assert cleaning.decimal("-1", "w", "分值", negative=False)[1].code == "NEGATIVE_NUMBER"
    assert cleaning.decimal("", "w", "分值", required=True)[1].code == "REQUIRED"
    assert cleaning.decimal(None, "w", "分值") == (None, None)
    assert cleaning.money("5", "a", "金额", zero=False) == (Decimal("5.00"), None)
    assert cleaning.money("0", "a", "金额", zero=False)[1].code == "ZERO_AMOUNT"
    assert cleaning.money("-5", "a", "金额")[1].code == "NEGATIVE_AMOUNT"


@pytest.mark.parametrize("year", [-1, 0, 1, 1999, 2101, 32767, 32768, 2**63, "abc", 2026.5, True])
def test_fiscal_years_outside_2000_2100_are_refused(year: object) -> None:
    assert cleaning.fiscal_year(year)[1].code == "INVALID_YEAR"


def test_fiscal_years_months_and_dates() -> None:
    assert cleaning.fiscal_year(2026) == (2026, None)
    assert cleaning.fiscal_year("2026") == (2026, None)
    assert cleaning.month(12) == (12, None)
    assert cleaning.month(13)[1].code == "INVALID_MONTH"
    assert cleaning.date("2026-06-15") == (datetime.date(2026, 6, 15), None)
    for bad in ("0001-01-01", "9999-12-31", "2026-02-30", "x" * 1000, 20260615):
        assert cleaning.date(bad)[1].code == "INVALID_DATE", bad


def test_text_is_stripped_bounded_and_free_of_control_characters() -> None:
    assert cleaning.text("  名称 ", "name", "名称", max_length=5) == ("名称", None)
    assert cleaning.text("a\x00b", "name", "名称")[1].code == "INVALID_TEXT"
    assert cleaning.text("a\x07b", "name", "名称")[1].code == "INVALID_TEXT"
    assert cleaning.text("第一行\n第二行\t", "name", "名称")[1] is None
    assert cleaning.text("x" * 6, "name", "名称", max_length=5)[1].code == "TOO_LONG"
    assert cleaning.text(" ", "name", "名称", required=True)[1].code == "REQUIRED"
    assert cleaning.control_character_path({"a": [{"b": "ok"}, {"c": "\x00"}]}) == "a.1.c"
    assert cleaning.control_character_path({"a": ["ok"]}) is None


@pytest.mark.parametrize(
    ("arguments", "problems"),
    [
        ({"first": 10, "after": "YXJyYXljb25uZWN0aW9uOjQ="}, []),
        ({"first": 0}, []),
        ({"first": -1}, [("INVALID_PAGINATION", "first")]),
        ({"last": 201}, [("INVALID_PAGINATION", "last")]),
        ({"offset": -1}, [("INVALID_PAGINATION", "offset")]),
        ({"offset": 1, "before": "YXJyYXljb25uZWN0aW9uOjQ="}, [("INVALID_PAGINATION", "offset")]),
        ({"after": "zzz"}, [("INVALID_CURSOR", "after")]),
        ({"before": "YXJyYXljb25uZWN0aW9uOi01"}, [("INVALID_CURSOR", "before")]),
    ],
)
def test_page_arguments(arguments: dict[str, object], problems: list[tuple[str, str]]) -> None:
    assert [(p.code, p.field) for p in cleaning.page_arguments(arguments)] == problems

"""The one cleaner's reading of quantities as people write them in tables
(``cleaning.human_quantity``): a table of real cells, and properties over generated ones."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from backend.core import cleaning
from backend.core.numbers import MONEY

D = Decimal
FULL_WIDTH = str.maketrans("0123456789.,%=", "０１２３４５６７８９．，％＝")


@pytest.mark.parametrize(
    ("cell", "unit", "value", "comparator", "approximate"),
    [
        ("7.29万元", "元", D("72900"), "", False),
        ("7.29万元", "万元", D("7.29"), "", False),
        ("72900元", "万元", D("7.29"), "", False),
        ("100%", "%", D("100"), "", False),
        ("95%", "%", D("95"), "", False),
        ("≥95%", "%", D("95"), "gte", False),
        ("大于等于90%", "%", D("90"), "gte", False),
        ("不低于95%", "%", D("95"), "gte", False),
        ("不少于 120 件", "件", D("120"), "gte", False),
        ("95%以上", "%", D("95"), "gte", False),
        ("≤3天", "天", D("3"), "lte", False),
        ("3天以内", "天", D("3"), "lte", False),
        ("不超过2周", "天", D("14"), "lte", False),
        ("1年", "个月", D("12"), "", False),
        ("﹦100%", "%", D("100"), "eq", False),
        ("＝１００％", "%", D("100"), "eq", False),
        ("≥１２０件", "件", D("120"), "gte", False),
        ("1,234.50", "元", D("1234.50"), "", False),
        ("１，２３４．５０元", "元", D("1234.50"), "", False),
        ("约1,234.50", "元", D("1234.50"), "", True),
        ("约7.29万元", "元", D("72900"), "", True),
        (">=1.5万人次", "人次", D("15000"), "gte", False),
        ("0.95", "%", D("0.95"), "", False),
        ("  12  ", "", D("12"), "", False),
        ("-3", "分", D("-3"), "", False),
        (".5", "天", D("0.5"), "", False),
    ],
)
def test_real_cells(
    cell: str, unit: str, value: Decimal, comparator: str, approximate: bool
) -> None:
    quantity, problem = cleaning.human_quantity(cell, "f", "指标值", unit=unit)
    assert problem is None, problem
    assert quantity is not None
    assert (quantity.value, quantity.comparator, quantity.approximate) == (
        value,
        comparator,
        approximate,
    )
    assert quantity.unit == cleaning.normal_text(unit)


def test_the_written_unit_is_kept_when_no_unit_is_asked_for() -> None:
    quantity, _ = cleaning.human_quantity("≥95%", "f", "指标值")
    assert quantity is not None
    assert (quantity.value, quantity.unit, quantity.comparator) == (D("95"), "%", "gte")
    quantity, _ = cleaning.human_quantity("7.29万元", "f", "指标值")
    assert quantity is not None and (quantity.value, quantity.unit) == (D("7.29"), "万元")
    assert not quantity.converted


def test_strict_comparators_are_read_as_inclusive_and_said_so() -> None:
    quantity, _ = cleaning.human_quantity(">90%", "f", "指标值", unit="%")
    assert quantity is not None and (quantity.comparator, quantity.strict) == ("gte", True)
    quantity, _ = cleaning.human_quantity("低于5天", "f", "指标值", unit="天")
    assert quantity is not None and (quantity.comparator, quantity.strict) == ("lte", True)


def test_numbers_from_a_sheet() -> None:
    # A percentage-formatted 0.95 is 95 %; a plain number is in the indicator's unit.
    quantity, _ = cleaning.human_quantity(0.95, "f", "实际完成值", unit="%", number_format="0%")
    assert quantity is not None and quantity.value == D("95")
    quantity, _ = cleaning.human_quantity(72900, "f", "实际完成值", unit="元")
    assert quantity is not None and quantity.value == D("72900")
    quantity, _ = cleaning.human_quantity(0.1, "f", "实际完成值", unit="元")
    assert quantity is not None and quantity.value == D("0.1")


@pytest.mark.parametrize(
    ("cell", "unit", "code", "says"),
    [
        ("95%", "元", "INCOMPATIBLE_UNIT", "百分比不能换算为金额"),
        ("3个月", "天", "INCOMPATIBLE_UNIT", "没有确定的换算关系"),
        ("120次", "件", "INCOMPATIBLE_UNIT", "以“次”计的数量不能换算为以“件”计的数量"),
        ("5公里", "件", "INCOMPATIBLE_UNIT", "“公里”"),
        ("95%", "", "INCOMPATIBLE_UNIT", "无单位"),
        ("很好", "%", "INVALID_NUMBER", "不是有效的数字"),
        ("95%%", None, "INVALID_NUMBER", "不是计量单位"),
        ("1,23.4", "元", "INVALID_NUMBER", ""),
        ("1.23456万元", "元", None, ""),
        ("1.234567元", "万元", "INVALID_NUMBER", "换算为“万元”后为"),
        ("1E+30", "元", "INVALID_NUMBER", ""),
        (True, "元", "INVALID_NUMBER", ""),
    ],
)
def test_bad_cells_are_typed_problems(
    cell: object, unit: str | None, code: str | None, says: str
) -> None:
    quantity, problem = cleaning.human_quantity(cell, "indicators.q1", "实际完成值", unit=unit)
    if code is None:
        assert problem is None and quantity is not None
        return
    assert quantity is None and problem is not None
    assert (problem.code, problem.field) == (code, "indicators.q1")
    assert says in problem.message


def test_blank_is_nothing() -> None:
    assert cleaning.human_quantity(None, "f", "x") == (None, None)
    assert cleaning.human_quantity("  ", "f", "x") == (None, None)


@pytest.mark.parametrize(
    ("cell", "meaning"),
    [("≥", "gte"), (">=", "gte"), ("＞＝", "gte"), ("大于等于", "gte"), ("不低于", "gte"),
     ("≤", "lte"), ("<=", "lte"), ("不超过", "lte"), ("=", "eq"), ("﹦", "eq"), ("＝", "eq"),
     ("", ""), (None, ""), ("约", None), ("？", None)],
)  # fmt: skip
def test_comparator_cells(cell: object, meaning: str | None) -> None:
    assert cleaning.comparator(cell) == meaning


money_amounts = st.decimals(
    min_value=D("0"), max_value=D("999999999.99"), places=2, allow_nan=False
)


@given(
    amount=money_amounts,
    prefix=st.sampled_from(["", "约", "≥", "大于等于", "不低于", "≤", "不超过", "=", "﹦"]),
    full_width=st.booleans(),
    separators=st.booleans(),
)
def test_yuan_written_any_way_reads_back_to_the_cent(
    amount: Decimal, prefix: str, full_width: bool, separators: bool
) -> None:
    written = f"{prefix}{amount:,.2f}元" if separators else f"{prefix}{amount:.2f}元"
    if full_width:
        written = written.translate(FULL_WIDTH)
    quantity, problem = cleaning.human_quantity(written, "f", "金额", unit="元", size=MONEY)
    assert problem is None and quantity is not None
    assert quantity.value == amount


@given(amount=money_amounts)
@example(amount=Decimal("100000.00"))  # 10 万元: normalize() alone would print 1E+1
def test_wanyuan_and_yuan_convert_exactly_both_ways(amount: Decimal) -> None:
    in_wan = (amount / 10_000).normalize()
    # Positional notation, as people write it: 10 万元, never 1E+1 万元.
    quantity, problem = cleaning.human_quantity(
        f"{in_wan:f}万元", "f", "金额", unit="元", size=MONEY
    )
    assert problem is None and quantity is not None and quantity.value == amount
    # An indicator in 万元 holds four places: whole yuan convert exactly, fen are refused
    # (never rounded away).
    back, problem = cleaning.human_quantity(f"{amount}元", "f", "金额", unit="万元")
    if amount == amount.to_integral_value():
        assert problem is None and back is not None
        assert back.value * 10_000 == amount
    else:
        assert back is None and problem is not None and problem.code == "INVALID_NUMBER"


@given(st.text(max_size=30))
def test_any_text_is_a_value_or_a_typed_problem(text: str) -> None:
    for unit in (None, "元", "%", "件", ""):
        quantity, problem = cleaning.human_quantity(text, "f", "值", unit=unit)
        assert (quantity is None) != (problem is None) or (quantity is None and problem is None)
        if problem is not None:
            assert problem.code in ("INVALID_NUMBER", "INCOMPATIBLE_UNIT")

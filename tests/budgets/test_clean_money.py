"""``clean_money`` answers a huge amount with a range problem, never an exception: the range is
checked before the amount is quantized (quantizing 1e400 to the cent raises)."""

from __future__ import annotations

import pytest

from backend.budgets.services import clean_money


@pytest.mark.parametrize("value", ["1e400", "1" + "0" * 30, "-1e100"])
def test_a_huge_amount_is_out_of_range(value: str) -> None:
    number, problem = clean_money("executed", value, allow_negative=True)
    assert number is None and problem is not None
    assert problem.code == "INVALID_NUMBER" and "超出允许范围" in problem.message

"""The one cleaner of user input: numbers, decimals, money, years, months, dates, text and the
pagination arguments of lists.

Every service and resolver that takes such input checks it here, so that a bad value is the same
typed ``Problem`` (field, stable code, Chinese message) wherever it comes in, never a crash
further down (``InvalidOperation`` on a quantize, a PostgreSQL ``numeric field overflow``, a NUL
byte the driver refuses, a date in year 1). The functions return ``(value, problem)``: the
cleaned value, or ``None`` and the problem, so a caller collects every problem of an input
before raising one ``DomainError``.

Sizes come from the columns: decimals from ``backend.core.numbers`` (``MONEY``, ``POINTS``,
``VALUE``…), text from the model field's ``max_length`` (``column_length``).

Codes: ``REQUIRED``, ``INVALID_NUMBER`` (not a number, too many decimals, beyond the column),
``NEGATIVE_NUMBER``, ``OUT_OF_RANGE`` (outside an explicit minimum/maximum), ``INVALID_YEAR``,
``INVALID_MONTH``, ``INVALID_DATE``, ``TOO_LONG``, ``INVALID_TEXT`` (NUL or other control
characters), ``INVALID_PAGINATION``, ``INVALID_CURSOR``.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import models

from backend.core.errors import Problem
from backend.core.numbers import MONEY, VALUE

# Fiscal years the platform accepts, everywhere one comes in (inputs, filters, imports).
FIRST_YEAR = 2000
LAST_YEAR = 2100
# Dates outside this span are typing mistakes (0001-01-01, 9999-12-31), whatever the field.
EARLIEST_DATE = datetime.date(FIRST_YEAR - 1, 1, 1)
LATEST_DATE = datetime.date(LAST_YEAR + 1, 12, 31)
# A number written with more characters than this is not a number anybody typed.
MAX_NUMBER_CHARS = 64
# The largest GraphQL Int (32-bit signed), the bound of every integer argument.
MAX_INT = 2**31 - 1
# Control characters refused in text: NUL and the C0 set except tab, newline, carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Full precision for the checks themselves: a quantize of 1E+30 to cents needs 33 digits.
_WIDE = Context(prec=200, Emax=10**6, Emin=-(10**6))
_CURSOR_PREFIX = "arrayconnection:"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: Any) -> str:
    """A value as it may be quoted back in a message: short, without control characters."""
    text = _CONTROL.sub("", str(value))
    return text if len(text) <= 24 else text[:21] + "…"


# --- numbers ----------------------------------------------------------------------------------


class NumberOutOfRange(ValueError):
    """A number, but far beyond any column (above 10²¹ or below 10⁻³⁰)."""


def to_decimal(value: Any) -> Decimal:
    """``value`` as a finite Decimal; ``ValueError`` if it is not one. Accepts Decimal, int,
    float (through its shortest representation, so 0.1 read from a sheet is 0.1) and text
    (``" 1,234.50 "``). Refuses booleans, NaN, infinities, text longer than
    ``MAX_NUMBER_CHARS`` and (``NumberOutOfRange``) magnitudes no column holds (``1E+30``,
    ``1E-999999``): such values are not amounts anybody meant, and they make Decimal
    arithmetic (a quantize to cents) raise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        if abs(value) >= 10**MAX_NUMBER_CHARS:
            raise ValueError(value)
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text or len(text) > MAX_NUMBER_CHARS:
            raise ValueError(value)
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(value) from exc
    else:
        raise ValueError(value)
    if not number.is_finite():
        raise ValueError(value)
    if not number.is_zero() and not -30 <= number.adjusted() <= 20:
        raise NumberOutOfRange(value)
    return number.copy_abs() if number.is_zero() else number


def decimal(
    value: Any,
    field: str,
    label: str,
    *,
    size: Mapping[str, int] = VALUE,
    required: bool = False,
    minimum: Decimal | int | None = None,
    maximum: Decimal | int | None = None,
    negative: bool = True,
    negative_code: str = "NEGATIVE_NUMBER",
) -> tuple[Decimal | None, Problem | None]:
    """A number that fits the column ``size`` (``max_digits``/``decimal_places`` of
    ``backend.core.numbers``), quantized to its places. Blank is ``None`` (``REQUIRED`` when
    ``required``); ``negative=False`` refuses numbers below zero with ``negative_code``;
    ``minimum``/``maximum`` bound it (``OUT_OF_RANGE``)."""
    if _blank(value):
        if required:
            return None, Problem("REQUIRED", f"{label}不能为空。", field)
        return None, None
    try:
        number = to_decimal(value)
    except NumberOutOfRange:
        return None, Problem("INVALID_NUMBER", f"{label} {_shown(value)} 超出允许范围。", field)
    except ValueError:
        return None, Problem("INVALID_NUMBER", f"{label}“{_shown(value)}”不是有效的数字。", field)
    places = size["decimal_places"]
    if abs(number) >= Decimal(10) ** (size["max_digits"] - places):
        return None, Problem("INVALID_NUMBER", f"{label} {_shown(value)} 超出允许范围。", field)
    quantum = Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP, context=_WIDE)
    if number != rounded:
        return None, Problem("INVALID_NUMBER", f"{label}最多保留 {places} 位小数。", field)
    if rounded.is_zero():
        rounded = rounded.copy_abs()  # "-0" is 0
    if not negative and rounded < 0:
        return None, Problem(negative_code, f"{label}不能为负数。", field)
    if minimum is not None and rounded < minimum:
        return None, Problem("OUT_OF_RANGE", f"{label}不能小于 {minimum}。", field)
    if maximum is not None and rounded > maximum:
        return None, Problem("OUT_OF_RANGE", f"{label}不能大于 {maximum}。", field)
    return rounded, None


def money(
    value: Any,
    field: str,
    label: str,
    *,
    required: bool = True,
    negative: bool = False,
    zero: bool = True,
    negative_code: str = "NEGATIVE_AMOUNT",
) -> tuple[Decimal | None, Problem | None]:
    """Yuan to the fen (``MONEY``): at most two decimals, below 10¹⁴."""
    number, problem = decimal(
        value,
        field,
        label,
        size=MONEY,
        required=required,
        negative=negative,
        negative_code=negative_code,
    )
    if problem is None and number is not None and number == 0 and not zero:
        return None, Problem("ZERO_AMOUNT", f"{label}不能为零。", field)
    return number, problem


def integer(
    value: Any,
    field: str,
    label: str,
    *,
    required: bool = True,
    minimum: int | None = None,
    maximum: int | None = None,
    code: str = "OUT_OF_RANGE",
) -> tuple[int | None, Problem | None]:
    """A whole number (an int, or text of one) between ``minimum`` and ``maximum``."""
    if _blank(value):
        if required:
            return None, Problem("REQUIRED", f"{label}不能为空。", field)
        return None, None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str | float | Decimal) and not isinstance(value, bool):
        try:
            parsed = to_decimal(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed == parsed.to_integral_value():
            number = int(parsed)
    if number is None:
        return None, Problem("INVALID_NUMBER", f"{label}“{_shown(value)}”不是整数。", field)
    low = -MAX_INT - 1 if minimum is None else minimum
    high = MAX_INT if maximum is None else maximum
    if not low <= number <= high:
        return None, Problem(code, f"{label}“{_shown(value)}”无效，应在 {low}–{high} 之间。", field)
    return number, None


def fiscal_year(
    value: Any, field: str = "fiscal_year", label: str = "预算年度", *, required: bool = True
) -> tuple[int | None, Problem | None]:
    """A fiscal year between ``FIRST_YEAR`` and ``LAST_YEAR`` (2000–2100)."""
    if _blank(value):
        if required:
            return None, Problem("REQUIRED", f"{label}不能为空。", field)
        return None, None
    number, problem = integer(value, field, label, minimum=FIRST_YEAR, maximum=LAST_YEAR)
    if problem is not None:
        return None, Problem(
            "INVALID_YEAR",
            f"{label}“{_shown(value)}”无效，应为 {FIRST_YEAR}–{LAST_YEAR} 的年份。",
            field,
        )
    return number, None


def year_problem(value: Any, field: str = "fiscal_year") -> Problem | None:
    """The problem with a fiscal year given to a query (``None`` when it is fine or absent)."""
    return fiscal_year(value, field, required=False)[1]


def month(
    value: Any, field: str = "month", label: str = "月份", *, required: bool = True
) -> tuple[int | None, Problem | None]:
    """A month 1–12."""
    number, problem = integer(value, field, label, required=required, minimum=1, maximum=12)
    if problem is not None and problem.code != "REQUIRED":
        return None, Problem("INVALID_MONTH", f"{label}“{_shown(value)}”无效，应为 1–12。", field)
    return number, problem


def date(
    value: Any,
    field: str = "date",
    label: str = "日期",
    *,
    required: bool = True,
    earliest: datetime.date = EARLIEST_DATE,
    latest: datetime.date = LATEST_DATE,
) -> tuple[datetime.date | None, Problem | None]:
    """A date (a ``date``, a ``datetime`` or ``YYYY-MM-DD`` text) between ``earliest`` and
    ``latest`` (by default the platform's years, give or take one)."""
    if _blank(value):
        if required:
            return None, Problem("REQUIRED", f"{label}不能为空。", field)
        return None, None
    day: datetime.date | None = None
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, str) and len(value) <= 32:
        try:
            day = datetime.date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        return None, Problem(
            "INVALID_DATE", f"{label}“{_shown(value)}”无效，应为 YYYY-MM-DD。", field
        )
    if not earliest <= day <= latest:
        return None, Problem(
            "INVALID_DATE",
            f"{label} {day.isoformat()} 超出范围，应在 {earliest.isoformat()} 至 "
            f"{latest.isoformat()} 之间。",
            field,
        )
    return day, None


# --- text -------------------------------------------------------------------------------------


def column_length(model: type[models.Model], name: str) -> int:
    """The ``max_length`` of a model's text column."""
    length = model._meta.get_field(name).max_length  # type: ignore[union-attr]
    assert length is not None, f"{model.__name__}.{name} has no max_length"
    return int(length)


def text_problem(value: str, field: str, label: str) -> Problem | None:
    """The problem with characters no text may hold (NUL and other control characters)."""
    if _CONTROL.search(value):
        return Problem(
            "INVALID_TEXT", f"{label}包含不可见的控制字符（如空字符），请删除后重试。", field
        )
    return None


def text(
    value: Any,
    field: str,
    label: str,
    *,
    max_length: int | None = None,
    required: bool = False,
) -> tuple[str, Problem | None]:
    """Text stripped of surrounding blanks, without control characters, at most
    ``max_length`` characters (the column's size). ``None`` is ""."""
    cleaned = "" if value is None else str(value).strip()
    problem = text_problem(cleaned, field, label)
    if problem is not None:
        return cleaned, problem
    if required and not cleaned:
        return cleaned, Problem("REQUIRED", f"{label}不能为空。", field)
    if max_length is not None and len(cleaned) > max_length:
        return cleaned, Problem("TOO_LONG", f"{label}不能超过 {max_length} 个字符。", field)
    return cleaned, None


def control_character_path(value: Any, path: str = "") -> str | None:
    """Where inside ``value`` (nested lists and mappings too) text holds a control character
    the database cannot or should not store (``"indicators.2.name"``), or ``None``."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if _CONTROL.search(item):
                return where
        elif isinstance(item, Mapping):
            for key, inner in item.items():
                name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and _CONTROL.search(key):
                    return name
                stack.append((name, inner))
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}.{i}" if where else str(i), v) for i, v in enumerate(item))
    return None


def has_control_characters(value: Any) -> bool:
    return control_character_path(value) is not None


# --- lists ------------------------------------------------------------------------------------


def max_page_size() -> int:
    return int(settings.GRAPHENE.get("RELAY_CONNECTION_MAX_LIMIT") or 200)


def limit(
    value: Any, field: str = "limit", label: str = "条数", *, default: int, maximum: int
) -> tuple[int | None, Problem | None]:
    """How many rows a list returns: ``None`` is the default, else 1–``maximum``."""
    if value is None:
        return default, None
    return integer(value, field, label, minimum=1, maximum=maximum, code="INVALID_PAGINATION")


def cursor_offset(cursor: Any, field: str) -> tuple[int | None, Problem | None]:
    """The position a Relay cursor (``after``/``before``) points at, or the problem with it."""
    if cursor is None:
        return None, None
    problem = Problem("INVALID_CURSOR", f"分页游标“{_shown(cursor)}”无效。", field)
    if not isinstance(cursor, str) or len(cursor) > 64:
        return None, problem
    try:
        decoded = base64.b64decode(cursor.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None, problem
    digits = decoded[len(_CURSOR_PREFIX) :]
    if not decoded.startswith(_CURSOR_PREFIX) or not digits.isdigit() or len(digits) > 9:
        return None, problem
    return int(digits), None


def page_arguments(arguments: Mapping[str, Any]) -> list[Problem]:
    """The problems with a connection's ``first``/``last``/``offset``/``before``/``after``:
    page sizes 0–the maximum page size, an offset ≥ 0 and never with ``before``, cursors that
    this API issued."""
    problems: list[Problem] = []
    largest = max_page_size()
    for name in ("first", "last"):
        value = arguments.get(name)
        if value is None:
            continue
        _, problem = integer(
            value, name, "每页条数", minimum=0, maximum=largest, code="INVALID_PAGINATION"
        )
        if problem is not None:
            problems.append(
                Problem(
                    "INVALID_PAGINATION",
                    f"{name} 为 {_shown(value)}：每页条数应在 0–{largest} 之间。",
                    name,
                )
            )
    offset = arguments.get("offset")
    if offset is not None:
        _, problem = integer(
            offset, "offset", "offset", minimum=0, maximum=10**9, code="INVALID_PAGINATION"
        )
        if problem is not None:
            problems.append(
                Problem(
                    "INVALID_PAGINATION", f"offset 为 {_shown(offset)}：应为非负整数。", "offset"
                )
            )
        elif arguments.get("before") is not None:
            problems.append(
                Problem("INVALID_PAGINATION", "offset 不能与 before 同时使用。", "offset")
            )
    for name in ("after", "before"):
        _, problem = cursor_offset(arguments.get(name), name)
        if problem is not None:
            problems.append(problem)
    return problems

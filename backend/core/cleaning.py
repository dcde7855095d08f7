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
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import models

from backend.core.errors import BaseErrorCode, CoreErrorCode, Problem
from backend.core.numbers import MONEY, VALUE, DecimalSize

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
    size: DecimalSize = VALUE,
    required: bool = False,
    minimum: Decimal | int | None = None,
    maximum: Decimal | int | None = None,
    negative: bool = True,
    negative_code: BaseErrorCode = CoreErrorCode.NEGATIVE_NUMBER,
) -> tuple[Decimal | None, Problem | None]:
    """A number that fits the column ``size`` (``max_digits``/``decimal_places`` of
    ``backend.core.numbers``), quantized to its places. Blank is ``None`` (``REQUIRED`` when
    ``required``); ``negative=False`` refuses numbers below zero with ``negative_code``;
    ``minimum``/``maximum`` bound it (``OUT_OF_RANGE``)."""
    if _blank(value):
        if required:
            return None, Problem(CoreErrorCode.REQUIRED, f"{label}不能为空。", field)
        return None, None
    try:
        number = to_decimal(value)
    except NumberOutOfRange:
        return None, Problem(
            CoreErrorCode.INVALID_NUMBER, f"{label} {_shown(value)} 超出允许范围。", field
        )
    except ValueError:
        return None, Problem(
            CoreErrorCode.INVALID_NUMBER, f"{label}“{_shown(value)}”不是有效的数字。", field
        )
    places = size["decimal_places"]
    if abs(number) >= Decimal(10) ** (size["max_digits"] - places):
        return None, Problem(
            CoreErrorCode.INVALID_NUMBER, f"{label} {_shown(value)} 超出允许范围。", field
        )
    quantum = Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP, context=_WIDE)
    if number != rounded:
        return None, Problem(
            CoreErrorCode.INVALID_NUMBER, f"{label}最多保留 {places} 位小数。", field
        )
    if rounded.is_zero():
        rounded = rounded.copy_abs()  # "-0" is 0
    if not negative and rounded < 0:
        return None, Problem(negative_code, f"{label}不能为负数。", field)
    if minimum is not None and rounded < minimum:
        return None, Problem(CoreErrorCode.OUT_OF_RANGE, f"{label}不能小于 {minimum}。", field)
    if maximum is not None and rounded > maximum:
        return None, Problem(CoreErrorCode.OUT_OF_RANGE, f"{label}不能大于 {maximum}。", field)
    return rounded, None


def money(
    value: Any,
    field: str,
    label: str,
    *,
    required: bool = True,
    negative: bool = False,
    zero: bool = True,
    negative_code: BaseErrorCode = CoreErrorCode.NEGATIVE_AMOUNT,
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
        return None, Problem(CoreErrorCode.ZERO_AMOUNT, f"{label}不能为零。", field)
    return number, problem


def integer(
    value: Any,
    field: str,
    label: str,
    *,
    required: bool = True,
    minimum: int | None = None,
    maximum: int | None = None,
    code: BaseErrorCode = CoreErrorCode.OUT_OF_RANGE,
) -> tuple[int | None, Problem | None]:
    """A whole number (an int, or text of one) between ``minimum`` and ``maximum``."""
    if _blank(value):
        if required:
            return None, Problem(CoreErrorCode.REQUIRED, f"{label}不能为空。", field)
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
        return None, Problem(
            CoreErrorCode.INVALID_NUMBER, f"{label}“{_shown(value)}”不是整数。", field
        )
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
            return None, Problem(CoreErrorCode.REQUIRED, f"{label}不能为空。", field)
        return None, None
    number, problem = integer(value, field, label, minimum=FIRST_YEAR, maximum=LAST_YEAR)
    if problem is not None:
        return None, Problem(
            CoreErrorCode.INVALID_YEAR,
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
    if problem is not None and problem.code != CoreErrorCode.REQUIRED:
        return None, Problem(
            CoreErrorCode.INVALID_MONTH, f"{label}“{_shown(value)}”无效，应为 1–12。", field
        )
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
            return None, Problem(CoreErrorCode.REQUIRED, f"{label}不能为空。", field)
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
            CoreErrorCode.INVALID_DATE, f"{label}“{_shown(value)}”无效，应为 YYYY-MM-DD。", field
        )
    if not earliest <= day <= latest:
        return None, Problem(
            CoreErrorCode.INVALID_DATE,
            f"{label} {day.isoformat()} 超出范围，应在 {earliest.isoformat()} 至 "
            f"{latest.isoformat()} 之间。",
            field,
        )
    return day, None


# --- text -------------------------------------------------------------------------------------


def column(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The model's column ``name`` (a concrete field, never a reverse relation)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{model.__name__}.{name} is not a column"
    return field


def column_length(model: type[models.Model], name: str) -> int:
    """The ``max_length`` of a model's text column."""
    length = column(model, name).max_length
    assert length is not None, f"{model.__name__}.{name} has no max_length"
    return int(length)


def text_problem(value: str, field: str, label: str) -> Problem | None:
    """The problem with characters no text may hold (NUL and other control characters)."""
    if _CONTROL.search(value):
        return Problem(
            CoreErrorCode.INVALID_TEXT,
            f"{label}包含不可见的控制字符（如空字符），请删除后重试。",
            field,
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
        return cleaned, Problem(CoreErrorCode.REQUIRED, f"{label}不能为空。", field)
    if max_length is not None and len(cleaned) > max_length:
        return cleaned, Problem(
            CoreErrorCode.TOO_LONG, f"{label}不能超过 {max_length} 个字符。", field
        )
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
    return integer(
        value, field, label, minimum=1, maximum=maximum, code=CoreErrorCode.INVALID_PAGINATION
    )


def cursor_offset(cursor: Any, field: str) -> tuple[int | None, Problem | None]:
    """The position a Relay cursor (``after``/``before``) points at, or the problem with it."""
    if cursor is None:
        return None, None
    problem = Problem(CoreErrorCode.INVALID_CURSOR, f"分页游标“{_shown(cursor)}”无效。", field)
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
            value,
            name,
            "每页条数",
            minimum=0,
            maximum=largest,
            code=CoreErrorCode.INVALID_PAGINATION,
        )
        if problem is not None:
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_PAGINATION,
                    f"{name} 为 {_shown(value)}：每页条数应在 0–{largest} 之间。",
                    name,
                )
            )
    offset = arguments.get("offset")
    if offset is not None:
        _, problem = integer(
            offset,
            "offset",
            "offset",
            minimum=0,
            maximum=10**9,
            code=CoreErrorCode.INVALID_PAGINATION,
        )
        if problem is not None:
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_PAGINATION,
                    f"offset 为 {_shown(offset)}：应为非负整数。",
                    "offset",
                )
            )
        elif arguments.get("before") is not None:
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_PAGINATION, "offset 不能与 before 同时使用。", "offset"
                )
            )
    for name in ("after", "before"):
        _, problem = cursor_offset(arguments.get(name), name)
        if problem is not None:
            problems.append(problem)
    return problems


# --- quantities as people write them ----------------------------------------------------------
#
# A cell of a real table holds "7.29万元", "≥95%", "不低于95%", "≤3天", "约1,234.50元", "１２０件"
# (full-width). ``human_quantity`` reads such a cell into a number, the unit written with it and
# the comparator written before (or after: "95%以上") it, and converts the number to the unit the
# indicator is measured in. Units of one kind convert (万元 ↔ 元, 年 ↔ 月, 周 ↔ 天); a count word
# converts only to itself or its 万 multiple (件 is not 次); a unit the table below does not know
# must be written exactly as the indicator's unit. Codes: ``INVALID_NUMBER`` (no number, or text
# besides it that is not a unit or a comparator), ``INCOMPATIBLE_UNIT`` (a unit of another kind,
# or one that converts only roughly: 月 → 天).

# Money read in 万元 before it is converted to yuan: to the fen is six places.
WANYUAN: DecimalSize = {"max_digits": 18, "decimal_places": 6}
GTE, LTE, EQ = "gte", "lte", "eq"  # the values of ``backend.indicators.models.Direction``
COMPARATOR_SYMBOL = {GTE: "≥", LTE: "≤", EQ: "="}

# Written before the number; longest first so that "大于等于" wins over "大于".
_COMPARATOR_PREFIXES: tuple[tuple[str, str, bool], ...] = tuple(
    sorted(
        (
            (">=", GTE, False), ("≥", GTE, False), ("≧", GTE, False), ("⩾", GTE, False),
            ("大于等于", GTE, False), ("大于或等于", GTE, False), ("不低于", GTE, False),
            ("不少于", GTE, False), ("不小于", GTE, False), ("不得低于", GTE, False),
            ("不得少于", GTE, False), ("至少", GTE, False), ("高于", GTE, True),
            ("大于", GTE, True), (">", GTE, True),
            ("<=", LTE, False), ("≤", LTE, False), ("≦", LTE, False), ("⩽", LTE, False),
            ("小于等于", LTE, False), ("小于或等于", LTE, False), ("不高于", LTE, False),
            ("不超过", LTE, False), ("不多于", LTE, False), ("不大于", LTE, False),
            ("不得超过", LTE, False), ("不得高于", LTE, False), ("至多", LTE, False),
            ("低于", LTE, True), ("少于", LTE, True), ("小于", LTE, True), ("<", LTE, True),
            ("==", EQ, False), ("=", EQ, False), ("等于", EQ, False),
        ),
        key=lambda item: -len(item[0]),
    )
)  # fmt: skip
_PREFIX = re.compile("|".join(re.escape(written) for written, _, _ in _COMPARATOR_PREFIXES))
_PREFIX_MEANING = {written: (meaning, strict) for written, meaning, strict in _COMPARATOR_PREFIXES}
# Written after the number and its unit ("95%以上", "3天以内").
_COMPARATOR_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("及以上", GTE), ("或以上", GTE), ("以上", GTE),
    ("及以下", LTE), ("或以下", LTE), ("以下", LTE), ("以内", LTE),
)  # fmt: skip
_APPROXIMATE = ("大约", "约为", "约")

# unit -> (kind, factor to the kind's base unit). Counts are their own kind each: an 件 is not
# a 次. Percentages are points of 100.
_UNITS: dict[str, tuple[str, Decimal]] = {
    "元": ("money", Decimal(1)),
    "千元": ("money", Decimal(1000)),
    "万元": ("money", Decimal(10_000)),
    "百万元": ("money", Decimal(1_000_000)),
    "亿元": ("money", Decimal(100_000_000)),
    "%": ("percent", Decimal(1)),
    "百分比": ("percent", Decimal(1)),
    "‰": ("percent", Decimal("0.1")),
    "天": ("day", Decimal(1)),
    "日": ("day", Decimal(1)),
    "周": ("day", Decimal(7)),
    "星期": ("day", Decimal(7)),
    "工作日": ("workday", Decimal(1)),
    "个工作日": ("workday", Decimal(1)),
    "小时": ("hour", Decimal(1)),
    "月": ("month", Decimal(1)),
    "个月": ("month", Decimal(1)),
    "季度": ("month", Decimal(3)),
    "个季度": ("month", Decimal(3)),
    "年": ("month", Decimal(12)),
    "分": ("points", Decimal(1)),
}
_COUNT_WORDS = (
    "件", "个", "次", "人", "人次", "项", "份", "家", "台", "套", "场", "篇", "期", "批",
    "户", "起", "条", "名", "本", "册", "张", "卷", "宗", "辆", "处", "所", "座", "间",
    "课时", "学时", "期次", "场次", "家次", "户次", "个次", "件次",
)  # fmt: skip
for _word in _COUNT_WORDS:
    _UNITS.setdefault(_word, (f"count:{_word}", Decimal(1)))
    _UNITS.setdefault(f"万{_word}", (f"count:{_word}", Decimal(10_000)))
# Conversions between kinds that are exact and common: none between days and months (a month
# is not a fixed number of days) or hours and days (working hours are not 24 a day).
_KIND_NAMES = {
    "money": "金额",
    "percent": "百分比",
    "day": "天数",
    "workday": "工作日",
    "hour": "小时",
    "month": "月数",
    "points": "分值",
}

_NOT_A_UNIT = re.compile(r"[0-9.,+\-=<>]")
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")


@dataclass(frozen=True)
class Quantity:
    """A cell read as a quantity: ``value`` in ``unit`` (the indicator's unit when one was
    asked for, else the unit written, ``""`` when none), the ``comparator`` written with it
    (``gte``/``lte``/``eq``, ``""`` when none), whether it was strict (``>``, ``大于``, read as
    ``gte``), approximate (a leading ``约``), and the number and unit as written."""

    value: Decimal
    unit: str = ""
    comparator: str = ""
    strict: bool = False
    approximate: bool = False
    written_value: Decimal | None = None
    written_unit: str = ""

    @property
    def converted(self) -> bool:
        return self.written_value is not None and self.written_value != self.value


def normal_text(value: str) -> str:
    """``value`` with full-width letters, digits and signs made half-width (NFKC: "１２０" →
    "120", "％" → "%", "﹦" → "=", "，" → ","), no blanks inside."""
    if not unicodedata.is_normalized("NFKC", value):  # the quick check is cheap
        value = unicodedata.normalize("NFKC", value)
    return "".join(value.split())


def unit_of(unit: str) -> tuple[str, Decimal] | None:
    """The kind and factor of a unit the table knows (after ``normal_text``), else ``None``."""
    return _UNITS.get(normal_text(unit))


def comparator(value: Any) -> str | None:
    """The comparator a 运算符 cell holds (``≥``, ``>=``, ``大于等于``, ``﹦``, ``不低于`` …):
    ``gte``/``lte``/``eq``, ``""`` when blank, ``None`` when it is none of them."""
    if _blank(value):
        return ""
    text = normal_text(str(value))
    if text in _PREFIX_MEANING:
        return _PREFIX_MEANING[text][0]
    for written, meaning in _COMPARATOR_SUFFIXES:
        if text == written:
            return meaning
    return None


def convert(value: Decimal, written: str, wanted: str) -> Decimal | None:
    """``value`` in unit ``written`` expressed in unit ``wanted``, or ``None`` when they are of
    different kinds (or not in the table and not the same word). Exact: a conversion that would
    need rounding beyond ``VALUE``'s places is left to the column check of the caller."""
    written, wanted = normal_text(written), normal_text(wanted)
    if written == wanted:
        return value
    have, want = _UNITS.get(written), _UNITS.get(wanted)
    if have is None or want is None or have[0] != want[0]:
        return None
    result = (value * have[1] / want[1]).normalize(context=_WIDE)
    return result.copy_abs() if result.is_zero() else result


def _unit_label(unit: str) -> str:
    return f"“{unit}”" if unit else "无单位"


def human_quantity(
    value: Any,
    field: str,
    label: str,
    *,
    unit: str | None = None,
    number_format: str = "",
    size: DecimalSize = VALUE,
) -> tuple[Quantity | None, Problem | None]:
    """A quantity as people write it in a table cell, converted to ``unit`` when given.

    Accepts a number (an XLSX number; with a percentage ``number_format`` 0.95 is 95 %) or text:
    an optional leading ``约``, an optional comparator (``≥ >= 大于等于 不低于 不少于 ≤ <= 不超过
    小于等于 = ﹦ 等于``, or ``以上``/``以下``/``以内`` after the unit), the number (full-width
    digits, thousands separators ``1,234.50``), an optional unit (``万元 元 % 件 次 天 个月``…).
    Blank is ``(None, None)``. With ``unit`` the value is converted to it (``7.29万元`` →
    72900 for ``元``; a number without a unit is taken as already in it); a unit of another
    kind is ``INCOMPATIBLE_UNIT``. The converted value must fit ``size`` like ``decimal``."""
    if _blank(value):
        return None, None
    shown = _shown(value)
    written_unit = ""
    found_comparator, strict, approximate = "", False, False
    if isinstance(value, bool):
        return None, Problem(
            CoreErrorCode.INVALID_NUMBER, f"{label}“{shown}”不是有效的数字。", field
        )
    if isinstance(value, int | float | Decimal):
        try:
            number = to_decimal(value)
        except NumberOutOfRange:
            return None, Problem(
                CoreErrorCode.INVALID_NUMBER, f"{label} {shown} 超出允许范围。", field
            )
        except ValueError:
            return None, Problem(
                CoreErrorCode.INVALID_NUMBER, f"{label}“{shown}”不是有效的数字。", field
            )
        if "%" in (number_format or ""):
            number, written_unit = (number * 100).normalize(context=_WIDE), "%"
    elif isinstance(value, str):
        text = normal_text(value)
        if len(text) > MAX_NUMBER_CHARS:
            return None, Problem(
                CoreErrorCode.INVALID_NUMBER, f"{label}“{shown}”不是有效的数字。", field
            )
        for word in _APPROXIMATE:
            if text.startswith(word):
                text, approximate = text[len(word) :], True
                break
        prefix = _PREFIX.match(text)
        if prefix is not None:
            found_comparator, strict = _PREFIX_MEANING[prefix.group()]
            text = text[prefix.end() :]
        if not approximate:  # "≥约95%" is rare, "约" after a comparator is not
            for word in _APPROXIMATE:
                if text.startswith(word):
                    text, approximate = text[len(word) :], True
                    break
        for written, meaning in _COMPARATOR_SUFFIXES:
            if text.endswith(written) and not found_comparator:
                text, found_comparator = text[: -len(written)], meaning
                break
        match = _NUMBER.match(text)
        if match is None:
            return None, Problem(
                CoreErrorCode.INVALID_NUMBER, f"{label}“{shown}”不是有效的数字。", field
            )
        written_unit = text[match.end() :]
        if (
            written_unit
            and written_unit not in _UNITS
            and (unit is None or _NOT_A_UNIT.search(written_unit))
        ):
            return None, Problem(
                CoreErrorCode.INVALID_NUMBER,
                f"{label}“{shown}”无法识别：数字后的“{_shown(written_unit)}”不是计量单位。",
                field,
            )
        try:
            number = to_decimal(match.group())
        except NumberOutOfRange:
            return None, Problem(
                CoreErrorCode.INVALID_NUMBER, f"{label} {shown} 超出允许范围。", field
            )
        except ValueError:
            return None, Problem(
                CoreErrorCode.INVALID_NUMBER, f"{label}“{shown}”不是有效的数字。", field
            )
    else:
        return None, Problem(
            CoreErrorCode.INVALID_NUMBER, f"{label}“{shown}”不是有效的数字。", field
        )

    written_number = number
    target_unit = written_unit
    if unit is not None:
        target_unit = normal_text(unit)
        if written_unit:
            converted = convert(number, written_unit, target_unit)
            if converted is None:
                have, want = _UNITS.get(written_unit), _UNITS.get(target_unit)
                rough = (
                    have is not None
                    and want is not None
                    and {have[0], want[0]} in ({"day", "month"}, {"day", "hour"})
                )
                reason = (
                    "两者之间没有确定的换算关系"
                    if rough
                    else f"{_kind(written_unit)}不能换算为{_kind(target_unit)}"
                )
                return None, Problem(
                    CoreErrorCode.INCOMPATIBLE_UNIT,
                    f"{label}“{shown}”的单位{_unit_label(written_unit)}与指标的计量单位"
                    f"{_unit_label(target_unit)}不一致，{reason}。",
                    field,
                )
            number = converted
    cleaned, problem = decimal(number, field, label, size=size)
    if problem is not None:
        if number != written_number:
            problem = Problem(
                problem.code,
                f"{label}“{shown}”换算为{_unit_label(target_unit)}后为 {_shown(number)}，"
                f"{problem.message.removeprefix(label)}",
                field,
            )
        return None, problem
    assert cleaned is not None
    return (
        Quantity(
            value=cleaned,
            unit=target_unit,
            comparator=found_comparator,
            strict=strict,
            approximate=approximate,
            written_value=written_number,
            written_unit=written_unit,
        ),
        None,
    )


def _kind(unit: str) -> str:
    known = _UNITS.get(unit)
    if known is None:
        return f"“{unit}”" if unit else "无单位的数"
    kind = known[0]
    if kind.startswith("count:"):
        return f"以“{kind.removeprefix('count:')}”计的数量"
    return _KIND_NAMES.get(kind, kind)


# --- headings of the indicator system --------------------------------------------------------

# Traditional characters of the standard indicator headings (产出指标, 效益指标, 满意度指标 and
# their level 2s, the budget-execution line), as published tables of some units write them.
_SIMPLIFIED = str.maketrans(
    "產標數質時濟會態續響務對預執資過滿級項節經濟計績獲環",
    "产标数质时济会态续响务对预执资过满级项节经济计绩获环",
)
# A weight written into a heading: "产出指标(50分)", "产出指标（50 分）", "产出指标 50分".
_HEADING_WEIGHT = re.compile(r"^(?P<text>.*?)[(\[【]?(?P<weight>\d+(?:\.\d+)?)分[)\]】]?$")


def heading(value: Any) -> tuple[str, Decimal | None]:
    """A level-1/level-2 heading as the indicator system names it, and the weight written in
    it: ``"產出指標（50分）"`` → ``("产出指标", Decimal("50"))``; ``"质量指标"`` →
    ``("质量指标", None)``. Full-width forms and blanks are normalised, the traditional
    characters of the standard headings made simplified."""
    if _blank(value):
        return "", None
    text = normal_text(str(value)).translate(_SIMPLIFIED)
    match = _HEADING_WEIGHT.match(text)
    if match and match.group("text"):
        return match.group("text").rstrip(":："), Decimal(match.group("weight"))
    return text, None

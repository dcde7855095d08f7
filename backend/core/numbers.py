"""The sizes of the decimal columns every app uses, so that money, scores and rates are stored
alike everywhere (``models.DecimalField("…", **MONEY)``)."""

from typing import Final, TypedDict


class DecimalSize(TypedDict):
    """The ``max_digits``/``decimal_places`` of a decimal column, unpacked into
    ``models.DecimalField`` and read by the cleaners that check a number fits it."""

    max_digits: int
    decimal_places: int


MONEY: Final[DecimalSize] = {"max_digits": 16, "decimal_places": 2}  # yuan, to the fen
POINTS: Final[DecimalSize] = {
    "max_digits": 5,
    "decimal_places": 2,
}  # a score or a weight, 0.00–100.00
GAP: Final[DecimalSize] = {"max_digits": 6, "decimal_places": 2}  # a signed difference of scores
PERCENT: Final[DecimalSize] = {"max_digits": 7, "decimal_places": 2}  # a rate in points of 100
VALUE: Final[DecimalSize] = {
    "max_digits": 16,
    "decimal_places": 4,
}  # an indicator's target or actual value

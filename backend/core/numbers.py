"""The sizes of the decimal columns every app uses, so that money, scores and rates are stored
alike everywhere (``models.DecimalField("…", **MONEY)``)."""

MONEY = {"max_digits": 16, "decimal_places": 2}  # yuan, to the fen
POINTS = {"max_digits": 5, "decimal_places": 2}  # a score or a weight, 0.00–100.00
GAP = {"max_digits": 6, "decimal_places": 2}  # a signed difference of scores
PERCENT = {"max_digits": 7, "decimal_places": 2}  # a rate in points of 100
VALUE = {"max_digits": 16, "decimal_places": 4}  # an indicator's target or actual value

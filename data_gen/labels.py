"""The one rule for what an `iso` label may be: AnomaliesGate applies it to every example.

A valid label is either
- a real calendar date written exactly `YYYY-MM-DD` inside the generator's range
  (formats.FIRST_DATE .. formats.LAST_DATE, 1900-01-01 .. 2099-12-31), or
- the empty string: the label of a negative example, an input that is "not a date".

Anything else ("2001-02-30", "2150-05-03", "not a date", "2001-2-3", "20010203") is invalid.
TFDV's schema language has no pattern constraint, so the pipeline applies this rule in
`components.anomalies_gate` rather than in schemas/schema.pbtxt.

Also the values of the `written` feature (`written_leap_day`, `written_values`: 29 February of a common year
as the text writes it), a closed list that the schema's `written` domain holds.
"""

from __future__ import annotations

import calendar
import datetime

from data_gen import formats

# The label of an input that is not a date (a negative example).
NOT_A_DATE = ""


def is_valid_label(iso: str) -> bool:
    """True for "" (not a date) and for a real YYYY-MM-DD date from 1900-01-01 to 2099-12-31."""
    if iso == NOT_A_DATE:
        return True
    try:
        date = datetime.date.fromisoformat(iso)
    except (TypeError, ValueError):
        return False
    # fromisoformat also takes "20010203" and ISO week dates ("2001-W05-6"): only the
    # canonical spelling, which is what the generator writes, is a label.
    return date.isoformat() == iso and formats.FIRST_DATE <= date <= formats.LAST_DATE


# What the model writes for 29 February of a common year, written with its year: the day as written, not the
# refusal of its reason. The text alone does not say whether it is a date: the year's place in the 4-year
# leap cycle does. The model transcribes and the serving graph's calendar refuses it (models/export.py), so
# the model never has to learn which years are leap years (the leap days of the eval and test splits' years
# are in no training label).
LEAP_DAY = (2, 29)
# The years the generator writes a 29 February of: those of its labels' range, and the first common year after
# it (2100, which the impossible dates write as well).
WRITTEN_FIRST_YEAR, WRITTEN_LAST_YEAR = formats.FIRST_DATE.year, formats.LAST_DATE.year + 1


def written_leap_day(year: int, month: int, day: int, writes_year: bool) -> str:
    """`YYYY-02-29` for 29 February of a common year that the text writes with its year; "" otherwise (the
    `written` feature of an example)."""
    if (month, day) != LEAP_DAY or not writes_year or calendar.isleap(year):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def written_values() -> list[str]:
    """Every value the `written` feature may take: "" and the 29 February of each common year of
    WRITTEN_FIRST_YEAR..WRITTEN_LAST_YEAR (the schema's `written` domain)."""
    return [""] + [written_leap_day(y, *LEAP_DAY, writes_year=True)
                   for y in range(WRITTEN_FIRST_YEAR, WRITTEN_LAST_YEAR + 1) if not calendar.isleap(y)]

"""How a written date is read: the two-digit pivot, the real dates it can mean, the ambiguity policy, the label.

Ambiguity policy (like dateutil's `dayfirst`): when day and month are both numbers and not year-first,
the string has two readings, day first (first number = day) and month first. If only one is a real
date, it is the label whatever the preference ("31/12/1999" and "12/31/1999" both mean 1999-12-31); if
both are real and differ, the example's `day_first` decides (False = month first, the en_US reading).
`day_first` is sampled for every example and only changes the label of ambiguous ones, so the label is
a function of the string and the preference only. Year-first numeric dates are always Y-M-D. The old
catalogue's numeric formats follow the same policy. Two-digit and apostrophe years read with the pivot
50 (50-99 -> 19xx, 00-49 -> 20xx). A real date is one of 1900-2099 (`data_gen.labels`).
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from typing import NamedTuple

from data_gen import formats as formats_lib
from data_gen.families import CATALOGUE
from data_gen.recipe import DATE, AnyDate, Recipe

# Two-digit (and apostrophe) years: 50-99 -> 19xx, 00-49 -> 20xx.
PIVOT = 50


class Readings(NamedTuple):
    """The real dates a written date can mean: read day first and read month first (None: not real)."""

    day_first: datetime.date | None
    month_first: datetime.date | None


def pivot_year(two_digits: int) -> int:
    """The year a two-digit year means: 50-99 -> 19xx, 00-49 -> 20xx."""
    return (1900 if two_digits >= PIVOT else 2000) + two_digits


def real_date(year: int, month: int, day: int) -> datetime.date | None:
    """The date, if it is real and of a year the labels can be (1900-2099)."""
    if (formats_lib.FIRST_DATE.year <= year <= formats_lib.LAST_DATE.year and 1 <= month <= 12
            and 1 <= day <= calendar.monthrange(year, month)[1]):
        return datetime.date(year, month, day)
    return None


@functools.cache
def catalogue_shape(name: str) -> tuple[str, bool]:
    """(field order, whether the month is a number) of a catalogue format, from its LDML pattern."""
    ldml = re.sub(r"'[^']*'", "", formats_lib.get_format(name).ldml)
    order = "".join(sorted("dmy", key=lambda f: ldml.index(f if f != "m" else "M")))
    month_width = len(re.search(r"M+", ldml).group())
    return order, month_width <= 2


def readings(recipe: Recipe, date: AnyDate) -> Readings:
    """The real dates the written day, month and year can mean, read day first and month first.

    Only a numeric day and month written day-first or month-first have two readings; everything
    else (month words, year first) has one, returned twice. None: that reading is not a real date.
    """
    year, month, day = date.year, date.month, date.day
    if recipe.kind == CATALOGUE:
        order, numeric_month = catalogue_shape(recipe.catalogue)
    else:
        order, numeric_month = recipe.order, recipe.numeric_month
    as_written = real_date(year, month, day)
    if not numeric_month or order == "ymd":
        return Readings(as_written, as_written)
    swapped = real_date(year, day, month)  # the first number read as the other field
    if order == "dmy":
        return Readings(day_first=as_written, month_first=swapped)
    return Readings(day_first=swapped, month_first=as_written)


def resolve(found: Readings, day_first: bool) -> datetime.date | None:
    """The ambiguity policy: the only real reading, or the preferred one when both are real."""
    if found.day_first and found.month_first:
        return found.day_first if day_first else found.month_first
    return found.day_first or found.month_first


def label_date(recipe: Recipe, date: AnyDate | None) -> datetime.date | None:
    """The date a recipe's rendering of `date` means under the policy; None for refusals."""
    if recipe.kind not in (DATE, CATALOGUE):
        return None
    return resolve(readings(recipe, date), recipe.day_first)


def label(recipe: Recipe, date: AnyDate | None) -> str:
    """The ISO answer: the policy's reading for dates, "" for refusals."""
    found = label_date(recipe, date)
    return found.isoformat() if found else ""

"""Refusals (label ""): what is not one complete, real calendar date, and how each kind is drawn.

Month and year only (also with "of": "June of 2009", "Sept. of '98"), day and month only, a weekday alone, a
time alone (any shape, `data_gen.times`), the non-date phrases of `data_gen.phrases` (relative expressions,
numbers, words, periods longer than a day), ranges and lists of dates (`data_gen.ranges`), and impossible
dates written by the same renderers as real ones, in every order and style, with a weekday or a time too: a
day past the month's end in digits, ordinals and words ("31 February 2001", "May 32, 2009", "32nd of March
1936", "the thirty-first of April"), 29 February of a common year (1900, 2100 among them), day 0
("00/05/2001", "March 0, 2001"), months past 12 or 0 ("13/25/2001", "2001-13-01", "2001-00-12"), and without a
year what no year has ("the 31st of April", "31/04"); for a numeric day-month pair *both* readings are
impossible, so the model has to check the calendar; and real dates of years no label has ("3 May 2150", "12
June 1850", "the fifth of May eighteen twenty"; four-digit years 1000-2999, spelled 1800-2199; labels:
1900-2099 only). Date-shaped refusals are drawn from the same cores as real dates (`data_gen.sampling`) and
never have a held-out family's shape.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import random

from data_gen import phrases
from data_gen.choice import Choice
from data_gen.families import (
    NOT_DAY_MONTH,
    NOT_IMPOSSIBLE,
    NOT_MONTH_YEAR,
    NOT_NUMBER,
    NOT_PERIOD,
    NOT_RANGE,
    NOT_RELATIVE,
    NOT_TIME,
    NOT_WEEKDAY,
    NOT_WORDS,
    held_out_shape,
)
from data_gen.formats import FIRST_DATE
from data_gen.ranges import sample_range
from data_gen.reading import readings, real_date
from data_gen.recipe import YMD, Recipe
from data_gen.sampling import (
    STYLE,
    TIME_SHARE,
    WEEKDAY_AFTER,
    WEEKDAY_FORM,
    WEEKDAY_SEP,
    core_fields,
    ordinal_range,
    sample_core,
    sample_ctime,
    sample_noise,
    sample_weekday_and_time,
)
from data_gen.times import sample_lone_time
from data_gen.words import EN_US, MONTH_WORD_FORMS, OUT_OF_RANGE_FOUR, OUT_OF_RANGE_YEAR_FORMS, SPELLED_YEAR_FORMS

# Prefixes of refusals made of a weekday or a time alone.
WEEKDAY_PREFIX = Choice({"": 55, "on ": 20, "every ": 8, "by ": 5, "until ": 4, "from ": 4, "before ": 4})
_WEEKDAY_ALONE_TIME_SHARE = 0.25
TIME_PREFIX = Choice({"": 60, "at ": 25, "around ": 5, "by ": 5, "until ": 5})

# The kinds of refusals, by weight.
_NEGATIVE_KIND = Choice({NOT_MONTH_YEAR: 15, NOT_DAY_MONTH: 14, NOT_WEEKDAY: 9, NOT_RELATIVE: 10,
                         NOT_TIME: 11, NOT_NUMBER: 12, NOT_WORDS: 7, NOT_PERIOD: 8, NOT_IMPOSSIBLE: 26,
                         NOT_RANGE: 18})
_DAY_MONTH_WEEKDAY_SHARE = 0.2
# Month-year refusals with "of" ("June of 2009", "Sept. of '98"): a share of those with a month word.
_MONTH_OF_YEAR_SHARE = 0.3
# Impossible dates with a weekday (any: there is no true one), with a time (where the style takes one),
# and machine-written ("Thu Feb 30 14:05:33 2009").
_IMPOSSIBLE_WEEKDAY_SHARE = 0.12
_IMPOSSIBLE_TIME_SHARE = 0.1
_IMPOSSIBLE_CTIME_SHARE = 0.03
# Impossible in any year, without one ("the 31st of April", "June 31st", "31/04").
_IMPOSSIBLE_NO_YEAR_SHARE = 0.08


def sample_negative(rng: random.Random) -> Recipe:
    """A refusal's recipe: a phrase, a time or a weekday alone, a range, or a date-shaped one (never held out)."""
    kind = _NEGATIVE_KIND(rng)
    if kind in phrases.KINDS:
        return Recipe(kind=kind, phrase=phrases.sample(kind, rng), **sample_noise(rng))
    if kind == NOT_TIME:
        time = sample_lone_time(rng, joiner="")
        return Recipe(kind=kind, phrase="" if time.joiner == "T" else TIME_PREFIX(rng), time=time,
                      **sample_noise(rng))
    if kind == NOT_WEEKDAY:
        prefix, form = WEEKDAY_PREFIX(rng), WEEKDAY_FORM(rng)
        time = sample_lone_time(rng) if rng.random() < _WEEKDAY_ALONE_TIME_SHARE else None
        return Recipe(kind=kind, weekday=form, phrase=prefix, time=time, **sample_noise(rng))
    if kind == NOT_RANGE:
        return sample_range(rng)
    if kind == NOT_IMPOSSIBLE and rng.random() < _IMPOSSIBLE_CTIME_SHARE:
        recipe = sample_ctime(rng, kind=NOT_IMPOSSIBLE)
        return dataclasses.replace(recipe, weekday_shift=rng.randrange(7)) if recipe.weekday else recipe
    while True:  # date-shaped refusals; never in a held-out shape
        core = sample_core(rng, STYLE(rng))
        extra: dict = {}
        if kind in (NOT_MONTH_YEAR, NOT_DAY_MONTH) and core.seps == ("", ""):
            continue  # "062009" and "2506" are not forms of the grammar
        if kind == NOT_MONTH_YEAR:
            fields = core_fields(core, day="", the=False, of=False)
            if (core.month in MONTH_WORD_FORMS and core.order != "ymd"
                    and rng.random() < _MONTH_OF_YEAR_SHARE):  # "June of 2009", "Sept. of '98"
                fields["seps"] = (core.seps[0], " of ")
                if core.year == "two":
                    fields["year"] = "apos"
        elif kind == NOT_DAY_MONTH:
            fields = core_fields(core, year="")
            if rng.random() < _DAY_MONTH_WEEKDAY_SHARE:
                after = WEEKDAY_AFTER(rng)
                extra = {"weekday": WEEKDAY_FORM(rng), "weekday_after": after,
                         "weekday_sep": WEEKDAY_SEP[after](rng)}
        elif (core.order != "ymd" and core.seps != ("", "") and rng.random() < _IMPOSSIBLE_NO_YEAR_SHARE):
            fields = core_fields(core, year="")  # "the 31st of April", "31/04": impossible in any year
        else:
            fields = core_fields(core)
            extra = sample_weekday_and_time(rng, core, _IMPOSSIBLE_WEEKDAY_SHARE,
                                            _IMPOSSIBLE_TIME_SHARE * (TIME_SHARE[core.style] > 0))
            if extra["weekday"]:
                extra["weekday_shift"] = rng.randrange(7)  # which weekday: an impossible date has none
        recipe = Recipe(kind=kind, **fields, **extra, **sample_noise(rng))
        if held_out_shape(recipe) is None:
            return recipe


def _out_of_range_number(rng: random.Random, low: int, high: int = 99) -> int:
    """A day (low 32) or month (low 13) number past its range: mostly just past it (35, 13), else up to `high`."""
    return rng.randint(low, low + 7) if rng.random() < 0.65 or high < low + 8 else rng.randint(low + 8, high)


def _out_of_range_year(rng: random.Random, form: str) -> int:
    """A year outside 1900-2099: mostly 1800-1899 or 2100-2199, sometimes (four digits) 1000-2999."""
    if form == "four" and rng.random() < 0.25:
        return rng.choice((rng.randint(OUT_OF_RANGE_FOUR[0], 1799), rng.randint(2200, OUT_OF_RANGE_FOUR[1])))
    return rng.choice((rng.randint(1800, 1899), rng.randint(2100, 2199)))


# The ways a date is impossible, by weight; each where the recipe's forms can write it (`_impossible_kinds`).
_IMPOSSIBLE_KIND = {"past_end": 30, "feb29": 16, "day_past_31": 20, "day_zero": 5, "month_past_12": 14,
                    "month_zero": 4, "out_of_range": 16}


def _impossible_kinds(recipe: Recipe) -> Choice:
    """The ways of `_IMPOSSIBLE_KIND` a recipe can write: months past 12 and 0 need a numeric month, day 0
    a day in digits, days past 31 a table that has them (not C's space-padded day), years out of range
    four digits or num2words' (without a weekday: "Wednesday, the twenty-seventh of September, twenty-one
    seventy-three" would pass 64 characters); without a year, only what is impossible in every year."""
    kinds = ["past_end", "feb29"] if recipe.year else ["past_end"]  # 29 February is a date of leap years
    if recipe.day in ("num", "pad", "ord", "spelled"):
        kinds.append("day_past_31")
    if recipe.day in ("num", "pad"):
        kinds.append("day_zero")
    if recipe.numeric_month:
        kinds += ["month_past_12", "month_zero"]
    if recipe.year in OUT_OF_RANGE_YEAR_FORMS and not (recipe.weekday and recipe.year in SPELLED_YEAR_FORMS):
        kinds.append("out_of_range")
    return Choice({kind: _IMPOSSIBLE_KIND[kind] for kind in kinds})


def impossible_date(rng: random.Random, recipe: Recipe) -> YMD:
    """A day past the end of its month (30 February, 31 April, 32 March, up to 39 in ordinals and words
    and 99 in digits), 29 February of a common year (1900 and 2100 among them), day 0, a month past 12
    or 0 (numeric months), or a real date of a year outside 1900-2099 ("3 May 2150"; four-digit and
    num2words years only); for a numeric day-month pair, impossible read either way."""
    first, last = (datetime.date.fromordinal(o).year for o in ordinal_range(recipe))
    kinds = _impossible_kinds(recipe)
    largest_day = max(EN_US.day[(recipe.day, recipe.hyphen)])
    while True:
        kind = kinds(rng)
        year, month = rng.randint(first, last), rng.randint(1, 12)
        if not recipe.year:
            year = 2000  # a leap year: what is impossible in it is impossible in every year
        if kind == "past_end":  # 30 February, 31 April
            month = (2, 4, 6, 9, 11)[rng.randrange(5)]
            day = rng.randint(calendar.monthrange(year, month)[1] + 1, 31)
        elif kind == "feb29":  # in a common year (1900 and 2100 among them)
            v = rng.random()
            if first == FIRST_DATE.year and v < 0.12:
                year = 1900
            elif "out_of_range" in kinds.values and v < 0.24:
                year = 2100
            if calendar.isleap(year):
                continue
            month, day = 2, 29
        elif kind == "day_past_31":  # 32 March, 10/45/2000, the thirty-second of May
            day = _out_of_range_number(rng, 32, largest_day)
        elif kind == "day_zero":
            day = 0
        elif kind in ("month_past_12", "month_zero"):  # 25/13, 2000-13-01, 2000-00-12
            month = _out_of_range_number(rng, 13) if kind == "month_past_12" else 0
            # Day first or month first, the day must not be a month either (13/01 is 13 January).
            day = rng.randint(1, 31) if recipe.order == "ymd" or month == 0 else rng.randint(13, 31)
        else:  # a real date, but not of 1900-2099: 3 May 2150, 1850-06-12
            year = _out_of_range_year(rng, recipe.year)
            day = rng.randint(1, calendar.monthrange(year, month)[1])
        written = YMD(year, month, day)
        if readings(recipe, written) == (None, None) and not _compact_digits_are_a_date(recipe, written):
            return written


def _compact_digits_are_a_date(recipe: Recipe, written: YMD) -> bool:
    """Whether an eight-digit date's digits, split in another field order, are a real date ("20042006",
    2004-20-06 written year first, is 20 April 2006 read day first)."""
    if recipe.seps != ("", "") or not recipe.numeric_month or written.year > 9999:
        return False
    fields = {"y": f"{written.year:04d}", "m": f"{written.month:02d}", "d": f"{written.day:02d}"}
    digits = "".join(fields[f] for f in recipe.order)
    firsts = {"ymd": (digits[:4], digits[4:6], digits[6:]), "dmy": (digits[4:], digits[2:4], digits[:2]),
              "mdy": (digits[4:], digits[:2], digits[2:4])}
    return any(real_date(int(y), int(m), int(d)) for y, m, d in firsts.values())

"""Refusals (label ""): what is not one complete, real calendar date, and how each kind is drawn.

Month and year only (also with "of": "June of 2009", "Sept. of '98"), day and month only, a weekday
alone, a time alone (never one that normalisation turns into a numeric date, `times.reads_as_date`),
the non-date phrases of `data_gen.phrases` (relative expressions, numbers, words, periods longer than a
day), and impossible dates written by the same renderers as real ones ("31 February 2001",
"32/13/2020", "10/45/2000", "2001-02-30", "2000-13-01", "29 Feb 1900", "29 Feb 2100"; for a numeric
day-month pair *both* readings are impossible, so the model has to check the calendar), and real dates
of years no label has ("3 May 2150", "12 June 1850", "the fifth of May eighteen twenty"; four-digit
years 1000-2999, spelled 1800-2199; labels: 1900-2099 only). Date-shaped refusals are drawn from the
same cores as real dates (`data_gen.sampling`) and never have a held-out family's shape.
"""

from __future__ import annotations

import calendar
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
    NOT_RELATIVE,
    NOT_TIME,
    NOT_WEEKDAY,
    NOT_WORDS,
    held_out_shape,
)
from data_gen.formats import FIRST_DATE
from data_gen.reading import readings
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
    sample_noise,
)
from data_gen.times import sample_lone_time, sample_time
from data_gen.words import MONTH_WORD_FORMS, OUT_OF_RANGE_FOUR, OUT_OF_RANGE_YEAR_FORMS, SPELLED_YEAR_FORMS

# Prefixes of refusals made of a weekday or a time alone.
WEEKDAY_PREFIX = Choice({"": 55, "on ": 20, "every ": 8, "by ": 5, "until ": 4, "from ": 4, "before ": 4})
_WEEKDAY_ALONE_TIME_SHARE = 0.25
TIME_PREFIX = Choice({"": 60, "at ": 25, "around ": 5, "by ": 5, "until ": 5})

# The kinds of refusals, by weight.
_NEGATIVE_KIND = Choice({NOT_MONTH_YEAR: 15, NOT_DAY_MONTH: 14, NOT_WEEKDAY: 9, NOT_RELATIVE: 10,
                         NOT_TIME: 9, NOT_NUMBER: 12, NOT_WORDS: 7, NOT_PERIOD: 8, NOT_IMPOSSIBLE: 24})
_DAY_MONTH_WEEKDAY_SHARE = 0.2
# Month-year refusals with "of" ("June of 2009", "Sept. of '98"): a share of those with a month word.
_MONTH_OF_YEAR_SHARE = 0.3
_IMPOSSIBLE_TIME_SHARE = 0.1


def sample_negative(rng: random.Random) -> Recipe:
    """A refusal's recipe: a phrase, a time or a weekday alone, or a date-shaped one (never held out)."""
    kind = _NEGATIVE_KIND(rng)
    if kind in phrases.KINDS:
        return Recipe(kind=kind, phrase=phrases.sample(kind, rng), **sample_noise(rng))
    if kind == NOT_TIME:
        return Recipe(kind=kind, phrase=TIME_PREFIX(rng), time=sample_lone_time(rng, joiner=""),
                      **sample_noise(rng))
    if kind == NOT_WEEKDAY:
        prefix, form = WEEKDAY_PREFIX(rng), WEEKDAY_FORM(rng)
        time = sample_lone_time(rng) if rng.random() < _WEEKDAY_ALONE_TIME_SHARE else None
        return Recipe(kind=kind, weekday=form, phrase=prefix, time=time, **sample_noise(rng))
    while True:  # date-shaped refusals; never in a held-out shape
        core = sample_core(rng, STYLE(rng))
        fields = core_fields(core)
        extra: dict = {}
        if kind in (NOT_MONTH_YEAR, NOT_DAY_MONTH) and core.seps == ("", ""):
            continue  # "062009" and "2506" are not forms of the grammar
        if kind == NOT_MONTH_YEAR:
            fields.update(day="", the=False, of=False)
            if (core.month in MONTH_WORD_FORMS and core.order != "ymd"
                    and rng.random() < _MONTH_OF_YEAR_SHARE):  # "June of 2009", "Sept. of '98"
                fields["seps"] = (core.seps[0], " of ")
                if core.year == "two":
                    fields["year"] = "apos"
        elif kind == NOT_DAY_MONTH:
            fields.update(year="")
            if rng.random() < _DAY_MONTH_WEEKDAY_SHARE:
                after = WEEKDAY_AFTER(rng)
                extra = {"weekday": WEEKDAY_FORM(rng), "weekday_after": after,
                         "weekday_sep": WEEKDAY_SEP[after](rng)}
        elif rng.random() < _IMPOSSIBLE_TIME_SHARE * (TIME_SHARE[core.style] > 0):
            extra = {"time": sample_time(rng, False, can_go_before=True)}
        if fields["hyphen"] is False and fields["day"] != "spelled" and fields["year"] not in SPELLED_YEAR_FORMS:
            fields["hyphen"] = True
        recipe = Recipe(kind=kind, **fields, **extra, **sample_noise(rng))
        if held_out_shape(recipe) is None:
            return recipe


def _out_of_range_number(rng: random.Random, low: int) -> int:
    """A day (low 32) or month (low 13) number past its range: mostly just past it (35, 13), else up to 99."""
    return rng.randint(low, low + 7) if rng.random() < 0.65 else rng.randint(low + 8, 99)


def _out_of_range_year(rng: random.Random, form: str) -> int:
    """A year outside 1900-2099: mostly 1800-1899 or 2100-2199, sometimes (four digits) 1000-2999."""
    if form == "four" and rng.random() < 0.25:
        return rng.choice((rng.randint(OUT_OF_RANGE_FOUR[0], 1799), rng.randint(2200, OUT_OF_RANGE_FOUR[1])))
    return rng.choice((rng.randint(1800, 1899), rng.randint(2100, 2199)))


def impossible_date(rng: random.Random, recipe: Recipe) -> YMD:
    """Numbers out of range (45/10/2000, 2000-13-01), 29 February of a common year (1900, 2100
    among them), a day past the end of a short month, or a real date of a year outside 1900-2099
    ("3 May 2150"; four-digit and num2words years only)."""
    first, last = (datetime.date.fromordinal(o).year for o in ordinal_range(recipe))
    out_of_range = recipe.year in OUT_OF_RANGE_YEAR_FORMS
    while True:
        u = rng.random()
        year = rng.randint(first, last)
        if recipe.numeric_month and u < 0.3:  # numbers out of range: 35/06, 10/45, 25/13, 2000-13-01
            if rng.random() < 0.5:
                month, day = rng.randint(1, 12), _out_of_range_number(rng, 32)
            else:
                month = _out_of_range_number(rng, 13)
                # Day first or month first, the day must not be a month either (13/01 is 13 January).
                day = rng.randint(1, 31) if recipe.order == "ymd" else rng.randint(13, 31)
        elif u < 0.5:  # 29 February in a common year (1900 and 2100 among them)
            v = rng.random()
            if first == FIRST_DATE.year and v < 0.12:
                year = 1900
            elif out_of_range and v < 0.24:
                year = 2100
            if calendar.isleap(year):
                continue
            month, day = 2, 29
        elif out_of_range and u < 0.7:  # a real date, but not of 1900-2099: 3 May 2150, 1850-06-12
            year, month = _out_of_range_year(rng, recipe.year), rng.randint(1, 12)
            day = rng.randint(1, calendar.monthrange(year, month)[1])
        else:  # past the end of a short month
            month = (2, 4, 6, 9, 11)[rng.randrange(5)]
            day = rng.randint(calendar.monthrange(year, month)[1] + 1, 31)
        written = YMD(year, month, day)
        if readings(recipe, written) == (None, None):
            return written

"""Families: the closed set of names every example carries (the `format` feature), for sliced evaluation.

`family_of(recipe)` assigns every recipe exactly one family, in this order of precedence: held-out
combinations (`HELD_OUT_FAMILIES`), the old catalogue (`catalogue`), each kind of refusal
(`NEGATIVE_FAMILIES`), `weekday_conflict` (a weekday that is not the date's), `iso_datetime` (ISO "T"
time), `with_time`, `with_weekday`, `spelled_year`, `spelled_day`, `ordinal_dmy`/`ordinal_mdy`,
`compact_ymd`/`compact_dmy_mdy`, `numeric_short_year`, `numeric_dmy`/`numeric_mdy`/`numeric_ymd`,
`word_short_year`, `word_dmy`/`word_mdy`/`word_ymd`.
`FAMILY_DESCRIPTIONS` documents each.

Every refusal has a reason, from a closed set (`REFUSAL_REASONS`, reason -> description);
`refusal_reason(family)` gives a family's ("" for a family with a date).

Held-out combinations are produced by the sampler at a small rate like any other family, but no
recipe of another family (refusals included) has their shape (`held_out_shape`), so a test split made
only of them measures generalisation to unseen combinations of seen parts.
"""

from __future__ import annotations

from data_gen import phrases
from data_gen.recipe import DATE, Recipe
from data_gen.words import MONTH_WORD_FORMS, SHORT_YEAR_FORMS, SPELLED_YEAR_FORMS

CATALOGUE = "catalogue"

HELDOUT_YMD_WORD_DASH = "heldout_ymd_word_dash"
HELDOUT_SPELLED_DAY_APOSTROPHE_YEAR = "heldout_spelled_day_apostrophe_year"
HELDOUT_NUMERIC_WEEKDAY_AFTER = "heldout_numeric_weekday_after"

NOT_MONTH_YEAR = "not_date_month_year"
NOT_DAY_MONTH = "not_date_day_month"
NOT_WEEKDAY = "not_date_weekday"
NOT_RELATIVE = phrases.RELATIVE
NOT_TIME = "not_date_time"
NOT_NUMBER = phrases.NUMBER
NOT_WORDS = phrases.WORDS
NOT_PERIOD = phrases.PERIOD
NOT_IMPOSSIBLE = "not_date_impossible"
NOT_RANGE = "not_date_range"
WEEKDAY_CONFLICT = "weekday_conflict"

FAMILY_DESCRIPTIONS: dict[str, str] = {
    "numeric_dmy": "numeric day and month, day first, four-digit year: 25/06/2009, 5-6-2009, 25.06.2009",
    "numeric_mdy": "numeric month and day, month first, four-digit year: 6/25/2009, 06-25-2009",
    "numeric_ymd": "numeric, year first: 2009-06-25, 2009/6/25, 2009.06-25",
    "numeric_short_year": "numeric with a two-digit year last, either order: 25/06/09, 6.25.09",
    "compact_ymd": "eight digits, year first: 20090625",
    "compact_dmy_mdy": "eight digits, year last: 25062009, 06252009",
    "word_dmy": "day number, month word, four-digit year: 25 June 2009, 05-Jun-2009, 25Jun2009",
    "word_mdy": "month word, day number, four-digit year: June 25, 2009; Jun. 25 2009",
    "word_ymd": "year first with a month word (not dash-separated): 2009 June 25, 2009/Jun/25",
    "word_short_year": "day number, month word, two-digit or apostrophe year: 25-Jun-09, June 25 '09",
    "ordinal_dmy": "ordinal day first: 25th June 2009, the 25th of June, '09",
    "ordinal_mdy": "ordinal day after the month: June 25th, 2009; June the 25th 2009",
    "spelled_day": "spelled day, year in digits: the twenty-fifth of June 2009",
    "spelled_year": "spelled year: June 25, two thousand and nine; 25th June nineteen seventy-eight; "
                    "May 3rd two thousand eleven",
    "with_weekday": "any grammar date with its weekday and no time: Thursday, 25 June 2009",
    WEEKDAY_CONFLICT: "any grammar date with a weekday that is not its own (the answer is the date): "
                      "Friday March 11 1905 (a Saturday), Tue, 25/06/2009 14:05",
    "with_time": "any grammar date with a time of day: 25/06/2009 14:05, June 25 at 2pm EST, 2pm on June 25, "
                 "Thu Jun  5 14:05:33 UTC 2009",
    "iso_datetime": "ISO date and time with 'T': 2009-06-25T14:05:33Z, 2009-06-25T14:05+02:00, 20090625T140533Z",
    CATALOGUE: "the old catalogue of 29 babel templates (data_gen.formats), unchanged renderings",
    HELDOUT_YMD_WORD_DASH: "held out: year first, month word, '-' separators: 2009-Jun-25",
    HELDOUT_SPELLED_DAY_APOSTROPHE_YEAR: "held out: spelled day with an apostrophe year: the fifth of May '79",
    HELDOUT_NUMERIC_WEEKDAY_AFTER: "held out: numeric date with the weekday after it: 25/06/2009 (Thu)",
    NOT_MONTH_YEAR: "refusal: month and year only: June 2009, 06/2009, 2009-06, June of 2009",
    NOT_DAY_MONTH: "refusal: day and month without a year: 25 June, June 25th, 25/06",
    NOT_WEEKDAY: "refusal: a weekday alone: Thursday, on Thu at 2pm",
    NOT_RELATIVE: "refusal: relative expressions: tomorrow, next Friday, in 3 days",
    NOT_TIME: "refusal: a time of day alone: 20:27:01, at 7:45 pm",
    NOT_NUMBER: "refusal: numbers: 12345, 3.14, 1,234.5, $12.99, v2.3.1, 555-0134",
    NOT_WORDS: "refusal: words and short phrases, some with codes: invoice, see attached, New Zealand, seat 14C",
    NOT_PERIOD: "refusal: spans longer than a day: spring 2010, Q3 2019, FY2021, the 1990s, 1998-2001",
    NOT_IMPOSSIBLE: "refusal: impossible dates in the grammar's forms: 31 February 2001, 32nd of March 1936, "
                    "the thirty-first of April, 13/25/2001, 2001-02-30, 00/05/2001, 29 Feb 2100, and years "
                    "outside 1900-2099: 3 May 2150",
    NOT_RANGE: "refusal: ranges and lists of dates: 22-27 June 1963, from 3 May to 5 June 2009, "
               "3/5/2009 to 5/5/2009, May 3 and 4, 2009, 2009-05-03/2009-05-05",
}
FAMILIES: tuple[str, ...] = tuple(FAMILY_DESCRIPTIONS)
HELD_OUT_FAMILIES: tuple[str, ...] = (
    HELDOUT_YMD_WORD_DASH, HELDOUT_SPELLED_DAY_APOSTROPHE_YEAR, HELDOUT_NUMERIC_WEEKDAY_AFTER)
NEGATIVE_FAMILIES: tuple[str, ...] = (
    NOT_MONTH_YEAR, NOT_DAY_MONTH, NOT_WEEKDAY, NOT_RELATIVE, NOT_TIME, NOT_NUMBER, NOT_WORDS, NOT_PERIOD,
    NOT_IMPOSSIBLE, NOT_RANGE)
POSITIVE_FAMILIES: tuple[str, ...] = tuple(f for f in FAMILIES if f not in NEGATIVE_FAMILIES)


# Why a refusal refuses: a closed set of reasons, each with what it means.
REFUSAL_REASONS: dict[str, str] = {
    "incomplete": "a date with a field missing: month and year, day and month, a weekday alone",
    "period": "a span longer than a day: spring 2010, Q3 2019, the 1990s",
    "relative": "a date that depends on today: tomorrow, next Friday, in 3 days",
    "time": "a time of day alone: 20:27:01, at 7:45 pm",
    "range": "a range or a list of dates: 22-27 June 1963, May 3 and 4, 2009",
    "impossible": "no such day in the calendar (31 February, 13/25/2001), or one of a year outside 1900-2099",
    "not_a_date": "numbers, words, anything else",
}
_REASON_OF_FAMILY: dict[str, str] = {
    NOT_MONTH_YEAR: "incomplete", NOT_DAY_MONTH: "incomplete", NOT_WEEKDAY: "incomplete",
    NOT_RELATIVE: "relative", NOT_TIME: "time", NOT_NUMBER: "not_a_date", NOT_WORDS: "not_a_date",
    NOT_PERIOD: "period", NOT_IMPOSSIBLE: "impossible", NOT_RANGE: "range",
}


def refusal_reason(family: str) -> str:
    """Why examples of a family are refused (a key of REFUSAL_REASONS); "" for a family with a date."""
    if family not in FAMILY_DESCRIPTIONS:
        raise KeyError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")
    return _REASON_OF_FAMILY.get(family, "")


def is_held_out(family: str) -> bool:
    """Whether a family is a held-out combination (to be put only in the test split)."""
    return family in HELD_OUT_FAMILIES


def is_negative(family: str) -> bool:
    """Whether a family is a refusal (empty label)."""
    return family in NEGATIVE_FAMILIES


def held_out_shape(recipe: Recipe) -> str | None:
    """The held-out family whose shape the recipe has, if any."""
    if recipe.kind in (CATALOGUE, NOT_WEEKDAY, NOT_TIME) or recipe.kind in phrases.KINDS:
        return None
    if recipe.order == "ymd" and recipe.month in MONTH_WORD_FORMS and recipe.seps == ("-", "-"):
        return HELDOUT_YMD_WORD_DASH
    if recipe.day == "spelled" and recipe.year == "apos":
        return HELDOUT_SPELLED_DAY_APOSTROPHE_YEAR
    if recipe.numeric_month and recipe.weekday and recipe.weekday_after:
        return HELDOUT_NUMERIC_WEEKDAY_AFTER
    return None


def family_of(recipe: Recipe) -> str:
    """The one family of a recipe, in the order of precedence above."""
    held_out = held_out_shape(recipe)
    if held_out:
        return held_out
    if recipe.kind != DATE:
        return recipe.kind  # CATALOGUE or a refusal
    if recipe.weekday_shift:
        return WEEKDAY_CONFLICT
    if recipe.time is not None:
        return "iso_datetime" if recipe.time.joiner == "T" else "with_time"
    if recipe.weekday:
        return "with_weekday"
    if recipe.year in SPELLED_YEAR_FORMS:
        return "spelled_year"
    if recipe.day == "spelled":
        return "spelled_day"
    if recipe.day == "ord":
        return "ordinal_" + recipe.order
    if recipe.numeric_month:
        if recipe.seps == ("", ""):
            return "compact_ymd" if recipe.order == "ymd" else "compact_dmy_mdy"
        if recipe.year in SHORT_YEAR_FORMS:
            return "numeric_short_year"
        return "numeric_" + recipe.order
    if recipe.year in SHORT_YEAR_FORMS:
        return "word_short_year"
    return "word_" + recipe.order

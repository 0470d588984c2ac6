"""Drawing a grammar date's recipe: the choice tables of its parts and how often each is drawn; its real date.

A date's **core** is its style, field order, separators and the forms of day, month and year
(`data_gen.words`), drawn in that order, each choice conditioned on the earlier ones:
- **Styles**: `numeric` (day and month are numbers), `word` (month word, day number), `ordinal` (ordinal
  day, month word) and `spelled` (a spelled day or year, month word).
- Two-digit and apostrophe years are only written for 1950-2049; year-first dates always have four
  digits, and a numeric date with a two-digit year always has the year last ("03/04/05"). "Two thousand
  [and] eleven" only with a day in digits (with a spelled day and a weekday it would pass 64 characters).
- About 5 % of numeric dates have spaced separators ("7 / 20 / 1969").
A positive adds a weekday, a time of day (`data_gen.times`; never with spelled dates), casing and noise,
and a preference (`day_first`); 0.4 % are machine-written with the time inside (C's ctime and the Unix
`date` command: "Thu Jun  5 14:05:33 UTC 2009"), and 75 % of timed eight-digit year-first dates take
ISO 8601's basic time ("20090625T140533Z"). A weekday conflict (`sample_weekday_conflict`) is a positive
with a weekday that is not the date's own (the label is still the date). `core_leaves` enumerates every
core the tables can draw (for `data_gen.lengths`). Real dates are uniform over the recipe's range, 5 % of
them at a month's end.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import random
from collections.abc import Iterator
from typing import NamedTuple

from data_gen.choice import Choice
from data_gen.families import CATALOGUE, held_out_shape
from data_gen.formats import FIRST_DATE, LAST_DATE, TWO_DIGIT_FIRST_DATE, TWO_DIGIT_LAST_DATE, get_format
from data_gen.recipe import DATE, Recipe, TimeOfDay
from data_gen.times import sample_time
from data_gen.words import SHORT_YEAR_FORMS, SPELLED_YEAR_FORMS, THOUSAND_YEAR_FORMS

STYLES = ("numeric", "word", "ordinal", "spelled")
# Probability that an example's preference is day first.
DAY_FIRST_SHARE = 0.5
# Share of real dates drawn at the end of a month (40 % of them 29 February of a leap year): the
# impossible-date refusals are mostly month ends, so real month ends must not be rare (a uniform draw
# gives 29 February once in 1,461 dates).
MONTH_END_SHARE = 0.05

STYLE = Choice({"numeric": 30, "word": 33, "ordinal": 22, "spelled": 15})
_ORDER = {
    "numeric": Choice({"ymd": 34, "dmy": 33, "mdy": 33}),
    "word": Choice({"dmy": 46, "mdy": 44, "ymd": 10}),
    "ordinal": Choice({"dmy": 55, "mdy": 45}),
    "spelled": Choice({"dmy": 55, "mdy": 45}),
}
_NUMERIC_SEPS = ("/", "-", ".", " ")


def _numeric_seps(same: dict[str, float], mixed: int, none: int) -> Choice:
    """Same separator twice (spaced ones too: "7 / 20 / 1969"), mixed ones ("25/06-2009"), none."""
    options = [((s, s), w) for s, w in same.items()]
    pairs = [(a, b) for a in _NUMERIC_SEPS for b in _NUMERIC_SEPS if a != b]
    options += [(pair, mixed / len(pairs)) for pair in pairs]
    options.append((("", ""), none))
    return Choice(options)


_SEPS = {
    ("numeric", "dmy"): _numeric_seps({"/": 40, "-": 20, ".": 20, " ": 6, " / ": 2, " - ": 1.5, " . ": 1.5},
                                      mixed=6, none=8),
    ("numeric", "mdy"): _numeric_seps({"/": 50, "-": 20, ".": 10, " ": 6, " / ": 2.5, " - ": 1.5, " . ": 1},
                                      mixed=6, none=8),
    ("numeric", "ymd"): _numeric_seps({"-": 55, "/": 18, ".": 8, " ": 3, " - ": 2, " / ": 1.5, " . ": 1},
                                      mixed=4, none=12),
    ("word", "dmy"): Choice({(" ", " "): 45, (" ", ", "): 15, ("-", "-"): 15, ("/", "/"): 5,
                             (".", "."): 2, ("", ""): 5, (" ", ","): 3, (", ", " "): 3, ("-", " "): 2}),
    ("word", "mdy"): Choice({(" ", ", "): 50, (" ", " "): 30, (" ", ","): 5, ("-", "-"): 7,
                             ("/", "/"): 4, (" ", "-"): 2, (",", ","): 2}),
    ("word", "ymd"): Choice({(" ", " "): 40, ("-", "-"): 35, ("/", "/"): 15, (".", "."): 5, (", ", " "): 5}),
    ("ordinal", "dmy"): Choice({(" ", " "): 65, (" ", ", "): 35}),
    ("ordinal", "mdy"): Choice({(" ", ", "): 60, (" ", " "): 35, (" ", ","): 5}),
}
_SEPS[("spelled", "dmy")] = _SEPS[("ordinal", "dmy")]
_SEPS[("spelled", "mdy")] = _SEPS[("ordinal", "mdy")]

_ONLY_PAD = Choice({"pad": 1})
_NUMERIC_DAY = {"dmy": Choice({"pad": 55, "num": 45}), "mdy": Choice({"pad": 50, "num": 50}),
                "ymd": Choice({"pad": 90, "num": 10})}
_WORD_DAY = Choice({"num": 80, "pad": 20})
_ORDINAL_DAY = Choice({"ord": 1})
_SPELLED_DAY = Choice({"spelled": 70, "ord": 20, "num": 10})


def _day_choice(style: str, order: str, seps: tuple[str, str]) -> Choice:
    if seps == ("", ""):
        return _ONLY_PAD
    if style == "numeric":
        return _NUMERIC_DAY[order]
    return {"word": _WORD_DAY, "ordinal": _ORDINAL_DAY, "spelled": _SPELLED_DAY}[style]


_NO_ARTICLE = Choice({(False, False): 1})
_ARTICLES = {
    ("ord", "dmy"): Choice({(False, False): 35, (False, True): 25, (True, True): 30, (True, False): 10}),
    ("ord", "mdy"): Choice({(False, False): 85, (True, False): 15}),
    ("spelled", "dmy"): Choice({(False, False): 10, (False, True): 30, (True, True): 55, (True, False): 5}),
    ("spelled", "mdy"): Choice({(False, False): 85, (True, False): 15}),
}


def _article_choice(order: str, day: str) -> Choice:
    return _ARTICLES.get((day, order), _NO_ARTICLE)


_MONTH_WORDS = Choice({"name": 52, "abbr": 22, "abbr.": 12, "sept": 8, "sept.": 6})
_MONTH_WORDS_NO_DOT = Choice({"name": 50, "abbr": 40, "sept": 10})
_MONTH_ABBR_ONLY = Choice({"abbr": 85, "sept": 15})


def _month_choice(style: str, order: str, seps: tuple[str, str], day: str) -> Choice:
    if style == "numeric":
        return Choice({day: 1})  # month and day written with the same width
    after_month = seps[0] if order == "mdy" else seps[1]
    if seps == ("", ""):
        return _MONTH_ABBR_ONLY  # 25Jun2009
    if after_month in (" ", ", ", ","):
        return _MONTH_WORDS
    return _MONTH_WORDS_NO_DOT  # no "Jun.-25"


_FOUR = Choice({"four": 1})
_YEARS = {
    "numeric": Choice({"four": 72, "two": 28}),
    "word": Choice({"four": 72, "apos": 16, "two": 12}),
    "word_compact": Choice({"four": 60, "two": 40}),
    "ordinal": Choice({"four": 80, "apos": 12, "two": 8}),
    "spelled_day": Choice({"four": 60, "spelled": 27, "apos": 13}),
    # "two thousand [and] eleven" only with a day in digits: with a spelled day and a weekday it
    # would pass 64 characters ("wednesday the twenty-seventh of september two thousand and seventy-
    # seven"), so a spelled day keeps num2words' years.
    "spelled_year": Choice({"spelled": 60, "thousand": 20, "thousand_and": 20}),
}


def _year_choice(style: str, order: str, seps: tuple[str, str], day: str) -> Choice:
    if order == "ymd" or (style == "numeric" and seps == ("", "")):
        return _FOUR
    if style == "word" and seps == ("", ""):
        return _YEARS["word_compact"]
    if style == "spelled":
        return _YEARS["spelled_day"] if day == "spelled" else _YEARS["spelled_year"]
    return _YEARS[style]


_HYPHEN = Choice({True: 75, False: 25})
_NO_CHOICE = Choice({True: 1})


def _hyphen_choice(day: str, year: str) -> Choice:
    return _HYPHEN if day == "spelled" or year in SPELLED_YEAR_FORMS else _NO_CHOICE


class Core(NamedTuple):
    """The fields of a date and how each is written (a `Recipe`'s first fields)."""

    style: str
    order: str
    seps: tuple[str, str]
    day: str
    the: bool
    of: bool
    month: str
    year: str
    hyphen: bool


def sample_core(rng: random.Random, style: str) -> Core:
    """Draws a style's field order, separators and forms, each conditioned on the earlier choices."""
    order = _ORDER[style](rng)
    seps = _SEPS[(style, order)](rng)
    day = _day_choice(style, order, seps)(rng)
    the, of = _article_choice(order, day)(rng)
    month = _month_choice(style, order, seps, day)(rng)
    year = _year_choice(style, order, seps, day)(rng)
    hyphen = _hyphen_choice(day, year)(rng)
    return Core(style, order, seps, day, the, of, month, year, hyphen)


def core_leaves(style: str) -> Iterator[Core]:
    """Every core the sampler can draw for a style (the same tables, enumerated)."""
    for order in _ORDER[style].values:
        for seps in _SEPS[(style, order)].values:
            for day in _day_choice(style, order, seps).values:
                for the, of in _article_choice(order, day).values:
                    for month in _month_choice(style, order, seps, day).values:
                        for year in _year_choice(style, order, seps, day).values:
                            for hyphen in _hyphen_choice(day, year).values:
                                yield Core(style, order, seps, day, the, of, month, year, hyphen)


# Weekdays.
WEEKDAY_SHARE = {"numeric": 0.08, "word": 0.15, "ordinal": 0.25, "spelled": 0.12}
WEEKDAY_FORM = Choice({"name": 50, "abbr": 28, "abbr.": 10, "long": 7, "long.": 5})
WEEKDAY_AFTER = Choice({False: 78, True: 22})
WEEKDAY_SEP = {False: Choice({", ": 60, " ": 40}), True: Choice({", ": 45, " ": 25, "()": 30})}

# Times of day (never with spelled dates).
TIME_SHARE = {"numeric": 0.22, "word": 0.12, "ordinal": 0.08, "spelled": 0.0}
# Machine-written dates with the time inside (C's ctime/asctime, the Unix `date` command): "Thu Jun  5
# 14:05:33 2009", "Thu Jun 5 14:05:33 UTC 2009", "Jun 05 14:05:33 2009" (a share of grammar positives:
# the weekday abbreviation or none, the month abbreviation, the day space-padded, plain or zero-padded,
# a 24-hour time with seconds, an optional zone, the four-digit year).
_CTIME_SHARE = 0.004
_CTIME_WEEKDAY = Choice({True: 70, False: 30})
CTIME_DAY = Choice({"spad": 45, "num": 30, "pad": 25})
CTIME_ZONE = Choice({"": 55, " UTC": 15, " GMT": 4, " EST": 5, " EDT": 4, " CET": 4, " CEST": 4, " PST": 4,
                     " PDT": 3, " BST": 2})

# Casing and noise.
_CASING = Choice({"title": 58, "lower": 30, "upper": 12})
DECORATION = Choice({"": 88, "()": 3, "[]": 1.5, '""': 1.5, ".": 4, ",": 2})
SPACING = Choice({"": 90, "lead": 3, "trail": 3, "double": 4})


def _iso_time_possible(core: Core, weekday_after: bool) -> bool:
    return (core.style == "numeric" and core.order == "ymd" and core.seps == ("-", "-")
            and core.day == "pad" and not weekday_after)


def _basic_time_possible(core: Core, weekday_after: bool) -> bool:
    """ISO 8601 basic: eight digits, year first ("20090625T140533")."""
    return core.style == "numeric" and core.order == "ymd" and core.seps == ("", "") and not weekday_after


CTIME_CORE = dict(style="word", order="mdy", seps=(" ", " "), month="abbr", year="four")


def sample_ctime(rng: random.Random, with_weekday: bool = False, kind: str = DATE) -> Recipe:
    """A date with the time inside, as C's ctime and the Unix `date` command write it."""
    weekday = "abbr" if with_weekday or _CTIME_WEEKDAY(rng) else ""
    day = CTIME_DAY(rng)
    time = TimeOfDay(rng.randrange(24), rng.randrange(60), rng.randrange(60), shape="hms",
                     zone=CTIME_ZONE(rng), joiner=" ", inside=True)
    return Recipe(kind=kind, **CTIME_CORE, day=day, weekday=weekday, weekday_sep=" ", time=time, **sample_noise(rng))


def sample_noise(rng: random.Random) -> dict:
    """Casing, decoration, spacing and the reading preference: the `Recipe` fields every example has."""
    return {"casing": _CASING(rng), "decoration": DECORATION(rng), "spacing": SPACING(rng),
            "day_first": rng.random() < DAY_FIRST_SHARE}


def core_fields(core: Core, **changes) -> dict:
    """The core as `Recipe` fields, with `changes` (a field left out: ""); spelled numbers' hyphen only
    where a spelled field is left."""
    fields = core._asdict() | changes
    if not fields["hyphen"] and fields["day"] != "spelled" and fields["year"] not in SPELLED_YEAR_FORMS:
        fields["hyphen"] = True
    return fields


def sample_weekday_and_time(rng: random.Random, core: Core, weekday_share: float, time_share: float) -> dict:
    """A weekday (before or after the date) and a time of day (ISO's where the core is ISO's), at their
    shares, as `Recipe` fields."""
    weekday, after, wsep = "", False, ", "
    if rng.random() < weekday_share:
        weekday = WEEKDAY_FORM(rng)
        after = WEEKDAY_AFTER(rng)
        wsep = WEEKDAY_SEP[after](rng)
    time = None
    if rng.random() < time_share:
        time = sample_time(rng, _iso_time_possible(core, after), can_go_before=True,
                           basic=_basic_time_possible(core, after))
    return {"weekday": weekday, "weekday_after": after, "weekday_sep": wsep, "time": time}


def sample_positive(rng: random.Random, with_weekday: bool = False, ctime_share: float = _CTIME_SHARE) -> Recipe:
    """A grammar date's recipe: a machine-written ctime, or a core with an optional weekday (always, if
    `with_weekday`) and time."""
    if rng.random() < ctime_share:
        return sample_ctime(rng, with_weekday)
    core = sample_core(rng, STYLE(rng))
    extras = sample_weekday_and_time(rng, core, 1.0 if with_weekday else WEEKDAY_SHARE[core.style],
                                     TIME_SHARE[core.style])
    return Recipe(kind=DATE, **core_fields(core), **extras, **sample_noise(rng))


# Weekday conflicts: the ctime share among them (machine-written dates with a weekday are common).
_CONFLICT_CTIME_SHARE = 0.03


def sample_weekday_conflict(rng: random.Random) -> Recipe:
    """A grammar date with a weekday that is not its own, 1-6 days on (never in a held-out shape)."""
    while True:
        recipe = dataclasses.replace(sample_positive(rng, with_weekday=True, ctime_share=_CONFLICT_CTIME_SHARE),
                                     weekday_shift=rng.randint(1, 6))
        if held_out_shape(recipe) is None:
            return recipe


# --------------------------------------------------------------------------------------------
# Real dates.

_ORDINAL_RANGE = (FIRST_DATE.toordinal(), LAST_DATE.toordinal())
_TWO_DIGIT_ORDINAL_RANGE = (TWO_DIGIT_FIRST_DATE.toordinal(), TWO_DIGIT_LAST_DATE.toordinal())


def _short_year(recipe: Recipe) -> bool:
    if recipe.kind == CATALOGUE:
        return get_format(recipe.catalogue).two_digit_year
    return recipe.year in SHORT_YEAR_FORMS


_THOUSAND_ORDINAL_RANGE = (datetime.date(2000, 1, 1).toordinal(), LAST_DATE.toordinal())


def ordinal_range(recipe: Recipe) -> tuple[int, int]:
    """The first and last date (as ordinals) the recipe's year form can write."""
    if _short_year(recipe):
        return _TWO_DIGIT_ORDINAL_RANGE
    if recipe.year in THOUSAND_YEAR_FORMS:  # "two thousand [and] eleven": 2000-2099
        return _THOUSAND_ORDINAL_RANGE
    return _ORDINAL_RANGE


def sample_real_date(rng: random.Random, recipe: Recipe) -> datetime.date:
    """A real date the recipe can write (two-digit years: 1950-2049; "two thousand ...": 2000-2099)."""
    first, last = ordinal_range(recipe)
    if rng.random() < MONTH_END_SHARE:
        return month_end(rng, datetime.date.fromordinal(first).year, datetime.date.fromordinal(last).year)
    return datetime.date.fromordinal(rng.randint(first, last))


def month_end(rng: random.Random, first_year: int, last_year: int) -> datetime.date:
    """The last day of a month: 29 February of a leap year 40 % of the time, else of any month."""
    if rng.random() < 0.4:
        year = rng.choice([y for y in range(first_year, last_year + 1) if calendar.isleap(y)])
        return datetime.date(year, 2, 29)
    year, month = rng.randint(first_year, last_year), rng.randint(1, 12)
    return datetime.date(year, month, calendar.monthrange(year, month)[1])

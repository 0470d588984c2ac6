"""The longest strings the grammar can write, by construction: what the model's input length must hold.

`longest_lengths()` builds, from the same choice tables the sampler draws from, the longest string every
family can produce with the longest value of every field (time of day and noise included) and reports
its raw and normalised (`data_gen.text.normalize`) length: 64 normalised characters ("wednesday the
twenty-seventh of september nineteen seventy-three", a spelled date with a weekday) and 70 raw.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from data_gen import formats as formats_lib
from data_gen import phrases
from data_gen.families import (
    CATALOGUE,
    NOT_DAY_MONTH,
    NOT_IMPOSSIBLE,
    NOT_MONTH_YEAR,
    NOT_RANGE,
    NOT_TIME,
    NOT_WEEKDAY,
)
from data_gen.formats import FIRST_DATE, LAST_DATE
from data_gen.ranges import MAX_RANGE_LENGTH
from data_gen.recipe import Recipe, TimeOfDay
from data_gen.refusals import TIME_PREFIX, WEEKDAY_PREFIX
from data_gen.rendering import date_text, finish, join_core, weekday_affixes
from data_gen.sampling import (
    CTIME_CORE,
    CTIME_DAY,
    CTIME_ZONE,
    DECORATION,
    SPACING,
    STYLES,
    TIME_SHARE,
    WEEKDAY_AFTER,
    WEEKDAY_SEP,
    WEEKDAY_SHARE,
    Core,
    core_leaves,
)
from data_gen.times import SHAPE, ZONE, time_options, time_text
from data_gen.words import EN_US, MONTH_WORD_FORMS, WEEKDAY_FORMS


class Longest(NamedTuple):
    """The longest string of one kind (raw or normalised) and its lengths."""

    raw: int  # characters of the longest raw string (noise included)
    normalized: int  # characters of the longest string after data_gen.text.normalize
    example: str  # a string of maximal choices with that normalised length (not always a real date)
    family: str  # where it comes from


def _longest_text(table: dict[int, str]) -> str:
    return max(table.values(), key=len)


def _longest_core_text(core: Core, drop: str = "", in_range: bool = True) -> str:
    """The longest core of a shape; `in_range=False`: years outside 1900-2099 too (refusals)."""
    day = month = year = None
    if core.day and drop != "day":
        day = max(EN_US.day[(core.day, core.hyphen)].values(), key=len)
        day = ("the " if core.the else "") + day + (" of" if core.of else "")
    if core.month and drop != "month":
        month = _longest_text(EN_US.month[core.month] if core.month in MONTH_WORD_FORMS
                              else {m: EN_US.month[core.month][m] for m in range(1, 20)})
    if core.year and drop != "year":
        table = EN_US.year[(core.year, core.hyphen)]
        year = _longest_text(table if not in_range else
                             {y: t for y, t in table.items() if FIRST_DATE.year <= y <= LAST_DATE.year})
    return join_core(core.order, core.seps, day, month, year)


def _longest_weekday_pieces() -> list[tuple[str, str]]:
    pieces = [("", "")]
    for form in WEEKDAY_FORMS:
        name = _longest_text(EN_US.weekday[form])
        for after in WEEKDAY_AFTER.values:
            for sep in WEEKDAY_SEP[after].values:
                pieces.append(weekday_affixes(name, after, sep))
    return pieces


def _longest_time_pieces(iso: bool, alone: bool = False, before: bool = False) -> list[str]:
    out = []
    for clock, shape, pad, meridiem, zone, joiner, (sep, digits) in time_options(iso, before, alone):
        hour = 23 if clock == 24 else 12 if shape == "h" else 10  # the widest hour ("10:59 p.m.")
        out.append(time_text(TimeOfDay(hour, 59, 59, sep + "9" * digits, clock, shape, pad, meridiem, zone,
                                       joiner, before)))
    return out


def _longest_basic_time_pieces() -> list[str]:
    """ISO 8601 basic times after an eight-digit date: "T235959Z"."""
    return [time_text(TimeOfDay(23, 59, 59, shape=shape, zone=zone, joiner="T", basic=True))
            for shape in SHAPE["basic"].values for zone in ZONE["basic"].values]


def _ctime_texts() -> list[str]:
    """Every ctime shape at its widest (every weekday and month abbreviation has three letters)."""
    widest = datetime.date(2009, 9, 30)
    out = []
    for weekday, day, zone in itertools.product(("abbr", ""), CTIME_DAY.values, CTIME_ZONE.values):
        recipe = Recipe(**CTIME_CORE, day=day, weekday=weekday, weekday_sep=" ",
                        time=TimeOfDay(23, 59, 59, shape="hms", zone=zone, joiner=" ", inside=True))
        out.append(date_text(widest, recipe, widest))
    return out


def python_normalizer(rules: Iterable[tuple[str, str]] | None = None) -> Callable[[str], str]:
    """`data_gen.text.normalize` for one string, with Python's `re` (the longest strings are many); other
    `rules` than `data_gen.text.NORMALIZATION_RULES` (to show what a change of them would merge)."""
    if rules is None:
        from data_gen import text  # imports TensorFlow; only needed here

        rules = text.NORMALIZATION_RULES
    rules = [(re.compile(p), r) for p, r in rules]

    def normalize(s: str) -> str:
        s = s.lower()
        for pattern, rewrite in rules:
            s = pattern.sub(rewrite, s)
        return s.strip()

    return normalize


def _top(strings: Iterable[str], normalize, keep: int = 3) -> list[str]:
    """The strings that can be part of a longest combination: the longest raw and normalised ones,
    overall and among those ending in a digit (a trailing "." after a digit survives normalisation)."""
    strings = list(dict.fromkeys(strings))
    keys = (lambda s: len(s), lambda s: len(normalize("a" + s + "a")),
            lambda s: len(normalize("a" + s + "a")) if s[-1:].isdigit() else -1)
    out: list[str] = []
    for key in keys:
        out += sorted(strings, key=key, reverse=True)[:keep]
    return list(dict.fromkeys(out))


def _finishes(text: str) -> Iterator[str]:
    for decoration in DECORATION.values:
        for spacing in SPACING.values:
            yield finish(text, Recipe(casing="title", decoration=decoration, spacing=spacing))


@functools.cache
def longest_lengths() -> tuple[Longest, Longest]:
    """(longest raw, longest normalised) over every family, by construction.

    For each family's shape the maximal string is assembled from the longest value of every field
    (day, month, year, weekday name, time with hour/minute/second at their widest) under every
    option the sampler can draw (separators, articles, weekday position, time shape, zone, joiner,
    decoration, spacing). Field lengths add up, so the longest candidates of each part combined give
    the maximum. The example may not be a real date (the longest fields need not coexist). Imports
    TensorFlow, for `data_gen.text.NORMALIZATION_RULES` (applied here with Python's `re`).
    """
    normalize = python_normalizer()
    weekday_pieces = _longest_weekday_pieces()
    candidates: list[tuple[str, str]] = []  # (family-ish tag, string)

    def combine(tag, cores, weekdays, times, times_before=()):
        cores = _top(cores, normalize)
        for before, after in weekdays:
            for core in cores:
                for time in times:
                    for text in _finishes(before + core + after + time):
                        candidates.append((tag, text))
                for time in times_before:
                    for text in _finishes(time + before + core + after):
                        candidates.append((tag, text))

    def reduced_weekdays(pieces):
        befores = _top([b for b, a in pieces if b], normalize)
        afters = _top([a for b, a in pieces if a], normalize)
        return [("", "")] + [(b, "") for b in befores] + [("", a) for a in afters]

    all_weekdays = reduced_weekdays(weekday_pieces)
    for style in STYLES:
        leaves = list(core_leaves(style))
        times, times_before = [""], []
        if TIME_SHARE[style] > 0:
            basic = _longest_basic_time_pieces() if style == "numeric" else []
            times += _top(_longest_time_pieces(iso=style == "numeric") + basic, normalize)
            times_before = _top(_longest_time_pieces(iso=False, before=True), normalize)
        weekdays = all_weekdays if WEEKDAY_SHARE[style] > 0 else [("", "")]
        combine(style, [_longest_core_text(c) for c in leaves], weekdays, times, times_before)
        # Refusals shaped like dates: impossible (years out of range; a weekday only with years in range or
        # in four digits), month-year (with "of" too), day-month (weekday).
        combine(NOT_IMPOSSIBLE, [_longest_core_text(c, in_range=False) for c in leaves], [("", "")], times,
                times_before)
        combine(NOT_IMPOSSIBLE, [_longest_core_text(c) for c in leaves], all_weekdays, times, times_before)
        month_of_year = [c._replace(seps=(c.seps[0], " of "), year="apos" if c.year == "two" else c.year)
                         for c in leaves if c.month in MONTH_WORD_FORMS and c.order != "ymd"]
        combine(NOT_MONTH_YEAR, [_longest_core_text(c, drop="day") for c in leaves + month_of_year],
                [("", "")], [""])
        combine(NOT_DAY_MONTH, [_longest_core_text(c, drop="year") for c in leaves], all_weekdays, [""])
    for ctime in _ctime_texts():
        candidates += [("with_time", t) for t in _finishes(ctime)]
    alone_times = _top(_longest_time_pieces(iso=False, alone=True), normalize)
    prefixes = [p for p in TIME_PREFIX.values]
    for prefix, time in itertools.product(prefixes, alone_times):
        if not (prefix and time.startswith("T")):  # "T14:05:33Z" takes no prefix
            candidates += [(NOT_TIME, t) for t in _finishes(prefix + time)]
    weekday_names = [_longest_text(EN_US.weekday[f]) for f in WEEKDAY_FORMS]
    weekday_times = [""] + _top(_longest_time_pieces(iso=False), normalize)
    for prefix, name, time in itertools.product(WEEKDAY_PREFIX.values, weekday_names, weekday_times):
        candidates += [(NOT_WEEKDAY, t) for t in _finishes(prefix + name + time)]
    # Ranges: at most MAX_RANGE_LENGTH characters before noise (the sampler's bound; this stand-in has that
    # length and ends in a digit, which keeps a trailing ".").
    candidates += [(NOT_RANGE, t) for t in _finishes("r" * (MAX_RANGE_LENGTH - 1) + "9")]
    for kind in phrases.KINDS:
        candidates += [(kind, t) for t in _finishes(phrases.longest(kind))]
    for fmt in formats_lib.CATALOGUE:
        # A rendering's length depends on the weekday, month and day width only: days 13-19 of
        # every month of 2000 hold every weekday and month with two-digit days.
        for month, day in itertools.product(range(1, 13), range(13, 20)):
            candidates.append((CATALOGUE, fmt.render(datetime.date(2000, month, day))))
    raw = max(candidates, key=lambda c: len(c[1]))
    norm = max(candidates, key=lambda c: len(normalize(c[1])))
    return (Longest(len(raw[1]), len(normalize(raw[1])), raw[1], raw[0]),
            Longest(len(norm[1]), len(normalize(norm[1])), norm[1], norm[0]))


def longest_length(normalized: bool = True) -> int:
    """The length of the longest string the grammar can produce, normalised (the model's input) or raw."""
    longest_raw, longest_normalized = longest_lengths()
    return longest_normalized.normalized if normalized else longest_raw.raw

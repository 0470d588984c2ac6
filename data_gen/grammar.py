"""A compositional generator of human-written dates: a small grammar instead of a fixed list.

Every example is built from a **recipe** (`Recipe`, a frozen dataclass: every choice it was made
from) and a date. `sample_recipe(rng)` draws a recipe, `sample_date(rng, recipe)` a date that
recipe can write, `render(date, recipe)` the human string and `label(recipe, date)` the ISO answer.
Generation is seeded and sharded like `data_gen.generator` (`generate_shard`, `generate`), and each
example carries a `family` from the closed set `FAMILIES`, for sliced evaluation.

The grammar (locale en_US; names from babel, spelled numbers from num2words)
----------------------------------------------------------------------------
- **Field order**: day-month-year (`dmy`), month-day-year (`mdy`), year-month-day (`ymd`).
- **Day**: number ("5"), zero-padded ("05"), ordinal ("5th"), spelled ("fifth", "twenty-first" or
  "twenty first"); ordinal and spelled days may take "the" and (day first) "of": "the 21st of".
- **Month**: full name, abbreviation ("Sep"), abbreviation with a dot ("Sep.", but "May"), "Sept"/"Sept."
  (the `sept` forms write September as "Sept" and every other month as its abbreviation), number
  ("6"), zero-padded ("06").
- **Year**: four digits, two digits ("09"), apostrophe ("'09"), spelled ("nineteen seventy-eight",
  "nineteen hundred", "two thousand and nine", "twenty eleven": num2words' `to="year"`), and for
  2000-2099 "two thousand eleven" / "two thousand and eleven" ("two thousand" for 2000; only with a
  day in digits, to stay within 64 characters). Two-digit and apostrophe years are only written for 1950-2049 and read
  with the pivot 50 (50-99 -> 19xx, 00-49 -> 20xx); year-first dates always have four digits, and a
  numeric date with a two-digit year always has the year last ("03/04/05").
- **Separators** between fields: space, comma, "/", "-", ".", mixed ("25/06-2009"), spaced numeric
  ones ("7 / 20 / 1969", "1999 - 12 - 31", about 5 % of numeric dates) and none ("20030925",
  "25Jun2009").
- **Styles**: `numeric` (day and month are numbers), `word` (month word, day number), `ordinal`
  (ordinal day, month word) and `spelled` (a spelled day or year, month word).
- **Weekday** (the label's true weekday): full, abbreviated, with a dot, "Tues"/"Weds"/"Thurs";
  before ("Thursday, ..." or "Thu ...") or after (", Thursday", " Thursday", " (Thu)").
- **Time of day** (the answer ignores it): 24-hour ("14:05", "09:05:33"), 12-hour ("2pm",
  "2:05 p.m.", "2:05:33 PM"), joined by " ", ", ", " at " or ISO's "T" ("2003-09-25T10:49:41.123Z"),
  zones ("UTC", "EST", "Z", "+02:00", "-0500"); or, for about a quarter of the timed dates, before
  the date, joined by " on ", " " or ", " ("2pm on June 25, 2009", "14:05, 25/06/2009"). Never with
  spelled dates. Machine-written shapes, about 4 % of timed dates: the time inside the date as C's
  ctime/asctime and the Unix `date` command write it (weekday abbreviation or none, month
  abbreviation, day space-padded "Jun  5", plain or zero-padded, "HH:MM:SS", an optional zone, the
  year: "Thu Jun  5 14:05:33 2009", "Thu Jun 5 14:05:33 UTC 2009", "Jun 05 14:05:33 2009"; 0.4 % of
  grammar positives), and ISO 8601 basic date-times after an eight-digit year-first date
  ("20090625T140533", "20090625T1405Z"; 75 % of such timed dates).
- **Casing** lower, Title (names capitalised as written, first letter upper), UPPER; **noise**:
  leading or trailing space, a doubled space, brackets or quotes around the whole string, a
  trailing "." or "," (only after a letter or digit).

Ambiguity policy (like dateutil's `dayfirst`)
---------------------------------------------
When day and month are both numbers and not year-first, the string has two readings: day first
(first number = day) and month first. If only one is a real date, it is the label whatever the
preference ("31/12/1999" and "12/31/1999" both mean 1999-12-31); if both are real and differ, the
example's `day_first` decides (False = month first, the en_US reading). `day_first` is sampled for
every example and only changes the label of ambiguous ones, so the label is a function of the
string and the preference only. The rendered weekday is the label's weekday. Year-first numeric
dates are always Y-M-D. The old catalogue's numeric formats follow the same policy.

Families
--------
`family_of(recipe)` assigns every recipe exactly one family, in this order of precedence:
held-out combinations (`HELD_OUT_FAMILIES`), the old catalogue (`catalogue`), each kind of refusal
(`NEGATIVE_FAMILIES`), `iso_datetime` (ISO "T" time), `with_time`, `with_weekday`, `spelled_year`,
`spelled_day`, `ordinal_dmy`/`ordinal_mdy`, `compact_ymd`/`compact_dmy_mdy`, `numeric_short_year`,
`numeric_dmy`/`numeric_mdy`/`numeric_ymd`, `word_short_year`, `word_dmy`/`word_mdy`/`word_ymd`.
`FAMILY_DESCRIPTIONS` documents each.

Held-out combinations are produced by the sampler at a small rate like any other family, but no
recipe of another family (refusals included) has their shape, so a test split made only of them
measures generalisation to unseen combinations of seen parts.

Refusals (`iso == ""`)
----------------------
Month and year only (also with "of": "June of 2009", "Sept. of '98"), day and month only, a weekday
alone, relative expressions, a time alone (never one that normalisation turns into a numeric date:
"02:25:19" becomes "02 25 19"), numbers (prices, decimals, thousands separators, versions, phone
numbers...), words, periods longer than a day (seasons, quarters, halves, fiscal years, decades,
centuries, ranges of years: "spring 2010", "Q3 2019", "the 1990s"), and impossible dates written by
the same renderers as real ones ("31 February 2001", "32/13/2020", "10/45/2000", "2001-02-30",
"2000-13-01", "29 Feb 1900", "29 Feb 2100"; for a numeric day-month pair *both* readings are
impossible, so the model has to check the calendar), and real dates of years no label has ("3 May
2150", "12 June 1850", "the fifth of May eighteen twenty";
four-digit years 1000-2999, spelled 1800-2199; `data_gen.labels`: 1900-2099 only).

Lengths
-------
`longest_lengths()` builds, from the same choice tables the sampler uses, the longest string every
family can produce with the longest value of every field (time of day and noise included) and
reports its raw and normalised (`data_gen.text.normalize`) length: 64 normalised characters
("wednesday the twenty-seventh of september nineteen seventy-three", a spelled date with a
weekday) and 70 raw.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import random
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from data_gen import formats as formats_lib
from data_gen import phrases
from data_gen.choice import Choice
from data_gen.families import (
    CATALOGUE,
    FAMILIES,
    FAMILY_DESCRIPTIONS,
    HELD_OUT_FAMILIES,
    NEGATIVE_FAMILIES,
    NOT_DAY_MONTH,
    NOT_IMPOSSIBLE,
    NOT_MONTH_YEAR,
    NOT_TIME,
    NOT_WEEKDAY,
    POSITIVE_FAMILIES,
    family_of,
    is_held_out,
    is_negative,
)
from data_gen.generator import SHARD_SIZE, shard_sizes
from data_gen.reading import Readings, catalogue_shape, label, label_date, pivot_year, readings, resolve
from data_gen.recipe import YMD, AnyDate, Recipe, TimeOfDay
from data_gen.refusals import TIME_PREFIX, WEEKDAY_PREFIX, impossible_date, sample_negative
from data_gen.rendering import date_text, finish, join_core, render, render_labelled, weekday_affixes
from data_gen.sampling import (
    CTIME_CORE,
    CTIME_DAY,
    CTIME_ZONE,
    DAY_FIRST_SHARE,
    DECORATION,
    SPACING,
    STYLES,
    TIME_SHARE,
    WEEKDAY_AFTER,
    WEEKDAY_SEP,
    WEEKDAY_SHARE,
    Core,
    core_leaves,
    sample_positive,
    sample_real_date,
)
from data_gen.times import SHAPE, ZONE, time_options, time_text
from data_gen.words import (
    EN_US,
    MONTH_WORD_FORMS,
    WEEKDAY_FORMS,
)

# Bump when the grammar changes in a way that changes generated data.
GRAMMAR_VERSION = "5"
LOCALE = formats_lib.LOCALE

FIRST_DATE = formats_lib.FIRST_DATE
LAST_DATE = formats_lib.LAST_DATE
TWO_DIGIT_FIRST_DATE = formats_lib.TWO_DIGIT_FIRST_DATE
TWO_DIGIT_LAST_DATE = formats_lib.TWO_DIGIT_LAST_DATE

# Shares of the three sources of examples.
CATALOGUE_SHARE = 0.15
NEGATIVE_SHARE = 0.14

__all__ = [
    "DateExample", "Recipe", "TimeOfDay", "YMD", "Readings", "Longest", "FAMILIES", "HELD_OUT_FAMILIES",
    "NEGATIVE_FAMILIES", "POSITIVE_FAMILIES", "FAMILY_DESCRIPTIONS", "is_held_out", "is_negative",
    "sample_recipe", "sample_date", "render", "readings", "resolve", "label", "family_of",
    "make_example", "sample_example", "generate_shard", "generate_shard_with_recipes", "generate",
    "longest_lengths", "longest_length", "pivot_year", "catalogue_shape", "SHARD_SIZE", "shard_sizes",
]


class DateExample(NamedTuple):
    human: str
    iso: str  # "" for a refusal
    family: str
    day_first: bool


_CATALOGUE_CHOICE = Choice([(f.name, f.weight) for f in formats_lib.CATALOGUE])


def sample_recipe(rng: random.Random) -> Recipe:
    """Draws one recipe: the old catalogue, a refusal or a grammar date."""
    u = rng.random()
    if u < CATALOGUE_SHARE:
        return Recipe(kind=CATALOGUE, catalogue=_CATALOGUE_CHOICE(rng), day_first=rng.random() < DAY_FIRST_SHARE)
    if u < CATALOGUE_SHARE + NEGATIVE_SHARE:
        return sample_negative(rng)
    return sample_positive(rng)


def sample_date(rng: random.Random, recipe: Recipe) -> AnyDate | None:
    """A date the recipe can write: a real date, a YMD for impossible dates, None for phrases."""
    if recipe.kind in phrases.KINDS or recipe.kind == NOT_TIME:
        return None
    if recipe.kind == NOT_IMPOSSIBLE:
        return impossible_date(rng, recipe)
    return sample_real_date(rng, recipe)


def make_example(date: AnyDate | None, recipe: Recipe) -> DateExample:
    """The labelled example for one date written by one recipe."""
    found = label_date(recipe, date)
    return DateExample(render_labelled(date, recipe, found), found.isoformat() if found else "",
                       family_of(recipe), recipe.day_first)


def sample_example(rng: random.Random) -> tuple[DateExample, Recipe, AnyDate | None]:
    """One example with the recipe and the date it was built from."""
    recipe = sample_recipe(rng)
    date = sample_date(rng, recipe)
    return make_example(date, recipe), recipe, date


def _shard_rng(seed: int, shard: int) -> random.Random:
    return random.Random(f"datenmt-grammar:{seed}:{shard}")


def generate_shard_with_recipes(seed: int, shard: int, size: int
                                ) -> list[tuple[DateExample, Recipe, AnyDate | None]]:
    """`generate_shard`, with each example's recipe and date (for round-trip tests)."""
    rng = _shard_rng(seed, shard)
    return [sample_example(rng) for _ in range(size)]


def generate_shard(seed: int, shard: int, size: int) -> list[DateExample]:
    """Generates one shard of `size` examples; the same (seed, shard) gives the same rows."""
    rng = _shard_rng(seed, shard)
    out = []
    for _ in range(size):
        recipe = sample_recipe(rng)
        out.append(make_example(sample_date(rng, recipe), recipe))
    return out


def generate(num_examples: int, seed: int) -> Iterator[DateExample]:
    """Yields `num_examples` examples in shards of SHARD_SIZE; the same seed gives the same rows."""
    for shard, size in enumerate(shard_sizes(num_examples)):
        yield from generate_shard(seed, shard, size)


# --------------------------------------------------------------------------------------------
# Lengths, by construction.


class Longest(NamedTuple):
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
    for clock, shape, pad, meridiem, zone, joiner in time_options(iso, before):
        hour = 23 if clock == 24 else 12 if shape == "h" else 10  # the widest hour ("10:59 p.m.")
        out.append(time_text(TimeOfDay(hour, 59, 59, 999, clock, shape, pad, meridiem, zone,
                                        "" if alone else joiner, before)))
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


def _python_normalizer():
    from data_gen import text  # imports TensorFlow; only needed here

    rules = [(re.compile(p), r) for p, r in text.NORMALIZATION_RULES]

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
    normalize = _python_normalizer()
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
        # Refusals shaped like dates: impossible (no weekday; years out of range too), month-year
        # (with "of" too), day-month (weekday).
        combine(NOT_IMPOSSIBLE, [_longest_core_text(c, in_range=False) for c in leaves], [("", "")], times,
                times_before)
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
        candidates += [(NOT_TIME, t) for t in _finishes(prefix + time)]
    weekday_names = [_longest_text(EN_US.weekday[f]) for f in WEEKDAY_FORMS]
    weekday_times = [""] + _top(_longest_time_pieces(iso=False), normalize)
    for prefix, name, time in itertools.product(WEEKDAY_PREFIX.values, weekday_names, weekday_times):
        candidates += [(NOT_WEEKDAY, t) for t in _finishes(prefix + name + time)]
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


if __name__ == "__main__":  # python -m data_gen.grammar [N] [SEED]
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    for example in generate(n, seed):
        sys.stdout.write(f"{example.human}\t{example.iso}\t{example.family}\t{example.day_first}\n")

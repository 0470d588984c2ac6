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

import random
from collections.abc import Iterator
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
    NOT_IMPOSSIBLE,
    NOT_TIME,
    POSITIVE_FAMILIES,
    family_of,
    is_held_out,
    is_negative,
)
from data_gen.generator import SHARD_SIZE, shard_sizes
from data_gen.lengths import Longest, longest_length, longest_lengths
from data_gen.reading import Readings, catalogue_shape, label, label_date, pivot_year, readings, resolve
from data_gen.recipe import YMD, AnyDate, Recipe, TimeOfDay
from data_gen.refusals import impossible_date, sample_negative
from data_gen.rendering import render, render_labelled
from data_gen.sampling import (
    DAY_FIRST_SHARE,
    sample_positive,
    sample_real_date,
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


if __name__ == "__main__":  # python -m data_gen.grammar [N] [SEED]
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    for example in generate(n, seed):
        sys.stdout.write(f"{example.human}\t{example.iso}\t{example.family}\t{example.day_first}\n")

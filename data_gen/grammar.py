"""The compositional generator of human-written dates: a small grammar instead of a fixed list.

Every example is built from a **recipe** (`Recipe`: every choice it is written with) and a date.
`sample_recipe(rng)` draws a recipe (the old catalogue, a refusal or a grammar date), `sample_date(rng,
recipe)` a date that recipe can write, `render(date, recipe)` the human string and `label(recipe, date)`
the ISO answer; `make_example` does all three into a `DateExample` with its `family`. Generation is
seeded and sharded like `data_gen.generator` (`generate_shard`, `generate`): the same seed gives the
same rows on any runner.

This module puts the parts together and is what the rest of the project imports; each concern has its
own module (each imports only the ones above it; a test checks it):

| module | concern |
|---|---|
| `choice` | `Choice`: weighted options the samplers draw and `lengths` enumerates |
| `words` | a language's month, weekday, day and year texts, by form (`EN_US`) |
| `recipe` | `Recipe`, `TimeOfDay`, `YMD`: what an example is made of |
| `families` | family names and descriptions, `family_of`, held-out shapes |
| `reading` | the two-digit pivot, real dates, readings, the ambiguity policy, the label |
| `times` | times of day: their tables, drawing and writing one |
| `rendering` | writing a recipe and a date as text: order, separators, weekday, time, casing, noise |
| `sampling` | drawing a grammar date's recipe (core, weekday, time, noise) and its real date |
| `ranges` | drawing a range or list of dates (a refusal) and its dates |
| `refusals` | drawing a refusal (with `phrases` for the non-date ones, `ranges`) and impossible dates |
| `lengths` | the longest strings the grammar can write, by construction |
| `languages` | the languages written: English and six more |
| `foreign` | dates and refusals in French, German, Spanish, Italian, Portuguese and Dutch |

The grammar and its policies are described in docs/data.md.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import NamedTuple

from data_gen import foreign, labels, phrases
from data_gen import formats as formats_lib
from data_gen.choice import Choice
from data_gen.families import (
    CATALOGUE,
    FAMILIES,
    FAMILY_DESCRIPTIONS,
    HELD_OUT_FAMILIES,
    NEGATIVE_FAMILIES,
    NOT_IMPOSSIBLE,
    NOT_RANGE,
    NOT_TIME,
    POSITIVE_FAMILIES,
    REFUSAL_REASONS,
    family_of,
    is_held_out,
    is_negative,
    refusal_reason,
)
from data_gen.generator import SHARD_SIZE, shard_sizes
from data_gen.lengths import Longest, longest_length, longest_lengths
from data_gen.ranges import sample_span_dates
from data_gen.reading import Readings, catalogue_shape, label, label_date, pivot_year, readings, resolve
from data_gen.recipe import YMD, AnyDate, Recipe, SpanForm, TimeOfDay
from data_gen.refusals import impossible_date, sample_negative
from data_gen.rendering import render, render_labelled
from data_gen.sampling import DAY_FIRST_SHARE, sample_positive, sample_real_date, sample_weekday_conflict

# Bump when the grammar changes in a way that changes generated data (and the pin in tests/test_grammar.py).
GRAMMAR_VERSION = "8"

# Shares of the sources of examples: the old catalogue, refusals, weekday conflicts, and grammar dates (the rest).
CATALOGUE_SHARE = 0.15
NEGATIVE_SHARE = 0.16
WEEKDAY_CONFLICT_SHARE = 0.02
# Share of examples in the six other languages (data_gen.foreign), each language an equal part of it.
FOREIGN_SHARE = 0.35

__all__ = [
    "DateExample", "Recipe", "TimeOfDay", "SpanForm", "YMD", "Readings", "Longest", "FAMILIES", "HELD_OUT_FAMILIES",
    "NEGATIVE_FAMILIES", "POSITIVE_FAMILIES", "FAMILY_DESCRIPTIONS", "REFUSAL_REASONS", "refusal_reason",
    "is_held_out", "is_negative",
    "sample_recipe", "sample_date", "render", "readings", "resolve", "label", "family_of",
    "make_example", "sample_example", "generate_shard", "generate_shard_with_recipes", "generate",
    "longest_lengths", "longest_length", "pivot_year", "catalogue_shape", "SHARD_SIZE", "shard_sizes",
]


class DateExample(NamedTuple):
    """One generated row: what a person wrote, its label, its family, the reading preference, its language and,
    for 29 February of a common year, that day as written (what the model learns to write for it)."""

    human: str
    iso: str  # "" for a refusal
    family: str
    day_first: bool
    language: str = "en"  # an ISO 639-1 code of data_gen.languages.LANGUAGES
    written: str = ""  # 29 February of a common year, as written (labels.written_leap_day); "" otherwise


_CATALOGUE_CHOICE = Choice([(f.name, f.weight) for f in formats_lib.CATALOGUE])


def sample_recipe(rng: random.Random) -> Recipe:
    """Draws one recipe: the old catalogue, a refusal, a weekday conflict or a grammar date."""
    u = rng.random()
    if u < CATALOGUE_SHARE:
        return Recipe(kind=CATALOGUE, catalogue=_CATALOGUE_CHOICE(rng), day_first=rng.random() < DAY_FIRST_SHARE)
    if u < CATALOGUE_SHARE + NEGATIVE_SHARE:
        return sample_negative(rng)
    if u < CATALOGUE_SHARE + NEGATIVE_SHARE + WEEKDAY_CONFLICT_SHARE:
        return sample_weekday_conflict(rng)
    return sample_positive(rng)


def sample_date(rng: random.Random, recipe: Recipe) -> AnyDate | None:
    """A date the recipe can write: a real date, a YMD for impossible dates, real dates for ranges, None
    for phrases."""
    if recipe.kind in phrases.KINDS or recipe.kind == NOT_TIME:
        return None
    if recipe.kind == NOT_IMPOSSIBLE:
        return impossible_date(rng, recipe)
    if recipe.kind == NOT_RANGE:
        return sample_span_dates(rng, recipe)
    return sample_real_date(rng, recipe)


def make_example(date: AnyDate | None, recipe: Recipe) -> DateExample:
    """The labelled example for one date written by one recipe."""
    found = label_date(recipe, date)
    return DateExample(render_labelled(date, recipe, found), found.isoformat() if found else "",
                       family_of(recipe), recipe.day_first, written=written(date, recipe))


def make_foreign_example(date: AnyDate | None, recipe: foreign.ForeignRecipe) -> DateExample:
    """The labelled example for one date written by one foreign recipe."""
    found = foreign.label_date(recipe, date)
    return DateExample(foreign.render_labelled(recipe, date, found), found.isoformat() if found else "",
                       foreign.family_of(recipe), recipe.day_first, recipe.language, written(date, recipe))


def written(date: AnyDate | None, recipe: Recipe | foreign.ForeignRecipe) -> str:
    """The example's `written` feature: an impossible date's 29 February of a common year, as the text writes
    it with its year (labels.written_leap_day); "" for every other example."""
    if recipe.kind != NOT_IMPOSSIBLE or not isinstance(date, YMD):
        return ""
    return labels.written_leap_day(date.year, date.month, date.day, writes_year=bool(recipe.year))


def sample_example(rng: random.Random) -> tuple[DateExample, Recipe | foreign.ForeignRecipe, AnyDate | None]:
    """One example (English, or at FOREIGN_SHARE another language) with the recipe and the date it was built
    from."""
    if rng.random() < FOREIGN_SHARE:
        recipe = foreign.sample_recipe(rng, foreign.LANGUAGE(rng))
        date = foreign.sample_date(rng, recipe)
        return make_foreign_example(date, recipe), recipe, date
    recipe = sample_recipe(rng)
    date = sample_date(rng, recipe)
    return make_example(date, recipe), recipe, date


def _shard_rng(seed: int, shard: int) -> random.Random:
    return random.Random(f"datenmt-grammar:{seed}:{shard}")


def generate_shard_with_recipes(seed: int, shard: int, size: int
                                ) -> list[tuple[DateExample, Recipe | foreign.ForeignRecipe, AnyDate | None]]:
    """`generate_shard`, with each example's recipe and date (for round-trip tests)."""
    rng = _shard_rng(seed, shard)
    return [sample_example(rng) for _ in range(size)]


def generate_shard(seed: int, shard: int, size: int) -> list[DateExample]:
    """Generates one shard of `size` examples; the same (seed, shard) gives the same rows."""
    rng = _shard_rng(seed, shard)
    return [sample_example(rng)[0] for _ in range(size)]


def generate(num_examples: int, seed: int) -> Iterator[DateExample]:
    """Yields `num_examples` examples in shards of SHARD_SIZE; the same seed gives the same rows."""
    for shard, size in enumerate(shard_sizes(num_examples)):
        yield from generate_shard(seed, shard, size)

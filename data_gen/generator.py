"""Deterministic, seeded generation of labelled (human, iso, format) triples."""

from __future__ import annotations

import datetime
import functools
import itertools
import random
from collections.abc import Iterator
from typing import NamedTuple

from data_gen import formats as formats_lib

# Examples are generated in shards of this size, each from its own seed, so a
# Beam pipeline can generate shards in parallel and still give the same rows
# as a single process.
SHARD_SIZE = 5000


class DateExample(NamedTuple):
    human: str
    iso: str
    format: str


def _shard_rng(seed: int, shard: int) -> random.Random:
    return random.Random(f"datenmt:{seed}:{shard}")


def _random_date(rng: random.Random, fmt: formats_lib.DateFormat) -> datetime.date:
    first, last = fmt.date_range
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def make_example(date: datetime.date, fmt: formats_lib.DateFormat) -> DateExample:
    """The labelled example for one date written in one format."""
    return DateExample(fmt.render(date), date.isoformat(), fmt.name)


def generate_shard(
    seed: int,
    shard: int,
    size: int,
    catalogue: tuple[formats_lib.DateFormat, ...] = formats_lib.CATALOGUE,
) -> list[DateExample]:
    """Generates one shard of `size` examples; the same (seed, shard) gives the same rows."""
    rng = _shard_rng(seed, shard)
    weights = [f.weight for f in catalogue]
    chosen = rng.choices(catalogue, weights=weights, k=size)
    return [make_example(_random_date(rng, fmt), fmt) for fmt in chosen]


def shard_sizes(num_examples: int, shard_size: int = SHARD_SIZE) -> list[int]:
    """Splits `num_examples` into shard sizes: [5000, 5000, ..., rest]."""
    if num_examples < 0:
        raise ValueError(f"num_examples must be >= 0, got {num_examples}")
    full, rest = divmod(num_examples, shard_size)
    return [shard_size] * full + ([rest] if rest else [])


def generate(num_examples: int, seed: int) -> Iterator[DateExample]:
    """Yields `num_examples` examples; the same seed always gives the same rows."""
    for shard, size in enumerate(shard_sizes(num_examples)):
        yield from generate_shard(seed, shard, size)


def _calendar_cycle() -> Iterator[datetime.date]:
    # The Gregorian calendar repeats every 28 years between 1901 and 2099, so
    # these dates hold every (weekday, month, day) combination, leap days too.
    first = datetime.date(2000, 1, 1)
    return (first + datetime.timedelta(days=i) for i in range(28 * 366))


@functools.cache
def longest_renderings() -> dict[str, str]:
    """The longest string each format can produce, by format name.

    Within a format, a rendering's length depends only on the weekday, month and
    day (the year always has the same number of digits), so one calendar cycle
    covers every case.
    """
    longest: dict[str, str] = {}
    for fmt, date in itertools.product(formats_lib.CATALOGUE, _calendar_cycle()):
        text = fmt.render(date)
        if len(text) > len(longest.get(fmt.name, "")):
            longest[fmt.name] = text
    return longest

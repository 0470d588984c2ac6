"""The synthetic date generator: determinism, formats, labels, ranges, pivot, normalisation."""

from __future__ import annotations

import collections
import datetime
import random
import subprocess
import sys
import zlib

import pytest

from data_gen import formats, generator, grammar, text

SAMPLES_PER_FORMAT = 2000


def _dates_for(fmt: formats.DateFormat, n: int, seed: int) -> list[datetime.date]:
    rng = random.Random(seed)
    first, last = fmt.date_range
    span = (last - first).days
    return [first + datetime.timedelta(days=rng.randrange(span + 1)) for _ in range(n)]


def test_same_seed_gives_same_rows_and_other_seed_differs():
    assert list(generator.generate(3000, seed=11)) == list(generator.generate(3000, seed=11))
    assert list(generator.generate(3000, seed=11)) != list(generator.generate(3000, seed=12))


def test_generation_is_sharded_without_changing_rows():
    n = generator.SHARD_SIZE + 17
    rows = list(generator.generate(n, seed=5))
    assert len(rows) == n
    assert rows[generator.SHARD_SIZE:] == generator.generate_shard(5, 1, 17)
    assert generator.shard_sizes(n) == [generator.SHARD_SIZE, 17]
    with pytest.raises(ValueError):
        generator.shard_sizes(-1)


def test_every_format_is_generated_with_its_weight():
    counts = collections.Counter(e.format for e in generator.generate(60000, seed=1))
    assert set(counts) == set(formats.FORMAT_NAMES)
    total_weight = sum(f.weight for f in formats.CATALOGUE)
    full_share = counts["full"] / 60000
    assert full_share == pytest.approx(formats.get_format("full").weight / total_weight, abs=0.02)


def test_catalogue_covers_the_required_forms():
    required = {
        "short", "medium", "long", "full", "d MMM y", "d MMMM y", "dd MMM y", "d MMM, y",
        "d MMMM, y", "dd, MMM y", "d MM yy", "MMMM d y", "dd.MM.yy",
    }
    patterns = {f.pattern for f in formats.CATALOGUE} | {"MMMM d, y"}  # = babel's "long"
    assert required <= patterns
    assert formats.get_format("long").ldml == "MMMM d, y"
    day = datetime.date(2009, 6, 25)
    rendered = {f.render(day) for f in formats.CATALOGUE}
    for human in ("25th of June 2009", "June 25th 2009", "25th June 2009", "Thu 25 Jun 2009",
                  "Thursday 25 June 2009", "2009/06/25", "2009-06-25", "25.06.09"):
        assert human in rendered, human


@pytest.mark.parametrize("fmt", formats.CATALOGUE, ids=lambda f: f.name)
def test_labels_round_trip_for_every_format(fmt):
    """Re-rendering each label with its example's format gives back its human string."""
    for date in _dates_for(fmt, SAMPLES_PER_FORMAT, seed=zlib.crc32(fmt.name.encode())):
        example = generator.make_example(date, fmt)
        iso_date = datetime.date.fromisoformat(example.iso)
        assert formats.get_format(example.format).render(iso_date) == example.human
        assert iso_date == date


def test_labels_are_right_around_new_year():
    """Babel's week-based year (`Y`) would give 2020 for 2019-12-30; `y` must not."""
    for iso in ("2019-12-30", "2019-12-31", "2021-01-01", "2021-01-03", "1999-12-31"):
        date = datetime.date.fromisoformat(iso)
        for fmt in formats.CATALOGUE:
            year = date.strftime("%y") if fmt.two_digit_year else str(date.year)
            assert year in fmt.render(date), (fmt.name, iso)


def test_catalogue_rejects_week_based_years_and_duplicates():
    with pytest.raises(ValueError, match="week-based"):
        formats.validate_catalogue((formats.DateFormat("bad", "d MMM YYYY"),))
    with pytest.raises(ValueError, match="duplicate"):
        formats.validate_catalogue((formats.CATALOGUE[0], formats.CATALOGUE[0]))
    with pytest.raises(KeyError, match="unknown date format"):
        formats.get_format("nope")


def test_years_span_1900_to_2099_and_two_digit_years_stay_in_the_pivot_window():
    rows = list(generator.generate(40000, seed=2))
    four = [int(r.iso[:4]) for r in rows if not formats.get_format(r.format).two_digit_year]
    two = [int(r.iso[:4]) for r in rows if formats.get_format(r.format).two_digit_year]
    assert min(four) < 1905 and max(four) > 2094
    assert all(1900 <= y <= 2099 for y in four)
    assert two and all(1950 <= y <= 2049 for y in two)
    assert {f.name for f in formats.CATALOGUE if f.two_digit_year} == {"short", "d_mm_yy", "dd_dot_mm_dot_yy"}


def test_two_digit_pivot_reads_back_unambiguously():
    fmt = formats.get_format("dd_dot_mm_dot_yy")
    assert fmt.render(datetime.date(1950, 1, 2)) == "02.01.50"
    assert fmt.render(datetime.date(2049, 12, 31)) == "31.12.49"
    assert fmt.date_range == (datetime.date(1950, 1, 1), datetime.date(2049, 12, 31))


@pytest.mark.parametrize("day,suffix", [(1, "st"), (2, "nd"), (3, "rd"), (4, "th"), (11, "th"),
                                        (12, "th"), (13, "th"), (21, "st"), (22, "nd"), (23, "rd"),
                                        (31, "st")])
def test_ordinal_suffix(day, suffix):
    assert formats.ordinal_suffix(day) == suffix


def test_input_length_covers_the_longest_string_of_every_format():
    longest = generator.longest_renderings()
    assert set(longest) == set(formats.FORMAT_NAMES)
    assert max(len(s) for s in longest.values()) <= text.INPUT_LENGTH
    # The model reads every normalised string the grammar writes, times of day included.
    assert grammar.longest_length(normalized=True) == text.INPUT_LENGTH
    assert longest["eeee_mmmm_ord_comma_y"] == "Wednesday, September 13th, 2000"


@pytest.mark.parametrize("raw,expected", [
    ("Tuesday, March 4, 1997", "tuesday march 4 1997"),
    ("tuesday march 4 1997", "tuesday march 4 1997"),
    ("  TUE  10 Jul. 2007 ", "tue 10 jul 2007"),
    ("25.06.09", "25.06.09"),
    ("2009-06-25", "2009-06-25"),
    ("(25th of June, 2009)!", "25th of june 2009"),
    # Colons stay: a time is never a numeric date ("05 14 44").
    ("05:14:44", "05:14:44"),
    ("Thu, 25/06/2009 at 2:05 p.m.", "thu 25/06/2009 at 2:05 p m"),
    ("2009-06-25T14:05:33.5Z", "2009-06-25t14:05:33.5z"),
    ("12:30:45,123", "12:30:45 123"),
])
def test_normalize(raw, expected):
    assert text.normalize_text(raw) == expected


def test_normalize_works_on_batches_and_never_lengthens():
    rows = list(generator.generate(500, seed=9))
    normalised = [s.decode() for s in text.normalize([r.human for r in rows]).numpy()]
    assert all(len(n) <= len(r.human) for n, r in zip(normalised, rows, strict=True))
    assert all(n == n.lower() and "," not in n for n in normalised)


def test_cli_prints_seeded_tab_separated_rows():
    cmd = [sys.executable, "-m", "data_gen", "--n", "5", "--seed", "42"]
    first = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert first == subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = [line.split("\t") for line in first.splitlines()]
    assert len(rows) == 5
    assert [tuple(r) for r in rows] == [(e.human, e.iso, e.family, str(e.day_first).lower(), e.language,
                                         e.written) for e in grammar.generate(5, 42)]


def test_cli_rejects_a_negative_count():
    result = subprocess.run([sys.executable, "-m", "data_gen", "--n", "-3"], capture_output=True, text=True)
    assert result.returncode == 2 and "must be >= 0" in result.stderr

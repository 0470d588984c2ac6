"""The compositional generator (data_gen.grammar and its modules): determinism, families, held-out combinations,
labels read back without the renderer, the ambiguity policy, refusals, noise and lengths.

Labels are checked by an independent reader written here: it knows only the field order of each
example's recipe and reads the string with its own regular expressions, the standard library's
English month and weekday names (`calendar`, not babel) and its own parser of spelled numbers (not
num2words), then applies its own copy of the ambiguity policy and the two-digit pivot.
"""

from __future__ import annotations

import ast
import calendar
import collections
import dataclasses
import datetime
import hashlib
import pathlib
import random
import re
from typing import NamedTuple

import pytest

from data_gen import families, formats, generator, grammar, labels, lengths, phrases, ranges, refusals, sampling, text
from data_gen.__main__ import format_row
from data_gen.recipe import DATE

SEED = 7
SHARDS = 10  # 50,000 examples, about 30,000 of them English


@pytest.fixture(scope="module")
def rows():
    """(example, recipe, date) triples of six shards, the English ones (tests/test_languages.py reads the others)."""
    out = []
    for shard in range(SHARDS):
        out += [row for row in grammar.generate_shard_with_recipes(SEED, shard, grammar.SHARD_SIZE)
                if row[0].language == "en"]
    return out


@pytest.fixture(scope="module")
def normalized(rows):
    """The model's view of every example (data_gen.text.normalize, in TensorFlow)."""
    return [s.decode() for s in text.normalize([e.human for e, _, _ in rows]).numpy()]


# ------------------------------------------------------------------------------------------------
# An independent reader.

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
WEEKDAYS.update({name.lower(): i for i, name in enumerate(calendar.day_abbr)})
WEEKDAYS.update({"tues": 1, "weds": 2, "thurs": 3})

UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}
ORDINAL_UNITS = dict(zip(
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
     "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"],
    range(1, 20), strict=True))
ORDINAL_TENS = {"twentieth": 20, "thirtieth": 30}


def ordinal_words() -> dict[str, int]:
    words = dict(ORDINAL_UNITS) | ORDINAL_TENS
    for tens, value in (("twenty", 20), ("thirty", 30)):
        for unit, u in ORDINAL_UNITS.items():
            if u <= 9:
                words[f"{tens}-{unit}"] = words[f"{tens} {unit}"] = value + u
    return words


ORDINAL_WORDS = ordinal_words()


def cardinal(words: list[str]) -> int:
    if len(words) == 1:
        return UNITS.index(words[0]) if words[0] in UNITS else TENS[words[0]]
    tens, unit = words
    return TENS[tens] + UNITS.index(unit)


def spelled_year(phrase: str) -> int:
    """ "two thousand [and] nine", "nineteen hundred", "nineteen oh-five", "twenty ten",
    "eighteen fifty", "twenty-one hundred", "twenty-one fifty"."""
    words = re.split(r"[- ]", phrase)
    if words[:2] == ["two", "thousand"]:
        rest = words[3:] if words[2:3] == ["and"] else words[2:]
        assert rest or len(words) == 2, phrase  # no "two thousand and"
        return 2000 + (cardinal(rest) if rest else 0)
    # The hundreds: one word ("nineteen"), or tens and a unit ("twenty-one" fifty; not "twenty ten").
    split = 2 if len(words) > 2 and words[0] in TENS and words[1] in UNITS[1:10] else 1
    century, rest = cardinal(words[:split]) * 100, words[split:]
    if rest == ["hundred"]:
        return century
    if rest[0] == "oh":
        return century + cardinal(rest[1:])
    return century + cardinal(rest)


def suffix(day: int) -> str:
    return "th" if day in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def pivot(two_digits: int) -> int:
    return 1900 + two_digits if two_digits >= 50 else 2000 + two_digits


def real(y: int, m: int, d: int) -> datetime.date | None:
    """The date, if real and in the generator's range 1900-2099."""
    if not 1900 <= y <= 2099:
        return None
    try:
        return datetime.date(y, m, d)
    except ValueError:
        return None


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUMBER_WORDS = _alternation(UNITS + list(TENS) + ["hundred", "thousand", "and", "oh"])
DAY_RE = rf"(?:the )?(?P<day>\d{{1,2}}(?:st|nd|rd|th)?|{_alternation(ORDINAL_WORDS)})(?: of)?"
MONTH_RE = rf"(?P<month>\d{{1,2}}|(?:{_alternation(MONTHS)})\.?)"
YEAR_RE = rf"(?P<year>\d{{4}}|'?\d{{2}}|(?:{_NUMBER_WORDS})(?:[- ](?:{_NUMBER_WORDS}))+)"
SEP_RE = r"(?P<sep{}> [/.\-] |, ?|,|[ /.\-])"  # spaced ones too: "7 / 20 / 1969"
COMPACT_SEP_RE = r"(?P<sep{}>)"


def _core_patterns(sep: str) -> dict[str, re.Pattern]:
    one, two = sep.format(1), sep.format(2)
    return {
        "dmy": re.compile(f"^{DAY_RE}{one}{MONTH_RE}{two}{YEAR_RE}$"),
        "mdy": re.compile(f"^{MONTH_RE}{one}{DAY_RE}{two}{YEAR_RE}$"),
        "ymd": re.compile(f"^(?P<year>\\d{{4}}){one}{MONTH_RE}{two}{DAY_RE}$"),  # year first: four digits
    }


# Separated fields, or none at all: eight digits, or a two-digit day, a month word and a year.
CORE_RE = _core_patterns(SEP_RE)
COMPACT_RE = _core_patterns(COMPACT_SEP_RE)
COMPACT_SHAPE = re.compile(r"^(?:\d{8}|\d{2}[a-z]{3,4}(?:\d{4}|\d{2}))$")
# A time of day: "14:05", "2:05:33 p.m.", "14:05:33.123456", logging's "14:05:33,123", "2pm".
CLOCK_RE = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,6})?(?: ?[ap]\.?m\.?)?|\d{1,2} ?[ap]\.?m\.?"
TIME_RE = re.compile(
    r"(?P<join>t|,? at |,? @ | - |, | )"
    rf"(?P<time>{CLOCK_RE})"
    r"(?P<zone>z|[+-]\d{2}:?\d{2}| [+-]\d{2}:?\d{2}| [a-z]{2,4})?$")
# A time before the date: "2pm on june 25, 2009", "14:05, 25/06/2009", "9:30 a.m. est 25 june 2009".
ZONES = ("utc", "gmt", "est", "edt", "cet", "cest", "bst", "pst", "pdt", "et")
TIME_BEFORE_RE = re.compile(
    rf"^(?P<time>{CLOCK_RE})"
    rf"(?P<zone>z| [+-]\d{{2}}:?\d{{2}}| (?:{_alternation(ZONES)}))?"
    r"(?P<join> on |, | )(?P<rest>.+)$")
# Machine-written: a 24-hour time with seconds (and a zone) between the day and the four-digit year, as C's
# ctime and the Unix `date` command write it ("thu jun 5 14:05:33 utc 2009", after white space is collapsed),
# and ISO 8601 basic times after eight digits ("20090625t140533z", "20090625t1405").
INSIDE_TIME_RE = re.compile(
    rf" (?P<time>\d{{2}}:\d{{2}}:\d{{2}})(?P<zone> (?:{_alternation(ZONES)}))? (?=\d{{4}}$)")
BASIC_TIME_RE = re.compile(r"(?<=\d{8})t(?P<time>\d{4}(?:\d{2})?)(?P<zone>z)?$")
WEEKDAY_BEFORE_RE = re.compile(rf"^(?P<wd>{_alternation(WEEKDAYS)})\.?,? (?P<rest>.+)$")
WEEKDAY_AFTER_RE = re.compile(rf"^(?P<rest>.+?)(?:,? \(|,? )(?P<wd>{_alternation(WEEKDAYS)})\.?\)?$")


class Reading(NamedTuple):
    date: datetime.date | None  # after the policy; None if no reading is a real date
    written: tuple  # (year, month, day) as written (pivot applied)
    numeric_month: bool
    weekday: int | None
    weekday_after: bool
    time: str | None
    time_before: bool
    time_inside: bool
    time_basic: bool
    seps: tuple
    spelled_day: bool
    apostrophe_year: bool


def clean(human: str) -> str:
    s = human.strip().lower()
    if s[:1] in "([\"" and s[-1:] in ")]\"":
        s = s[1:-1]
    if s[-1:] in ".,":
        s = s[:-1]
    return re.sub(r"\s+", " ", s).strip()


def clock_digits(time: str) -> tuple[int, ...]:
    """Hours, minutes (and seconds) of "14:05:33" or "140533", checked to be a time of day."""
    digits = time.replace(":", "")
    fields = tuple(int(digits[i:i + 2]) for i in range(0, len(digits), 2))
    assert fields[0] < 24 and all(f < 60 for f in fields[1:]), time
    return fields


def day_number(day_text: str, human: str) -> int:
    """ "21", "21st" (the suffix checked) or "twenty-first" as a number."""
    if day_text[:1].isdigit():
        digits = re.match(r"\d+", day_text).group()
        if day_text != digits:
            assert day_text[len(digits):] == suffix(int(digits)), human
        return int(digits)
    return ORDINAL_WORDS[day_text]


def month_number(month_text: str) -> int:
    return int(month_text) if month_text.isdigit() else MONTHS[month_text]


DAY_MONTH_RE = {"dmy": re.compile(f"^{DAY_RE}{SEP_RE.format(1)}{MONTH_RE}$"),
                "mdy": re.compile(f"^{MONTH_RE}{SEP_RE.format(1)}{DAY_RE}$")}


def read_day_month(human: str, order: str) -> tuple[int, int, bool] | None:
    """(day, month, month written as a number) of a day and month without a year ("the 31st of April",
    "31/04"), read in `order` (dmy or mdy); None if the string is not one."""
    m = DAY_MONTH_RE[order].match(clean(human))
    if not m:
        return None
    month_text = m["month"].rstrip(".")
    return day_number(m["day"], human), month_number(month_text), month_text.isdigit()


def read(human: str, order: str, day_first: bool) -> Reading | None:
    """Reads a date written in `order` (dmy, mdy, ymd); None if the string is not such a date."""
    s = clean(human)
    found_time, time_before, time_inside, time_basic = None, False, False, False
    m = TIME_RE.search(s)
    if m and m.start() > 0:
        found_time, s = m.group("time"), s[:m.start()]
    elif m := BASIC_TIME_RE.search(s):
        found_time, time_basic, s = m["time"], True, s[:m.start()]
        clock_digits(found_time)
    elif m := INSIDE_TIME_RE.search(s):
        found_time, time_inside, s = m["time"], True, s[:m.start()] + " " + s[m.end():]
        clock_digits(found_time)
    else:
        m = TIME_BEFORE_RE.match(s)
        if m:
            found_time, time_before, s = m["time"], True, m["rest"]
    weekday, after = None, False
    m = WEEKDAY_BEFORE_RE.match(s)
    if m:
        weekday, s = WEEKDAYS[m["wd"]], m["rest"]
    else:
        m = WEEKDAY_AFTER_RE.match(s)
        if m:
            weekday, after, s = WEEKDAYS[m["wd"]], True, m["rest"]
    m = (COMPACT_RE if COMPACT_SHAPE.match(s) else CORE_RE)[order].match(s)
    if not m:
        return None
    day_text, month_text, year_text = m["day"], m["month"].rstrip("."), m["year"]
    day, month = day_number(day_text, human), month_number(month_text)
    if year_text.isdigit() and len(year_text) == 4:
        year = int(year_text)
    elif year_text.lstrip("'").isdigit():
        year = pivot(int(year_text.lstrip("'")))
    else:
        year = spelled_year(year_text)
    numeric_month = month_text.isdigit()
    if numeric_month and order != "ymd":
        first, second = (day, month) if order == "dmy" else (month, day)
        read_day_first, read_month_first = real(year, second, first), real(year, first, second)
        if read_day_first and read_month_first:
            date = read_day_first if day_first else read_month_first
        else:
            date = read_day_first or read_month_first
    else:
        date = real(year, month, day)
    return Reading(date, (year, month, day), numeric_month, weekday, after, found_time, time_before,
                   time_inside, time_basic, (m["sep1"], m["sep2"]), not day_text[:1].isdigit(),
                   year_text.startswith("'"))


def catalogue_order(name: str) -> str:
    pattern = re.sub(r"'[^']*'", "", formats.get_format(name).ldml)
    return "".join(f for _, f in sorted((pattern.index(c), f) for c, f in (("d", "d"), ("M", "m"), ("y", "y"))))


def order_of(recipe: grammar.Recipe) -> str:
    return catalogue_order(recipe.catalogue) if recipe.kind == families.CATALOGUE else recipe.order


# ------------------------------------------------------------------------------------------------
# Layout.

# data_gen's modules in layers (data_gen/grammar.py's table): each imports only modules before it.
MODULE_LAYERS = ("formats", "generator", "phrases", "text", "labels", "choice", "words", "recipe", "families",
                 "reading", "times", "rendering", "sampling", "ranges", "refusals", "lengths", "languages", "foreign",
                 "grammar", "__main__")


def data_gen_imports(module: str) -> set[str]:
    """The data_gen modules a data_gen module imports, anywhere in it (`from data_gen import x` too)."""
    path = pathlib.Path(generator.__file__).with_name(f"{module}.py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "data_gen":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("data_gen."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("data_gen.")}
    return found


def test_data_gen_modules_import_only_earlier_layers():
    modules = {p.stem for p in pathlib.Path(generator.__file__).parent.glob("*.py")} - {"__init__"}
    assert set(MODULE_LAYERS) == modules
    for i, module in enumerate(MODULE_LAYERS):
        assert data_gen_imports(module) <= set(MODULE_LAYERS[:i]), module


# ------------------------------------------------------------------------------------------------
# Determinism and sharding.


def test_same_seed_gives_same_rows_and_other_seed_differs():
    first = list(grammar.generate(6000, seed=3))
    assert first == list(grammar.generate(6000, seed=3))
    assert first != list(grammar.generate(6000, seed=4))
    assert first[grammar.SHARD_SIZE:] == grammar.generate_shard(3, 1, 1000)
    assert grammar.shard_sizes is generator.shard_sizes and grammar.SHARD_SIZE == generator.SHARD_SIZE
    with_recipes = grammar.generate_shard_with_recipes(3, 1, 1000)
    assert [e for e, _, _ in with_recipes] == first[grammar.SHARD_SIZE:]
    assert all(isinstance(e, grammar.DateExample) for e in first)
    assert grammar.DateExample._fields == ("human", "iso", "family", "day_first", "language", "written")


def test_shards_use_their_own_named_seed():
    rng = random.Random(f"datenmt-grammar:{SEED}:2")
    expected = [grammar.sample_example(rng)[0] for _ in range(50)]
    assert grammar.generate_shard(SEED, 2, 50) == expected


# `python -m data_gen --n 10000 --seed 42 | sha256sum` for this grammar version: the generated rows change
# only with GRAMMAR_VERSION, part of the ExampleGen's cache key (components/date_example_gen/component.py).
# A change to the generator that changes its rows bumps the version and this pin together.
PINNED_ROWS = ("8", "7f24a4ecbeb4564033d0e8c15a01ed30d7ebafa225063f36d5ce128e551bad35")


def test_rows_change_only_with_the_grammar_version():
    rows = "".join(format_row(e) + "\n" for e in grammar.generate(10000, seed=42))
    assert (grammar.GRAMMAR_VERSION, hashlib.sha256(rows.encode()).hexdigest()) == PINNED_ROWS


def test_recipes_are_frozen_and_rerender_to_the_same_example(rows):
    example, recipe, date = rows[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.day = "pad"
    for example, recipe, date in rows[:3000]:
        assert grammar.make_example(date, recipe) == example
        assert grammar.render(date, recipe) == example.human
        assert grammar.label(recipe, date) == example.iso
        assert grammar.family_of(recipe) == example.family


# ------------------------------------------------------------------------------------------------
# Families.


def test_families_are_closed_documented_and_all_appear(rows):
    assert 15 <= len(grammar.FAMILIES) <= 36
    assert len(set(grammar.FAMILIES)) == len(grammar.FAMILIES)
    assert set(grammar.FAMILY_DESCRIPTIONS) == set(grammar.FAMILIES)
    assert set(grammar.NEGATIVE_FAMILIES) | set(grammar.POSITIVE_FAMILIES) == set(grammar.FAMILIES)
    counts = collections.Counter(e.family for e, _, _ in rows)
    assert set(counts) == set(grammar.FAMILIES)
    assert min(counts.values()) >= 60, counts.most_common()[-3:]
    n = len(rows)
    assert counts[families.CATALOGUE] / n == pytest.approx(grammar.CATALOGUE_SHARE, abs=0.01)
    negatives = sum(counts[f] for f in grammar.NEGATIVE_FAMILIES)
    assert negatives / n == pytest.approx(grammar.NEGATIVE_SHARE, abs=0.01)
    day_first = sum(e.day_first for e, _, _ in rows) / n
    assert day_first == pytest.approx(sampling.DAY_FIRST_SHARE, abs=0.02)


def test_catalogue_examples_are_the_old_renderings(rows):
    names = set()
    for example, recipe, date in rows:
        if example.family == families.CATALOGUE:
            names.add(recipe.catalogue)
            assert example.human == formats.get_format(recipe.catalogue).render(date)
    assert names == set(formats.FORMAT_NAMES)


# Independent string shapes of the held-out combinations.
HELD_OUT_SHAPES = {
    families.HELDOUT_YMD_WORD_DASH: re.compile(rf"\b\d{{4}}-(?:{_alternation(MONTHS)})\.?-\d"),
    families.HELDOUT_SPELLED_DAY_APOSTROPHE_YEAR: re.compile(
        rf"\b(?:{_alternation(ORDINAL_WORDS)})\b.*'\d\d\b"),
    families.HELDOUT_NUMERIC_WEEKDAY_AFTER: re.compile(
        rf"(?:\b\d{{1,4}} ?[/\-. ] ?\d{{1,2}} ?[/\-. ] ?\d{{1,4}}|\b\d{{8}})[, ]+\(?(?:{_alternation(WEEKDAYS)})\b"),
}


def test_held_out_combinations_appear_only_as_their_own_family(rows):
    assert 2 <= len(grammar.HELD_OUT_FAMILIES) <= 4
    assert set(HELD_OUT_SHAPES) == set(grammar.HELD_OUT_FAMILIES)
    assert all(grammar.is_held_out(f) for f in grammar.HELD_OUT_FAMILIES)
    assert not any(grammar.is_held_out(f) for f in grammar.FAMILIES if f not in grammar.HELD_OUT_FAMILIES)
    seen = collections.Counter()
    for example, recipe, _ in rows:
        human = example.human.lower()
        for family, shape in HELD_OUT_SHAPES.items():
            if shape.search(human):
                assert example.family == family, (example, recipe)
                seen[family] += 1
            elif example.family == family:
                pytest.fail(f"{example} does not have the shape of its held-out family")
        # The held-out shapes read back from the string (see test_labels_read_back).
        if example.family in grammar.POSITIVE_FAMILIES and example.family != families.CATALOGUE:
            reading = read(example.human, recipe.order, recipe.day_first)
            word_dash = recipe.order == "ymd" and not reading.numeric_month and reading.seps == ("-", "-")
            spelled_apos = reading.spelled_day and reading.apostrophe_year
            numeric_after = reading.numeric_month and reading.weekday is not None and reading.weekday_after
            assert word_dash == (example.family == families.HELDOUT_YMD_WORD_DASH)
            assert spelled_apos == (example.family == families.HELDOUT_SPELLED_DAY_APOSTROPHE_YEAR)
            assert numeric_after == (example.family == families.HELDOUT_NUMERIC_WEEKDAY_AFTER)
    assert set(seen) == set(grammar.HELD_OUT_FAMILIES)
    shares = [seen[f] / len(rows) for f in grammar.HELD_OUT_FAMILIES]
    assert all(0.002 < s < 0.03 for s in shares), shares


# ------------------------------------------------------------------------------------------------
# Labels.


def test_labels_read_back_without_the_renderer(rows):
    """Every positive of every family is read back by the reader above to its label."""
    checked = collections.Counter()
    for example, recipe, _ in rows:
        if example.family in grammar.NEGATIVE_FAMILIES:
            continue
        reading = read(example.human, order_of(recipe), example.day_first)
        assert reading is not None, (example, recipe)
        assert reading.date is not None and reading.date.isoformat() == example.iso, (example, recipe)
        assert (reading.time is not None) == (recipe.time is not None), example
        assert reading.time_before == (recipe.time is not None and recipe.time.before), example
        assert reading.time_inside == (recipe.time is not None and recipe.time.inside), example
        assert reading.time_basic == (recipe.time is not None and recipe.time.basic), example
        if reading.time_inside or reading.time_basic:
            checked["inside" if reading.time_inside else "basic"] += 1
        if recipe.kind == DATE:
            assert (reading.weekday is not None) == bool(recipe.weekday), example
        # The weekday written is the date's own, except in a weekday conflict, where it never is.
        if example.family == families.WEEKDAY_CONFLICT:
            assert reading.weekday is not None and reading.weekday != reading.date.weekday(), example
            checked["weekday " + ("after" if reading.weekday_after else "before")] += 1
        elif reading.weekday is not None:
            assert reading.weekday == reading.date.weekday(), example
        checked[example.family] += 1
    assert set(checked) - {"inside", "basic", "weekday before", "weekday after"} == set(grammar.POSITIVE_FAMILIES)
    assert checked["inside"] > 30 and checked["basic"] > 15, checked
    assert checked["weekday before"] > 200 and checked["weekday after"] > 50, checked


def test_labels_are_real_dates_in_range(rows):
    for example, _, _ in rows:
        if example.iso:
            day = datetime.date.fromisoformat(example.iso)
            assert formats.FIRST_DATE <= day <= formats.LAST_DATE


# ------------------------------------------------------------------------------------------------
# What normalisation may merge: nothing the labels tell apart.

LARGE_SEEDS = (1, 2, 3, 4)
LARGE_PER_SEED = 50_000  # 200,000 examples


@pytest.fixture(scope="module")
def large_sample():
    """(example, what the model reads) for 200,000 examples of four seeds, normalised by TensorFlow."""
    examples = [e for seed in LARGE_SEEDS for e in grammar.generate(LARGE_PER_SEED, seed)]
    read_texts = [s.decode() for s in text.normalize([e.human for e in examples]).numpy()]
    return list(zip(examples, read_texts, strict=True))


# The normalisation before issue 27: ":" became a space, so "05:14:44" read as "05 14 44".
COLON_DROPPING_RULES = ((r"[,;:!?\"'()\[\]]", " "),) + text.NORMALIZATION_RULES[1:]


def test_normalisation_never_merges_examples_the_labels_tell_apart(large_sample):
    """No two examples with the same normalised text and preference have different labels."""
    labels: dict[tuple[str, bool], set[str]] = collections.defaultdict(set)
    for example, model_input in large_sample:
        labels[(model_input, example.day_first)].add(example.iso)
    clashes = {k: v for k, v in labels.items() if len(v) > 1}
    assert not clashes, list(clashes.items())[:5]
    assert len(labels) > 0.9 * len(large_sample)  # mostly distinct strings: the check has something to compare


def refusals_read_as_dates(large_sample, normalize) -> list[tuple[str, str]]:
    """Refusals whose normalised text the independent reader reads as a real date, in any field order."""
    found = []
    for example, _ in large_sample:
        if not example.iso:
            model_input = normalize(example.human)
            for order in ("dmy", "mdy", "ymd"):
                reading = read(model_input, order, example.day_first)
                if reading is not None and reading.date is not None:
                    found.append((example.human, model_input))
    return found


def test_normalisation_never_turns_a_refusal_into_a_date(large_sample):
    """A refusal's normalised text is never a real date in the grammar's forms; with ":" dropped, the times
    alone were ("05:14:44" -> "05 14 44", 14 May 2044), which is why ":" is kept."""
    shipped = dict((e.human, n) for e, n in large_sample if not e.iso)
    assert not refusals_read_as_dates(large_sample, shipped.__getitem__)
    dropped = refusals_read_as_dates(large_sample, lengths.python_normalizer(COLON_DROPPING_RULES))
    assert len(dropped) > 30, len(dropped)
    lone_time = re.compile(r"(?:\S+ )?\d{1,2}:\d\d:\d\d")  # "05:14:44", "wed 03:18:03"
    english = {e.human for e, _ in large_sample if e.language == "en"}  # the other languages' times have words
    assert all(lone_time.fullmatch(h.lower().strip(' ()[]".,')) for h, _ in dropped if h in english), dropped[:5]


SHORT_YEAR_RECIPES = [
    grammar.Recipe(style="numeric", order="dmy", day="pad", month="pad", year="two", seps=("/", "/")),
    grammar.Recipe(style="numeric", order="mdy", day="num", month="num", year="two", seps=(".", ".")),
    grammar.Recipe(style="word", order="dmy", day="num", month="abbr", year="two", seps=("-", "-")),
    grammar.Recipe(style="word", order="mdy", day="num", month="name", year="apos", seps=(" ", ", ")),
    grammar.Recipe(style="ordinal", order="dmy", day="ord", of=True, month="name", year="apos"),
    grammar.Recipe(style="ordinal", order="mdy", day="ord", month="abbr.", year="two", seps=(" ", ", ")),
    grammar.Recipe(style="spelled", order="dmy", day="spelled", the=True, of=True, month="name", year="apos"),
    grammar.Recipe(kind=families.CATALOGUE, catalogue="short"),
    grammar.Recipe(kind=families.CATALOGUE, catalogue="d_mm_yy"),
    grammar.Recipe(kind=families.CATALOGUE, catalogue="dd_dot_mm_dot_yy"),
]


@pytest.mark.parametrize("recipe", SHORT_YEAR_RECIPES, ids=lambda r: r.catalogue or f"{r.style}-{r.order}-{r.year}")
def test_two_digit_pivot_applies_to_every_short_form(recipe, rows):
    for day, written in ((datetime.date(1950, 1, 13), "50"), (datetime.date(2049, 12, 31), "49"),
                         (datetime.date(1999, 12, 31), "99"), (datetime.date(2000, 1, 13), "00")):
        human = grammar.render(day, recipe)
        assert re.search(rf"(?<!\d){written}(?!\d)", human), human
        assert grammar.label(recipe, day) == day.isoformat()
        assert read(human, order_of(recipe), recipe.day_first).date == day
    short = [(e, r) for e, r, _ in rows if (r.year in ("two", "apos") or (
        r.kind == families.CATALOGUE and formats.get_format(r.catalogue).two_digit_year)) and e.iso]
    years = {int(e.iso[:4]) for e, _ in short}
    assert min(years) == 1950 and max(years) == 2049


def test_every_year_form_and_the_full_year_range_appear(rows):
    years = collections.defaultdict(set)
    for example, recipe, _ in rows:
        if recipe.kind == DATE:
            years[recipe.year].add(int(example.iso[:4]))
    assert set(years) == {"four", "two", "apos", "spelled", "thousand", "thousand_and"}
    assert min(years["four"]) < 1905 and max(years["four"]) > 2094
    assert min(years["spelled"]) < 1910 and max(years["spelled"]) > 2090
    for form in ("thousand", "thousand_and"):  # "two thousand [and] eleven": 2000-2099 only
        assert 2000 <= min(years[form]) < 2005 and max(years[form]) > 2094


def test_spelled_numbers_come_from_num2words(rows):
    day = datetime.date(1978, 6, 21)
    recipe = grammar.Recipe(style="spelled", order="dmy", day="spelled", the=True, of=True, month="name",
                            year="spelled", seps=(" ", ", "))
    assert grammar.render(day, recipe) == "The twenty-first of June, nineteen seventy-eight"
    no_hyphen = dataclasses.replace(recipe, hyphen=False, casing="lower")
    assert grammar.render(day, no_hyphen) == "the twenty first of june, nineteen seventy eight"
    years = {grammar.render(datetime.date(y, 1, 1), dataclasses.replace(recipe, casing="lower")).split(", ")[1]
             for y in (1900, 1905, 2000, 2009, 2010)}
    assert years == {"nineteen hundred", "nineteen oh-five", "two thousand", "two thousand and nine", "twenty ten"}


def test_weekday_is_the_labels_weekday():
    recipe = grammar.Recipe(style="word", order="mdy", day="num", month="name", year="four",
                            seps=(" ", ", "), weekday="name")
    assert grammar.render(datetime.date(2009, 6, 25), recipe) == "Thursday, June 25, 2009"
    after = dataclasses.replace(recipe, weekday="long.", weekday_after=True, weekday_sep="()")
    assert grammar.render(datetime.date(2001, 4, 3), after) == "April 3, 2001 (Tues.)"
    # Ambiguous numeric: the weekday follows the reading the preference picks.
    numeric = grammar.Recipe(style="numeric", order="dmy", day="pad", month="pad", year="four",
                             seps=("/", "/"), weekday="abbr")
    day = datetime.date(2009, 3, 4)  # a Wednesday; 2009-04-03 is a Friday
    assert grammar.render(day, dataclasses.replace(numeric, day_first=True)) == "Wed, 04/03/2009"
    assert grammar.render(day, dataclasses.replace(numeric, day_first=False)) == "Fri, 04/03/2009"


# ------------------------------------------------------------------------------------------------
# The ambiguity policy.


NUMERIC_DMY = grammar.Recipe(style="numeric", order="dmy", day="pad", month="pad", year="four", seps=("/", "/"))
NUMERIC_MDY = dataclasses.replace(NUMERIC_DMY, order="mdy")


@pytest.mark.parametrize("day_first,expected", [(True, "2009-03-04"), (False, "2009-04-03")])
def test_ambiguous_numeric_dates_follow_the_preference(day_first, expected):
    day = datetime.date(2009, 3, 4)
    for recipe in (NUMERIC_DMY, dataclasses.replace(NUMERIC_DMY, seps=("", ""))):
        recipe = dataclasses.replace(recipe, day_first=day_first)
        example = grammar.make_example(day, recipe)
        assert example.human in ("04/03/2009", "04032009")
        assert example.iso == expected and example.day_first == day_first
        assert grammar.readings(recipe, day) == grammar.Readings(datetime.date(2009, 3, 4),
                                                                 datetime.date(2009, 4, 3))


@pytest.mark.parametrize("day_first", [True, False])
def test_unambiguous_numeric_dates_ignore_the_preference(day_first):
    day = datetime.date(1999, 12, 31)
    for recipe, human in ((NUMERIC_DMY, "31/12/1999"), (NUMERIC_MDY, "12/31/1999")):
        example = grammar.make_example(day, dataclasses.replace(recipe, day_first=day_first))
        assert (example.human, example.iso) == (human, "1999-12-31")
    # Same day and month: one date either way. Year first: always Y-M-D.
    same = grammar.make_example(datetime.date(2005, 7, 7), dataclasses.replace(NUMERIC_MDY, day_first=day_first))
    assert same.iso == "2005-07-07"
    ymd = dataclasses.replace(NUMERIC_DMY, order="ymd", seps=("-", "-"), day_first=day_first)
    assert grammar.make_example(datetime.date(2003, 4, 5), ymd)[:2] == ("2003-04-05", "2003-04-05")
    short = dataclasses.replace(NUMERIC_DMY, year="two", day_first=day_first)
    assert grammar.make_example(datetime.date(2005, 4, 3), short).human == "03/04/05"


def test_both_preferences_and_both_orders_are_sampled_for_ambiguous_strings(rows):
    seen = collections.Counter()
    for example, recipe, date in rows:
        if recipe.kind == DATE and recipe.numeric_month and recipe.order != "ymd":
            found = grammar.readings(recipe, date)
            if found.day_first and found.month_first and found.day_first != found.month_first:
                seen[(recipe.order, example.day_first)] += 1
                assert example.iso == (found.day_first if example.day_first else found.month_first).isoformat()
    assert len(seen) == 4 and min(seen.values()) > 50, seen


# ------------------------------------------------------------------------------------------------
# Refusals.


def test_refusals_are_empty_labelled_and_of_every_kind(rows):
    kinds = collections.Counter()
    for example, recipe, _ in rows:
        is_negative = grammar.is_negative(example.family)
        assert (example.iso == "") == is_negative, example
        if is_negative:
            kinds[example.family] += 1
            assert recipe.kind == example.family
    assert set(kinds) == set(grammar.NEGATIVE_FAMILIES)


def test_impossible_dates_are_impossible_under_both_readings(rows):
    """Every impossible date is read back by the independent reader, and no reading of it is a real date, in
    every order and style, with a weekday or a time too."""
    written_forms = collections.Counter()
    for example, recipe, date in rows:
        if example.family != families.NOT_IMPOSSIBLE:
            continue
        if not recipe.year:  # "the 31st of April", "31/04": no such day and month in any year (2000 is leap)
            day, month, numeric = read_day_month(example.human, recipe.order)
            assert (month, day) == (date.month, date.day), example
            assert real(2000, month, day) is None and (not numeric or real(2000, day, month) is None), example
            written_forms[("no year", recipe.style)] += 1
            continue
        reading = read(example.human, recipe.order, example.day_first)
        assert reading is not None, example
        assert reading.date is None, example
        year, month, day = reading.written
        # Year-first numeric dates have one reading (Y-M-D): "2000-13-01" is not 13 January.
        two_readings = reading.numeric_month and recipe.order != "ymd"
        assert real(year, month, day) is None and (not two_readings or real(year, day, month) is None)
        assert (year, month, day) == tuple(date)
        written_forms[(recipe.style, recipe.order)] += 1
        if (month, day) == (2, 29) and year in (1900, 2100):
            written_forms[f"29 February {year}"] += 1
        if day > 31:  # 10/45/2000, 2000-10-45, May 32, 32nd of March, the thirty-second of May
            written_forms[("day past 31", recipe.style, recipe.order)] += 1
        if reading.numeric_month and month > 31:  # 45/10/2000
            written_forms[("month past 31", recipe.order)] += 1
        if reading.numeric_month and month > 12 and day <= 31:  # 31/13/2000, 13/25/2001, 2000-13-01
            written_forms[("month past 12", recipe.order)] += 1
        if day == 0 or month == 0:  # 00/05/2001, March 0, 2001, 2001-00-12
            written_forms[("day 0" if day == 0 else "month 0", recipe.order)] += 1
        if (recipe.day in ("ord", "spelled") and month in (2, 4, 6, 9, 11)
                and calendar.monthrange(2001, month)[1] < day <= 31):  # the thirty-first of April
            written_forms[("past the month's end", recipe.day)] += 1
        if not 1900 <= year <= 2099 and (year, month, day) != (2100, 2, 29):
            assert datetime.date(year, month, day)  # a real date, of a year without labels
            written_forms["out of range " + ("spelled" if recipe.year == "spelled" else "digits")] += 1
        if reading.weekday is not None:
            written_forms["weekday " + ("after" if reading.weekday_after else "before")] += 1
        if reading.time is not None:
            written_forms["time " + ("before" if reading.time_before else "inside" if reading.time_inside
                                     else "ISO" if "t" in example.human.lower()[:-1] else "after")] += 1
    assert len(written_forms) >= 40, written_forms
    for form in ("29 February 1900", "29 February 2100", "out of range spelled", "out of range digits",
                 "time before", "time after", "time ISO", "time inside", "weekday before", "weekday after",
                 *(("day past 31", "numeric", order) for order in ("dmy", "mdy", "ymd")),
                 *(("day past 31", style, order) for style in ("word", "ordinal", "spelled")
                   for order in ("dmy", "mdy")),
                 ("day past 31", "word", "ymd"), ("past the month's end", "ord"), ("past the month's end", "spelled"),
                 *(("month past 12", order) for order in ("dmy", "mdy", "ymd")),
                 *((zero, order) for zero in ("day 0", "month 0") for order in ("dmy", "mdy", "ymd")),
                 *(("no year", style) for style in ("numeric", "word", "ordinal", "spelled"))):
        assert written_forms[form] > 0, form


def test_impossible_dates_use_the_same_renderers():
    word = grammar.Recipe(style="word", day="num", month="name", year="four")
    ordinal_of = grammar.Recipe(style="ordinal", day="ord", of=True, month="name", year="four")
    spelled = grammar.Recipe(style="spelled", day="spelled", the=True, of=True, month="name", year="four",
                             casing="lower")
    numeric_ymd = dataclasses.replace(NUMERIC_DMY, order="ymd", seps=("-", "-"))
    recipes = {
        "31 February 2001": (word, (2001, 2, 31)),
        "32/13/2020": (NUMERIC_DMY, (2020, 13, 32)),
        "13/25/2001": (NUMERIC_MDY, (2001, 13, 25)),
        "25/13/2001": (NUMERIC_DMY, (2001, 13, 25)),
        "2001-02-30": (numeric_ymd, (2001, 2, 30)),
        "2001-13-01": (numeric_ymd, (2001, 13, 1)),
        "2001-00-12": (numeric_ymd, (2001, 0, 12)),
        "00/05/2001": (NUMERIC_DMY, (2001, 5, 0)),
        "March 0, 2001": (dataclasses.replace(word, order="mdy", seps=(" ", ", ")), (2001, 3, 0)),
        "29 Feb 1900": (dataclasses.replace(word, month="abbr"), (1900, 2, 29)),
        "29/02/2014": (NUMERIC_DMY, (2014, 2, 29)),
        "32nd of March 1936": (ordinal_of, (1936, 3, 32)),
        "May 32, 2009": (dataclasses.replace(word, order="mdy", seps=(" ", ", ")), (2009, 5, 32)),
        "the thirty-first of february 1999": (spelled, (1999, 2, 31)),
        "the thirty-second of may 1999": (spelled, (1999, 5, 32)),
        "The 31st of April": (dataclasses.replace(ordinal_of, the=True, year=""), (2001, 4, 31)),
        "Sat, 31 April 2001": (dataclasses.replace(word, weekday="abbr", weekday_shift=5), (2001, 4, 31)),
        "2001-02-30T14:05:33Z": (dataclasses.replace(numeric_ymd, time=grammar.TimeOfDay(
            14, 5, 33, shape="hms", zone="Z", joiner="T")), (2001, 2, 30)),
    }
    # 29 February of a common year is what the model writes for it (the serving graph's calendar refuses it).
    leap_days = {"29 Feb 1900": "1900-02-29", "29/02/2014": "2014-02-29"}
    for human, (recipe, written) in recipes.items():
        recipe = dataclasses.replace(recipe, kind=families.NOT_IMPOSSIBLE)
        example = grammar.make_example(grammar.YMD(*written), recipe)
        assert example == grammar.DateExample(human, "", families.NOT_IMPOSSIBLE, False,
                                              written=leap_days.get(human, "")), human
        assert grammar.readings(recipe, grammar.YMD(*written)) == (None, None), human


def test_only_29_february_of_a_common_year_written_with_its_year_is_written(rows):
    written = [(e, e.written) for e, _, _ in rows if e.written]
    assert written, "the generator writes some 29 February of a common year"
    for example, value in written:
        year = int(value[:4])
        assert value == f"{year:04d}-02-29" and not calendar.isleap(year) and example.iso == ""
        assert example.family == families.NOT_IMPOSSIBLE and value in labels.written_values()
    assert labels.written_leap_day(2014, 2, 29, writes_year=False) == ""  # "29 February": a leap year's day
    assert labels.written_leap_day(2016, 2, 29, writes_year=True) == ""  # a real date: its label says it
    assert labels.written_leap_day(2014, 2, 30, writes_year=True) == ""  # impossible in every year


RANGE = grammar.Recipe(kind=families.NOT_RANGE, style="word", order="dmy", day="num", month="name", year="four")
RANGE_CASES = [  # (how it is written, recipe changes, the dates)
    ("22-27 June 1963", dict(span=grammar.SpanForm("month_year", joiner="-")), ("1963-06-22", "1963-06-27")),
    ("June 22 - 27, 1963", dict(order="mdy", seps=(" ", ", "), span=grammar.SpanForm("month_year")),
     ("1963-06-22", "1963-06-27")),
    ("From 3 May to 5 May 2009", dict(span=grammar.SpanForm("year", prefix="from ", joiner=" to ")),
     ("2009-05-03", "2009-05-05")),
    ("3-5 May 2009", dict(span=grammar.SpanForm("month_year", joiner="-")), ("2009-05-03", "2009-05-05")),
    ("Between 1 and 3 March 2010", dict(span=grammar.SpanForm("month_year", prefix="between ", joiner=" and ")),
     ("2010-03-01", "2010-03-03")),
    ("3 May 2009 - 5 May 2009", dict(span=grammar.SpanForm()), ("2009-05-03", "2009-05-05")),
    ("3/5/2009 to 5/5/2009", dict(style="numeric", month="num", seps=("/", "/"), span=grammar.SpanForm(joiner=" to ")),
     ("2009-05-03", "2009-05-05")),
    ("May 3 and 4, 2009", dict(order="mdy", seps=(" ", ", "), span=grammar.SpanForm("month_year", joiner=" and ")),
     ("2009-05-03", "2009-05-04")),
    ("3, 4 and 5 May 2009", dict(span=grammar.SpanForm("month_year", 3, joiner=" and ")),
     ("2009-05-03", "2009-05-04", "2009-05-05")),
    ("2009-05-03/2009-05-05", dict(style="numeric", order="ymd", day="pad", month="pad", seps=("-", "-"),
                                   span=grammar.SpanForm(joiner="/")), ("2009-05-03", "2009-05-05")),
    ("Mon 3 - Wed 5 May", dict(year="", weekday="abbr", weekday_sep=" ", span=grammar.SpanForm("month_year")),
     ("2010-05-03", "2010-05-05")),
    ("From the 3rd to the 5th of May 2009", dict(style="ordinal", day="ord", the=True, of=True,
                                                 span=grammar.SpanForm("month_year", prefix="from ", joiner=" to ")),
     ("2009-05-03", "2009-05-05")),
    ("2009 May 3-5", dict(order="ymd", span=grammar.SpanForm("month_year", joiner="-")), ("2009-05-03", "2009-05-05")),
    ("The twenty-second, the twenty-fifth and the twenty-seventh of June", dict(
        style="spelled", day="spelled", the=True, of=True, year="",
        span=grammar.SpanForm("month_year", 3, joiner=" and ")),
     ("1963-06-22", "1963-06-25", "1963-06-27")),
]


@pytest.mark.parametrize("human,changes,dates", RANGE_CASES, ids=[c[0] for c in RANGE_CASES])
def test_ranges_and_lists_are_written_with_the_dates_renderers(human, changes, dates):
    recipe = dataclasses.replace(RANGE, **changes)
    dates = tuple(datetime.date.fromisoformat(d) for d in dates)
    assert grammar.make_example(dates, recipe) == grammar.DateExample(human, "", families.NOT_RANGE, False)
    assert grammar.refusal_reason(families.NOT_RANGE) == "range"
    # The parts are the dates as the grammar writes them, the shared fields written once.
    if not recipe.span.shared:
        positive = dataclasses.replace(recipe, kind=DATE, span=None, weekday="")
        assert all(grammar.render(d, positive).lower() in human.lower() for d in dates)


def test_ranges_and_lists_are_never_one_date(rows):
    """No range reads as one date; its dates share what its form shares; every form is drawn."""
    forms = collections.Counter()
    spans = [(e, r, d) for e, r, d in rows if e.family == families.NOT_RANGE]
    normalized = [n.decode() for n in text.normalize([e.human for e, _, _ in spans]).numpy()]
    for (example, recipe, dates), model_input in zip(spans, normalized, strict=True):
        for order in ("dmy", "mdy", "ymd"):
            assert read(example.human, order, example.day_first) is None, example
            assert read(model_input, order, example.day_first) is None, example
        assert len(dates) == recipe.span.count and list(dates) == sorted(set(dates)), example
        shared = {"": (), "year": ("year",), "month_year": ("year", "month")}[recipe.span.shared]
        assert all(len({getattr(d, f) for d in dates}) == 1 for f in shared), example
        assert len(ranges.widest_span_text(recipe)) <= ranges.MAX_RANGE_LENGTH
        assert grammar.family_of(recipe) == families.NOT_RANGE and grammar.refusal_reason(example.family) == "range"
        forms[(recipe.style, recipe.span.shared or "whole")] += 1
        forms[recipe.span.prefix + "..." + recipe.span.joiner] += 1
        forms["list"] += recipe.span.count == 3
        forms["no year"] += not recipe.year
        forms["weekday"] += bool(recipe.weekday)
    for style in ("numeric", "word", "ordinal"):
        assert forms[(style, "whole")] > 0, style
    for style in ("word", "ordinal", "spelled"):
        assert forms[(style, "month_year")] > 0 and forms[(style, "year")] > 0, style
    for joined in ("... - ", "...-", "... to ", "from ... to ", "between ... and ", "... and ", ".../", "... – "):
        assert forms[joined] > 0, joined
    assert min(forms["list"], forms["no year"], forms["weekday"]) > 10, forms


def test_weekday_conflicts_are_dates_with_another_weekday():
    """ "Friday March 11 1905" (a Saturday): the answer is the date; only the weekday differs."""
    recipe = grammar.Recipe(style="word", order="mdy", day="num", month="name", year="four", seps=(" ", " "),
                            weekday="name", weekday_sep=" ")
    saturday = datetime.date(1905, 3, 11)
    assert grammar.make_example(saturday, recipe) == grammar.DateExample(
        "Saturday March 11 1905", "1905-03-11", "with_weekday", False)
    assert grammar.make_example(saturday, dataclasses.replace(recipe, weekday_shift=6)) == grammar.DateExample(
        "Friday March 11 1905", "1905-03-11", families.WEEKDAY_CONFLICT, False)
    thursday = datetime.date(2001, 4, 5)
    tuesday = dataclasses.replace(recipe, weekday_shift=5, casing="lower")
    assert grammar.render(thursday, tuesday) == "tuesday april 5 2001"
    assert grammar.refusal_reason(families.WEEKDAY_CONFLICT) == ""


def test_weekday_conflicts_take_every_weekday_form_and_position():
    rng = random.Random(5)
    recipes = [grammar.sample_recipe(rng) for _ in range(40000)]
    conflicts = [r for r in recipes if grammar.family_of(r) == families.WEEKDAY_CONFLICT]
    assert len(conflicts) / len(recipes) == pytest.approx(grammar.WEEKDAY_CONFLICT_SHARE, abs=0.004)
    assert all(r.kind == DATE and r.weekday and 1 <= r.weekday_shift <= 6 for r in conflicts)
    assert {r.weekday_shift for r in conflicts} == set(range(1, 7))
    assert {r.weekday for r in conflicts} == set(sampling.WEEKDAY_FORM.values)
    assert {(r.weekday_after, r.weekday_sep) for r in conflicts if not r.time or not r.time.inside} == {
        (after, sep) for after in (False, True) for sep in sampling.WEEKDAY_SEP[after].values}
    assert {r.style for r in conflicts} == set(sampling.STYLES)
    assert any(r.time and r.time.inside for r in conflicts) and any(r.time and r.time.joiner == "T" for r in conflicts)
    assert not any(families.held_out_shape(r) for r in conflicts)
    # Only conflicts shift the weekday.
    assert sum(bool(r.weekday_shift) for r in recipes if r.kind == DATE) == len(conflicts)


def test_every_refusal_has_a_reason_and_every_date_none():
    assert list(grammar.REFUSAL_REASONS) == ["incomplete", "period", "relative", "time", "range", "impossible",
                                             "not_a_date"]
    assert all(d and "\n" not in d for d in grammar.REFUSAL_REASONS.values())
    reasons = {f: grammar.refusal_reason(f) for f in grammar.FAMILIES}
    assert all(reasons[f] in grammar.REFUSAL_REASONS for f in grammar.NEGATIVE_FAMILIES)
    assert all(reasons[f] == "" for f in grammar.POSITIVE_FAMILIES)
    assert set(reasons.values()) == set(grammar.REFUSAL_REASONS) | {""}
    assert {f: reasons[f] for f in (families.NOT_MONTH_YEAR, families.NOT_DAY_MONTH, families.NOT_WEEKDAY,
                                    families.NOT_PERIOD, families.NOT_RELATIVE, families.NOT_TIME, families.NOT_RANGE,
                                    families.NOT_IMPOSSIBLE, families.NOT_NUMBER, families.NOT_WORDS)} == {
        families.NOT_MONTH_YEAR: "incomplete", families.NOT_DAY_MONTH: "incomplete",
        families.NOT_WEEKDAY: "incomplete", families.NOT_PERIOD: "period", families.NOT_RELATIVE: "relative",
        families.NOT_TIME: "time", families.NOT_RANGE: "range", families.NOT_IMPOSSIBLE: "impossible",
        families.NOT_NUMBER: "not_a_date", families.NOT_WORDS: "not_a_date"}
    with pytest.raises(KeyError, match="unknown family 'made_up'"):
        grammar.refusal_reason("made_up")


def test_partial_dates_lack_a_field(rows):
    for example, recipe, _ in rows:
        if example.family in (families.NOT_MONTH_YEAR, families.NOT_DAY_MONTH):
            assert read(example.human, recipe.order, example.day_first) is None, example
            assert (recipe.day == "") == (example.family == families.NOT_MONTH_YEAR)
            assert (recipe.year == "") == (example.family == families.NOT_DAY_MONTH)


def test_refusal_phrases_have_their_shapes(rows):
    by_family = collections.defaultdict(list)
    for example, _, _ in rows:
        by_family[example.family].append(clean(example.human))
    assert all(re.search(r"\d(:\d\d| ?[ap]\.?m)", s) for s in by_family[families.NOT_TIME])
    assert all(set(re.findall(r"[a-z]+", s)) & set(WEEKDAYS) for s in by_family[families.NOT_WEEKDAY])
    assert all(re.search(r"\d", s) for s in by_family[families.NOT_NUMBER])
    # Words, a share of them with codes ("seat 14c; row 7"): at most two numbers of at most three digits.
    coded = [s for s in by_family[families.NOT_WORDS] if re.search(r"\d", s)]
    assert 0.2 < len(coded) / len(by_family[families.NOT_WORDS]) < 0.4
    assert all(len(re.findall(r"\d+", s)) <= 2 and max(map(len, re.findall(r"\d+", s))) <= 3 for s in coded)
    assert not any(set(re.findall(r"[a-z]+", s)) & (set(MONTHS) | set(WEEKDAYS))
                   for s in by_family[families.NOT_WORDS])
    relative = " ".join(by_family[families.NOT_RELATIVE])
    for word in ("tomorrow", "next", "ago", "in "):
        assert word in relative
    for form in (r"^\d{2}/\d{4}$", r"^[a-z]+\.? \d{4}$", r"^\d{4}-\d{2}$", r"^[a-z]+\.? of \d{4}$",
                 r"^[a-z]+\.? of '\d{2}$", r"^\d{1,4} [/.\-] \d{1,4}$"):
        assert any(re.search(form, s) for s in by_family[families.NOT_MONTH_YEAR]), form
    for form in (r"^(spring|summer|autumn|fall|winter) \d{4}$", r"^q[1-4] \d{4}$", r"^fy ?\d{2,4}$", r"^the \d{4}s$",
                 r"^\d{4} ?- ?\d{4}$", r"century$"):
        assert any(re.search(form, s) for s in by_family[families.NOT_PERIOD]), form
    assert not any(set(re.findall(r"[a-z]+", s)) & (set(MONTHS) | set(WEEKDAYS))
                   for s in by_family[families.NOT_PERIOD])
    # Decimals and numbers with thousands separators: 2.71828, 4,508.3, 17.5, 0.25.
    for form in (r"^\d\.\d{5}$", r"^\d,\d{3}\.\d$", r"^\d{2}\.\d$", r"^\d{3},\d{3}\.\d{2}$", r"^0\.\d$"):
        assert any(re.search(form, s) for s in by_family[families.NOT_NUMBER]), form
    for s in by_family[families.NOT_NUMBER] + by_family[families.NOT_RELATIVE]:
        assert not re.fullmatch(r"\d{8}|\d{1,4}[/.\- ]\d{1,2}[/.\- ]\d{2,4}", s), s


def test_out_of_range_dates_and_numbers_are_refused():
    """Days or months past their range in every order, 29 February of common century years, real
    dates of years outside 1900-2099 (four digits and spelled): refusals, in the grammar's forms."""
    word = grammar.Recipe(kind=families.NOT_IMPOSSIBLE, style="word", day="num", month="name", year="four")
    cases = {
        "41/07/2003": (NUMERIC_DMY, (2003, 7, 41)),
        "07/41/2003": (NUMERIC_MDY, (2003, 7, 41)),
        "2003-14-02": (dataclasses.replace(NUMERIC_DMY, order="ymd", seps=("-", "-")), (2003, 14, 2)),
        "2003 - 08 - 63": (dataclasses.replace(NUMERIC_DMY, order="ymd", seps=(" - ", " - ")), (2003, 8, 63)),
        "February 29, 2100": (dataclasses.replace(word, order="mdy", seps=(" ", ", ")), (2100, 2, 29)),
        "29 February 1900": (word, (1900, 2, 29)),
        "8 March 2187": (word, (2187, 3, 8)),
        "The thirtieth of October eighteen fifteen": (
            dataclasses.replace(word, day="spelled", the=True, of=True, year="spelled"), (1815, 10, 30)),
        "12/03/1776": (NUMERIC_DMY, (1776, 3, 12)),
    }
    leap_days = {"February 29, 2100": "2100-02-29", "29 February 1900": "1900-02-29"}
    for human, (recipe, written) in cases.items():
        recipe = dataclasses.replace(recipe, kind=families.NOT_IMPOSSIBLE)
        date = grammar.YMD(*written)
        assert grammar.readings(recipe, date) == (None, None), human
        example = grammar.make_example(date, recipe)
        assert example == grammar.DateExample(human, "", families.NOT_IMPOSSIBLE, False,
                                              written=leap_days.get(human, "")), human
        reading = read(human, recipe.order, False)
        assert reading.written == written and reading.date is None, human
    # The same fields inside 1900-2099 are a date; outside they are not a label (data_gen.labels).
    assert grammar.readings(word, datetime.date(2087, 3, 8)).day_first == datetime.date(2087, 3, 8)
    month_of = grammar.Recipe(kind=families.NOT_MONTH_YEAR, style="word", month="abbr.", year="apos",
                              seps=(" ", " of "), casing="title")
    assert grammar.render(datetime.date(1987, 10, 1), month_of) == "Oct. of '87"
    assert grammar.make_example(datetime.date(2013, 4, 1), dataclasses.replace(
        month_of, order="mdy", month="name", year="four")) == grammar.DateExample(
        "April of 2013", "", families.NOT_MONTH_YEAR, False)


def test_time_before_the_date_is_ignored_by_the_label():
    at = grammar.TimeOfDay(8, 15, clock=12, meridiem=" a.m.", joiner=" on ", before=True)
    word = grammar.Recipe(style="word", order="mdy", day="num", month="name", year="four", seps=(" ", ", "),
                          time=at)
    cases = [
        (word, datetime.date(2012, 3, 3), "8:15 a.m. on March 3, 2012"),
        (dataclasses.replace(NUMERIC_DMY, time=grammar.TimeOfDay(17, 40, joiner=", ", before=True), day_first=True),
         datetime.date(2004, 11, 9), "17:40, 09/11/2004"),
        (dataclasses.replace(word, order="dmy", seps=(" ", " "), weekday="name", weekday_sep=" ",
                             time=grammar.TimeOfDay(16, 30, zone=" BST", joiner=" ", before=True)),
         datetime.date(2014, 5, 2), "16:30 BST Friday 2 May 2014"),
    ]
    for recipe, day, human in cases:
        example = grammar.make_example(day, recipe)
        assert (example.human, example.iso, example.family) == (human, day.isoformat(), "with_time")
        reading = read(human, recipe.order, recipe.day_first)
        assert reading.time_before and reading.date == day, human
    # After the date as before: the same time, the same label.
    after = dataclasses.replace(word, time=dataclasses.replace(at, joiner=" at ", before=False))
    assert grammar.render(datetime.date(2012, 3, 3), after) == "March 3, 2012 at 8:15 a.m."


def test_machine_written_times_inside_and_after_the_date():
    """C's ctime/asctime and `date` ("Thu Mar  7 08:04:09 1996") and ISO 8601 basic ("19960307T0804Z")."""
    ctime = grammar.Recipe(style="word", order="mdy", seps=(" ", " "), day="spad", month="abbr", year="four",
                           weekday="abbr", weekday_sep=" ",
                           time=grammar.TimeOfDay(8, 4, 9, shape="hms", joiner=" ", inside=True))
    basic = grammar.Recipe(style="numeric", order="ymd", seps=("", ""), day="pad", month="pad", year="four",
                           time=grammar.TimeOfDay(8, 4, joiner="T", zone="Z", basic=True))
    zoned = dataclasses.replace(ctime.time, hour=23, minute=0, second=51, zone=" CEST")
    cases = [
        (ctime, datetime.date(1996, 3, 7), "Thu Mar  7 08:04:09 1996", "with_time"),
        (dataclasses.replace(ctime, time=zoned), datetime.date(2031, 11, 23), "Sun Nov 23 23:00:51 CEST 2031",
         "with_time"),
        (dataclasses.replace(ctime, day="num", casing="upper"), datetime.date(1958, 10, 2),
         "THU OCT 2 08:04:09 1958", "with_time"),
        (dataclasses.replace(ctime, day="pad", weekday="", time=zoned, casing="lower", decoration="()"),
         datetime.date(2074, 1, 19), "(jan 19 23:00:51 cest 2074)", "with_time"),
        (basic, datetime.date(1996, 3, 7), "19960307T0804Z", "iso_datetime"),
        (dataclasses.replace(basic, time=dataclasses.replace(basic.time, shape="hms", second=9, zone="")),
         datetime.date(2031, 11, 23), "20311123T080409", "iso_datetime"),
    ]
    for recipe, day, human, family in cases:
        example = grammar.make_example(day, recipe)
        assert (example.human, example.iso, example.family) == (human, day.isoformat(), family)
        reading = read(human, recipe.order, recipe.day_first)
        assert reading.date == day and reading.time is not None, human
        assert (reading.time_inside, reading.time_basic) == (recipe.time.inside, recipe.time.basic), human
        assert (reading.weekday is not None) == bool(recipe.weekday), human
    # The reader refuses what is not a time of day.
    with pytest.raises(AssertionError):
        read("19960307T2460", "ymd", False)
    # Sampled: the ctime shapes are the only ones with the time inside, the compact year-first the only
    # ones with a basic time; a few per cent of timed dates in all.
    rng = random.Random(3)
    recipes = [grammar.sample_recipe(rng) for _ in range(60000)]
    timed = [r for r in recipes if r.kind == DATE and r.time is not None]
    inside = [r for r in timed if r.time.inside]
    basic_times = [r for r in timed if r.time.basic]
    assert all(r.order == "mdy" and r.month == "abbr" and r.year == "four" and r.time.shape == "hms"
               and r.time.clock == 24 and r.time.pad_hour for r in inside)
    assert {r.day for r in inside} == {"spad", "num", "pad"} and {r.weekday for r in inside} == {"abbr", ""}
    assert all(r.seps == ("", "") and r.order == "ymd" and r.time.joiner == "T" for r in basic_times)
    assert {(r.time.shape, r.time.zone) for r in basic_times} == {("hm", ""), ("hm", "Z"), ("hms", ""),
                                                                   ("hms", "Z")}
    assert 0.015 < len(inside) / len(timed) < 0.06 and 0.007 < len(basic_times) / len(timed) < 0.025
    # Besides dates, only impossible ones are machine-written ("Thu Feb 30 14:05:33 2009").
    assert {r.kind for r in recipes if r.kind != DATE and r.time is not None and (r.time.inside or r.time.basic)
            } == {families.NOT_IMPOSSIBLE}


def test_spaced_numeric_separators_read_like_the_plain_ones():
    for recipe, day, human in (
            (dataclasses.replace(NUMERIC_MDY, day="num", month="num", seps=(" / ", " / ")),
             datetime.date(1988, 3, 14), "3 / 14 / 1988"),
            (dataclasses.replace(NUMERIC_DMY, order="ymd", seps=(" - ", " - ")), datetime.date(2011, 4, 9),
             "2011 - 04 - 09"),
            (dataclasses.replace(NUMERIC_DMY, seps=(" . ", " . "), day_first=True), datetime.date(1977, 5, 9),
             "09 . 05 . 1977")):
        example = grammar.make_example(day, recipe)
        assert (example.human, example.iso) == (human, day.isoformat())
        assert read(human, recipe.order, recipe.day_first).date == day


def test_spelled_years_with_and_without_and():
    recipe = grammar.Recipe(style="spelled", order="dmy", day="ord", month="name", seps=(" ", " "),
                            casing="lower")
    expected = {
        "thousand": {2000: "two thousand", 2009: "two thousand nine", 2017: "two thousand seventeen",
                     2064: "two thousand sixty-four"},
        "thousand_and": {2000: "two thousand", 2009: "two thousand and nine", 2017: "two thousand and seventeen",
                         2064: "two thousand and sixty-four"},
        "spelled": {1900: "nineteen hundred", 2000: "two thousand", 2009: "two thousand and nine",
                    2017: "twenty seventeen"},
    }
    for form, years in expected.items():
        for year, words in years.items():
            human = grammar.render(datetime.date(year, 6, 1), dataclasses.replace(recipe, year=form))
            assert human == f"1st june {words}"
            assert spelled_year(words) == year and read(human, "dmy", False).date == datetime.date(year, 6, 1)
    no_hyphen = dataclasses.replace(recipe, year="thousand_and", hyphen=False)
    assert grammar.render(datetime.date(2064, 6, 1), no_hyphen) == "1st june two thousand and sixty four"
    # "two thousand [and] ..." never with a spelled day: it would pass 64 characters with a weekday.
    leaves = list(sampling.core_leaves("spelled"))
    assert {c.year for c in leaves if c.day == "spelled"} == {"four", "spelled", "apos"}
    assert {"thousand", "thousand_and"} <= {c.year for c in leaves if c.day != "spelled"}


def test_lone_times_take_every_shape_and_keep_their_colons():
    """Times alone in every shape a date's time has, "05:14:44" among them: the colons keep them from the
    numeric dates ("05 14 44")."""
    assert text.normalize_text("05:14:44") == "05:14:44" != text.normalize_text("05 14 44")
    rng = random.Random(0)
    humans = [grammar.render(None, r).lower() for r in (refusals.sample_negative(rng) for _ in range(40000))
              if r.kind == families.NOT_TIME]
    shapes = {
        "reads as a date without colons": r"^(0\d|1[0-2]):[0-5]\d:[0-5]\d$", "fraction .5": r":\d\d\.\d$",
        "fraction .999": r":\d\d\.\d{3}\b", "fraction ,123": r":\d\d,\d{3}$", "fraction .123456": r":\d\d\.\d{6}\b",
        "am/pm with seconds": r":\d\d:\d\d ?[ap]\.?m", "fraction am/pm": r"\.\d+ ?[ap]\.?m",
        "zone": r"\d (utc|est|cet)$",
        "ISO T Z alone": r"^t\d\d:\d\d:\d\dz$", "ISO offset": r"^\d\d:\d\d(:\d\d(\.\d+)?)?[+-]\d\d:\d\d$",
        "prefix": r"^(at|by|around|until) \d", "hour only": r"^\d{1,2} ?[ap]\.?m\.?$",
    }
    for name, shape in shapes.items():
        assert any(re.search(shape, h) for h in humans), name
    # The independent reader reads none as a date, before or after normalisation.
    normalized = [n.decode() for n in text.normalize(humans).numpy()]
    for human, model_input in zip(humans, normalized, strict=True):
        for order in ("dmy", "mdy", "ymd"):
            assert read(human, order, False) is None and read(model_input, order, False) is None


def test_number_templates_are_never_dates():
    assert not any(phrases._could_be_date(t) for t in phrases.NUMBER_TEMPLATES)
    assert phrases._could_be_date("##/##/####") and phrases._could_be_date("####-##-##")
    assert phrases._could_be_date("########")


# ------------------------------------------------------------------------------------------------
# Casing, noise and time.


def test_casing_noise_and_time_shapes_appear(rows):
    positives = [(e.human, r) for e, r, _ in rows if r.kind == DATE]
    humans = [h for h, _ in positives]
    patterns = {
        "upper": r"^[^a-z]*[A-Z]{3}[^a-z]*$", "lower": r"^[^A-Z]*[a-z]{3}[^A-Z]*$", "title": r"[A-Z][a-z]{2}",
        "24h": r"\b\d{2}:\d{2}(?!:)\b", "seconds": r"\d:\d{2}:\d{2}", "am/pm": r"\d ?[ap]m\b",
        "a.m.": r"\d ?[ap]\.m\.", "PM": r"\d ?[AP]M\b", "hour only": r"(?<![:\d])\d{1,2} ?[ap]m\b",
        " at ": r"\d at \d", "iso T Z": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{3})?)?Z$",
        "offset": r"[+-]\d{2}:?\d{2}$", "zone": r"\d (UTC|GMT|EST|CET|PST|utc|est)\b",
        "brackets": r"^\(.*\)$", "square": r"^\[.*\]$", "quotes": r'^".*"$', "trailing .": r"[\da-z]\.$",
        "trailing ,": r",$", "double space": r"\S  \S", "lead space": r"^ \S", "trail space": r"\S $",
        "sept": r"\b[Ss]ept\b", "dot abbreviation": r"\b[A-Z][a-z]{2}\. \d", "compact": r"^\d{8}$",
        "mixed separators": r"^\d+/\d+-\d+$", "weekday after": r", [A-Z][a-z]+day$",
        "comma weekday": r"^[A-Z][a-z]+day, ", "no comma weekday": r"^[A-Z][a-z]{2} \d",
        "apostrophe": r"'\d\d\b", "time before": r"^\d{1,2}(:\d\d)?( ?[APap]\.?[Mm]\.?)?,? ",
        "time on": r"^\d{1,2}:\d\d (ON|on) [A-Za-z\d]", "spaced /": r"^\d+ / \d+ / \d+$",
        "spaced -": r"^\d{4} - \d{2} - \d{2}$", "spaced .": r"^\d+ \. \d+ \. \d+$",
        "two thousand X": r"\b[Tt]wo thousand [a-z]+-?[a-z]*$", "two thousand and X": r"\b[Tt]wo thousand and [a-z]",
        "the ... of": r"the \d{1,2}(st|nd|rd|th) of", "spelled no hyphen": r"twenty [a-z]+th",
        "ctime": r"^[A-Za-z]{3} [A-Za-z]{3}  \d \d{2}:\d{2}:\d{2} \d{4}$",
        "ctime zone": r"\b[A-Za-z]{3} ?\d{1,2} \d{2}:\d{2}:\d{2} [A-Z]{3,4} \d{4}\b",
        "ctime no weekday": r"^[A-Za-z]{3} [ 0]?\d{1,2} \d{2}:\d{2}:\d{2} \d{4}$",
        "iso basic": r"^\d{8}T\d{6}$", "iso basic Z": r"^\d{8}T\d{4}Z$",
        "milliseconds": r"\d:\d\d\.\d{3}\b", "logging's milliseconds": r"\d:\d\d,\d{3}\b",
        "microseconds": r"\d:\d\d\.\d{6}\b", "tenths": r"\d:\d\d\.\d\b",
    }
    for name, pattern in patterns.items():
        assert any(re.search(pattern, h) for h in humans), name
    # "May" is never abbreviated with a dot (a "." between fields is a separator).
    assert not any(re.search(r"\bmay\.(?![\d'])", h.lower()) for h in humans)
    casings = collections.Counter(r.casing for _, r in positives)
    assert set(casings) == {"lower", "title", "upper"}
    timed = sum(r.time is not None for _, r in positives) / len(positives)
    assert 0.08 < timed < 0.25, timed


# ------------------------------------------------------------------------------------------------
# Lengths and speed.


def test_longest_length_bounds_every_example_and_fits_64(rows, normalized):
    longest_raw, longest_normalized = grammar.longest_lengths()
    assert grammar.longest_length() == longest_normalized.normalized <= 64
    assert grammar.longest_length(normalized=False) == longest_raw.raw
    # The reported lengths are those of real strings, normalised by TensorFlow here.
    assert text.normalize_text(longest_normalized.example) and len(
        text.normalize_text(longest_normalized.example)) == longest_normalized.normalized
    assert len(longest_raw.example) == longest_raw.raw
    assert max(len(n) for n in normalized) <= longest_normalized.normalized
    assert max(len(e.human) for e, _, _ in rows) <= longest_raw.raw
    # The bound is tight: a real date reaches it.
    recipe = grammar.Recipe(style="spelled", order="dmy", day="spelled", the=True, of=True, month="name",
                            year="spelled", seps=(" ", ", "), weekday="name")
    human = grammar.render(datetime.date(1978, 9, 27), recipe)
    assert human == "Wednesday, the twenty-seventh of September, nineteen seventy-eight"
    assert len(text.normalize_text(human)) == longest_normalized.normalized == 64


def test_python_normalisation_in_longest_matches_tensorflow(rows, normalized):
    python = lengths.python_normalizer()
    assert [python(e.human) for e, _, _ in rows[:5000]] == normalized[:5000]


# ------------------------------------------------------------------------------------------------
# The hand-written benchmark (benchmarks/handwritten.tsv): well formed and consistent with the policy.


def test_handwritten_benchmark_is_well_formed():
    with open("benchmarks/handwritten.tsv", encoding="utf-8") as f:
        lines = f.read().split("\n")
    assert lines[0] == "input\texpected\tday_first\tcategory\tlanguage" and lines[-1] == ""
    rows = [line.split("\t") for line in lines[1:-1]]  # the last column: the line's language
    assert all(len(r) == 5 and r[0].strip() and r[2] in ("true", "false") and r[3] and r[4] for r in rows)
    assert len(rows) >= 300 and sum(not r[1] for r in rows) >= 80
    assert len({(r[0], r[2], r[4]) for r in rows}) == len(rows)
    readable = 0
    for human, expected, day_first, category, _ in rows:
        readings = [read(human, order, day_first == "true") for order in ("dmy", "mdy", "ymd")]
        readings = [r for r in readings if r is not None]
        if expected:
            day = datetime.date.fromisoformat(expected)
            assert formats.FIRST_DATE <= day <= formats.LAST_DATE
            for word in re.findall(r"[a-z]+", human.lower()):  # weekday conflicts: a wrong weekday on purpose
                assert WEEKDAYS.get(word, day.weekday()) == day.weekday() or category == "weekday_conflict", human
            dates = {r.date for r in readings if r.date}
            assert dates <= {day}, (human, readings)
            readable += bool(dates)
        if category == "impossible":
            assert readings and all(r.date is None for r in readings), human
        if category == "ambiguous":
            assert sum(r[0] == human for r in rows) == 2
    assert readable > 250  # most lines are in the grammar's forms

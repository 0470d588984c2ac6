"""The hand-written benchmark (`benchmarks/handwritten.tsv`): the pushed model against the parsers a user
would pick instead, python-dateutil and dateparser, on the same strings.

- `read_handwritten(path)`: the file's lines, checked column by column.
- `DateParser`: the one interface the parsers share. `parse(texts, day_first, languages)` takes strings written
  under one preference (day first or month first), with each string's language (ISO 639-1; None: all
  English), and returns, in order, an ISO date (`YYYY-MM-DD`) per string or None where the parser refuses: it
  found no complete date (year, month and day) in the string. `ModelParser` (the pushed SavedModel, through
  `DateNormaliser.translate`), `ArrivalOrderModelParser` (its serving signature as a TF Serving client calls
  it), `DateutilParser`, `DateparserParser`.
- `Answer`, `readings(parser, lines)`: each answer with what the parser says about trusting it (the model's
  `uncertain` and `flags`; the libraries say nothing, so every date they give is plain).
- `answers(parser, lines)`, `score(lines, answers)`, `trust(lines, readings)`, `interleaved_speeds(parsers,
  lines)`: what `make bench` prints for each parser, side by side. The parsers are timed in turn, in
  TIMING_ROUNDS rounds, so a slow or fast spell of the machine falls on all of them; `speed_ratio` is the
  median of the rounds' ratios.

Fairness: each library is configured as a user who knows the file's conventions would configure it (the day
order of each line, two-digit years in 1950-2049, a complete date required, nothing fuzzy; dateparser told
each line's language), through documented settings only; see each class. No vocabulary is added to either
library and no answer is post-edited. The model is told each line's day order and no language: it reads the
words.

Importing this module does not import TensorFlow: the model parser wraps an already loaded
`models.saved_model.DateNormaliser`.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import datetime
import math
import re
import statistics
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import babel.localedata
import dateparser
import dateparser.date
import dateutil.parser
from dateparser.data import languages_info

from data_gen import formats, labels

if TYPE_CHECKING:  # the model parser wraps an already loaded model: no TensorFlow import here
    from models import saved_model

COLUMNS = ("input", "expected", "day_first", "category", "language")
LINE_COLUMNS = COLUMNS[:4]  # a file may leave out `language`: then every line is English
ENGLISH = "en"
BOOLEANS = {"true": True, "false": False}
# Lines whose right answer may be a refusal or a flagged or uncertain answer instead of a plain date: a weekday
# that is not the date's (expected: the date written), a range or list of dates (expected: none), a date in a
# language the model was not taught (expected: the date). Scored by `trust`, left out of the overall figures.
TRUST_CATEGORIES = ("weekday_conflict", "range", "untaught_language")
MIN_TIMED_SECONDS = 2.0
TIMING_ROUNDS = 3


class HandwrittenFormatError(ValueError):
    """A line of the hand-written benchmark file does not follow benchmarks/README.md."""


@dataclasses.dataclass(frozen=True)
class Line:
    """One line of the file: what a person wrote, and the ISO date it means ("" if none)."""

    input: str
    expected: str
    day_first: bool
    category: str
    language: str = ENGLISH  # ISO 639-1

    @property
    def is_date(self) -> bool:
        return self.expected != labels.NOT_A_DATE

    @property
    def tests_trust(self) -> bool:
        """Whether the line is one of TRUST_CATEGORIES."""
        return self.category in TRUST_CATEGORIES


def is_language_code(code: str) -> bool:
    """Whether `code` is an ISO 639-1 language code (two lower-case letters) that CLDR (through babel) knows."""
    return re.fullmatch("[a-z]{2}", code) is not None and babel.localedata.exists(code)


def read_handwritten(path: str) -> list[Line]:
    """The lines of a benchmark TSV (`input expected day_first category language`, a header first; a file
    without the `language` column is English throughout).

    Fields are split on tabs only: no quoting, no stripping (`csv.QUOTE_NONE`, as benchmarks/README.md says).
    `expected` is "" or a real `YYYY-MM-DD` date in 1900-2099; `day_first` is `true` or `false`; `language` an
    ISO 639-1 code. Any other line raises HandwrittenFormatError naming the file, the line number and what is
    wrong.
    """
    lines = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        columns = tuple(header) if header is not None else ()
        if columns not in (COLUMNS, LINE_COLUMNS):
            raise HandwrittenFormatError(
                f"{path}:1: the header must be {' '.join(COLUMNS)} (tab-separated; language may be left out "
                f"when every line is English), not {header!r}")
        for fields in reader:
            where = f"{path}:{reader.line_num}"
            if len(fields) != len(columns):
                raise HandwrittenFormatError(
                    f"{where}: expected {len(columns)} tab-separated columns ({', '.join(columns)}), "
                    f"got {len(fields)}: {fields!r}")
            text, expected, day_first, category, *language = fields
            language = language[0] if language else ENGLISH
            if not text:
                raise HandwrittenFormatError(f"{where}: the input is empty")
            if not labels.is_valid_label(expected):
                raise HandwrittenFormatError(
                    f"{where}: expected must be empty (not a date) or a real YYYY-MM-DD date in "
                    f"{formats.FIRST_DATE.year}-{formats.LAST_DATE.year}, not {expected!r}")
            if day_first not in BOOLEANS:
                raise HandwrittenFormatError(f"{where}: day_first must be true or false, not {day_first!r}")
            if not category:
                raise HandwrittenFormatError(f"{where}: the category is empty")
            if not is_language_code(language):
                raise HandwrittenFormatError(
                    f"{where}: language must be an ISO 639-1 code (two lower-case letters, such as en or fr), "
                    f"not {language!r}")
            lines.append(Line(text, expected, BOOLEANS[day_first], category, language))
    if not lines:
        raise HandwrittenFormatError(f"{path}: no lines after the header")
    return lines


class DateParser(Protocol):
    """What the benchmark needs of a parser. A parser that can say an answer should not be trusted (the model)
    also has `read(texts, day_first, languages) -> list[Answer]`; the others' date answers are all plain."""

    name: str
    settings: dict[str, Any]  # how it is configured, for bench.json

    def parse(self, texts: Sequence[str], day_first: bool,
              languages: Sequence[str] | None = None) -> list[str | None]:
        """An ISO date per string, or None where the parser refuses (no complete date in the string).
        `languages`: each string's ISO 639-1 code (None: all English); a parser may ignore it."""


class Answer(NamedTuple):
    """A parser's answer to one line, and whether the parser says not to trust it."""

    iso: str | None  # None: refused
    uncertain: bool = False  # the parser says the answer should not be trusted
    flags: tuple[str, ...] = ()  # what it noticed, e.g. "weekday_conflict"

    @property
    def plain(self) -> bool:
        """A date given with no sign that it should not be trusted: what a caller takes as the answer."""
        return is_calendar_date(self.iso) and not self.uncertain and not self.flags

    def as_text(self) -> str:
        """"" for a refusal, the date for a plain answer, else the date and why not to trust it."""
        if self.iso is None:
            return ""
        signs = ["uncertain"] * self.uncertain + list(self.flags)
        return f"{self.iso} ({', '.join(signs)})" if signs else self.iso


class ModelParser:
    """The pushed model through `DateNormaliser.translate`, in batches, with each line's preference and no
    language (the model reads the words)."""

    name = "model"

    def __init__(self, normaliser: saved_model.DateNormaliser, batch_size: int):
        self.normaliser = normaliser
        self.batch_size = batch_size
        self.settings = {"batch_size": batch_size, "language": "none given: the model reads the words"}

    def parse(self, texts: Sequence[str], day_first: bool,
              languages: Sequence[str] | None = None) -> list[str | None]:
        return [model_answer(t) for t in self.normaliser.translate(texts, self.batch_size, day_first)]

    def read(self, texts: Sequence[str], day_first: bool, languages: Sequence[str] | None = None) -> list[Answer]:
        return [model_reading(t) for t in self.normaliser.translate(texts, self.batch_size, day_first)]


class ArrivalOrderModelParser:
    """The pushed model's `serving_default` called as a TF Serving client calls it: consecutive slices of
    `batch_size` strings in the order they arrive (`DateNormaliser.translate_batch`, no grouping by length),
    one call at a time."""

    name = "serving_default"

    def __init__(self, normaliser: saved_model.DateNormaliser, batch_size: int):
        self.normaliser = normaliser
        self.batch_size = batch_size
        self.settings = {"batch_size": batch_size, "order": "arrival", "calls_at_once": 1}

    def parse(self, texts: Sequence[str], day_first: bool,
              languages: Sequence[str] | None = None) -> list[str | None]:
        texts = list(texts)
        return [model_answer(t) for start in range(0, len(texts), self.batch_size)
                for t in self.normaliser.translate_batch(texts[start:start + self.batch_size], day_first)]


def model_answer(translation: saved_model.Translation) -> str | None:
    """The ISO date of one translation, or None if it is not an answer (an error, a refusal, not a real date)."""
    if translation.error or not translation.is_date or not is_calendar_date(translation.iso):
        return None
    return translation.iso


def model_reading(translation: saved_model.Translation) -> Answer:
    """One translation as an Answer: its date (None if it is not an answer), `uncertain` and `flags`."""
    iso = model_answer(translation)
    if iso is None:
        return Answer(None)
    return Answer(iso, bool(translation.uncertain), tuple(translation.flags))


class PivotParserInfo(dateutil.parser.parserinfo):
    """dateutil's stock vocabulary, with two-digit years read in the file's 100-year window (1950-2049)
    instead of dateutil's window around the current year. `convertyear` is the documented hook for this."""

    def __init__(self, first_year: int = formats.TWO_DIGIT_FIRST_DATE.year):
        super().__init__()
        self.first_year = first_year

    def convertyear(self, year: int, century_specified: bool = False) -> int:
        if year < 100 and not century_specified:
            year += self.first_year - self.first_year % 100
            if year < self.first_year:
                year += 100
        return year


class DateutilParser:
    """python-dateutil's `parser.parse(text, dayfirst=..., default=...)`, one string at a time, as it is
    (English only: the line's language is not used).

    Settings: `dayfirst` from the line, `fuzzy` off (the default), `ignoretz=True` (the date as written, with
    no time-zone conversion, and no warning for unknown zone names), two-digit years in 1950-2049
    (`PivotParserInfo`). A ParserError (a ValueError) or OverflowError is a refusal.

    dateutil fills any field the string lacks from `default` and has no documented way to say which fields
    it filled. Its documented contract, "elements specified in timestr replace elements in the default
    object", gives one: parse with a sentinel default whose year (1) cannot be written in the file's range,
    so a missing year shows as year 1; when month or day could have come from the sentinel (January, or days
    1-7: a weekday without a day moves the sentinel's day forward by up to six), parse again with a second
    default that differs in month and by two weeks in day. A complete date gives the same date both times.
    """

    name = "dateutil"
    FIRST_DEFAULT = datetime.datetime(1, 1, 1)
    SECOND_DEFAULT = datetime.datetime(1, 7, 15)

    def __init__(self):
        self.info = PivotParserInfo()
        self._parser = dateutil.parser.parser(self.info)
        self.settings = {"dayfirst": "from the line", "fuzzy": False, "ignoretz": True,
                         "two_digit_years": f"{self.info.first_year}-{self.info.first_year + 99}",
                         "default": "sentinel 0001-01-01, confirmed with 0001-07-15 when the month is "
                                    "January or the day 1-7",
                         "language": "not given: dateutil reads English"}

    def parse_one(self, text: str, day_first: bool) -> str | None:
        try:
            first = self._parser.parse(text, default=self.FIRST_DEFAULT, dayfirst=day_first, ignoretz=True)
            if first.year == self.FIRST_DEFAULT.year:
                return None  # no year in the string
            if first.month == self.FIRST_DEFAULT.month or first.day <= self.FIRST_DEFAULT.day + 6:
                second = self._parser.parse(text, default=self.SECOND_DEFAULT, dayfirst=day_first, ignoretz=True)
                if second.date() != first.date():
                    return None  # month or day came from the default
        except (ValueError, OverflowError):
            return None
        return first.date().isoformat()

    def parse(self, texts: Sequence[str], day_first: bool,
              languages: Sequence[str] | None = None) -> list[str | None]:
        return [self.parse_one(text, day_first) for text in texts]


class DateparserParser:
    """dateparser told each line's language, with a complete date required; one `DateDataParser` per
    language and day order, made when first needed.

    `DateDataParser(languages=[language], settings=...).get_date_data(text)` is what `dateparser.parse(text,
    languages=[language], settings=...)` does, without building the parser again for every string (the same
    answers, about 6 % faster). Settings:
    - `languages`: the line's language alone (no language detection).
    - `DATE_ORDER`: "DMY" for day-first lines, "MDY" otherwise.
    - `REQUIRE_PARTS` day, month and year: a string without a complete date is refused (None).
    - `PARSERS` custom-formats and absolute-time: the default list without "timestamp" (a number of seconds
      since 1970 is not a written date) and without "relative-time" ("tomorrow" names no date by itself).
    - `PREFER_DATES_FROM` "past" with `RELATIVE_BASE` 2049-12-31 23:59:59: two-digit years land in
      1950-2049, the file's window (dateparser has no pivot setting; this is its documented way to choose the
      century). The base is fixed, so results do not depend on today's date.
    """

    name = "dateparser"
    RELATIVE_BASE = datetime.datetime(formats.TWO_DIGIT_LAST_DATE.year, 12, 31, 23, 59, 59)
    SETTINGS = {"REQUIRE_PARTS": ["day", "month", "year"], "PARSERS": ["custom-formats", "absolute-time"],
                "PREFER_DATES_FROM": "past", "RELATIVE_BASE": RELATIVE_BASE}

    def __init__(self):
        self._parsers: dict[tuple[str, bool], dateparser.date.DateDataParser] = {}
        self.settings = {**self.SETTINGS, "RELATIVE_BASE": self.RELATIVE_BASE.isoformat(),
                         "DATE_ORDER": "DMY if day first, else MDY", "languages": "[the line's language]"}

    def parser(self, language: str, day_first: bool) -> dateparser.date.DateDataParser:
        """The DateDataParser for one language and day order."""
        key = (language, day_first)
        if key not in self._parsers:
            if language not in languages_info.language_order:  # else it fails at the first string, not here
                raise ValueError(f"dateparser {dateparser.__version__} does not know the language {language!r}")
            self._parsers[key] = dateparser.date.DateDataParser(
                languages=[language], settings={**self.SETTINGS, "DATE_ORDER": "DMY" if day_first else "MDY"})
        return self._parsers[key]

    def parse_one(self, text: str, day_first: bool, language: str = ENGLISH) -> str | None:
        date = self.parser(language, day_first).get_date_data(text).date_obj
        return None if date is None else date.date().isoformat()

    def parse(self, texts: Sequence[str], day_first: bool,
              languages: Sequence[str] | None = None) -> list[str | None]:
        languages = [ENGLISH] * len(texts) if languages is None else languages
        return [self.parse_one(text, day_first, language) for text, language in zip(texts, languages, strict=True)]


def by_preference(lines: Sequence[Line]) -> list[tuple[bool, list[int]]]:
    """(day_first, indices of the lines with that preference), month-first first; empty groups left out."""
    groups = [(day_first, [i for i, line in enumerate(lines) if line.day_first == day_first])
              for day_first in (False, True)]
    return [(day_first, indices) for day_first, indices in groups if indices]


def _in_order(lines: Sequence[Line], call: Callable[[list[str], bool, list[str]], list]) -> list:
    """`call(texts, day_first, languages)` once per preference; its results put back in the lines' order."""
    result: list = [None] * len(lines)
    for day_first, indices in by_preference(lines):
        got = call([lines[i].input for i in indices], day_first, [lines[i].language for i in indices])
        for i, answer in zip(indices, got, strict=True):
            result[i] = answer
    return result


def answers(parser: DateParser, lines: Sequence[Line]) -> list[str | None]:
    """The parser's answer to every line, in order (one call per day-order preference)."""
    return _in_order(lines, parser.parse)


def readings(parser: DateParser, lines: Sequence[Line]) -> list[Answer]:
    """The parser's Answer to every line, in order: from its `read` if it has one, else every date it gives
    is plain."""
    read = getattr(parser, "read", None)
    if read is not None:
        return _in_order(lines, read)
    return [Answer(iso) for iso in answers(parser, lines)]


def is_calendar_date(text: str | None) -> bool:
    """Whether an answer looks like a date: a real calendar date written YYYY-MM-DD (any year)."""
    try:
        return datetime.date.fromisoformat(text).isoformat() == text
    except (TypeError, ValueError):
        return False


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def score(lines: Sequence[Line], answered: Sequence[str | None]) -> dict[str, Any]:
    """Exact match on the dated lines (overall, per category, per language), and how the non-dates were
    answered. Lines of TRUST_CATEGORIES are left out of every figure but their own category's exact match
    (the date given, whatever its flags: `trust` scores them).

    - `exact_match`: answers equal to `expected`, over the dated lines; `refused_dates`: dated lines refused.
    - `refusal_rate`: non-dates refused; `non_dates_answered_with_date`: non-dates answered with a real
      calendar date (what a caller would take for a date); the rest, if any, got some other answer.
    """
    hits, totals = collections.Counter(), collections.Counter()
    language_hits, language_totals = collections.Counter(), collections.Counter()
    refused_dates = refused_non_dates = dated_non_dates = non_dates = 0
    for line, answer in zip(lines, answered, strict=True):
        if line.is_date:
            totals[line.category] += 1
            hits[line.category] += answer == line.expected
        if line.tests_trust:
            continue
        if line.is_date:
            language_totals[line.language] += 1
            language_hits[line.language] += answer == line.expected
            refused_dates += answer is None
        else:
            non_dates += 1
            refused_non_dates += answer is None
            dated_non_dates += is_calendar_date(answer)
    dates = sum(language_totals.values())
    return {
        "dates": dates,
        "exact_match": _share(sum(language_hits.values()), dates),
        "exact_match_by_category": {c: hits[c] / totals[c] for c in sorted(totals)},
        "exact_match_by_language": {lang: language_hits[lang] / language_totals[lang]
                                    for lang in sorted(language_totals)},
        "refused_dates": _share(refused_dates, dates),
        "non_dates": non_dates,
        "refusal_rate": _share(refused_non_dates, non_dates),
        "non_dates_answered_with_date": _share(dated_non_dates, non_dates),
    }


def is_trusted_wrong(line: Line, answer: Answer) -> bool:
    """A plain answer (a date, neither uncertain nor flagged) that is wrong. On a weekday-conflict line every
    plain answer is wrong: the right output is a flagged answer or a refusal."""
    return answer.plain and (line.category == "weekday_conflict" or answer.iso != line.expected)


def trust(lines: Sequence[Line], read: Sequence[Answer]) -> dict[str, Any]:
    """Whether the answers can be trusted: a caller takes a plain answer as the date.

    - `non_dates_answered_with_plain_date`: the non-dates (outside TRUST_CATEGORIES) answered with a plain
      date.
    - `confidently_wrong_by_category`: per TRUST_CATEGORIES category, the share of its lines with a plain,
      wrong answer (`is_trusted_wrong`); `confidently_wrong`: over all their lines.
    - `plain_answers`, `plain_answers_right`: the plain answers on all the lines, and the share of them that
      are right.
    """
    wrong, totals = collections.Counter(), collections.Counter()
    plain_non_dates = non_dates = plain = plain_wrong = 0
    for line, answer in zip(lines, read, strict=True):
        plain += answer.plain
        plain_wrong += is_trusted_wrong(line, answer)
        if line.tests_trust:
            totals[line.category] += 1
            wrong[line.category] += is_trusted_wrong(line, answer)
        elif not line.is_date:
            non_dates += 1
            plain_non_dates += answer.plain
    return {
        "non_dates_answered_with_plain_date": _share(plain_non_dates, non_dates),
        "trust_lines": {c: totals[c] for c in TRUST_CATEGORIES if totals[c]},
        "confidently_wrong_by_category": {c: wrong[c] / totals[c] for c in TRUST_CATEGORIES if totals[c]},
        "confidently_wrong": _share(sum(wrong.values()), sum(totals.values())),
        "plain_answers": plain,
        "plain_answers_right": _share(plain - plain_wrong, plain),
    }


def _preference_groups(lines: Sequence[Line]) -> list[tuple[bool, list[str], list[str]]]:
    """(day_first, texts, languages) per preference, each in the lines' order."""
    return [(day_first, [lines[i].input for i in indices], [lines[i].language for i in indices])
            for day_first, indices in by_preference(lines)]


def _timed_pass(parser: DateParser, groups: list[tuple[bool, list[str], list[str]]], repeats: int,
                clock: Callable[[], float]) -> float:
    """Seconds for one call per preference group, each group's strings repeated `repeats` times."""
    start = clock()
    for day_first, texts, languages in groups:
        parser.parse(texts * repeats, day_first, languages * repeats)
    return clock() - start


def strings_per_second(parser: DateParser, lines: Sequence[Line], min_seconds: float = MIN_TIMED_SECONDS,
                       clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """Strings per second of `parser` on all the lines, the whole list repeated until one timed pass over
    the repeated list takes at least `min_seconds` (after a warm-up call on the list once).

    Each pass makes one call per day-order preference, with that preference's strings repeated, so a
    batching parser (the model) sees full batches. Returns strings/s, strings timed, seconds and repeats.
    """
    groups = _preference_groups(lines)
    _timed_pass(parser, groups, 1, clock)  # warm-up: tracing, caches, lazily loaded data
    repeats = 1
    while True:
        seconds = _timed_pass(parser, groups, repeats, clock)
        if seconds >= min_seconds:
            strings = repeats * len(lines)
            return {"strings_per_second": strings / seconds, "strings": strings, "seconds": seconds,
                    "repeats": repeats}
        repeats = max(2 * repeats, math.ceil(repeats * 1.2 * min_seconds / max(seconds, 1e-6)))


def interleaved_speeds(parsers: Sequence[DateParser], lines: Sequence[Line], rounds: int = TIMING_ROUNDS,
                       min_seconds: float = MIN_TIMED_SECONDS,
                       clock: Callable[[], float] = time.perf_counter) -> dict[str, dict[str, Any]]:
    """Each parser's speed on the lines, timed in `rounds` rounds that take the parsers in turn.

    Round 1 is `strings_per_second` (a warm-up, then as many repeats of the list as fill `min_seconds`); the
    later rounds time the same repeats again. Per parser: the median of its rounds' strings/s and every round's.
    """
    first = {parser.name: strings_per_second(parser, lines, min_seconds, clock) for parser in parsers}
    by_round = {name: [figures["strings_per_second"]] for name, figures in first.items()}
    groups = _preference_groups(lines)
    for _ in range(rounds - 1):
        for parser in parsers:
            seconds = _timed_pass(parser, groups, first[parser.name]["repeats"], clock)
            by_round[parser.name].append(first[parser.name]["strings"] / seconds)
    return {name: {"strings_per_second": statistics.median(rates), "strings_per_second_by_round": rates,
                   "strings": first[name]["strings"], "seconds": first[name]["seconds"]}
            for name, rates in by_round.items()}


def round_ratios(speeds: dict[str, dict[str, Any]], name: str, other: str) -> list[float]:
    """Per timing round: `name`'s strings/s divided by `other`'s in the same round."""
    return [a / b for a, b in zip(speeds[name]["strings_per_second_by_round"],
                                  speeds[other]["strings_per_second_by_round"], strict=True)]


def speed_ratio(speeds: dict[str, dict[str, Any]], name: str, other: str) -> float:
    """The median over the timing rounds of `name`'s strings/s divided by `other`'s in the same round."""
    return statistics.median(round_ratios(speeds, name, other))


def write_answers(path: str, lines: Sequence[Line], by_parser: dict[str, Sequence[Answer]]) -> str:
    """A TSV of every line: input, expected, day_first, category, then each parser's answer (`Answer.as_text`:
    "" = refused, the date, or the date and why not to trust it). The language of line i is the language of
    line i of the benchmark file."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
        writer.writerow([*LINE_COLUMNS, *by_parser])
        for i, line in enumerate(lines):
            writer.writerow([line.input, line.expected, "true" if line.day_first else "false", line.category,
                             *(answered[i].as_text() for answered in by_parser.values())])
    return path


def evaluate(parsers: Sequence[DateParser], lines: Sequence[Line], min_seconds: float = MIN_TIMED_SECONDS,
             clock: Callable[[], float] = time.perf_counter, timed_only: Sequence[DateParser] = (),
             ) -> tuple[dict[str, dict], dict[str, list[Answer]]]:
    """Per parser: its settings, scores (`score`, `trust`) and speed (`interleaved_speeds`, in the same rounds
    as the `timed_only` parsers, whose figures are their settings and speed); and each scored parser's
    answers, for `write_answers`."""
    read = {parser.name: readings(parser, lines) for parser in parsers}
    speeds = interleaved_speeds([*parsers, *timed_only], lines, min_seconds=min_seconds, clock=clock)
    figures = {parser.name: {"settings": parser.settings, **score(lines, [a.iso for a in read[parser.name]]),
                             **trust(lines, read[parser.name]), **speeds[parser.name]} for parser in parsers}
    figures.update({parser.name: {"settings": parser.settings, **speeds[parser.name]} for parser in timed_only})
    return figures, read

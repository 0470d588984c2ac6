"""`make bench`: the hand-written benchmark file, the three parsers behind one interface, their scores and
speed, the model's FLOPs count, and `datenmt bench` end to end on the pushed model of the `runs` fixture."""

from __future__ import annotations

import collections
import csv
import datetime
import glob
import json
import os
import re
import subprocess
import sys
from typing import NamedTuple

import babel
import pytest

from models import cost, saved_model
from serving import baselines, bench_report, limits

HEADER = "input\texpected\tday_first\tcategory\n"  # the language column left out: every line English
LANGUAGE_HEADER = "input\texpected\tday_first\tcategory\tlanguage\n"
REPO_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks",
                         "handwritten.tsv")


def _write(tmp_path, text: str) -> str:
    path = tmp_path / "bench.tsv"
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- the file ---------------------------------------------------------------------------------------------

def test_reader_keeps_fields_exactly_as_written(tmp_path):
    path = _write(tmp_path, HEADER
                  + "  14 August 1987 \t1987-08-14\tfalse\teveryday\n"
                  + '"Sat" 5/6/2003\t2003-06-05\ttrue\tambiguous\n'
                  + "the blue hour\t\tfalse\tnot_a_date\n")
    lines = baselines.read_handwritten(path)
    assert lines == [
        baselines.Line("  14 August 1987 ", "1987-08-14", False, "everyday"),  # spaces kept
        baselines.Line('"Sat" 5/6/2003', "2003-06-05", True, "ambiguous"),  # quotes are not CSV quoting
        baselines.Line("the blue hour", "", False, "not_a_date"),
    ]
    assert [line.is_date for line in lines] == [True, True, False]


@pytest.mark.parametrize(("row", "message"), [
    ("14 August 1987\t1987-08-14\tfalse\n", "expected 4 tab-separated columns"),
    ("14 August 1987\t1987-08-14\tfalse\teveryday\textra\n", "got 5"),
    ("14 August 1987\t1987-08-14\tyes\teveryday\n", "day_first must be true or false"),
    ("31 June 1987\t1987-06-31\tfalse\teveryday\n", "expected must be empty"),
    ("14 August 1987\t14/08/1987\tfalse\teveryday\n", "expected must be empty"),
    ("14 August 1787\t1787-08-14\tfalse\teveryday\n", "1900-2099"),
    ("14 August 1987\t1987-08-14\tfalse\t\n", "the category is empty"),
    ("\t1987-08-14\tfalse\teveryday\n", "the input is empty"),
    ("\n", "got 0"),
])
def test_reader_names_the_line_and_the_problem(tmp_path, row, message):
    _assert_third_line_refused(tmp_path, HEADER + "1 March 2001\t2001-03-01\tfalse\teveryday\n" + row, message)


def _assert_third_line_refused(tmp_path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(baselines.HandwrittenFormatError, match=message) as caught:
        baselines.read_handwritten(path)
    assert f"{path}:3:" in str(caught.value)


def test_reader_wants_the_header(tmp_path):
    with pytest.raises(baselines.HandwrittenFormatError, match=":1: the header"):
        baselines.read_handwritten(_write(tmp_path, "1 March 2001\t2001-03-01\tfalse\teveryday\n"))
    with pytest.raises(baselines.HandwrittenFormatError, match="no lines"):
        baselines.read_handwritten(_write(tmp_path, HEADER))


def test_reader_reads_each_lines_language(tmp_path):
    path = _write(tmp_path, LANGUAGE_HEADER
                  + "3. März 1979\t1979-03-03\ttrue\tordinal\tde\n"
                  + "Friday March 11 1905\t1905-03-11\tfalse\tweekday_conflict\ten\n")
    assert baselines.read_handwritten(path) == [
        baselines.Line("3. März 1979", "1979-03-03", True, "ordinal", "de"),
        baselines.Line("Friday March 11 1905", "1905-03-11", False, "weekday_conflict", "en"),
    ]
    assert baselines.Line("x", "", False, "partial").language == "en"  # what a file without the column gives


@pytest.mark.parametrize(("row", "message"), [
    ("3 mars 1979\t1979-03-03\ttrue\teveryday\tFR\n", "language must be an ISO 639-1 code .*'FR'"),
    ("3 mars 1979\t1979-03-03\ttrue\teveryday\tfra\n", "'fra'"),
    ("3 mars 1979\t1979-03-03\ttrue\teveryday\txx\n", "'xx'"),
    ("3 mars 1979\t1979-03-03\ttrue\teveryday\t\n", "language must be"),
    ("3 mars 1979\t1979-03-03\ttrue\teveryday\n", "expected 5 tab-separated columns"),
])
def test_reader_names_the_line_with_a_bad_language(tmp_path, row, message):
    _assert_third_line_refused(
        tmp_path, LANGUAGE_HEADER + "1 March 2001\t2001-03-01\tfalse\teveryday\ten\n" + row, message)


SIX_LANGUAGES = ("fr", "de", "es", "it", "pt", "nl")


@pytest.fixture(scope="module")
def repo_lines() -> list[baselines.Line]:
    return baselines.read_handwritten(REPO_FILE)


def test_the_repository_file_holds_every_category_and_language(repo_lines):
    by_category = collections.Counter(line.category for line in repo_lines)
    for category in (*baselines.TRUST_CATEGORIES, "time_only", "impossible"):
        assert by_category[category] >= 25, category
    for language in SIX_LANGUAGES:
        lines = [line for line in repo_lines if line.language == language]
        dated = [line for line in lines if line.is_date]
        assert len(dated) >= 35 and len(lines) - len(dated) >= 5, language
        assert all(line.day_first for line in dated if line.category != "ambiguous"), language
    untaught = {line.language for line in repo_lines if line.category == "untaught_language"}
    assert len(untaught) >= 8 and not untaught & {"en", *SIX_LANGUAGES}
    assert all(not line.is_date for line in repo_lines if line.category == "range")
    assert all(line.is_date for line in repo_lines if line.category in ("weekday_conflict", "untaught_language"))
    keys = collections.Counter((line.input, line.day_first, line.language) for line in repo_lines)
    assert [key for key, n in keys.items() if n > 1] == []


def _weekday_names(language: str) -> dict[str, int]:
    """CLDR's weekday names and abbreviations in `language` (lower case, no final dot) -> Monday = 0 ...;
    names that are also a month's ("mar" in Spanish) left out."""
    locale = babel.Locale.parse(language)
    days, months = {}, set()
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            days.update({name.lower().rstrip("."): i for i, name in locale.days[context][width].items()})
            months.update(name.lower().rstrip(".") for name in locale.months[context][width].values())
    return {name: i for name, i in days.items() if name not in months}


def test_the_repository_files_weekdays_are_the_dates_but_in_weekday_conflicts(repo_lines):
    checked = collections.Counter()
    for line in (line for line in repo_lines if line.is_date):
        text = line.input.lower()
        named = {i for name, i in _weekday_names(line.language).items()
                 if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)}
        weekday = datetime.date.fromisoformat(line.expected).weekday()
        if line.category == "weekday_conflict":
            assert named and weekday not in named, line
        else:
            assert named <= {weekday}, line
        checked[line.category == "weekday_conflict"] += bool(named)
    assert checked[True] >= 25 and checked[False] >= 100


NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})\s*([./-]|\s)\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?!\d)")


def _full_year(year: str) -> int:
    """A written year; two-digit years pivot at 50 (50-99 are 19xx, 00-49 are 20xx)."""
    return int(year) + (0 if len(year) == 4 else 1900 if int(year) >= 50 else 2000)


def _date(year: int, month: int, day: int) -> str | None:
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def test_the_repository_files_numeric_dates_follow_the_ambiguity_convention(repo_lines):
    """Day and month as numbers (not year first): a line whose two readings are both real dates is
    `ambiguous` and holds the reading of its preference; any other has its one reading; an impossible
    line has none."""
    checked = 0
    for line in (line for line in repo_lines if line.category != "range"):
        for match in NUMERIC_DATE.finditer(line.input):
            first, second, year = int(match[1]), int(match[3]), _full_year(match[4])
            month_first, day_first = _date(year, first, second), _date(year, second, first)
            readings = {month_first, day_first} - {None}
            if line.category == "impossible":
                assert not readings, line
            elif line.is_date:
                checked += 1
                if len(readings) == 2:
                    assert line.category == "ambiguous", line
                    assert line.expected == (day_first if line.day_first else month_first), line
                else:
                    assert readings == {line.expected}, line
    assert checked >= 100


def test_the_repository_file_reads_and_pairs_its_ambiguous_lines():
    lines = baselines.read_handwritten(REPO_FILE)
    assert len(lines) > 400 and sum(not line.is_date for line in lines) >= 100
    ambiguous = [line for line in lines if line.category == "ambiguous"]
    by_input = {}
    for line in ambiguous:
        by_input.setdefault(line.input, set()).add(line.day_first)
    assert ambiguous and all(prefs == {False, True} for prefs in by_input.values())


# --- the two libraries ------------------------------------------------------------------------------------

LIBRARY_CASES = [  # (text, day_first, answer); all written for this test
    ("14 August 1987", False, "1987-08-14"),
    ("Friday, 14 August 1987", False, "1987-08-14"),
    ("August 1987", False, None),  # month and year only
    ("Friday, August 1987", False, None),  # a weekday does not stand in for the day
    ("August 14", False, None),  # no year
    ("05/06/2003", False, "2003-05-06"),  # both readings real: the preference decides
    ("05/06/2003", True, "2003-06-05"),
    ("8/14/62", False, "1962-08-14"),  # two-digit years in 1950-2049
    ("8/14/31", False, "2031-08-14"),
    ("31 June 2003", False, None),  # no such day
    ("purple elephants", False, None),
]


@pytest.mark.parametrize("parser_class", [baselines.DateutilParser, baselines.DateparserParser])
def test_library_parsers_answer_complete_dates_and_refuse_the_rest(parser_class):
    parser = parser_class()
    got = [(text, day_first, parser.parse([text], day_first)[0]) for text, day_first, _ in LIBRARY_CASES]
    assert got == LIBRARY_CASES
    assert parser.settings  # documented in bench.json


def test_dateutil_sentinel_never_leaks_into_an_answer():
    parser = baselines.DateutilParser()
    # January and days 1-7 are where the first sentinel could hide: they need the second parse to pass.
    assert parser.parse(["1 January 2004", "Jan 7 1999", "Tuesday 3 January 1950"], False) == [
        "2004-01-01", "1999-01-07", "1950-01-03"]
    assert parser.parse(["January 2004", "Tuesday, January 2004", "2004", "Tuesday"], False) == [None] * 4


def test_dateparser_does_not_resolve_relative_words_or_timestamps():
    parser = baselines.DateparserParser()
    assert parser.parse(["the day before yesterday", "in two weeks", "1700000000"], False) == [None] * 3


def test_dateparser_is_told_each_lines_language_and_dateutil_reads_english():
    texts = ["3. März 1979", "3 maj 1979", "21 Aralık 2013", "le 04/05/2012", "Friday March 11 1905"]
    languages = ["de", "sv", "tr", "fr", "en"]
    dateparser_parser = baselines.DateparserParser()
    assert dateparser_parser.parse(texts, True, languages) == [
        "1979-03-03", "1979-05-03", "2013-12-21", "2012-05-04", "1905-03-11"]
    assert dateparser_parser.parse(["le 04/05/2012"], False, ["fr"]) == ["2012-04-05"]  # MDY for month first
    assert dateparser_parser.parse(texts, True) == [None, None, None, None, "1905-03-11"]  # all English
    assert baselines.DateutilParser().parse(texts, True, languages) == [None, None, None, None, "1905-03-11"]
    with pytest.raises(ValueError, match="does not know the language 'xx'"):
        dateparser_parser.parse(["1 xx 2000"], True, ["xx"])


# --- the model's adapter, with stand-in normalisers -------------------------------------------------------

def test_a_translation_is_an_answer_only_when_it_is_a_real_date_and_no_error():
    def translation(**fields):
        return saved_model.Translation("x", **fields)

    assert baselines.model_answer(translation(iso="2001-02-03", is_date=True)) == "2001-02-03"
    assert baselines.model_answer(translation(iso="2001-02-03", is_date=False)) is None
    assert baselines.model_answer(translation(iso="", is_date=True)) is None
    assert baselines.model_answer(translation(iso="2001-02-30", is_date=True)) is None
    assert baselines.model_answer(translation(error="empty input")) is None


class StandInTranslation(NamedTuple):
    """A translation with the fields models.saved_model.Translation gains for issue 27 (`reason`, `uncertain`,
    `flags`), for testing the benchmark before they exist in main."""

    input: str
    iso: str | None = None
    is_date: bool | None = None
    confidence: float | None = None
    ambiguous: bool | None = None
    error: str | None = None
    reason: str | None = None
    uncertain: bool = False
    flags: tuple[str, ...] = ()


def test_a_models_reading_says_whether_to_trust_the_answer():
    reading = baselines.model_reading
    plain = reading(StandInTranslation("x", "2001-02-03", True, 0.99))
    assert plain == baselines.Answer("2001-02-03") and plain.plain and plain.as_text() == "2001-02-03"
    unsure = reading(StandInTranslation("x", "2001-02-03", True, 0.45, uncertain=True))
    assert unsure == baselines.Answer("2001-02-03", uncertain=True) and not unsure.plain
    flagged = reading(StandInTranslation("x", "1905-03-11", True, 0.99, uncertain=True, flags=["weekday_conflict"]))
    assert flagged.flags == ("weekday_conflict",) and not flagged.plain
    assert flagged.as_text() == "1905-03-11 (uncertain, weekday_conflict)"
    # Flagged but not marked uncertain is still not plain: the flag is a sign not to take the date as it is.
    assert not baselines.Answer("1905-03-11", flags=("weekday_conflict",)).plain
    refused = reading(StandInTranslation("x", None, False, 0.99, reason="not a date"))
    assert refused == baselines.Answer(None) and not refused.plain and refused.as_text() == ""
    assert reading(StandInTranslation("x", error="empty input", uncertain=True)) == baselines.Answer(None)
    assert not baselines.Answer("2001-02-30").plain  # not a calendar date


class TableNormaliser:
    """Translates from a table keyed by (text, day_first); records the calls it gets."""

    def __init__(self, table: dict[tuple[str, bool], str]):
        self.table = table
        self.calls: list[tuple[int, bool, int]] = []
        self.batches: list[list[str]] = []

    def translate(self, texts, batch_size, day_first=False):
        texts = list(texts)
        self.calls.append((len(texts), day_first, batch_size))
        for text in texts:
            iso = self.table.get((text, day_first))
            yield saved_model.Translation(text, iso=iso, is_date=iso is not None)

    def translate_batch(self, texts, day_first=False):
        self.batches.append(list(texts))
        return list(self.translate(texts, len(texts), day_first))


def test_model_parser_passes_each_lines_day_first_preference():
    table = {("4/3/2001", False): "2001-04-03", ("4/3/2001", True): "2001-03-04"}
    lines = [baselines.Line("4/3/2001", "2001-04-03", False, "ambiguous"),
             baselines.Line("4/3/2001", "2001-03-04", True, "ambiguous")]
    normaliser = TableNormaliser(table)
    assert baselines.answers(baselines.ModelParser(normaliser, batch_size=7), lines) == ["2001-04-03", "2001-03-04"]
    assert normaliser.calls == [(1, False, 7), (1, True, 7)]


def test_the_model_reads_without_a_language_and_says_what_not_to_trust():
    table = {("3. März 1979", True): "1979-03-03", ("Friday March 11 1905", False): "1905-03-11"}
    lines = [baselines.Line("3. März 1979", "1979-03-03", True, "ordinal", "de"),
             baselines.Line("Friday March 11 1905", "1905-03-11", False, "weekday_conflict")]

    class Flagging(TableNormaliser):
        def translate(self, texts, batch_size, day_first=False):
            for t in super().translate(texts, batch_size, day_first):
                conflict = t.input.startswith("Friday")
                yield StandInTranslation(t.input, t.iso, t.is_date, 0.99, uncertain=conflict,
                                         flags=("weekday_conflict",) * conflict)

    normaliser = Flagging(table)
    parser = baselines.ModelParser(normaliser, batch_size=7)
    assert baselines.readings(parser, lines) == [
        baselines.Answer("1979-03-03"), baselines.Answer("1905-03-11", True, ("weekday_conflict",))]
    assert normaliser.calls == [(1, False, 7), (1, True, 7)]  # each preference; no language reaches it


def test_arrival_order_calls_the_signature_on_consecutive_slices_one_at_a_time():
    texts = [f"{i % 28 + 1} {'x' * (i % 13)} March 1990" for i in range(2500)]  # lengths in no order
    normaliser = TableNormaliser({(t, False): "1990-03-01" for t in texts})
    parser = baselines.ArrivalOrderModelParser(normaliser, batch_size=1024)
    assert parser.parse(texts, False) == ["1990-03-01"] * 2500
    assert [len(b) for b in normaliser.batches] == [1024, 1024, 452]
    assert [t for b in normaliser.batches for t in b] == texts  # in arrival order, not sorted by length


# --- scores and speed, with a stand-in parser -------------------------------------------------------------

class TableParser:
    """Answers from a table keyed by (text, day_first); each string costs `cost` seconds on `clock`."""

    name = "table"
    settings = {"table": True}

    def __init__(self, table: dict[tuple[str, bool], str], clock: FakeClock | None = None, cost: float = 0.0):
        self.table, self.clock, self.cost = table, clock, cost
        self.calls: list[tuple[int, bool]] = []
        self.languages: list[list[str] | None] = []

    def parse(self, texts, day_first, languages=None):
        self.calls.append((len(texts), day_first))
        self.languages.append(languages)
        if self.clock:
            self.clock.now += self.cost * len(texts)
        return [self.table.get((text, day_first)) for text in texts]


def logged_parsers(clock: FakeClock, order: list[str], **costs: float) -> list[TableParser]:
    """TableParsers named after `costs` (seconds per string) that append their name to `order` at each call."""

    class Logged(TableParser):
        def parse(self, texts, day_first, languages=None):
            order.append(self.name)
            return super().parse(texts, day_first, languages)

    parsers = [Logged(TABLE, clock, cost=cost) for cost in costs.values()]
    for parser, name in zip(parsers, costs, strict=True):
        parser.name = name
    return parsers


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


LINES = [
    baselines.Line("2 March 1990", "1990-03-02", False, "everyday"),
    baselines.Line("2/3/1990", "1990-02-03", False, "ambiguous"),
    baselines.Line("2/3/1990", "1990-03-02", True, "ambiguous"),
    baselines.Line("the 2nd of March 1990", "1990-03-02", False, "ordinal"),
    baselines.Line("March 1990", "", False, "partial"),
    baselines.Line("soon", "", False, "relative"),
    baselines.Line("99 luftballons", "", False, "not_a_date"),
    baselines.Line("31/2/1990", "", False, "impossible"),
]
TABLE = {
    ("2 March 1990", False): "1990-03-02",  # right
    ("2/3/1990", False): "1990-02-03",  # right
    ("2/3/1990", True): "1990-02-03",  # wrong: ignores the preference
    # "the 2nd of March 1990": refused
    ("March 1990", False): "1990-03-01",  # a non-date answered with a date
    ("99 luftballons", False): "1999-99-99",  # answered with something that is no date
}


def test_answers_keep_the_input_order_across_preferences():
    parser = TableParser(TABLE)
    answered = baselines.answers(parser, LINES)
    assert answered == ["1990-03-02", "1990-02-03", "1990-02-03", None, "1990-03-01", None, "1999-99-99", None]
    assert parser.calls == [(7, False), (1, True)]  # one call per preference


def test_score_counts_matches_refusals_and_dated_answers():
    figures = baselines.score(LINES, baselines.answers(TableParser(TABLE), LINES))
    assert figures["dates"] == 4 and figures["non_dates"] == 4
    assert figures["exact_match"] == 2 / 4
    assert figures["exact_match_by_category"] == {"ambiguous": 0.5, "everyday": 1.0, "ordinal": 0.0}
    assert figures["refused_dates"] == 1 / 4
    assert figures["refusal_rate"] == 2 / 4  # "soon" and "31/2/1990"
    assert figures["non_dates_answered_with_date"] == 1 / 4  # "1999-99-99" is not a date


TRUST_LINES = [  # (line, answer)
    (baselines.Line("2 March 1990", "1990-03-02", False, "everyday"), baselines.Answer("1990-03-02")),
    (baselines.Line("2 mars 1990", "1990-03-02", True, "everyday", "fr"), baselines.Answer("1990-02-03")),
    (baselines.Line("2. März 1990", "1990-03-02", True, "ordinal", "de"), baselines.Answer("1990-03-02", True)),
    (baselines.Line("March 1990", "", False, "partial"), baselines.Answer("1990-03-01")),  # plain: wrong
    (baselines.Line("soon", "", False, "relative"), baselines.Answer("2000-01-01", True)),  # uncertain
    (baselines.Line("demain", "", True, "relative", "fr"), baselines.Answer(None)),
    # A weekday conflict: a plain answer is wrong even with the date written; flagged or refused is right.
    (baselines.Line("Friday March 11 1905", "1905-03-11", False, "weekday_conflict"), baselines.Answer("1905-03-11")),
    (baselines.Line("Monday, 3 May 1979", "1979-05-03", False, "weekday_conflict"),
     baselines.Answer("1979-05-03", flags=("weekday_conflict",))),
    (baselines.Line("Wed 31 Dec 1999", "1999-12-31", False, "weekday_conflict"), baselines.Answer(None)),
    (baselines.Line("Sun 6/18/2008", "2008-06-18", False, "weekday_conflict"), baselines.Answer("2008-06-19", True)),
    # A range: any plain date is wrong.
    (baselines.Line("22-27 June 1963", "", False, "range"), baselines.Answer("1963-06-22")),
    (baselines.Line("May 3 and 4, 2009", "", False, "range"), baselines.Answer("2009-05-03", True)),
    # An untaught language: a plain wrong date is wrong, a plain right one is right.
    (baselines.Line("3 maj 1979", "1979-05-03", True, "untaught_language", "sv"), baselines.Answer("1979-03-03")),
    (baselines.Line("21 Aralık 2013", "2013-12-21", True, "untaught_language", "tr"), baselines.Answer("2013-12-21")),
    (baselines.Line("17. mai 1905", "1905-05-17", True, "untaught_language", "nb"), baselines.Answer(None)),
]


def test_trust_counts_plain_wrong_answers_and_every_plain_answer_to_a_weekday_conflict():
    lines, read = zip(*TRUST_LINES, strict=True)
    figures = baselines.trust(lines, read)
    assert figures["non_dates_answered_with_plain_date"] == 1 / 3  # "March 1990"; "soon" was uncertain
    assert figures["trust_lines"] == {"weekday_conflict": 4, "range": 2, "untaught_language": 3}
    assert figures["confidently_wrong_by_category"] == {"weekday_conflict": 1 / 4, "range": 1 / 2,
                                                        "untaught_language": 1 / 3}
    assert figures["confidently_wrong"] == 3 / 9
    # Plain answers: 2 March, 2 mars (wrong), March 1990 (wrong), Friday (wrong), 22-27 June (wrong), maj
    # (wrong), Aralık.
    assert figures["plain_answers"] == 7 and figures["plain_answers_right"] == 2 / 7


def test_a_library_gives_only_plain_answers():
    lines = [line for line, _ in TRUST_LINES]
    table = {(line.input, line.day_first): answer.iso for line, answer in TRUST_LINES}
    read = baselines.readings(TableParser(table), lines)
    assert read == [baselines.Answer(answer.iso) for _, answer in TRUST_LINES]
    assert baselines.trust(lines, read)["confidently_wrong_by_category"] == {
        "weekday_conflict": 3 / 4, "range": 2 / 2, "untaught_language": 1 / 3}


def test_score_by_language_leaves_the_trust_lines_to_their_own_rows():
    lines, read = zip(*TRUST_LINES, strict=True)
    figures = baselines.score(lines, [answer.iso for answer in read])
    assert figures["dates"] == 3 and figures["exact_match"] == 2 / 3  # everyday, everyday (fr), ordinal (de)
    assert figures["exact_match_by_language"] == {"de": 1.0, "en": 1.0, "fr": 0.0}
    assert figures["exact_match_by_category"] == {"everyday": 0.5, "ordinal": 1.0, "untaught_language": 1 / 3,
                                                  "weekday_conflict": 2 / 4}
    assert figures["non_dates"] == 3 and figures["refusal_rate"] == 1 / 3  # the ranges are not counted here
    assert figures["non_dates_answered_with_date"] == 2 / 3


def test_answers_pass_each_lines_language_to_the_parser():
    lines = [line for line, _ in TRUST_LINES]
    parser = TableParser({})
    baselines.answers(parser, lines)
    month_first = [line.language for line in lines if not line.day_first]
    day_first = [line.language for line in lines if line.day_first]
    assert parser.languages == [month_first, day_first]


def test_strings_per_second_repeats_the_list_until_enough_work_was_timed():
    clock = FakeClock()
    parser = TableParser(TABLE, clock, cost=0.001)  # 1,000 strings/s
    speed = baselines.strings_per_second(parser, LINES, min_seconds=0.5, clock=clock)
    assert speed["strings_per_second"] == pytest.approx(1000)
    assert speed["seconds"] >= 0.5 and speed["strings"] % len(LINES) == 0
    assert parser.calls[:2] == [(7, False), (1, True)]  # the warm-up: the list once
    assert all(n % 7 == 0 for n, day_first in parser.calls if not day_first)


def test_interleaved_speeds_time_the_parsers_in_turn_and_the_ratio_is_the_median_of_the_rounds():
    clock, order = FakeClock(), []

    fast, slow = logged_parsers(clock, order, fast=0.001, slow=0.002)
    speeds = baselines.interleaved_speeds([fast, slow], LINES, rounds=3, min_seconds=0.5, clock=clock)
    assert speeds["fast"]["strings_per_second"] == pytest.approx(1000)
    assert speeds["slow"]["strings_per_second_by_round"] == pytest.approx([500] * 3)
    # After each parser's first round (warm-up, then finding the repeats), rounds 2 and 3 take them in turn,
    # one call per day-order preference.
    assert order[-8:] == ["fast", "fast", "slow", "slow"] * 2
    assert baselines.speed_ratio(speeds, "fast", "slow") == pytest.approx(2)
    # The ratio is taken within each round, so a spell that slows both parsers in one round does not move it.
    spell = {"a": {"strings_per_second_by_round": [100, 50, 90]},
             "b": {"strings_per_second_by_round": [40, 25, 60]}}
    assert baselines.round_ratios(spell, "a", "b") == pytest.approx([2.5, 2, 1.5])
    assert baselines.speed_ratio(spell, "a", "b") == pytest.approx(2)


def test_evaluate_and_the_answers_file(tmp_path):
    clock = FakeClock()
    parsers = [TableParser(TABLE, clock, cost=0.01)]
    figures, answered = baselines.evaluate(parsers, LINES, min_seconds=0.2, clock=clock)
    assert figures["table"]["settings"] == {"table": True}
    assert figures["table"]["exact_match"] == 0.5 and figures["table"]["strings_per_second"] == pytest.approx(100)
    path = baselines.write_answers(str(tmp_path / "answers.tsv"), LINES, answered)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == ["input", "expected", "day_first", "category", "table"]
    assert rows[3] == ["2/3/1990", "1990-03-02", "true", "ambiguous", "1990-02-03"]
    assert rows[4] == ["the 2nd of March 1990", "1990-03-02", "false", "ordinal", ""]  # "" = refused


def test_evaluate_times_a_timed_only_parser_in_the_same_rounds_without_scoring_it():
    clock, order = FakeClock(), []

    scored, timed = logged_parsers(clock, order, scored=0.001, timed=0.004)
    figures, answered = baselines.evaluate([scored], LINES, min_seconds=0.2, clock=clock, timed_only=[timed])
    assert set(answered) == {"scored"} and "exact_match" not in figures["timed"]
    assert figures["timed"]["strings_per_second_by_round"] == pytest.approx([250] * baselines.TIMING_ROUNDS)
    assert order[-8:] == ["scored", "scored", "timed", "timed"] * 2  # in turn, round after round
    assert baselines.speed_ratio(figures, "scored", "timed") == pytest.approx(4)


# --- the model's FLOPs --------------------------------------------------------------------------------------

def test_multiply_adds_count_each_matrix_product_once_per_use():
    sizes = cost.ModelSizes(input_depth=5, n_a=2, n_s=3, attention_hidden=4, output_vocab=6, ty=8, parameters=0)
    macs = cost.multiply_adds(sizes, length=7)
    # Encoder: 2 directions x 7 positions x (5 + 2 inputs) x 8 gate units.
    assert macs["encoder"] == 2 * 7 * 7 * 8
    # Once per position: a (4) -> 4 hidden. Per output step: s (3) -> 4 hidden, then at 7 positions
    # 4 hidden -> 1 score and 7 weights x 4 values.
    assert macs["attention"] == 7 * 4 * 4 + 8 * (3 * 4 + 7 * (4 + 4))
    assert macs["decoder"] == 8 * (4 + 3) * 12  # context (4) and state (3) into 4 x 3 gate units
    assert macs["output"] == 8 * 3 * 6
    assert macs["total"] == sum(v for k, v in macs.items() if k != "total")


def test_training_compute_is_three_forward_passes_per_example_at_the_training_length():
    from serving import bench

    sizes = cost.ModelSizes(input_depth=5, n_a=2, n_s=3, attention_hidden=4, output_vocab=6, ty=8, parameters=0)
    t = bench.training_compute(sizes, examples_per_second=1000.0, mean_length=7.0, ceiling=2.0)
    forward_flops = 2 * cost.multiply_adds(sizes, length=7)["total"]
    assert t["flops_per_example"] == 3 * forward_flops
    assert t["achieved_gflops"] == pytest.approx(3 * forward_flops * 1000 / 1e9)
    assert t["share_of_matmul_rate"] == pytest.approx(t["achieved_gflops"] / 2.0)
    assert bench.training_compute(sizes, None, 7.0, 2.0)["achieved_gflops"] is None  # no history recorded


def test_a_splits_mean_model_length_is_read_in_batches(tmp_path, monkeypatch):
    import tensorflow as tf

    from models import features
    from serving import bench

    texts = ["3 May 1979", "  the 4th of July, 1994 ", "x" * (2 * features.TX)]  # the last cut at Tx
    (tmp_path / "Split-train").mkdir()
    with tf.io.TFRecordWriter(str(tmp_path / "Split-train" / "data.gz"), options="GZIP") as writer:
        for text in texts:
            feature = {features.HUMAN_KEY: tf.train.Feature(bytes_list=tf.train.BytesList(value=[text.encode()]))}
            writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
    monkeypatch.setattr(bench, "SPLIT_READ_BATCH", 2)  # two batches
    assert bench.split_mean_model_length(str(tmp_path), "train") == pytest.approx(bench.mean_model_length(texts))
    assert bench.mean_model_length(texts[2:]) == features.TX


# --- the tables and the Markdown file -------------------------------------------------------------------

HANDWRITTEN_SAMPLE = LANGUAGE_HEADER + "".join(
    f"{line.input}\t{line.expected}\t{'true' if line.day_first else 'false'}\t{line.category}\t{line.language}\n"
    for line, _ in TRUST_LINES)


def test_the_hand_written_figures_and_tables_hold_every_parser_category_and_language(tmp_path):
    from serving import bench, bench_report

    table = {(line.input, line.day_first): answer for line, answer in TRUST_LINES}

    class AnswerNormaliser(TableNormaliser):
        def translate(self, texts, batch_size, day_first=False):
            for text in texts:
                self.calls.append((1, day_first, batch_size))
                answer = table[(text, day_first)]
                yield StandInTranslation(text, answer.iso, answer.iso is not None, 0.95, uncertain=answer.uncertain,
                                         flags=answer.flags)

    path = _write(tmp_path, HANDWRITTEN_SAMPLE)
    sizes = cost.ModelSizes(input_depth=5, n_a=2, n_s=3, attention_hidden=4, output_vocab=6, ty=8, parameters=0)
    h = bench.handwritten_figures(AnswerNormaliser({}), sizes, path, str(tmp_path), min_seconds=0.01)
    assert set(h["parsers"]) == {"model", "dateutil", "dateparser"}
    assert list(h["speeds"]) == ["model", "serving_default", "dateutil", "dateparser"]
    model = h["parsers"]["model"]
    assert model["confidently_wrong_by_category"] == {"weekday_conflict": 1 / 4, "range": 1 / 2,
                                                      "untaught_language": 1 / 3}  # as in the trust test
    assert h["parsers"]["dateparser"]["exact_match_by_language"] == {"de": 1.0, "en": 1.0, "fr": 1.0}  # told
    assert h["parsers"]["dateutil"]["exact_match_by_language"]["fr"] == 0.0  # English only
    arrival = h["serving_default_arrival_order"]
    assert arrival["speed_ratio_to_dateutil_by_round"] == pytest.approx(
        [a / d for a, d in zip(arrival["strings_per_second_by_round"],
                               h["speeds"]["dateutil"]["strings_per_second_by_round"], strict=True)])
    with open(h["answers"], encoding="utf-8") as f:
        assert "Monday, 3 May 1979\t1979-05-03\tfalse\tweekday_conflict\t1979-05-03 (weekday_conflict)\t" in f.read()

    tables = bench.handwritten_tables(h)
    text = "\n".join(bench_report.console(t) for t in tables)
    for label in ("en English", "fr French", "de German", "weekday_conflict (4 lines)", "range (2 lines)",
                  "untaught_language (3 lines)", "non-dates answered with a plain date", "serving_default",
                  "speed ratio model / dateutil"):
        assert label in text


def test_limits_batches_keep_arrival_order():
    assert limits.arrival_batch(["a", "b", "c"], 7) == ["a", "b", "c", "a", "b", "c", "a"]


def test_the_limits_table_sets_each_part_against_the_time_a_call_may_take():
    serving = {"batch_size": 1024, "whole_call": 0.048, "transform_graph": 0.0033, "served_model": 0.035,
               "smallest_model": 0.0185, "smallest_sizes": {"n_a": 16, "n_s": 16},
               "dateutil_strings_per_second": 43_471.0,
               "budget_at_ratio": {"2": 1024 / (2 * 43_471), "3": 1024 / (3 * 43_471)}}
    out = bench_report.console(limits.limits_table(serving))
    assert "serving_default, the whole call" in out and "48.0" in out and "21,333" in out
    assert "the search's smallest model (n_a 16, n_s 16) alone" in out and "18.5" in out
    assert "needs at 2x 86,942 strings/s (11.8 ms per call), at 3x 130,413 strings/s (7.9 ms per call)" in out


def test_the_markdown_file_holds_the_printed_tables(tmp_path):
    tables = [
        bench_report.Table("exact match on the test split: 0.9900 (19 examples)", ("family", "exact match"),
                           (bench_report.Row("with_time", ("0.9629",)), bench_report.Row("iso", ("1.0000",)))),
        bench_report.Table("speed", ("", "model", "dateutil"),
                           (bench_report.Row("strings/s", ("39,738", "31,330")),
                            bench_report.Row("round 1", ("40,001", "30,000"), level=1)),
                           notes=("speed ratio model / dateutil: 1.27 | no pipes lost",)),
    ]
    about = [("machine", "AMD EPYC, 2 cores"), ("date", "2026-12-05 12:00 UTC"), ("model", "/m/1 (n_a 32)")]
    path = bench_report.write_markdown(str(tmp_path / "docs" / "results.md"), about, tables)
    with open(path, encoding="utf-8") as f:
        written = f.read()
    assert written.startswith("# Benchmark results\n") and "do not edit it by hand" in written
    assert "- machine: AMD EPYC, 2 cores\n- date: 2026-12-05 12:00 UTC\n- model: /m/1 (n_a 32)\n" in written
    assert "## exact match on the test split: 0.9900 (19 examples)\n" in written
    assert "| family | exact match |\n|---|---:|\n| with_time | 0.9629 |\n| iso | 1.0000 |\n" in written
    assert "| &emsp;round 1 | 40,001 | 30,000 |" in written
    assert "- speed ratio model / dateutil: 1.27 \\| no pipes lost" in written
    printed = [bench_report.console(t).splitlines() for t in tables]
    assert printed[0][0] == tables[0].title and printed[1][-1] == "  speed ratio model / dateutil: 1.27 | no pipes lost"
    assert [line.split() for line in printed[0][2:]] == [["with_time", "0.9629"], ["iso", "1.0000"]]
    assert printed[1][2].startswith("  strings/s") and printed[1][3].startswith("    round 1")  # a row under it
    assert printed[1][3].split() == ["round", "1", "40,001", "30,000"]
    bench_report.write_markdown(path, about[:1], tables[:1])  # a second run overwrites the file
    with open(path, encoding="utf-8") as f:
        assert "## speed" not in f.read()


# --- end to end ---------------------------------------------------------------------------------------------

def _datenmt(*args: str) -> subprocess.CompletedProcess:
    script = os.path.join(os.path.dirname(sys.executable), "datenmt")
    return subprocess.run([script, *args], capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_bench_prints_the_figures_of_the_pushed_model(runs, tmp_path):
    results_file = str(tmp_path / "benchmark-results.md")
    bench = _datenmt("bench", "--output-dir", runs.output_dir, "--pipeline-name", "datenmt-test",
                     "--results-file", results_file)
    assert bench.returncode == 0, bench.stderr
    out = bench.stdout
    assert "exact match on the test split" in out and "strings/s" in out
    assert "MFLOP per string" in out and "GFLOP/s" in out
    assert "hand-written benchmark" in out and "speed ratio model / dateutil" in out
    with open(os.path.join(runs.output_dir, "bench", "bench.json")) as f:
        figures = json.load(f)
    assert figures["model"] == runs.again.pushed_to  # the latest push
    assert figures["test_examples"] == runs.pushed.examples  # the Evaluator's split, read back
    assert figures["exact_match"] == pytest.approx(runs.pushed.exact_match, abs=1e-9)
    assert set(figures["component_seconds"]) >= {"SyntheticDateExampleGen", "StatisticsGen", "ExampleValidator",
                                                 "Transform", "Tuner", "Trainer"}

    compute = figures["compute"]
    assert compute["flops_per_string"] == 2 * compute["multiply_adds_per_string"]["total"] > 0
    [model_json] = glob.glob(os.path.join(runs.output_dir, "**", "Trainer", "model_run", "*", "model.json"),
                             recursive=True)  # one training, reused from cache by the later runs
    with open(model_json) as f:
        trained = json.load(f)
    sizes = compute["sizes"]  # read from the SavedModel's layers: the same model the Trainer described
    assert (sizes["n_a"], sizes["n_s"], sizes["parameters"]) == (trained["n_a"], trained["n_s"],
                                                                 trained["parameters"])
    assert compute["achieved_gflops"] > 0 and compute["matmul_gflops"] > 0

    hand = figures["handwritten"]
    lines = baselines.read_handwritten(REPO_FILE)
    assert (hand["lines"], hand["dates"]) == (len(lines), sum(line.is_date for line in lines))
    assert set(hand["parsers"]) == {"model", "dateutil", "dateparser"}
    for parser in hand["parsers"].values():
        assert 0 <= parser["exact_match"] <= 1 and 0 <= parser["refusal_rate"] <= 1
        assert parser["strings_per_second"] > 0 and parser["seconds"] >= baselines.MIN_TIMED_SECONDS
    rounds = {name: hand["parsers"][name]["strings_per_second_by_round"] for name in ("model", "dateutil")}
    assert len(rounds["model"]) == len(rounds["dateutil"]) == baselines.TIMING_ROUNDS
    ratios = [m / d for m, d in zip(rounds["model"], rounds["dateutil"], strict=True)]
    assert hand["speed_ratio_model_to_dateutil_by_round"] == pytest.approx(ratios)
    assert hand["speed_ratio_model_to_dateutil"] == pytest.approx(sorted(ratios)[len(ratios) // 2])
    with open(hand["answers"], newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0][4:] == ["model", "dateutil", "dateparser"] and len(rows) == len(lines) + 1

    # Per language and the trust lines, for every parser; dateparser told each line's language.
    languages = {line.language for line in lines if not line.tests_trust}
    for parser in hand["parsers"].values():
        assert set(parser["exact_match_by_language"]) == languages
        assert set(parser["confidently_wrong_by_category"]) == set(baselines.TRUST_CATEGORIES)
        assert 0 <= parser["non_dates_answered_with_plain_date"] <= parser["non_dates_answered_with_date"]
    assert hand["parsers"]["dateparser"]["settings"]["languages"] == "[the line's language]"
    # serving_default in arrival order, timed in the same rounds as dateutil.
    arrival = hand["serving_default_arrival_order"]
    assert arrival["settings"] == {"batch_size": 1024, "order": "arrival", "calls_at_once": 1}
    assert arrival["strings_per_second"] > 0 and arrival["seconds"] >= baselines.MIN_TIMED_SECONDS
    arrival_ratios = [a / d for a, d in zip(arrival["strings_per_second_by_round"], rounds["dateutil"], strict=True)]
    assert arrival["speed_ratio_to_dateutil"] == pytest.approx(sorted(arrival_ratios)[len(arrival_ratios) // 2])
    assert "serving_default in arrival order / dateutil" in out
    # The Trainer's examples/s and the training GFLOP/s they mean, beside the same run's matmul rate.

    training = figures["training"]
    assert training["examples_per_second"] == figures["training_examples_per_second"] > 0
    forward = cost.multiply_adds(cost.ModelSizes(**sizes), training["mean_length"])["total"]
    assert training["flops_per_example"] == 3 * 2 * forward
    assert training["achieved_gflops"] == pytest.approx(training["flops_per_example"] * training["examples_per_second"]
                                                        / 1e9)
    assert training["matmul_gflops"] == compute["matmul_gflops"]
    assert "training, examples/s" in out
    # What a speed ratio would need: the signature's call taken apart, against dateutil's rate of this run.
    serving = figures["limits"]
    dateutil_rate = hand["speeds"]["dateutil"]["strings_per_second"]
    assert serving["dateutil_strings_per_second"] == dateutil_rate
    assert serving["budget_at_ratio"] == pytest.approx({str(r): 1024 / (r * dateutil_rate) for r in (2, 3)})
    assert 0 < serving["transform_graph"] < serving["whole_call"] and serving["served_model"] > 0
    assert serving["smallest_sizes"] == {"n_a": 16, "n_s": 16} and serving["smallest_model"] > 0
    assert "what a speed ratio to dateutil needs of this machine" in out
    # The tables as Markdown: the machine, the date, the model, and every table printed.
    with open(results_file, encoding="utf-8") as f:
        written = f.read()
    assert f"- machine: {figures['machine']}\n- date: {figures['date']}\n- model: {figures['model']} " in written
    titles = [line for line in out.splitlines() if line and not line.startswith((" ", "machine:", "model:",
                                                                                   "figures:"))]
    assert len(titles) == 6 and all(f"## {title}\n" in written for title in titles)
    assert f"| &emsp;en English | {hand['parsers']['model']['exact_match_by_language']['en']:.3f} |" in written

"""Dates in the six foreign languages (fr, de, es, it, pt, nl): their shares, labels, refusals and weekdays.

Labels are checked by an independent reader written here: its month and weekday names are typed by
hand below (not babel, not num2words, not the generator's tables), its regular expressions are its
own, and it applies its own copy of the ambiguity policy and the two-digit pivot. The reader is first
tested on strings written in this file (`READER_CASES`), then judges the generator's rows.
"""

from __future__ import annotations

import collections
import datetime
import re
from typing import NamedTuple

import pytest

from data_gen import grammar, languages, text

SEED = 11
SHARDS = 6  # 30,000 examples


@pytest.fixture(scope="module")
def rows() -> list[grammar.DateExample]:
    out = []
    for shard in range(SHARDS):
        out += grammar.generate_shard(SEED, shard, grammar.SHARD_SIZE)
    return out


@pytest.fixture(scope="module")
def foreign(rows) -> list[grammar.DateExample]:
    return [e for e in rows if e.language != "en"]


# ------------------------------------------------------------------------------------------------
# The names, typed by hand.

MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "de": ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "dezember"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
           "ottobre", "novembre", "dicembre"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
}
# Other full names people write: Austrian German, Latin-American Spanish.
MONTH_VARIANTS: dict[str, dict[str, int]] = {
    "fr": {}, "de": {"jänner": 1, "feber": 2}, "es": {"setiembre": 9}, "it": {}, "pt": {}, "nl": {},
}
# Abbreviations that are not a prefix of a full name (prefixes of three letters or more are accepted).
MONTH_IRREGULAR: dict[str, dict[str, int]] = {
    "fr": {}, "de": {"mrz": 3}, "es": {}, "it": {}, "pt": {}, "nl": {"mrt": 3},
}
WEEKDAY_NAMES: dict[str, tuple[str, ...]] = {  # Monday first, as datetime.date.weekday()
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "de": ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    "pt": ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
}
# Two-letter abbreviations (German and Dutch calendars write them).
WEEKDAY_IRREGULAR: dict[str, dict[str, int]] = {
    "fr": {}, "de": dict(zip(("mo", "di", "mi", "do", "fr", "sa", "so"), range(7), strict=True)),
    "es": {}, "it": {}, "pt": {}, "nl": dict(zip(("ma", "di", "wo", "do", "vr", "za", "zo"), range(7), strict=True)),
}
# The first day spelled ("le premier mars", "am ersten März").
FIRST_WORDS: dict[str, tuple[str, ...]] = {
    "fr": ("premier",), "de": ("ersten", "erster", "erste"), "es": ("primero",), "it": ("primo",),
    "pt": ("primeiro",), "nl": ("eerste",),
}
# Ordinal marks after the day's digits.
DAY_MARKS: dict[str, tuple[str, ...]] = {
    "fr": ("er",), "de": (".",), "es": (".º", "º", ".°", "°"), "it": ("º", "°"), "pt": (".º", "º", ".°", "°"),
    "nl": ("ste", "de", "e"),
}
# Words before the date (and before or after a weekday).
LEAD_WORDS: dict[str, tuple[str, ...]] = {
    "fr": ("le ",), "de": ("am ", "den ", "der "), "es": ("el ", "el día "), "it": ("il ", "l'"),
    "pt": ("dia ", "em ", "no dia "),
    "nl": ("op ",),
}
# Separators between day, month and year in word dates.
WORD_SEPARATORS: dict[str, tuple[str, ...]] = {
    "fr": (" ", "-", "/"), "de": (" ", "-", "/"), "es": (" de ", " ", "-", "/"), "it": (" ", "-", "/"),
    "pt": (" de ", " ", "-", "/"), "nl": (" ", "-", "/"),
}
# Words before a time, and after it.
TIME_JOINS: dict[str, tuple[str, ...]] = {
    "fr": ("à",), "de": ("um",), "es": ("a las", "a la"), "it": ("alle", "ore", "alle ore"), "pt": ("às", "à"),
    "nl": ("om",),
}
TIME_SUFFIXES: dict[str, tuple[str, ...]] = {
    "fr": (), "de": (" uhr",), "es": (" h", " hs"), "it": (), "pt": (), "nl": (" uur",),
}


def _with_prefixes(full: dict[str, int], irregular: dict[str, int]) -> dict[str, int]:
    """Full names, their prefixes of three letters or more that name only one thing, and irregular forms."""
    found: dict[str, set[int]] = collections.defaultdict(set)
    for name, value in full.items():
        for end in range(3, len(name) + 1):
            if name[end - 1].isalpha():
                found[name[:end]].add(value)
    out = {word: values.pop() for word, values in found.items() if len(values) == 1}
    return out | full | irregular


MONTHS: dict[str, dict[str, int]] = {
    lang: _with_prefixes({n: i for i, n in enumerate(names, 1)} | MONTH_VARIANTS[lang], MONTH_IRREGULAR[lang])
    for lang, names in MONTH_NAMES.items()}
WEEKDAYS: dict[str, dict[str, int]] = {
    lang: _with_prefixes({n: i for i, n in enumerate(names)}, WEEKDAY_IRREGULAR[lang])
    for lang, names in WEEKDAY_NAMES.items()}
# Portuguese weekdays without "-feira" ("segunda", "terça") are prefixes of the full names.


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def pivot(two_digits: int) -> int:
    return 1900 + two_digits if two_digits >= 50 else 2000 + two_digits


def real(y: int, m: int, d: int) -> datetime.date | None:
    """The date, if real and in 1900-2099."""
    if not 1900 <= y <= 2099:
        return None
    try:
        return datetime.date(y, m, d)
    except ValueError:
        return None


def clean(human: str) -> str:
    s = human.strip().lower()
    if s[:1] in "([\"" and s[-1:] in ")]\"":
        s = s[1:-1]
    s = re.sub(r"\s+", " ", s).strip()
    if s[-1:] in ".,":
        s = s[:-1]
    return s


# ------------------------------------------------------------------------------------------------
# The reader.

CLOCK_RE = r"\d{1,2}(?::\d{2}){1,2}|\d{1,2}\.\d{2}|\d{1,2} ?h ?(?:\d{2})?"


def _time_re(lang: str) -> re.Pattern:
    """A time at the end: "à 14h40", "um 22:56 Uhr", "om 7 uur" (an hour alone only with its word)."""
    joins = _alternation(TIME_JOINS[lang] + ("-",))
    suffixes = _alternation(TIME_SUFFIXES[lang])
    clock = rf"(?P<time>{CLOCK_RE})(?:{suffixes})?|(?P<hour>\d{{1,2}})(?:{suffixes})" if suffixes else \
        rf"(?P<time>{CLOCK_RE})"
    return re.compile(rf"(?:^(?:(?:{joins}) )?|,? (?:(?:{joins}) )?)(?:{clock})\.?$")


def _date_re(lang: str) -> re.Pattern:
    leads = _alternation(LEAD_WORDS[lang])
    weekday = _alternation(WEEKDAYS[lang])
    head = rf"(?:{leads})?(?:(?P<wd>{weekday})\.?,? (?:{leads})?)?"
    numeric = r"(?P<na>\d{1,2}) ?[./-] ?(?P<nb>\d{1,2}) ?[./-] ?(?P<ny>\d{4}|\d{2})"
    ymd = r"(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
    seps = _alternation(WORD_SEPARATORS[lang])
    year_seps = _alternation(WORD_SEPARATORS[lang] + ((" del ",) if lang == "es" else ()))
    marks, firsts = _alternation(DAY_MARKS[lang]), _alternation(FIRST_WORDS[lang])
    day = rf"(?:(?P<wday>\d{{1,2}})(?P<mark>{marks})?|(?P<first>{firsts}))"
    # German writes "11.Juli" as well as "11. Juli": no space after the day's dot.
    word = (rf"{day}(?:{seps}|(?<=\.))(?P<month>{_alternation(MONTHS[lang])})\.?(?:{year_seps})"
            r"(?P<wyear>\d{4}|'?\d{2})")
    return re.compile(rf"^{head}(?:{numeric}|{ymd}|{word})$")


TIME_RES = {lang: _time_re(lang) for lang in languages.FOREIGN_LANGUAGES}
DATE_RES = {lang: _date_re(lang) for lang in languages.FOREIGN_LANGUAGES}


class Reading(NamedTuple):
    date: datetime.date | None  # after the policy; None if no reading is a real date
    written: tuple[int, int, int]  # (year, month, day) as written, day first (pivot applied)
    numeric: bool  # the month is a number
    weekday: int | None  # Monday = 0
    time: str | None


def _mark_fits(lang: str, day: int, mark: str) -> bool:
    """French writes "1er" only for the first; Dutch "1ste", "8ste", "20ste" and up, "3de" for the others."""
    if lang == "fr":
        return day == 1
    if lang == "nl" and mark != "e":
        return (mark == "ste") == (day in (1, 8) or day >= 20)
    return True


def clock_is_valid(time: str) -> bool:
    fields = [int(f) for f in re.findall(r"\d+", time)]
    return fields[0] < 24 and all(f < 60 for f in fields[1:])


def read(human: str, lang: str, day_first: bool) -> Reading | None:
    """Reads one complete date written in `lang` (a weekday, a lead word and a time around it allowed);
    None if the string is not one. The date is None when the fields are not a real date."""
    s, time = clean(human), None
    m = TIME_RES[lang].search(s)
    if m:
        time, s = m["time"] or m["hour"], s[:m.start()]
    m = DATE_RES[lang].match(s)
    if not m:
        return None
    weekday = WEEKDAYS[lang][m["wd"]] if m["wd"] else None
    if m["na"]:
        first, second = int(m["na"]), int(m["nb"])
        year = int(m["ny"]) if len(m["ny"]) == 4 else pivot(int(m["ny"]))
        day_month, month_day = real(year, second, first), real(year, first, second)
        if day_month and month_day:
            date = day_month if day_first else month_day
        else:
            date = day_month or month_day
        return Reading(date, (year, second, first), True, weekday, time)
    if m["iy"]:
        year, month, day = int(m["iy"]), int(m["im"]), int(m["id"])
        return Reading(real(year, month, day), (year, month, day), True, weekday, time)
    if m["first"]:
        day = 1
    else:
        day = int(m["wday"])
        if m["mark"] and not _mark_fits(lang, day, m["mark"]):
            return None
    month = MONTHS[lang][m["month"]]
    year_text = m["wyear"].lstrip("'")
    year = int(year_text) if len(year_text) == 4 else pivot(int(year_text))
    return Reading(real(year, month, day), (year, month, day), False, weekday, time)


# (language, text, day_first, expected): an ISO date, None (not one complete date) or "impossible" (fields
# read, not a real date).
READER_CASES = [
    ("fr", "le 3 mars 2001", True, "2001-03-03"),
    ("fr", "1er janvier 1999", False, "1999-01-01"),
    ("fr", "le premier mai 2020", True, "2020-05-01"),
    ("fr", "03-mars-2019", True, "2019-03-03"),
    ("fr", "Lundi 3 mars 1980 à 14h40", True, "1980-03-03"),
    ("fr", "le lun. 3 mars 80 à 14h", True, "1980-03-03"),
    ("fr", "25 déc. 2009", True, "2009-12-25"),
    ("fr", "25 DÉCEMBRE 2009", True, "2009-12-25"),
    ("fr", "14 juil 1789", True, None),  # out of range: not read as a date
    ("fr", "14 juil 1989", True, "1989-07-14"),
    ("fr", "12 févr. 1999 14:40:05", True, "1999-02-12"),
    ("fr", "2 août 05", True, "2005-08-02"),
    ("fr", "24/12/19", True, "2019-12-24"),
    ("fr", "05/06/2019", True, "2019-06-05"),
    ("fr", "05/06/2019", False, "2019-05-06"),
    ("fr", "le 05/06/2019 à 14h40", False, "2019-05-06"),
    ("fr", "3 jui 2001", True, None),  # juin or juillet
    ("fr", "2e mars 2001", True, None),
    ("fr", "2er mars 2001", True, None),
    ("fr", "mars 2020", True, None),
    ("fr", "3 mars", True, None),
    ("fr", "mardi", True, None),
    ("fr", "à 14h40", True, None),
    ("fr", "demain", True, None),
    ("fr", "du 3 au 5 mars 2009", True, None),
    ("fr", "31 février 2001", True, "impossible"),
    ("de", "Montag, den 3. März 1979", True, "1979-03-03"),
    ("de", "am 24.12.2019 um 22:56 Uhr", False, "2019-12-24"),
    ("de", "24.12.2019", True, "2019-12-24"),
    ("de", "3. Jänner 2001", True, "2001-01-03"),
    ("de", "am ersten März 2001", True, "2001-03-01"),
    ("de", "der erste Mai 1990", True, "1990-05-01"),
    ("de", "Mo., 3. Sept. 1979", True, "1979-09-03"),
    ("de", "3. Mrz 2001", True, "2001-03-03"),
    ("de", "am 11.Juli 2038 um 15 Uhr", True, "2038-07-11"),
    ("de", "am 11Juli 2038", True, None),
    ("de", "Do 5.6.19 14.40", True, "2019-06-05"),
    ("de", "Do 5.6.19 14.40", False, "2019-05-06"),
    ("de", "30. Februar 2001", True, "impossible"),
    ("de", "3.-5. März 2009", True, None),
    ("de", "3. März", True, None),
    ("de", "am Dienstag", True, None),
    ("de", "um 22:56 Uhr", True, None),
    ("de", "morgen", True, None),
    ("es", "lunes, 3 de marzo de 1979", True, "1979-03-03"),
    ("es", "el 1.º de mayo de 2001 a las 17:20", True, "2001-05-01"),
    ("es", "1º de mayo del 2001", True, "2001-05-01"),
    ("es", "primero de enero de 2000", False, "2000-01-01"),
    ("es", "3 sept 2010 17:20 h", True, "2010-09-03"),
    ("es", "3 set. 2010", True, "2010-09-03"),
    ("es", "mié 31 dic 1997", True, "1997-12-31"),
    ("es", "13/12/1997", False, "1997-12-13"),
    ("es", "marzo de 2020", True, None),
    ("es", "del 3 al 5 de marzo de 2009", True, None),
    ("es", "a las 17:20", True, None),
    ("es", "el día 5 de enero de 2071 07:14 hs", True, "2071-01-05"),
    ("es", "el día 5 de enero de 2071 a las 19 h", True, "2071-01-05"),
    ("es", "el día 5 de enero de 2071 a las 19", True, None),
    ("es", "31 de abril de 2001", True, "impossible"),
    ("it", "il 3 marzo 2001", True, "2001-03-03"),
    ("it", "l'8 marzo 2001 alle 17.20", True, "2001-03-08"),
    ("it", "lunedì 1º ottobre 2018", True, "2018-10-01"),
    ("it", "primo gennaio 1950", True, "1950-01-01"),
    ("it", "3 giu 2010 ore 17:20", True, "2010-06-03"),
    ("it", "29 febbraio 2001", True, "impossible"),
    ("it", "29 febbraio 2000", True, "2000-02-29"),
    ("it", "domani", True, None),
    ("pt", "segunda-feira, 3 de março de 1980", True, "1980-03-03"),
    ("pt", "dia 1.º de março de 2001 às 02:38", True, "2001-03-01"),
    ("pt", "em 3 de set. de 2001 02h38", True, "2001-09-03"),
    ("pt", "primeiro de abril de 2001", True, "2001-04-01"),
    ("pt", "sáb, 3 de março de 2001", True, "2001-03-03"),
    ("pt", "3 de março", True, None),
    ("pt", "no dia 32/out/1935", True, "impossible"),
    ("pt", "às 02:38", True, None),
    ("nl", "maandag 3 maart 1980", True, "1980-03-03"),
    ("nl", "op 3 mrt 1980 om 13:00 uur", True, "1980-03-03"),
    ("nl", "1ste januari 2001", True, "2001-01-01"),
    ("nl", "8ste januari 2001", True, "2001-01-08"),
    ("nl", "3de januari 2001", True, "2001-01-03"),
    ("nl", "21ste januari 2001", True, "2001-01-21"),
    ("nl", "3e januari 2001", True, "2001-01-03"),
    ("nl", "3ste januari 2001", True, None),
    ("nl", "8de januari 2001", True, None),
    ("nl", "eerste mei 2001", True, "2001-05-01"),
    ("nl", "5-6-2019 om 13.00", False, "2019-05-06"),
    ("nl", "ma 5-6-2019", True, "2019-06-05"),
    ("nl", "31 juni 2019", True, "impossible"),
    ("nl", "maart 2019", True, None),
    ("nl", "1-8-2005 om 7 uur", False, "2005-01-08"),
]


@pytest.mark.parametrize(("lang", "human", "day_first", "expected"), READER_CASES)
def test_the_reader_reads_its_own_cases(lang, human, day_first, expected):
    reading = read(human, lang, day_first)
    if expected is None:
        assert reading is None or (reading.date is None and reading.written[0] not in range(1900, 2100)), reading
    elif expected == "impossible":
        assert reading is not None and reading.date is None, reading
    else:
        assert reading is not None and reading.date == datetime.date.fromisoformat(expected), reading


def test_the_reader_reads_weekdays_and_times():
    assert read("Montag, den 3. März 1979 um 22:56 Uhr", "de", True)[3:] == (0, "22:56")
    assert read("sáb, 3 de março de 2001 às 02h38", "pt", True)[3:] == (5, "02h38")
    assert read("le 3 mars 2001", "fr", True)[3:] == (None, None)
    assert MONTHS["fr"]["févr"] == 2 and "jui" not in MONTHS["fr"] and MONTHS["fr"]["juil"] == 7
    assert clock_is_valid("23:59:59") and not clock_is_valid("24:00") and not clock_is_valid("14h60")


# ------------------------------------------------------------------------------------------------
# The generator's rows.


def describe(examples) -> str:
    return "\n".join(f"  {e.human!r} iso={e.iso!r} family={e.family} day_first={e.day_first} {e.language}"
                     for e in examples)


def test_languages_and_their_shares(rows):
    counts = collections.Counter(e.language for e in rows)
    assert set(counts) <= set(languages.LANGUAGES), counts
    n = len(rows)
    assert counts["en"] / n >= 0.5, counts
    for lang in languages.FOREIGN_LANGUAGES:
        assert 0.04 <= counts[lang] / n <= 0.10, (lang, counts)


def test_foreign_dates_read_back_to_their_labels(foreign):
    positives = [e for e in foreign if e.iso]
    assert positives
    wrong = []
    for e in positives:
        reading = read(e.human, e.language, e.day_first)
        if reading is None or reading.date is None or reading.date.isoformat() != e.iso:
            wrong.append((e, reading))
    assert not wrong, (f"{len(wrong)} of {len(positives)} foreign dates do not read back:\n"
                       + describe(e for e, _ in wrong[:25]))


def test_foreign_times_are_times_of_day(foreign):
    assert any(e.family == "with_time" for e in foreign)
    bad = []
    for e in foreign:
        reading = read(e.human, e.language, e.day_first) if e.iso else None
        missing = e.family == "with_time" and (reading is None or reading.time is None)
        if missing or (reading and reading.time and not clock_is_valid(reading.time)):
            bad.append(e)
    assert not bad, describe(bad[:25])


def test_foreign_refusals_are_not_one_real_date(foreign):
    refusals = [e for e in foreign if not e.iso]
    assert refusals
    assert all(grammar.is_negative(e.family) for e in refusals), describe(
        [e for e in refusals if not grammar.is_negative(e.family)][:10])
    dated, not_impossible = [], []
    for e in refusals:
        if e.family == "not_date_range":
            continue
        reading = read(e.human, e.language, e.day_first)
        if e.family == "not_date_impossible":
            if reading is None or reading.date is not None:
                not_impossible.append(e)
        elif reading is not None and reading.date is not None:
            dated.append(e)
    assert not dated, f"refusals read as one real date:\n{describe(dated[:25])}"
    assert not not_impossible, f"impossible dates not read as impossible fields:\n{describe(not_impossible[:25])}"


def test_foreign_positives_are_not_negative_families(foreign):
    assert foreign
    assert not [e for e in foreign if e.iso and grammar.is_negative(e.family)]


def test_foreign_weekdays(foreign):
    wrong = []
    seen = collections.Counter()
    for e in foreign:
        if not e.iso:
            continue
        reading = read(e.human, e.language, e.day_first)
        if reading is None or reading.date is None:
            continue  # test_foreign_dates_read_back_to_their_labels reports it
        if e.family in ("with_weekday", "weekday_conflict"):
            seen[e.family, e.language] += 1
            own = reading.weekday == reading.date.weekday()
            if reading.weekday is None or own != (e.family == "with_weekday"):
                wrong.append(e)
        elif reading.weekday is not None and reading.weekday != reading.date.weekday():
            wrong.append(e)  # a weekday that is not the date's in a family that does not say so
    assert not wrong, describe(wrong[:25])
    for lang in languages.FOREIGN_LANGUAGES:
        assert seen["with_weekday", lang] and seen["weekday_conflict", lang], (lang, seen)


REQUIRED_REFUSALS = ("not_date_relative", "not_date_month_year", "not_date_day_month", "not_date_weekday",
                     "not_date_time", "not_date_impossible", "not_date_range")
REQUIRED_DATES = ("with_weekday", "weekday_conflict", "with_time")


def test_foreign_families_and_their_kinds(foreign):
    assert {e.family for e in foreign} <= set(grammar.FAMILIES), {e.family for e in foreign} - set(grammar.FAMILIES)
    by_language = collections.defaultdict(collections.Counter)
    for e in foreign:
        by_language[e.language][e.family] += 1
    for lang in languages.FOREIGN_LANGUAGES:
        counts = by_language[lang]
        positives = sum(n for f, n in counts.items() if not grammar.is_negative(f))
        refusals = sum(n for f, n in counts.items() if grammar.is_negative(f))
        assert positives and refusals, (lang, counts)
        missing = [f for f in REQUIRED_REFUSALS + REQUIRED_DATES if counts[f] < 5]
        assert not missing, (lang, missing, counts)
    # Numeric and word dates in every language (read by the reader, whatever their family).
    kinds = collections.defaultdict(set)
    for e in foreign:
        reading = read(e.human, e.language, e.day_first) if e.iso else None
        if reading:
            kinds[e.language].add(reading.numeric)
    assert all(kinds[lang] == {True, False} for lang in languages.FOREIGN_LANGUAGES), kinds


def test_normalised_lengths_and_no_collisions(rows):
    normalised = [s.decode() for s in text.normalize([e.human for e in rows]).numpy()]
    too_long = [(n, e) for n, e in zip(normalised, rows, strict=True) if len(n) > text.INPUT_LENGTH]
    assert not too_long, too_long[:10]
    labels = collections.defaultdict(dict)
    for n, e in zip(normalised, rows, strict=True):
        labels[n, e.day_first].setdefault(e.iso, e)
    merged = [(key, list(by_iso.values())) for key, by_iso in labels.items() if len(by_iso) > 1]
    assert not merged, merged[:10]


def test_same_seed_gives_same_rows(rows):
    again = grammar.generate_shard(SEED, 2, grammar.SHARD_SIZE)
    assert again == rows[2 * grammar.SHARD_SIZE:3 * grammar.SHARD_SIZE]
    assert again == grammar.generate_shard(SEED, 2, grammar.SHARD_SIZE)
    assert grammar.generate_shard(SEED + 1, 2, grammar.SHARD_SIZE) != again

"""Dates in the six foreign languages (fr, de, es, it, pt, nl): their shares, labels, refusals and weekdays.

Labels are checked by an independent reader written here: its month and weekday names are typed by
hand below (not babel, not num2words, not the generator's tables), its regular expressions are its
own, and it applies its own copy of the ambiguity policy and the two-digit pivot. The reader is first
tested on strings written in this file (`READER_CASES`), then judges the generator's rows.
"""

from __future__ import annotations

import calendar
import collections
import datetime
import re
import unicodedata
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
# The first day spelled, an ordinal ("le premier mars", "eerste mei"); German's ordinals are built below.
FIRST_WORDS: dict[str, str] = {"fr": "premier", "es": "primero", "it": "primo", "pt": "primeiro", "nl": "eerste"}
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


# Other days spelled: a cardinal in French, Spanish, Italian and Portuguese ("vingt-deux", "veintidós",
# "ventidue", "vinte e dois"), a declined ordinal in German ("am zweiundzwanzigsten"). Written from each
# language's units, teens, tens and joining rules, 1 to 39 (an impossible "trente-deux" reads as day 32).
UNITS: dict[str, tuple[str, ...]] = {  # 1-9
    "fr": ("un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"),
    "es": ("uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"),
    "it": ("uno", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove"),
    "pt": ("um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove"),
    "de": ("eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"),
}
TEENS: dict[str, tuple[str, ...]] = {  # 10-15 (French to 16); the others by rule below
    "fr": ("dix", "onze", "douze", "treize", "quatorze", "quinze", "seize"),
    "es": ("diez", "once", "doce", "trece", "catorce", "quince"),
    "it": ("dieci", "undici", "dodici", "tredici", "quattordici", "quindici"),
    "pt": ("dez", "onze", "doze", "treze", "catorze", "quinze"),
    "de": ("zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn"),
}
TENS: dict[str, tuple[str, str]] = {  # 20, 30
    "fr": ("vingt", "trente"), "es": ("veinte", "treinta"), "it": ("venti", "trenta"), "pt": ("vinte", "trinta"),
    "de": ("zwanzig", "dreißig"),
}
# Spanish accents the stressed last syllable of a one-word compound: "dieciséis", "veintidós", "veintitrés".
_ES_STRESSED = {"dos": "dós", "tres": "trés", "seis": "séis"}


def cardinals(lang: str, n: int) -> tuple[str, ...]:
    """The ways `lang` writes the cardinal `n` (1-39)."""
    units, teens, tens = UNITS[lang], TEENS[lang], TENS[lang]
    if n < 10:
        return (units[n - 1],)
    if n < 10 + len(teens):
        return (teens[n - 10],) + (("quatorze",) if lang == "pt" and n == 14 else ())  # Brazil: "quatorze"
    unit = units[n % 10 - 1] if n % 10 else ""
    if n < 20:
        if lang == "fr":
            return (f"dix-{unit}",)
        if lang == "es":
            return ("dieci" + _ES_STRESSED.get(unit, unit),)
        if lang == "it":  # "sedici", then "diciassette", "diciotto", "diciannove"
            return ({16: "sedici", 17: "diciassette", 18: "diciotto", 19: "diciannove"}[n],)
        if lang == "pt":  # Portugal "dezasseis", "dezassete", "dezanove"; Brazil "dezesseis", ... "dezoito" in both
            return ("dezoito",) if n == 18 else tuple(f"dez{v}{'s' if n < 18 else ''}{unit}" for v in "ae")
        return ({16: "sech", 17: "sieb"}.get(n, unit) + "zehn",)  # de: "sechzehn", "siebzehn"
    ten = tens[n // 10 - 2]
    if not unit:
        return (ten,)
    if lang == "fr":  # "vingt et un" (the 1990 spelling hyphenates: "vingt-et-un"), "vingt-deux"
        return (f"{ten} et un", f"{ten}-et-un") if unit == "un" else (f"{ten}-{unit}",)
    if lang == "es":  # "veintiuno", "veintidós" in one word; "treinta y uno"
        return (f"veinti{_ES_STRESSED.get(unit, unit)}",) if n < 30 else (f"{ten} y {unit}",)
    if lang == "it":  # "ventuno", "ventotto" (the vowel elided), "ventitré"
        return ((ten[:-1] if unit[0] in "aeiou" else ten) + ("tré" if unit == "tre" else unit),)
    if lang == "pt":  # "vinte e um"
        return (f"{ten} e {unit}",)
    return (("ein" if unit == "eins" else unit) + "und" + ten,)  # de: "einundzwanzig"


def german_ordinal_stems(n: int) -> tuple[str, ...]:
    """German ordinal stems before the endings "-e", "-en", "-er": "erst", "zweit", "dritt", "siebt",
    "acht", "neunzehnt", "zwanzigst" (-st from twenty on)."""
    irregular = {1: ("erst",), 3: ("dritt",), 7: ("siebt", "siebent"), 8: ("acht",)}
    if n in irregular:
        return irregular[n]
    return tuple(c + ("st" if n >= 20 else "t") for c in cardinals("de", n))


# German declines the ordinal after the word before it: "am/den ersten" (dative, accusative), "der erste",
# "erster Mai" (no article).
GERMAN_ENDINGS = {"am ": "en", "den ": "en", "der ": "e", "": "er"}


def fold(s: str) -> str:
    """Without accents (NFD, combining marks dropped: "é" -> "e"; "º" and "°" have no decomposition and stay),
    and "ß" as "ss" (Swiss German, and upper case: "DREISSIG")."""
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn").replace("ß", "ss")


def _day_words(lang: str) -> dict[str, tuple[int, str]]:
    """Folded spelled days -> (day, German ending or "")."""
    if lang == "de":
        return {fold(stem + ending): (n, ending) for n in range(1, 40) for stem in german_ordinal_stems(n)
                for ending in set(GERMAN_ENDINGS.values())}
    out = {fold(FIRST_WORDS[lang]): (1, "")}
    if lang in UNITS:
        out |= {fold(word): (n, "") for n in range(2, 40) for word in cardinals(lang, n)}
    return out


DAY_WORDS: dict[str, dict[str, tuple[int, str]]] = {lang: _day_words(lang) for lang in MONTH_NAMES}


def _with_prefixes(full: dict[str, int], irregular: dict[str, int]) -> dict[str, int]:
    """Full names, their prefixes of three letters or more that name only one thing, and irregular forms."""
    found: dict[str, set[int]] = collections.defaultdict(set)
    for name, value in full.items():
        for end in range(3, len(name) + 1):
            if name[end - 1].isalpha():
                found[name[:end]].add(value)
    out = {word: values.pop() for word, values in found.items() if len(values) == 1}
    return out | full | irregular


# Read without accents ("fevrier", "Marz", "sabado", "giovedi", "às" as "as"): names, their prefixes and the
# text read are all folded.
MONTHS: dict[str, dict[str, int]] = {
    lang: _with_prefixes({fold(n): i for i, n in enumerate(names, 1)}
                         | {fold(n): i for n, i in MONTH_VARIANTS[lang].items()}, MONTH_IRREGULAR[lang])
    for lang, names in MONTH_NAMES.items()}
WEEKDAYS: dict[str, dict[str, int]] = {
    lang: _with_prefixes({fold(n): i for i, n in enumerate(names)}, WEEKDAY_IRREGULAR[lang])
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
    s = fold(human.strip().lower())
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
    joins = _alternation([fold(w) for w in TIME_JOINS[lang]] + ["-"])
    suffixes = _alternation(TIME_SUFFIXES[lang])
    clock = rf"(?P<time>{CLOCK_RE})(?:{suffixes})?|(?P<hour>\d{{1,2}})(?:{suffixes})" if suffixes else \
        rf"(?P<time>{CLOCK_RE})"
    return re.compile(rf"(?:^(?:(?:{joins}) )?|,? (?:(?:{joins}) )?)(?:{clock})\.?$")


def _date_re(lang: str) -> re.Pattern:
    leads = _alternation(fold(w) for w in LEAD_WORDS[lang])
    weekday = _alternation(WEEKDAYS[lang])
    head = rf"(?P<lead>{leads})?(?:(?P<wd>{weekday})\.?,? (?P<wdlead>{leads})?)?"
    numeric = r"(?P<na>\d{1,2}) ?[./-] ?(?P<nb>\d{1,2}) ?[./-] ?(?P<ny>\d{4}|\d{2})"
    ymd = r"(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
    seps = _alternation(WORD_SEPARATORS[lang])
    year_seps = _alternation(WORD_SEPARATORS[lang] + ((" del ",) if lang == "es" else ()))
    marks = _alternation(DAY_MARKS[lang])
    # A spelled day is followed by a space ("vingt-deux mars", "veintidós de marzo"), never "-" or "/".
    spelled_seps = _alternation(sep for sep in WORD_SEPARATORS[lang] if sep.startswith(" "))
    # German writes "11.Juli" as well as "11. Juli": no space after the day's dot.
    day = (rf"(?:(?P<wday>\d{{1,2}})(?P<mark>{marks})?(?:{seps}|(?<=\.))"
           rf"|(?P<sday>{_alternation(DAY_WORDS[lang])})(?:{spelled_seps}))")
    word = rf"{day}(?P<month>{_alternation(MONTHS[lang])})\.?(?:{year_seps})(?P<wyear>\d{{4}}|'?\d{{2}})"
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


def _german_ending(m: re.Match) -> str | None:
    """The ending a German ordinal day takes after the words before it: "am ersten", "Montag, den ersten",
    "der erste", "erster Mai", "Montag, erster Mai"; None after "am Montag," without an article (the date
    is then dative, "am Montag, dem ersten Mai" or "den ersten Mai", not "erster")."""
    if m["wd"]:
        if m["lead"] == "am " and not m["wdlead"]:
            return None
        return GERMAN_ENDINGS[m["wdlead"] or ""]
    return GERMAN_ENDINGS[m["lead"] or ""]


def _italian_article_fits(m: re.Match) -> bool:
    """Italian elides "il" before a vowel: "l'8", "l'11", "l'otto", "l'undici"; "il 3", "il tre", "il primo"."""
    article = m["wdlead"] if m["wd"] else m["lead"]
    if not m["month"] or article not in ("il ", "l'"):
        return True
    vowel = (m["sday"] or m["wday"].lstrip("0"))[:1] in ("a", "e", "i", "o", "u", "8") or m["wday"] == "11"
    return vowel == (article == "l'")


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
    if m["sday"]:
        day, ending = DAY_WORDS[lang][m["sday"]]
        if lang == "de" and ending != _german_ending(m):
            return None
    else:
        day = int(m["wday"])
        if m["mark"] and not _mark_fits(lang, day, m["mark"]):
            return None
    if lang == "it" and not _italian_article_fits(m):
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
    ("fr", "le vingt-deux mars 2011", True, "2011-03-22"),
    ("fr", "le vingt et un mai 1999", True, "1999-05-21"),
    ("fr", "trente-et-un déc. 1999", True, "1999-12-31"),
    ("fr", "LE DIX-SEPT OCTOBRE 2028", True, "2028-10-17"),
    ("fr", "seize octobre 2040", True, "2040-10-16"),
    ("fr", "mercredi cinq juin 63", True, "1963-06-05"),
    ("fr", "le mer. 24 aout 2061 a 23h29", True, "2061-08-24"),
    ("fr", "2 decembre 1904", True, "1904-12-02"),
    ("fr", "le 8/fevr/1902 10h24", True, "1902-02-08"),
    ("fr", "trente-deux mars 2011", True, "impossible"),
    ("fr", "vingt et deux mars 2011", True, None),
    ("fr", "le un mars 2011", True, None),  # the first is "premier"
    ("fr", "vingt/mars/2011", True, None),
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
    ("de", "am sechsten Juli 2063", True, "2063-07-06"),
    ("de", "DEN NEUNTEN NOV 1973", True, "1973-11-09"),
    ("de", "siebzehnter März 2001", True, "2001-03-17"),
    ("de", "am einunddreißigsten Mai 2001", True, "2001-05-31"),
    ("de", "der zweiundzwanzigste Mai 2001", True, "2001-05-22"),
    ("de", "Dienstag, den siebzehnten März 2037", True, "2037-03-17"),
    ("de", "Montag, siebenundzwanzigster Juni 2072", True, "2072-06-27"),
    ("de", "den funfundzwanzigsten Marz 2000", True, "2000-03-25"),
    ("de", "AM EINUNDDREISSIGSTEN MAI 2001", True, "2001-05-31"),
    ("de", "am siebten Mai 2001", True, "2001-05-07"),
    ("de", "zweiunddreißigster Dezember 1921", True, "impossible"),
    ("de", "am siebzehnter März 2001", True, None),  # declined after "am": "siebzehnten"
    ("de", "der siebzehnten März 2001", True, None),
    ("de", "siebzehnte März 2001", True, None),
    ("de", "am Montag, siebzehnter März 2001", True, None),  # "am Montag, dem/den siebzehnten März"
    ("de", "am siebenten Mai 2001", True, "2001-05-07"),
    ("de", "am dreiten Mai 2001", True, None),
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
    ("es", "el veinticinco de diciembre de 2010", True, "2010-12-25"),
    ("es", "veintitrés de nov de 2024", True, "2024-11-23"),
    ("es", "VEINTITRES DE NOV DE 2024", True, "2024-11-23"),
    ("es", "treinta y uno de ago de 2082", True, "2082-08-31"),
    ("es", "dieciséis de mayo de 2021", True, "2021-05-16"),
    ("es", "6 de noviembre del 2083", True, "2083-11-06"),
    ("es", "Domingo, diez de septiembre del 2062", True, "2062-09-10"),
    ("es", "el dia once de jul de 2085", True, "2085-07-11"),
    ("es", "miercoles, 1° de nov de 1989", True, "1989-11-01"),
    ("es", "sabado, 01-11-2031 a las 19:33 h", False, "2031-01-11"),
    ("es", "treinta y dos de marzo de 1920", True, "impossible"),
    ("es", "veinte y uno de mayo de 2001", True, None),
    ("es", "veintiuno-mayo-2001", True, None),
    ("it", "il 3 marzo 2001", True, "2001-03-03"),
    ("it", "l'8 marzo 2001 alle 17.20", True, "2001-03-08"),
    ("it", "lunedì 1º ottobre 2018", True, "2018-10-01"),
    ("it", "primo gennaio 1950", True, "1950-01-01"),
    ("it", "3 giu 2010 ore 17:20", True, "2010-06-03"),
    ("it", "29 febbraio 2001", True, "impossible"),
    ("it", "29 febbraio 2000", True, "2000-02-29"),
    ("it", "domani", True, None),
    ("it", "il ventidue marzo 2011", True, "2011-03-22"),
    ("it", "Il trentuno marzo 1958", True, "1958-03-31"),
    ("it", "ventuno aprile 2001", True, "2001-04-21"),
    ("it", "ventotto aprile 2001", True, "2001-04-28"),
    ("it", "ventitré aprile 2001", True, "2001-04-23"),
    ("it", "diciassette aprile 1946", True, "1946-04-17"),
    ("it", "l'otto marzo 2001", True, "2001-03-08"),
    ("it", "l'undici marzo 2001", True, "2001-03-11"),
    ("it", "giovedi, 17 lug 1913 alle 17:10", True, "1913-07-17"),
    ("it", "trentuno febbraio 2024", True, "impossible"),
    ("it", "il otto marzo 2001", True, None),  # "l'otto"
    ("it", "il 11 marzo 2001", True, None),
    ("it", "l'tre marzo 2001", True, None),
    ("it", "ventiuno aprile 2001", True, None),
    ("pt", "segunda-feira, 3 de março de 1980", True, "1980-03-03"),
    ("pt", "dia 1.º de março de 2001 às 02:38", True, "2001-03-01"),
    ("pt", "em 3 de set. de 2001 02h38", True, "2001-09-03"),
    ("pt", "primeiro de abril de 2001", True, "2001-04-01"),
    ("pt", "sáb, 3 de março de 2001", True, "2001-03-03"),
    ("pt", "3 de março", True, None),
    ("pt", "no dia 32/out/1935", True, "impossible"),
    ("pt", "às 02:38", True, None),
    ("pt", "vinte e três de novembro de 1905", True, "1905-11-23"),
    ("pt", "vinte e um de maio de 1993", True, "1993-05-21"),
    ("pt", "dezasseis de abril de 1977", True, "1977-04-16"),
    ("pt", "dezesseis de abril de 1977", True, "1977-04-16"),
    ("pt", "dezassete de abril de 1977", True, "1977-04-17"),
    ("pt", "dezenove de abril de 1977", True, "1977-04-19"),
    ("pt", "em catorze de outubro de 2038", True, "2038-10-14"),
    ("pt", "sexta-feira, 22-06-1945 as 23h29", True, "1945-06-22"),
    ("pt", "terca-feira, 30 abril 47", True, "2047-04-30"),
    ("pt", "1 de marco de 1979", True, "1979-03-01"),
    ("pt", "trinta e dois de julho de 49", True, "impossible"),
    ("pt", "vinte um de maio de 1993", True, None),
    ("pt", "dezasete de abril de 1977", True, None),
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
    ("nl", "op eerste mei 2001", True, "2001-05-01"),
    ("nl", "tweede mei 2001", True, None),  # Dutch spells only the first
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
    assert MONTHS["fr"]["fevr"] == 2 and "jui" not in MONTHS["fr"] and MONTHS["fr"]["juil"] == 7
    assert fold("Déc. 1.º 1° Dreißig MARÇO às") == "Dec. 1.º 1° Dreissig MARCO as"
    assert clock_is_valid("23:59:59") and not clock_is_valid("24:00") and not clock_is_valid("14h60")


def test_the_spelled_days():
    """Every day 1-31 has a word in each spelling language, and no word names two days."""
    for lang in ("fr", "es", "it", "pt", "de"):
        words = collections.defaultdict(set)
        for n in range(1, 40):
            spelled = german_ordinal_stems(n) if lang == "de" else cardinals(lang, n)
            for word in spelled if n > 1 or lang == "de" else (FIRST_WORDS[lang],):
                words[fold(word)].add(n)
        assert all(len(days) == 1 for days in words.values()), (lang, words)
        assert {day for day, _ in DAY_WORDS[lang].values()} == set(range(1, 40)), lang
    assert DAY_WORDS["nl"] == {"eerste": (1, "")}
    assert DAY_WORDS["de"]["achten"] == (8, "en") and DAY_WORDS["de"]["einunddreissigster"] == (31, "er")


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
    dated, not_impossible, miswritten = [], [], []
    for e in refusals:
        if e.family == "not_date_range":
            continue
        reading = read(e.human, e.language, e.day_first)
        if e.family == "not_date_impossible":
            if reading is None or reading.date is not None:
                not_impossible.append(e)
            elif e.written != _leap_day_of_common_year(reading):
                miswritten.append(e)
        elif reading is not None and reading.date is not None:
            dated.append(e)
    assert not dated, f"refusals read as one real date:\n{describe(dated[:25])}"
    assert not not_impossible, f"impossible dates not read as impossible fields:\n{describe(not_impossible[:25])}"
    assert not miswritten, f"29 February of a common year not written as read:\n{describe(miswritten[:25])}"
    assert any(e.written for e in refusals)


def _leap_day_of_common_year(reading: Reading) -> str:
    """What the model writes for an impossible date as the reader reads it: YYYY-02-29 for 29 February of a
    common year (a numeric day and month in either order), else ""."""
    year, month, day = reading.written
    leap_day = (month, day) == (2, 29) or (reading.numeric and (day, month) == (2, 29))
    return f"{year:04d}-02-29" if leap_day and not calendar.isleap(year) else ""


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

"""The words of a language: its month, weekday, day and year texts, by form (one language now: en_US).

A renderer writes a field by looking it up: `EN_US.month["abbr."][6]` is "Jun.",
`EN_US.day[("spelled", False)][21]` "twenty first", `EN_US.year[("thousand_and", True)][2011]` "two
thousand and eleven". Names come from CLDR through babel, spelled numbers from num2words; every table
is built once, at import. A language is one `Words` value, built from its locale (`english()`).

The forms (the tables' keys):
- **Month**: full name, abbreviation ("Sep"), abbreviation with a dot ("Sep.", but "May"),
  "Sept"/"Sept." (the `sept` forms write September as "Sept" and every other month as its
  abbreviation), number ("6"), zero-padded ("06"); numbers up to 99, for impossible dates.
- **Weekday**: full, abbreviated, with a dot, and the longer abbreviations "Tues"/"Weds"/"Thurs".
- **Day**: number ("5"), zero-padded ("05"), ordinal ("5th"), spelled ("fifth", "twenty-first" or,
  unhyphenated, "twenty first"), and C's space-padded " 5" (machine-written dates only); for impossible
  dates, up to 39 (ordinal, spelled: "thirty-second") or 0 to 99 (numbers).
- **Year**: four digits (1000-2999: refusals write years no label has), two digits ("09"),
  apostrophe ("'09"), spelled (num2words' `to="year"`: "nineteen seventy-eight", "nineteen hundred",
  "two thousand and nine", "twenty eleven"; 1800-2199), and for 2000-2099 "two thousand eleven" /
  "two thousand and eleven" ("two thousand" for 2000).
"""

from __future__ import annotations

import dataclasses

from babel import dates as babel_dates
from num2words import num2words

from data_gen import formats as formats_lib

LOCALE = formats_lib.LOCALE

MONTH_WORD_FORMS = ("name", "abbr", "abbr.", "sept", "sept.")
MONTH_NUMBER_FORMS = ("num", "pad")
WEEKDAY_FORMS = ("name", "abbr", "abbr.", "long", "long.")
SHORT_YEAR_FORMS = ("two", "apos")
# Spelled years: num2words' ("twenty eleven", "two thousand and nine") and "two thousand [and] eleven"
# (2000-2099 only; earlier years are written as num2words writes them).
SPELLED_YEAR_FORMS = ("spelled", "thousand", "thousand_and")
THOUSAND_YEAR_FORMS = ("thousand", "thousand_and")
# Year forms a refusal writes out of range ("3 May 2150", "twelfth of June eighteen fifty").
OUT_OF_RANGE_YEAR_FORMS = ("four", "spelled")
OUT_OF_RANGE_FOUR = (1000, 2999)
OUT_OF_RANGE_SPELLED = (1800, 2199)
# Longer abbreviations people write beyond CLDR's (weekday index, Monday = 0).
EXTRA_WEEKDAY_ABBREVIATIONS = {1: "Tues", 2: "Weds", 3: "Thurs"}
EXTRA_MONTH_ABBREVIATIONS = {9: "Sept"}


@dataclasses.dataclass(frozen=True)
class Words:
    """One language's field texts: for each form, a table from the field's number to its text."""

    locale: str
    month: dict[str, dict[int, str]]  # form -> month (1-12; numbers up to 99) -> text
    weekday: dict[str, dict[int, str]]  # form -> weekday (Monday = 0, as datetime.date.weekday()) -> text
    day: dict[tuple[str, bool], dict[int, str]]  # (form, hyphenated) -> day -> text
    year: dict[tuple[str, bool], dict[int, str]]  # (form, hyphenated) -> year -> text


def _babel_names(kind: str, width: str, locale: str) -> dict[int, str]:
    if kind == "month":
        names = babel_dates.get_month_names(width, locale=locale)
        return {m: names[m] for m in range(1, 13)}
    names = babel_dates.get_day_names(width, locale=locale)
    return {d: names[d] for d in range(7)}  # 0 = Monday, as datetime.date.weekday()


def _month_texts(locale: str) -> dict[str, dict[int, str]]:
    wide, abbr = _babel_names("month", "wide", locale), _babel_names("month", "abbreviated", locale)
    sept = {m: EXTRA_MONTH_ABBREVIATIONS.get(m, abbr[m]) for m in abbr}
    numbers = range(0, 100)  # impossible numeric dates write months up to 99

    def dotted(names: dict[int, str]) -> dict[int, str]:  # "Jun.", but "May" has nothing to cut
        return {m: t if t == wide[m] else t + "." for m, t in names.items()}

    return {
        "name": wide, "abbr": abbr, "abbr.": dotted(abbr), "sept": sept, "sept.": dotted(sept),
        "num": {m: str(m) for m in numbers}, "pad": {m: f"{m:02d}" for m in numbers},
    }


def _weekday_texts(locale: str) -> dict[str, dict[int, str]]:
    wide, abbr = _babel_names("weekday", "wide", locale), _babel_names("weekday", "abbreviated", locale)
    long_abbr = {d: EXTRA_WEEKDAY_ABBREVIATIONS.get(d, abbr[d]) for d in abbr}
    return {"name": wide, "abbr": abbr, "abbr.": {d: t + "." for d, t in abbr.items()},
            "long": long_abbr, "long.": {d: t + "." for d, t in long_abbr.items()}}


def _day_texts() -> dict[tuple[str, bool], dict[int, str]]:
    days = range(1, 40)  # impossible dates write days up to 39, numbers (num, pad) 0 to 99
    spelled = {d: num2words(d, to="ordinal") for d in days}
    out = {
        ("num", True): {d: str(d) for d in range(0, 100)},
        ("pad", True): {d: f"{d:02d}" for d in range(0, 100)},
        ("ord", True): {d: f"{d}{formats_lib.ordinal_suffix(d)}" for d in days},
        ("spelled", True): spelled,
        ("spelled", False): {d: t.replace("-", " ") for d, t in spelled.items()},
        ("spad", True): {d: f"{d:2d}" for d in range(1, 32)},  # C's asctime: "Jun  5" (machine dates only)
    }
    for form in ("num", "pad", "ord", "spad"):
        out[(form, False)] = out[(form, True)]
    return out


def _thousand(year: int, spelled: str, joiner: str) -> str:
    """ "two thousand [and] eleven" for 2001-2099, "two thousand" for 2000; num2words' year before."""
    if year < 2000:
        return spelled
    return "two thousand" + (joiner + num2words(year - 2000) if year > 2000 else "")


def _year_texts() -> dict[tuple[str, bool], dict[int, str]]:
    years = range(formats_lib.FIRST_DATE.year, formats_lib.LAST_DATE.year + 1)
    # Refusals write real dates of years out of range: four digits 1000-2999, spelled 1800-2199.
    four_years = range(OUT_OF_RANGE_FOUR[0], OUT_OF_RANGE_FOUR[1] + 1)
    spelled_years = range(OUT_OF_RANGE_SPELLED[0], OUT_OF_RANGE_SPELLED[1] + 1)
    spelled = {y: num2words(y, to="year") for y in spelled_years}
    out = {
        ("four", True): {y: str(y) for y in four_years},
        ("two", True): {y: f"{y % 100:02d}" for y in years},
        ("apos", True): {y: f"'{y % 100:02d}" for y in years},
        ("spelled", True): spelled,
        ("spelled", False): {y: t.replace("-", " ") for y, t in spelled.items()},
    }
    for form, joiner in (("thousand", " "), ("thousand_and", " and ")):
        out[(form, True)] = {y: _thousand(y, spelled[y], joiner) for y in years}
        out[(form, False)] = {y: t.replace("-", " ") for y, t in out[(form, True)].items()}
    for form in ("four", "two", "apos"):
        out[(form, False)] = out[(form, True)]
    return out


def english() -> Words:
    """en_US: CLDR's names with the longer abbreviations people write ("Sept", "Tues"), English ordinal
    suffixes ("21st"), num2words' spelled days and years, and "two thousand [and] eleven"."""
    return Words(LOCALE, _month_texts(LOCALE), _weekday_texts(LOCALE), _day_texts(), _year_texts())


EN_US = english()

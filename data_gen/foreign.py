"""Dates in French, German, Spanish, Italian, Portuguese and Dutch: what each language writes and how it is drawn.

A foreign example is drawn like an English one (`data_gen.grammar`), from a recipe (`ForeignRecipe`: its
language and every choice it is written with) and a date, and labelled by the same policy
(`data_gen.reading`): these languages write the day before the month, so only numeric dates have two
readings, and the example's `day_first` preference decides those as in English.

Names come from CLDR through babel (`language_words`: month and weekday names, abbreviations with each
locale's own dots, the locale's date patterns for `CLDR` recipes), spelled days from num2words. What each
language adds is data here: ordinal marks ("1er", "3.", "1.º", "1º", "3de", "8ste"), lead words ("le 3 mars",
"am 3. März", "el 3 de marzo", "il 13 febbraio", "l'8 marzo", "dia 3 de março", "op 3 maart"), the Spanish
and Portuguese " de " between fields (Spanish "del" before a year), how a weekday joins the date ("Montag,
den 3. März"), times of day ("14h40", "um 22:56 Uhr", "a las 17:20", "alle 17.20", "às 02:38", "om 13.00
uur"), and refusals in each language: relative words, month and year alone, day and month alone, a weekday
alone, a time alone, impossible days and ranges. Some are written without accents ("3 aout 2016"), as on a
keyboard without them. Families are the English grammar's (`data_gen.families`), so the Evaluator's slices
by family hold every language. docs/data.md describes the shapes and their shares.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import functools
import random
import re
import unicodedata

from babel import dates as babel_dates
from num2words import num2words

from data_gen import families
from data_gen.choice import Choice
from data_gen.languages import FOREIGN_LANGUAGES
from data_gen.reading import Readings, real_date, resolve
from data_gen.recipe import YMD
from data_gen.rendering import add_noise
from data_gen.sampling import DAY_FIRST_SHARE, DECORATION, MONTH_END_SHARE, SPACING, month_end, ordinal_range

DATE = "date"
CLDR = "cldr"  # a date written with one of the locale's CLDR patterns (short, medium, long, full)
CLDR_WIDTHS = ("short", "medium", "long", "full")

# Some foreign dates fall on the first of a month: "1er", "1.º", "premier" and "primo" are only written
# for it, and people write it more often than any other day.
FIRST_DAY_SHARE = 0.08

# --------------------------------------------------------------------------------------------
# Words: CLDR's names (babel), spelled first days (num2words) and what babel does not hold.


@dataclasses.dataclass(frozen=True)
class LanguageWords:
    """One language's month and weekday texts by form, and its spelled "first" day."""

    language: str
    month: dict[str, dict[int, str]]  # form (name, abbr, bare, num, pad) -> month (1-12) -> text
    weekday: dict[str, dict[int, str]]  # form (name, abbr, bare) -> weekday (Monday = 0) -> text
    first: str  # the first day of a month, spelled


# Month names people write that CLDR's tables for the language do not hold (month -> text).
EXTRA_MONTH_NAMES = {"de": {1: "Jänner"}}  # Austrian German


def _bare(texts: dict[int, str]) -> dict[int, str]:
    return {k: t.rstrip(".") for k, t in texts.items()}


@functools.cache
def language_words(language: str) -> LanguageWords:
    """CLDR's month and weekday names and abbreviations of `language` (its dots kept in `abbr`, dropped in
    `bare`), month numbers, and num2words' spelled first day."""
    month_wide = babel_dates.get_month_names("wide", locale=language)
    month_abbr = babel_dates.get_month_names("abbreviated", locale=language)
    day_wide = babel_dates.get_day_names("wide", locale=language)
    day_abbr = babel_dates.get_day_names("abbreviated", locale=language)
    months = {
        "name": {m: month_wide[m] for m in range(1, 13)},
        "abbr": {m: month_abbr[m] for m in range(1, 13)},
        "num": {m: str(m) for m in range(0, 100)},
        "pad": {m: f"{m:02d}" for m in range(0, 100)},
    }
    months["bare"] = _bare(months["abbr"])
    months["extra"] = months["name"] | EXTRA_MONTH_NAMES.get(language, {})
    weekdays = {"name": {d: day_wide[d] for d in range(7)}, "abbr": {d: day_abbr[d] for d in range(7)}}
    weekdays["bare"] = _bare(weekdays["abbr"])
    return LanguageWords(language, months, weekdays, num2words(1, lang=language, to="ordinal"))


# Ordinal days as written: (language, form) -> day -> text. "ord" is the mark every day takes in German and
# Dutch and only the first takes in the Romance languages ("1er mai" but "2 mai").
def _dutch_ordinal(day: int, long: bool) -> str:
    if not long:
        return f"{day}e"
    return f"{day}{'ste' if day in (1, 8) or day >= 20 else 'de'}"


_FIRST_MARKS = {"fr": ("1er",), "es": ("1.º", "1º", "1°"), "it": ("1º", "1°"), "pt": ("1.º", "1º", "1°")}


def ordinal_day(language: str, day: int, mark: int = 0) -> str:
    """A day with its language's ordinal mark ("3.", "3de", "1er", "1.º"); `mark` picks one of several."""
    if language == "de":
        return f"{day}."
    if language == "nl":
        return _dutch_ordinal(day, long=mark == 0)
    if day == 1:
        marks = _FIRST_MARKS[language]
        return marks[mark % len(marks)]
    return str(day)


# German declines a spelled (ordinal) day after its lead word: "am ersten", "der erste", "erster Mai".
GERMAN_ORDINAL_ENDINGS = {"": "r", "am ": "n", "den ": "n", "der ": ""}
# Languages that spell a day other than the first (French, Spanish, Italian and Portuguese with a cardinal:
# "le vingt-deux mars", "el veinticinco de diciembre"; German with an ordinal: "am zweiundzwanzigsten März").
SPELLED_DAY_LANGUAGES = ("fr", "es", "it", "pt", "de")
# Portuguese spells 16, 17 and 19 two ways: Portugal's "dezasseis" and Brazil's "dezesseis" (`mark`).
_PORTUGUESE_SPELLINGS = ("pt", "pt_BR")


def spelled_day(language: str, day: int, lead: str, mark: int = 0) -> str:
    """A day spelled as the language writes it in a date: the first as an ordinal ("premier", "primero",
    "ersten"), other days as a cardinal ("vingt-deux", "veinticinco") or, in German, a declined ordinal."""
    if language == "de":
        return num2words(day, lang="de", to="ordinal") + GERMAN_ORDINAL_ENDINGS.get(lead, "")
    if day == 1:
        return language_words(language).first
    if language == "pt":
        return num2words(day, lang=_PORTUGUESE_SPELLINGS[mark % 2])
    return num2words(day, lang=language)


# --------------------------------------------------------------------------------------------
# The recipe.


@dataclasses.dataclass(frozen=True, slots=True)
class ForeignTime:
    """A time of day written with one of the language's templates (`TIME_TEMPLATES`)."""

    template: str  # with {H}, {HH}, {MM}, {SS}, {la}: " um {HH}:{MM} Uhr"
    hour: int
    minute: int = 0
    second: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class ForeignRecipe:
    """Every choice a foreign example is written with (the date is separate, as in English).

    kind: DATE, CLDR (a locale pattern: `pattern`) or a refusal family. lead: a word before the date ("le ",
    "am ", "el ", "op "). day: num, pad, ord (the language's ordinal mark; `mark` picks among several),
    first (spelled; the first day only) or spelled (any day: `spelled_day`). month: name, abbr (CLDR's, with
    its dots), bare (without them), extra (a name CLDR lacks: Austrian "Jänner"), num or pad. seps: after the
    day and after the month. year: four, two or "" (absent). weekday: "", name, abbr or bare; weekday_sep
    between it and the date; weekday_shift: days on from the date's own (a weekday conflict). time: an optional
    time of day.
    phrase: a relative phrase, or a range's template. casing: as_written, capital (first letter),
    lower, upper or plain (accents dropped); decoration and spacing as in English.
    """

    language: str
    kind: str = DATE
    lead: str = ""
    day: str = "num"
    mark: int = 0
    month: str = "name"
    seps: tuple[str, str] = (" ", " ")
    year: str = "four"
    weekday: str = ""
    weekday_sep: str = " "
    weekday_shift: int = 0
    time: ForeignTime | None = None
    phrase: str = ""
    pattern: str = ""
    casing: str = "as_written"
    decoration: str = ""
    spacing: str = ""
    day_first: bool = True

    @property
    def numeric_month(self) -> bool:
        return self.month in ("num", "pad")


# --------------------------------------------------------------------------------------------
# What each language writes, and how often.

_LEADS = {
    "fr": Choice({"": 60, "le ": 40}),
    "de": Choice({"": 55, "am ": 30, "den ": 12, "der ": 3}),
    "es": Choice({"": 60, "el ": 32, "el día ": 8}),
    "it": Choice({"": 60, "il ": 40}),  # "l'" before a vowel: _lead_text
    "pt": Choice({"": 70, "dia ": 12, "em ": 12, "no dia ": 6}),
    "nl": Choice({"": 70, "op ": 30}),
}
# Lead words that go before a weekday too ("le lundi 3 mars", "el lunes 3 de marzo", "am Montag, 3. März").
_WEEKDAY_LEADS = {"fr": Choice({"": 75, "le ": 25}), "de": Choice({"": 85, "am ": 15}),
                  "es": Choice({"": 80, "el ": 20}), "it": Choice({"": 1}), "pt": Choice({"": 1}),
                  "nl": Choice({"": 85, "op ": 15})}
_WEEKDAY_SEPS = {
    "fr": Choice({" ": 75, ", ": 25}),
    "de": Choice({", ": 55, ", den ": 28, " ": 10, ", der ": 7}),
    "es": Choice({", ": 60, " ": 40}),
    "it": Choice({" ": 65, ", ": 35}),
    "pt": Choice({", ": 70, " ": 30}),
    "nl": Choice({" ": 70, ", ": 30}),
}
_WEEKDAY_FORMS = Choice({"name": 65, "abbr": 20, "bare": 15})
# A German spelled day after a weekday takes an article, which declines it ("Montag, den ersten Mai").
_GERMAN_SPELLED_DAY_WEEKDAY_SEPS = Choice({", den ": 80, ", der ": 20})
_MONTH_WORD_FORMS = {"de": Choice({"name": 60, "abbr": 22, "bare": 14, "extra": 4})}
_DEFAULT_MONTH_WORD_FORMS = Choice({"name": 65, "abbr": 20, "bare": 15})
# Separators of word dates (after the day, after the month); "-" and "/" only with a day number and an
# abbreviation ("03-mars-2019").
_WORD_SEPS = {
    "es": Choice({(" de ", " de "): 70, (" de ", " del "): 8, (" ", " "): 8, (" de ", " "): 6, ("-", "-"): 5,
                  ("/", "/"): 3}),
    "pt": Choice({(" de ", " de "): 80, (" ", " "): 8, (" de ", " "): 4, ("-", "-"): 5, ("/", "/"): 3}),
    "de": Choice({(" ", " "): 88, ("", " "): 5, ("-", "-"): 4, ("/", "/"): 3}),
}
_DEFAULT_WORD_SEPS = Choice({(" ", " "): 90, ("-", "-"): 7, ("/", "/"): 3})
_NUMERIC_SEPS = {
    "fr": Choice({"/": 70, ".": 10, "-": 20}), "de": Choice({".": 85, "/": 8, "-": 7}),
    "es": Choice({"/": 70, "-": 20, ".": 10}), "it": Choice({"/": 70, "-": 15, ".": 15}),
    "pt": Choice({"/": 75, "-": 15, ".": 10}), "nl": Choice({"-": 60, "/": 25, ".": 15}),
}
# Day forms of word dates: a number, zero-padded, with the ordinal mark, the spelled first ("first": "le
# premier mai", "eerste mei"; drawn with the date the first) or any day spelled ("spelled"; never with a time).
_WORD_DAYS = {"de": Choice({"ord": 76, "num": 14, "pad": 6, "first": 2, "spelled": 2}),
              "nl": Choice({"num": 77, "pad": 8, "ord": 12, "first": 3})}
_DEFAULT_WORD_DAYS = Choice({"num": 78, "pad": 8, "ord": 7, "first": 3, "spelled": 4})  # "ord": "1er", "1.º"
_YEARS = Choice({"four": 93, "two": 7})
_NUMERIC_YEARS = Choice({"four": 75, "two": 25})
_NUMERIC_DAYS = Choice({"pad": 60, "num": 40})
_STYLES = Choice({"word": 70, "numeric": 30})
# Words around a numeric date, so a numeric date is not always bare: a weekday or a time at least.
_NUMERIC_WEEKDAY_SHARE = 0.35
_NUMERIC_TIME_SHARE = 0.35
_WEEKDAY_SHARE = 0.25
_TIME_SHARE = 0.15
# "plain": without accents, as typed on a keyboard without them ("3 aout 2016", "Marz").
_CASING = Choice({"as_written": 58, "capital": 16, "lower": 14, "upper": 8, "plain": 4})

# Times of day after the date (templates: {H} hour, {HH} zero-padded, {MM} minutes, {SS} seconds, {la}
# Spanish "la"/"las").
TIME_TEMPLATES = {
    "fr": Choice({" à {H}h{MM}": 24, " à {H}h": 8, " {H}h{MM}": 10, " à {HH}:{MM}": 18, " {HH}:{MM}": 15,
                  ", {HH}:{MM}": 8, " à {H} h {MM}": 5, " {HH}:{MM}:{SS}": 8, " - {HH}h{MM}": 4}),
    "de": Choice({" um {HH}:{MM} Uhr": 24, " um {H}:{MM} Uhr": 10, ", {HH}:{MM} Uhr": 14, " {HH}:{MM}": 14,
                  " um {HH}:{MM}": 10, " um {H} Uhr": 8, " {HH}.{MM} Uhr": 7, " {HH}:{MM}:{SS}": 9,
                  ", {HH}:{MM}": 4}),
    "es": Choice({" a {la} {HH}:{MM}": 26, " a {la} {H}:{MM}": 10, ", {HH}:{MM}": 14, " {HH}:{MM} h": 10,
                  " {HH}:{MM}": 18, " {HH}:{MM}:{SS}": 9, " a {la} {H} h": 5, " {HH}:{MM} hs": 3,
                  " - {HH}:{MM}": 5}),
    "it": Choice({" alle {HH}:{MM}": 24, " alle {H}.{MM}": 8, " ore {HH}:{MM}": 14, ", ore {HH}:{MM}": 7,
                  ", {HH}:{MM}": 14, " {HH}:{MM}": 20, " {HH}:{MM}:{SS}": 9, " alle ore {HH}:{MM}": 4}),
    "pt": Choice({" às {HH}:{MM}": 28, " às {H}h{MM}": 10, ", {HH}:{MM}": 14, " {HH}h{MM}": 10,
                  " {HH}:{MM}": 18, " {HH}:{MM}:{SS}": 9, " às {H}h": 5, " - {HH}:{MM}": 6}),
    "nl": Choice({" om {HH}.{MM}": 14, " om {HH}:{MM}": 20, " om {HH}:{MM} uur": 14, " om {H} uur": 8,
                  ", {HH}:{MM}": 12, " {HH}:{MM}": 20, " {HH}:{MM}:{SS}": 8, " {HH}.{MM} uur": 4}),
}

# --------------------------------------------------------------------------------------------
# Refusals in each language.

RELATIVE_PHRASES = {
    "fr": ("aujourd'hui", "demain", "hier", "après-demain", "avant-hier", "la semaine prochaine",
           "la semaine dernière", "le mois prochain", "le mois dernier", "l'année prochaine", "ce soir",
           "ce matin", "demain matin", "dans {n} jours", "il y a {n} jours", "dans {n} semaines",
           "il y a {n} mois", "{weekday} prochain", "{weekday} dernier", "ce {weekday}"),
    "de": ("heute", "morgen", "gestern", "übermorgen", "vorgestern", "nächste Woche", "letzte Woche",
           "nächsten Monat", "letzten Monat", "nächstes Jahr", "heute Abend", "morgen früh", "in {n} Tagen",
           "vor {n} Tagen", "in {n} Wochen", "vor {n} Monaten", "nächsten {weekday}", "letzten {weekday}",
           "am kommenden {weekday}", "diesen {weekday}"),
    "es": ("hoy", "mañana", "ayer", "pasado mañana", "anteayer", "la próxima semana", "la semana pasada",
           "el mes que viene", "el mes pasado", "el año que viene", "esta noche", "mañana por la mañana",
           "dentro de {n} días", "hace {n} días", "en {n} semanas", "hace {n} meses", "el próximo {weekday}",
           "el {weekday} pasado", "este {weekday}", "el {weekday} que viene"),
    "it": ("oggi", "domani", "ieri", "dopodomani", "l'altro ieri", "la prossima settimana",
           "la settimana scorsa", "il mese prossimo", "il mese scorso", "l'anno prossimo", "stasera",
           "domani mattina", "tra {n} giorni", "{n} giorni fa", "fra {n} settimane", "{n} mesi fa",
           "{weekday} prossimo", "{weekday} scorso", "questo {weekday}", "il prossimo {weekday}"),
    "pt": ("hoje", "amanhã", "ontem", "depois de amanhã", "anteontem", "na próxima semana", "na semana passada",
           "no próximo mês", "no mês passado", "no ano que vem", "hoje à noite", "amanhã de manhã",
           "daqui a {n} dias", "há {n} dias", "em {n} semanas", "há {n} meses", "na próxima {weekday}",
           "na {weekday} passada", "nesta {weekday}", "{weekday} que vem"),
    "nl": ("vandaag", "morgen", "gisteren", "overmorgen", "eergisteren", "volgende week", "vorige week",
           "volgende maand", "vorige maand", "volgend jaar", "vanavond", "morgenochtend", "over {n} dagen",
           "{n} dagen geleden", "over {n} weken", "{n} maanden geleden", "volgende {weekday}",
           "afgelopen {weekday}", "komende {weekday}", "deze {weekday}"),
}
# Words before a month and year alone ("en mars 2020", "im März 2020"), a weekday alone, a time alone.
_MONTH_YEAR_LEADS = {"fr": Choice({"": 60, "en ": 40}), "de": Choice({"": 60, "im ": 40}),
                     "es": Choice({"": 60, "en ": 40}), "it": Choice({"": 60, "a ": 20, "nel ": 20}),
                     "pt": Choice({"": 60, "em ": 40}), "nl": Choice({"": 60, "in ": 40})}
_WEEKDAY_ALONE_LEADS = {"fr": Choice({"": 60, "le ": 25, "ce ": 15}), "de": Choice({"": 55, "am ": 45}),
                        "es": Choice({"": 55, "el ": 45}), "it": Choice({"": 70, "di ": 30}),
                        "pt": Choice({"": 60, "na ": 20, "no ": 20}), "nl": Choice({"": 55, "op ": 45})}
RANGE_TEMPLATES = {  # {d1} {d2}: days; {m1} {m2}: months; {m}: the shared month; {y}: the year
    "fr": ("du {d1} au {d2} {m} {y}", "{d1}-{d2} {m} {y}", "du {d1} {m1} au {d2} {m2} {y}",
           "{d1} et {d2} {m} {y}", "entre le {d1} et le {d2} {m} {y}"),
    "de": ("{d1}.-{d2}. {m} {y}", "vom {d1}. bis {d2}. {m} {y}", "vom {d1}. {m1} bis {d2}. {m2} {y}",
           "{d1}. und {d2}. {m} {y}", "zwischen dem {d1}. und {d2}. {m} {y}"),
    "es": ("del {d1} al {d2} de {m} de {y}", "{d1}-{d2} de {m} de {y}", "del {d1} de {m1} al {d2} de {m2} de {y}",
           "{d1} y {d2} de {m} de {y}", "entre el {d1} y el {d2} de {m} de {y}"),
    "it": ("dal {d1} al {d2} {m} {y}", "{d1}-{d2} {m} {y}", "dal {d1} {m1} al {d2} {m2} {y}",
           "{d1} e {d2} {m} {y}", "tra il {d1} e il {d2} {m} {y}"),
    "pt": ("de {d1} a {d2} de {m} de {y}", "{d1} a {d2} de {m} de {y}", "de {d1} de {m1} a {d2} de {m2} de {y}",
           "{d1} e {d2} de {m} de {y}", "entre {d1} e {d2} de {m} de {y}"),
    "nl": ("van {d1} tot {d2} {m} {y}", "{d1}-{d2} {m} {y}", "van {d1} {m1} tot {d2} {m2} {y}",
           "{d1} en {d2} {m} {y}", "tussen {d1} en {d2} {m} {y}"),
}

KIND = Choice({DATE: 72, CLDR: 8, families.WEEKDAY_CONFLICT: 2, families.NOT_RELATIVE: 3.5,
               families.NOT_MONTH_YEAR: 2.5, families.NOT_DAY_MONTH: 2.5, families.NOT_WEEKDAY: 1.5,
               families.NOT_TIME: 2.5, families.NOT_IMPOSSIBLE: 2.5, families.NOT_RANGE: 3})
LANGUAGE = Choice({language: 1 for language in FOREIGN_LANGUAGES})


# --------------------------------------------------------------------------------------------
# Drawing a recipe.


def _noise(rng: random.Random) -> dict:
    return {"casing": _CASING(rng), "decoration": DECORATION(rng), "spacing": SPACING(rng),
            "day_first": rng.random() < DAY_FIRST_SHARE}


def _time(rng: random.Random, language: str) -> ForeignTime:
    return ForeignTime(TIME_TEMPLATES[language](rng), rng.randrange(24), rng.randrange(60), rng.randrange(60))


def _weekday(rng: random.Random, language: str) -> dict:
    return {"weekday": _WEEKDAY_FORMS(rng), "weekday_sep": _WEEKDAY_SEPS[language](rng),
            "lead": _WEEKDAY_LEADS[language](rng)}


def _word_core(rng: random.Random, language: str) -> dict:
    """Day form, month form, separators and year of a word date ("3 de marzo de 2001", "3. März 1979")."""
    day = _WORD_DAYS.get(language, _DEFAULT_WORD_DAYS)(rng)
    month = _MONTH_WORD_FORMS.get(language, _DEFAULT_MONTH_WORD_FORMS)(rng)
    seps = _WORD_SEPS.get(language, _DEFAULT_WORD_SEPS)(rng)
    if seps[0] in ("-", "/"):  # "03-mars-2019": a number and an abbreviation
        day, month = rng.choice(("num", "pad")), "bare"
    elif seps[0] == "" and day != "ord":  # "6.Januar 2020" only after German's ordinal dot
        seps = (" ", " ")
    return {"day": day, "mark": rng.randrange(3), "month": month, "seps": seps, "year": _YEARS(rng),
            "lead": _LEADS[language](rng)}


def _numeric_core(rng: random.Random, language: str) -> dict:
    sep = _NUMERIC_SEPS[language](rng)
    day = _NUMERIC_DAYS(rng)
    return {"day": day, "month": day, "seps": (sep, sep), "year": _NUMERIC_YEARS(rng),
            "lead": _LEADS[language](rng) if rng.random() < 0.3 else ""}


def sample_date_recipe(rng: random.Random, language: str, with_weekday: bool = False) -> ForeignRecipe:
    """A foreign date: a word or numeric core, an optional weekday (always, if `with_weekday`) and time."""
    numeric = _STYLES(rng) == "numeric"
    fields = _numeric_core(rng, language) if numeric else _word_core(rng, language)
    if with_weekday or rng.random() < (_NUMERIC_WEEKDAY_SHARE if numeric else _WEEKDAY_SHARE):
        fields |= _weekday(rng, language)
        if language == "de" and fields["day"] in ("first", "spelled"):  # "Montag, den ersten Mai"
            fields["weekday_sep"] = _GERMAN_SPELLED_DAY_WEEKDAY_SEPS(rng)
    if fields["day"] != "spelled" and rng.random() < (_NUMERIC_TIME_SHARE if numeric else _TIME_SHARE):
        fields["time"] = _time(rng, language)
    return ForeignRecipe(language, DATE, **fields, **_noise(rng))


def sample_recipe(rng: random.Random, language: str) -> ForeignRecipe:
    """One foreign recipe of `language`: a date, a CLDR pattern, a weekday conflict or a refusal."""
    kind = KIND(rng)
    if kind == DATE:
        return sample_date_recipe(rng, language)
    if kind == CLDR:
        pattern = babel_dates.get_date_format(rng.choice(CLDR_WIDTHS), locale=language).pattern
        return ForeignRecipe(language, CLDR, pattern=pattern, year="two" if _TWO_DIGIT_YEAR.search(pattern) else "four",
                             **_noise(rng))
    if kind == families.WEEKDAY_CONFLICT:
        return dataclasses.replace(sample_date_recipe(rng, language, with_weekday=True),
                                   weekday_shift=rng.randint(1, 6))
    return _sample_refusal(rng, language, kind)


# Weekdays a relative template can take: Portuguese "na próxima {weekday}" and Italian "questo {weekday}" agree
# with the weekdays of one gender only (Portuguese: Monday to Friday; Italian: not Sunday).
_RELATIVE_WEEKDAYS = {"pt": range(5), "it": range(6)}
_TWO_DIGIT_YEAR = re.compile(r"(?<!y)yy(?!y)")


def relative_phrase(rng: random.Random, language: str) -> str:
    """A relative phrase of the language, its count and weekday filled in: "in 3 Tagen", "lundi prochain"."""
    weekday = rng.choice(_RELATIVE_WEEKDAYS.get(language, range(7)))
    return rng.choice(RELATIVE_PHRASES[language]).format(
        n=rng.randint(2, 14), weekday=language_words(language).weekday["name"][weekday])


def _sample_refusal(rng: random.Random, language: str, kind: str) -> ForeignRecipe:
    noise = _noise(rng)
    if kind == families.NOT_RELATIVE:
        return ForeignRecipe(language, kind, phrase=relative_phrase(rng, language), **noise)
    if kind == families.NOT_MONTH_YEAR:
        sep = " de " if language in ("es", "pt") and rng.random() < 0.7 else " "
        return ForeignRecipe(language, kind, lead=_MONTH_YEAR_LEADS[language](rng),
                             month=_MONTH_WORD_FORMS.get(language, _DEFAULT_MONTH_WORD_FORMS)(rng), seps=(" ", sep),
                             **noise)
    if kind == families.NOT_DAY_MONTH:
        recipe = dataclasses.replace(sample_date_recipe(rng, language), kind=kind, year="", time=None)
        if recipe.numeric_month:  # "mar, 11.03" (Tuesday 11 March) would read as English "Mar 11 '03"
            recipe = dataclasses.replace(recipe, weekday="", lead="")
        return recipe
    if kind == families.NOT_WEEKDAY:
        time = _time(rng, language) if rng.random() < 0.25 else None
        return ForeignRecipe(language, kind, lead=_WEEKDAY_ALONE_LEADS[language](rng), weekday=_WEEKDAY_FORMS(rng),
                             weekday_shift=rng.randrange(7), time=time, **noise)
    if kind == families.NOT_TIME:
        return ForeignRecipe(language, kind, time=_time(rng, language), **noise)
    if kind == families.NOT_IMPOSSIBLE:
        return dataclasses.replace(sample_date_recipe(rng, language), kind=kind, weekday="", weekday_shift=0)
    if kind == families.NOT_RANGE:
        return ForeignRecipe(language, kind, phrase=rng.choice(RANGE_TEMPLATES[language]),
                             month=_DEFAULT_MONTH_WORD_FORMS(rng), year="four", **noise)
    raise ValueError(f"unknown foreign kind {kind!r}")


# --------------------------------------------------------------------------------------------
# Dates.

def first_only(recipe: ForeignRecipe) -> bool:
    """Whether the recipe's day form is written for the first of a month only ("premier", "1er", "1.º")."""
    return recipe.day == "first" or (recipe.day == "ord" and recipe.language in _FIRST_MARKS)


def _real_date(rng: random.Random, recipe: ForeignRecipe) -> datetime.date:
    first, last = ordinal_range(recipe)  # two-digit years: 1950-2049, as in English
    if not first_only(recipe) and rng.random() < MONTH_END_SHARE:
        return month_end(rng, datetime.date.fromordinal(first).year, datetime.date.fromordinal(last).year)
    date = datetime.date.fromordinal(rng.randint(first, last))
    if first_only(recipe) or rng.random() < FIRST_DAY_SHARE:
        date = date.replace(day=1)
    return date


def _impossible(rng: random.Random, recipe: ForeignRecipe) -> YMD:
    """A day past its month's end (31 April, 30 February, 29 February of a common year), or, in a numeric
    date, a month past 12."""
    year = rng.randint(*(datetime.date.fromordinal(o).year for o in ordinal_range(recipe)))
    if recipe.numeric_month and rng.random() < 0.3:
        return YMD(year, rng.randint(13, 31), rng.randint(13, 28))  # no reading is real
    month = rng.randint(1, 12)
    end = calendar.monthrange(year, month)[1]
    return YMD(year, month, rng.randint(end + 1, 31) if end < 31 else 32)


def _range_dates(rng: random.Random, recipe: ForeignRecipe) -> tuple[datetime.date, ...]:
    """Two dates of a range: the same month unless the template names two ({m1}, {m2})."""
    first = _real_date(rng, recipe).replace(day=rng.randint(1, 20))
    if "{m1}" in recipe.phrase:
        month = rng.randint(first.month + 1, 12) if first.month < 12 else 12
        if month == first.month:
            first = first.replace(month=11)
        return first, first.replace(month=month, day=rng.randint(1, 28))
    return first, first.replace(day=rng.randint(first.day + 1, 28))


def sample_date(rng: random.Random, recipe: ForeignRecipe):
    """A date the recipe can write: real, a YMD for impossible days, two dates for a range, None for phrases."""
    if recipe.kind in (families.NOT_RELATIVE, families.NOT_TIME, families.NOT_WEEKDAY):
        return None
    if recipe.kind == families.NOT_IMPOSSIBLE:
        return _impossible(rng, recipe)
    if recipe.kind == families.NOT_RANGE:
        return _range_dates(rng, recipe)
    return _real_date(rng, recipe)


# --------------------------------------------------------------------------------------------
# Writing.


def _day_text(recipe: ForeignRecipe, day: int) -> str:
    if recipe.day == "ord":
        return ordinal_day(recipe.language, day, recipe.mark)
    if recipe.day == "spelled" or (recipe.day == "first" and day == 1):
        # The word before the day: the lead, or after a weekday its joiner's ("Montag, den ersten Mai").
        before = recipe.weekday_sep.lstrip(", ") if recipe.weekday else recipe.lead
        return spelled_day(recipe.language, day, before, recipe.mark)
    return f"{day:02d}" if recipe.day == "pad" else str(day)


def _lead_text(recipe: ForeignRecipe, day_text: str) -> str:
    """The lead word, elided in Italian before a vowel ("l'8 marzo", "l'11 marzo", "l'otto marzo")."""
    if recipe.language == "it" and recipe.lead == "il " and (day_text in ("8", "08", "11")
                                                             or day_text[:1].lower() in "aeiou"):
        return "l'"
    return recipe.lead


def time_text(time: ForeignTime) -> str:
    """The time as its template writes it: " um 22:56 Uhr", " a la 1:05"."""
    return time.template.format(H=time.hour, HH=f"{time.hour:02d}", MM=f"{time.minute:02d}",
                                SS=f"{time.second:02d}", la="la" if time.hour == 1 else "las")


def _year_text(recipe: ForeignRecipe, year: int) -> str:
    return str(year) if recipe.year == "four" else f"{year % 100:02d}"


def written_weekday(recipe: ForeignRecipe, date: datetime.date | YMD) -> int:
    """The weekday written: the date's own `weekday_shift` days on; for a day that does not exist (or none
    at all) weekday number `weekday_shift`."""
    if isinstance(date, datetime.date):
        return (date.weekday() + recipe.weekday_shift) % 7
    return recipe.weekday_shift


def date_text(recipe: ForeignRecipe, date: datetime.date | YMD, weekday_date: datetime.date | YMD) -> str:
    """A dated recipe's text before casing and noise: lead, weekday (of `weekday_date`, the date the text
    means: see `written_weekday`), day, month, year, time."""
    words = language_words(recipe.language)
    day = _day_text(recipe, date.day)
    text = day + recipe.seps[0] + words.month[recipe.month][date.month]
    if recipe.year:
        text += recipe.seps[1] + _year_text(recipe, date.year)
    if recipe.weekday:
        weekday = words.weekday[recipe.weekday][written_weekday(recipe, weekday_date)]
        text = recipe.lead + weekday + recipe.weekday_sep + text
    else:
        text = _lead_text(recipe, day) + text
    if recipe.time is not None:
        text += time_text(recipe.time)
    return text


def range_text(recipe: ForeignRecipe, dates: tuple[datetime.date, ...]) -> str:
    """A range in the recipe's template: "du 3 au 5 mars 2009", "vom 3. März bis 5. April 2009"."""
    months = language_words(recipe.language).month[recipe.month]
    first, last = dates
    return recipe.phrase.format(d1=first.day, d2=last.day, m=months[last.month], m1=months[first.month],
                                m2=months[last.month], y=last.year)


def text_of(recipe: ForeignRecipe, date: datetime.date | YMD | tuple | None, label: datetime.date | None) -> str:
    """The text a recipe writes for a date, before casing and noise, given the date it means (`label_date`)."""
    kind = recipe.kind
    words = language_words(recipe.language)
    if kind == CLDR:
        return babel_dates.format_date(date, recipe.pattern, locale=recipe.language)
    if kind == families.NOT_RELATIVE:
        return recipe.phrase
    if kind == families.NOT_TIME:
        return time_text(recipe.time).lstrip(" ,-")
    if kind == families.NOT_WEEKDAY:
        text = recipe.lead + words.weekday[recipe.weekday][recipe.weekday_shift]
        return text + (time_text(recipe.time) if recipe.time else "")
    if kind == families.NOT_RANGE:
        return range_text(recipe, date)
    if kind == families.NOT_MONTH_YEAR:
        return recipe.lead + words.month[recipe.month][date.month] + recipe.seps[1] + str(date.year)
    return date_text(recipe, date, label or date)


def apply_casing(text: str, casing: str) -> str:
    """as_written, capital (the first letter upper), lower, upper or plain (without accents)."""
    if casing == "lower":
        return text.lower()
    if casing == "upper":
        return text.upper()
    if casing == "capital":
        return text[:1].upper() + text[1:]
    if casing == "plain":  # NFD splits "é" into "e" and a combining accent; "º" has no decomposition
        return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return text


def render_labelled(recipe: ForeignRecipe, date, label: datetime.date | None) -> str:
    """The human string, given the date it means (`label_date`): the recipe's text, its casing and noise."""
    return add_noise(apply_casing(text_of(recipe, date, label), recipe.casing), recipe.decoration, recipe.spacing)


def render(recipe: ForeignRecipe, date) -> str:
    """The human string a recipe writes for a date."""
    return render_labelled(recipe, date, label_date(recipe, date))


# --------------------------------------------------------------------------------------------
# Labels and families.


def _numeric(recipe: ForeignRecipe) -> bool:
    if recipe.kind == CLDR:
        return "MMM" not in recipe.pattern
    return recipe.numeric_month


def readings(recipe: ForeignRecipe, date: datetime.date | YMD) -> Readings:
    """The real dates the written fields can mean; day first as written, and for numeric dates read month
    first (the first number as the month)."""
    as_written = real_date(date.year, date.month, date.day)
    if not _numeric(recipe):
        return Readings(as_written, as_written)
    return Readings(day_first=as_written, month_first=real_date(date.year, date.day, date.month))


def label_date(recipe: ForeignRecipe, date) -> datetime.date | None:
    """The date the text means under the ambiguity policy; None for refusals."""
    if recipe.kind not in (DATE, CLDR):
        return None
    return resolve(readings(recipe, date), recipe.day_first)


def family_of(recipe: ForeignRecipe) -> str:
    """The English grammar's family of the same shape (`data_gen.families`)."""
    if recipe.kind == CLDR:
        if "EEEE" in recipe.pattern:
            return "with_weekday"
        if _numeric(recipe):
            return "numeric_short_year" if recipe.year == "two" else "numeric_dmy"
        return "word_dmy"
    if recipe.kind != DATE:
        return recipe.kind
    if recipe.weekday_shift:
        return families.WEEKDAY_CONFLICT
    if recipe.time is not None:
        return "with_time"
    if recipe.weekday:
        return "with_weekday"
    if recipe.day in ("first", "spelled"):
        return "spelled_day"
    if recipe.numeric_month:
        return "numeric_short_year" if recipe.year == "two" else "numeric_dmy"
    if recipe.year == "two":
        return "word_short_year"
    return "ordinal_dmy" if recipe.day == "ord" else "word_dmy"

"""Writing a recipe and a date as text: fields in order with separators, weekday, time, casing and noise.

- **Field order**: day-month-year (`dmy`), month-day-year (`mdy`), year-month-day (`ymd`); each field's
  text comes from the language's tables (`data_gen.words`), the day with "the" and "of" if the recipe
  says so ("the 21st of").
- **Separators** between fields: space, comma, "/", "-", ".", mixed ("25/06-2009"), spaced ("7 / 20 /
  1969") and none ("20030925", "25Jun2009").
- **Weekday** (the label's true weekday, or for a weekday conflict another one): before ("Thursday, ...",
  "Thu ...") or after (", Thursday", " Thursday", " (Thu)").
- **Time of day** (`data_gen.times`): after or before the date, or inside it after the second field
  (ctime: "Thu Jun  5 14:05:33 UTC 2009").
- **Ranges and lists** (`span_text`): the parts written like dates, the fields they share written once
  ("22-27 June 1963", "June 22 - 27, 1963", "from 3 May to 5 June 2009", "3, 4 and 5 May 2009").
- **Casing** lower, Title (names capitalised as written, first letter upper), UPPER; **noise**: leading
  or trailing space, a doubled space, brackets or quotes around the whole string, a trailing "." or ","
  (only after a letter or digit).
"""

from __future__ import annotations

import datetime

from data_gen import formats as formats_lib
from data_gen import phrases
from data_gen.families import CATALOGUE, NOT_RANGE, NOT_TIME, NOT_WEEKDAY
from data_gen.reading import label_date
from data_gen.recipe import DATE, AnyDate, Dates, Recipe, SpanForm
from data_gen.times import time_text
from data_gen.words import EN_US


def _day_text(recipe: Recipe, day: int) -> str:
    text = EN_US.day[(recipe.day, recipe.hyphen)][day]
    if recipe.the:
        text = "the " + text
    if recipe.of:
        text += " of"
    return text


def join_core(order: str, seps: tuple[str, str], day: str | None, month: str | None,
              year: str | None) -> str:
    """The fields in their order with their separators; an absent field (None) and its separator left out."""
    if order == "dmy":
        a, b, c = day, month, year
    elif order == "mdy":
        a, b, c = month, day, year
    else:
        a, b, c = year, month, day
    if a is None:
        return b + seps[1] + c
    if b is None:
        return a + seps[1] + c
    if c is None:
        return a + seps[0] + b
    return a + seps[0] + b + seps[1] + c


def weekday_affixes(weekday: str, after: bool, sep: str) -> tuple[str, str]:
    """What goes before and after the date for a weekday: ("Thursday, ", "") or ("", " (Thu)")."""
    if not after:
        return weekday + sep, ""
    return "", (f" ({weekday})" if sep == "()" else sep + weekday)


def written_weekday(recipe: Recipe, weekday_date: AnyDate) -> int:
    """The weekday a recipe writes for a date: its own, `weekday_shift` days on (a conflict); for a date
    that does not exist, weekday number `weekday_shift`."""
    if isinstance(weekday_date, datetime.date):
        return (weekday_date.weekday() + recipe.weekday_shift) % 7
    return recipe.weekday_shift


def date_text(date: AnyDate, recipe: Recipe, weekday_date: AnyDate | None) -> str:
    """A date-shaped recipe's text before casing and noise: fields, weekday (of `weekday_date`, see
    `written_weekday`) and time."""
    day = _day_text(recipe, date.day) if recipe.day else None
    month = EN_US.month[recipe.month][date.month] if recipe.month else None
    time = recipe.time
    if time is not None and time.inside:  # after the second field: "Jun  5 14:05:33 UTC 2009"
        if recipe.order == "mdy":
            day += time_text(time)
        else:
            month += time_text(time)
    text = join_core(recipe.order, recipe.seps, day, month,
                     EN_US.year[(recipe.year, recipe.hyphen)][date.year] if recipe.year else None)
    if recipe.weekday:
        before, after = weekday_affixes(EN_US.weekday[recipe.weekday][written_weekday(recipe, weekday_date)],
                                        recipe.weekday_after, recipe.weekday_sep)
        text = before + text + after
    if time is not None and not time.inside:
        text = time_text(time) + text if time.before else text + time_text(time)
    return text


# The fields shared by the dates of a range, by SpanForm.shared.
SHARED_FIELDS = {"": "", "year": "y", "month_year": "my"}


def _span_part(recipe: Recipe, fields: dict[str, str | None], first: int, last: int) -> str:
    """The fields at positions first..last of the recipe's order, with the separators between them;
    the day with "the" and, followed by the month, "of"."""
    texts: list[str] = []
    for i in range(first, last + 1):
        field = recipe.order[i]
        text = fields[field]
        if text is None:
            continue
        if field == "d":
            text = ("the " if recipe.the else "") + text
            if recipe.of and i < last and recipe.order[i + 1] == "m":
                text += " of"
        if texts:
            texts.append(recipe.seps[i - 1])
        texts.append(text)
    return "".join(texts)


def span_text_of_fields(recipe: Recipe, parts: list[dict[str, str | None]], weekdays: list[str] | None = None
                        ) -> str:
    """A range or list from each date's field texts ("d", "m", "y"; None: not written) and weekday names:
    a shared field before the fields that vary is written in the first part only, one after them in the
    last part only ("22-27 June 1963", "June 22 - 27, 1963", "2009 May 3-5")."""
    form: SpanForm = recipe.span
    shared = SHARED_FIELDS[form.shared]
    varying = [i for i, field in enumerate(recipe.order) if field not in shared]
    texts = []
    for k, fields in enumerate(parts):
        first = 0 if k == 0 else varying[0]
        last = 2 if k == len(parts) - 1 else varying[-1]
        text = _span_part(recipe, fields, first, last)
        if weekdays:
            text = weekdays[k] + recipe.weekday_sep + text
        texts.append(text)
    return form.prefix + form.list_joiner.join(texts[:-1]) + form.joiner + texts[-1]


def span_text(dates: Dates, recipe: Recipe) -> str:
    """A range or a list of real dates, before casing and noise: "from 3 May to 5 June 2009"."""
    parts = [{"d": EN_US.day[(recipe.day, recipe.hyphen)][d.day], "m": EN_US.month[recipe.month][d.month],
              "y": EN_US.year[(recipe.year, recipe.hyphen)][d.year] if recipe.year else None} for d in dates]
    weekdays = [EN_US.weekday[recipe.weekday][d.weekday()] for d in dates] if recipe.weekday else None
    return span_text_of_fields(recipe, parts, weekdays)


def add_noise(text: str, decoration: str, spacing: str) -> str:
    """A doubled space, brackets/quotes or end punctuation, an outer space."""
    if spacing == "double":
        text = text.replace(" ", "  ", 1)
    if decoration in (".", ","):
        if text[-1:].isalnum():
            text += decoration
    elif decoration:
        text = decoration[0] + text + decoration[1]
    if spacing == "lead":
        text = " " + text
    elif spacing == "trail":
        text += " "
    return text


def finish(text: str, recipe: Recipe) -> str:
    """Casing, then noise (`add_noise`)."""
    if recipe.casing == "lower":
        text = text.lower()
    elif recipe.casing == "upper":
        text = text.upper()
    elif text[:1].islower():
        text = text[0].upper() + text[1:]
    return add_noise(text, recipe.decoration, recipe.spacing)


def render_labelled(date: AnyDate | None, recipe: Recipe, label_date: datetime.date | None) -> str:
    """`render`, given the date the text means (`reading.label_date`): a positive writes its weekday."""
    kind = recipe.kind
    if kind == CATALOGUE:
        return formats_lib.get_format(recipe.catalogue).render(date)
    if kind in phrases.KINDS:
        text = recipe.phrase
    elif kind == NOT_TIME:
        text = recipe.phrase + time_text(recipe.time)
    elif kind == NOT_WEEKDAY:
        text = recipe.phrase + EN_US.weekday[recipe.weekday][date.weekday()]
        if recipe.time is not None:
            text += time_text(recipe.time)
    elif kind == NOT_RANGE:
        text = span_text(date, recipe)
    else:
        text = date_text(date, recipe, label_date if kind == DATE else date)
    return finish(text, recipe)


def render(date: AnyDate | None, recipe: Recipe) -> str:
    """The human string a recipe writes for a date (a YMD for impossible dates, a tuple of dates for
    ranges, None for phrases)."""
    return render_labelled(date, recipe, label_date(recipe, date))

"""Ranges and lists of dates (refusals: more than one date is not one date), drawn from the same cores as real
dates so that only the joining tells them apart.

A range's recipe is a date core (`data_gen.sampling`) with a `SpanForm`: which fields the dates share and
write once (none, the year, or the month and year), how many dates (two, or three in a list), and how they are
joined: "22-27 June 1963", "June 22 - 27, 1963", "from 3 May to 5 June 2009", "between 1 and 3 March 2010",
"3/5/2009 to 5/5/2009", "May 3 and 4, 2009", "3, 4 and 5 May 2009", ISO 8601's interval
"2009-05-03/2009-05-05", and with a weekday on each part ("Mon 3 - Wed 5 May"; the dates' own). Numeric dates
are only joined whole (no "3-5/5/2009"), as are eight-digit and "25Jun2009" ones; a dash joins dates only if
their separators have none ("25-Jun-2009-27-Jun-2009" is not written); the shared month and year may leave out
the year where no day number would read as one ("22-27 June", not "Aug 19-20"). A range is at most
MAX_RANGE_LENGTH characters before noise with the widest fields its recipe can write (so spelled dates are
mostly ranges of days of one month); no range has a held-out family's shape.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import random

from data_gen.choice import Choice
from data_gen.families import NOT_RANGE, held_out_shape
from data_gen.recipe import Dates, Recipe, SpanForm
from data_gen.rendering import span_text_of_fields
from data_gen.sampling import (
    STYLE,
    WEEKDAY_FORM,
    WEEKDAY_SEP,
    Core,
    core_fields,
    ordinal_range,
    sample_core,
    sample_noise,
)
from data_gen.words import EN_US

# Which fields the dates share, by style (numeric dates are joined whole).
_SHARED = {"numeric": Choice({"": 1}),
           **{style: Choice({"month_year": 50, "year": 20, "": 30}) for style in ("word", "ordinal", "spelled")}}
# (prefix, joiner) of two dates; year-first numeric dates also take ISO 8601's interval "/".
_JOIN = Choice({("", " - "): 24, ("", "-"): 14, ("", " to "): 14, ("", " – "): 3, ("", "–"): 2, ("", " through "): 3,
                ("from ", " to "): 14, ("from ", " until "): 3, ("between ", " and "): 9, ("", " and "): 8})
_ISO_JOIN = Choice({("", "/"): 40, ("", " - "): 15, ("", " to "): 20, ("", "--"): 5, ("from ", " to "): 12,
                    ("between ", " and "): 8})
_DASHES = ("-", "–", "--")  # joiners that would run into a dash separator
# Lists of three days of one month ("3, 4 and 5 May 2009"): a share of the month-and-year ranges.
_LIST_SHARE = 0.2
_LIST_LAST = Choice({" and ": 70, ", and ": 30})
# The month and year shared, the year left out ("22-27 June", "June 22 - 27").
_NO_YEAR_SHARE = 0.15
_WEEKDAY_SHARE = 0.12
# A range is at most this long before casing and noise (with the widest fields its recipe can write; longer
# recipes are drawn again): after normalisation it stays within the longest single date (64 characters).
MAX_RANGE_LENGTH = 62


def _joins(core: Core) -> Choice:
    return _ISO_JOIN if core.style == "numeric" and core.order == "ymd" else _JOIN


def _weekday_allowed(core: Core, shared: str) -> bool:
    """A weekday before each part where each part starts with its own day or month: "Mon 3 - Wed 5 May",
    "Mon, May 3 - Wed, June 5, 2009" (not "Mon May 3 - Wed 5, 2009")."""
    return not shared or core.order == "dmy" or (core.order == "mdy" and shared == "year")


def _year_can_be_left_out(core: Core, shared: str) -> bool:
    """ "22-27 June", "June 22nd - 27th", but not "Aug 19-20", which is also 19 August 2020."""
    return shared == "month_year" and (core.order == "dmy" or (core.order == "mdy" and core.day in ("ord", "spelled")))


def _form_allowed(core: Core, shared: str, joiner: str) -> bool:
    if shared and core.seps == ("", ""):
        return False  # "25-27Jun2009" is not written
    if joiner in ("/", "--") and core.seps not in (("-", "-"), ("", "")):
        return False  # ISO 8601's intervals join ISO dates only: 2009-05-03/2009-05-05, 20090503/20090505
    return not (joiner in _DASHES and any("-" in sep for sep in core.seps))


@functools.cache
def _widest(table: tuple[str, tuple], numbers: range) -> str:
    field, key = table
    return max((getattr(EN_US, field)[key][n] for n in numbers), key=len)


def widest_span_text(recipe: Recipe) -> str:
    """The recipe's range written with the widest day, month, year and weekday it can draw (before casing
    and noise): the sampler keeps only recipes where this is at most MAX_RANGE_LENGTH characters."""
    first, last = (datetime.date.fromordinal(o).year for o in ordinal_range(recipe))
    fields = {"d": _widest(("day", (recipe.day, recipe.hyphen)), range(1, 32)),
              "m": _widest(("month", recipe.month), range(1, 13)),
              "y": _widest(("year", (recipe.year, recipe.hyphen)), range(first, last + 1)) if recipe.year else None}
    weekdays = [_widest(("weekday", recipe.weekday), range(7))] * recipe.span.count if recipe.weekday else None
    return span_text_of_fields(recipe, [fields] * recipe.span.count, weekdays)


def sample_range(rng: random.Random) -> Recipe:
    """A range or list refusal's recipe (never in a held-out shape)."""
    while True:
        core = sample_core(rng, STYLE(rng))
        shared = _SHARED[core.style](rng)
        if shared == "month_year" and rng.random() < _LIST_SHARE:
            form = SpanForm(shared, 3, "", _LIST_LAST(rng))
        else:
            prefix, joiner = _joins(core)(rng)
            form = SpanForm(shared, 2, prefix, joiner)
        if not _form_allowed(core, shared, form.joiner):
            continue
        no_year = _year_can_be_left_out(core, shared) and rng.random() < _NO_YEAR_SHARE
        fields = core_fields(core, year="") if no_year else core_fields(core)
        weekday = {}
        if _weekday_allowed(core, shared) and rng.random() < _WEEKDAY_SHARE:
            weekday = {"weekday": WEEKDAY_FORM(rng), "weekday_sep": WEEKDAY_SEP[False](rng)}
        recipe = Recipe(kind=NOT_RANGE, **fields, **weekday, span=form, **sample_noise(rng))
        if held_out_shape(recipe) is None and len(widest_span_text(recipe)) <= MAX_RANGE_LENGTH:
            return recipe


def sample_span_dates(rng: random.Random, recipe: Recipe) -> Dates:
    """The dates of a range or list, in order, sharing what the recipe's form shares: days of one month
    (mostly a few days apart), dates of one year, or any dates up to about a year apart."""
    first, last = ordinal_range(recipe)
    form = recipe.span
    while True:
        start = datetime.date.fromordinal(rng.randint(first, last))
        if form.shared == "month_year":
            days_in_month = calendar.monthrange(start.year, start.month)[1]
            window = form.count + (rng.randint(0, 4) if rng.random() < 0.7 else rng.randint(0, days_in_month))
            window = min(window, days_in_month)
            begin = rng.randint(1, days_in_month - window + 1)
            days = sorted(rng.sample(range(begin, begin + window), form.count))
            return tuple(start.replace(day=d) for d in days)
        gap = rng.randint(1, 14) if rng.random() < 0.6 else rng.randint(15, 120 if form.shared else 400)
        end = start + datetime.timedelta(days=gap)
        if end.toordinal() <= last and (not form.shared or end.year == start.year):
            return start, end

"""What an example is made of: a `Recipe` (every choice it is written with), its `TimeOfDay`, and a date.

The date is separate from the recipe (`rendering.render(date, recipe)`): a real `datetime.date`, a `YMD`
that need not be one (impossible-date refusals), the real dates of a range or list (`Dates`, range
refusals), or None (phrase and time refusals).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import NamedTuple

from data_gen.words import MONTH_NUMBER_FORMS

DATE = "date"  # the kind of a grammar positive


class YMD(NamedTuple):
    """Written year, month and day that need not be a real date (impossible-date refusals)."""

    year: int
    month: int
    day: int


Dates = tuple[datetime.date, ...]  # the dates of a range or a list, in order
AnyDate = datetime.date | YMD | Dates


@dataclasses.dataclass(frozen=True, slots=True)
class TimeOfDay:
    """A time of day and how it is written.

    clock: 24 or 12. shape: "h" (12-hour only: "2pm"), "hm", "hms", "hmsf" (seconds and a fraction of a
    second: `fraction`, written with its separator: ".5", ".123", ".123456", or logging's ",123").
    meridiem: for 12-hour clocks, how "am" is written (" am", "am", " a.m.", " AM", ...); "pm" is the
    same with p. zone: appended as written ("", " UTC", "Z", " +02:00", ...). joiner: what comes
    between the date and the time (" ", ", ", " at ", "T"; before the date " ", ", ", " on "); "" for
    a time alone. before: the time is written before the date ("2pm on June 25, 2009"). inside: the
    time is written after the second field, before the year (ctime and the Unix `date` command: "Thu
    Jun  5 14:05:33 UTC 2009"). basic: ISO 8601 basic format, no colons ("20090625T140533Z").
    """

    hour: int
    minute: int = 0
    second: int = 0
    fraction: str = ""
    clock: int = 24
    shape: str = "hm"
    pad_hour: bool = True
    meridiem: str = ""
    zone: str = ""
    joiner: str = " "
    before: bool = False
    inside: bool = False
    basic: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class SpanForm:
    """How a range or a list of dates is joined ("22-27 June 1963", "from 3 May to 5 June 2009").

    shared: the fields written once, "" (none: "3/5/2009 to 5/5/2009"), "year" ("3 May - 5 June 2009")
    or "month_year" ("22-27 June 1963", "June 22 - 27, 1963"); a shared field before the ones that vary
    is written in the first part, one after them in the last. count: how many dates (3: a list, "3, 4
    and 5 May 2009"). prefix: "", "from " or "between ". joiner: before the last part (" - ", "-", " to ",
    " and ", "/", ...); list_joiner: between the earlier parts of a list (", ").
    """

    shared: str = ""
    count: int = 2
    prefix: str = ""
    joiner: str = " - "
    list_joiner: str = ", "


@dataclasses.dataclass(frozen=True, slots=True)
class Recipe:
    """Every choice an example is built from (the date is separate: `render(date, recipe)`).

    kind: DATE (a grammar date), CATALOGUE, or a refusal family name.
    style: numeric, word, ordinal or spelled (date-shaped kinds).
    order: dmy, mdy or ymd. seps: the separators after the first and after the second field.
    day: "" (absent), num, pad, ord, spelled or spad (" 5", ctime only); the / of: "the 21st", "21st of".
    month: "" (absent), name, abbr, abbr., sept, sept., num or pad.
    year: "" (absent), four, two, apos, spelled (num2words), thousand ("two thousand eleven") or
      thousand_and ("two thousand and eleven"). hyphen: spelled numbers with "-" or " ".
    weekday: "" or a form of WEEKDAY_FORMS; weekday_after: its position; weekday_sep: ", " or " "
      before the date, ", ", " " or "()" after it. weekday_shift: the written weekday is the date's own
      this many days on (1-6: a weekday conflict, "Friday March 11 1905" for a Saturday); a date that
      does not exist (`YMD`) has none, and writes weekday number `weekday_shift` (0 = Monday).
    time: an optional time of day. span: how the dates of a range or list are joined (range refusals).
    casing: lower, title or upper. decoration: "", "()", "[]", '""', "." or ",".
    spacing: "", "lead", "trail" or "double" (the first space doubled).
    day_first: the reading preference for ambiguous numeric dates.
    catalogue: the catalogue format name (kind CATALOGUE). phrase: the text of phrase refusals, or
      the prefix of weekday and time refusals ("on ", "at ").
    """

    kind: str = DATE
    style: str = ""
    order: str = "dmy"
    seps: tuple[str, str] = (" ", " ")
    day: str = ""
    the: bool = False
    of: bool = False
    month: str = ""
    year: str = ""
    hyphen: bool = True
    weekday: str = ""
    weekday_after: bool = False
    weekday_sep: str = ", "
    weekday_shift: int = 0
    time: TimeOfDay | None = None
    span: SpanForm | None = None
    casing: str = "title"
    decoration: str = ""
    spacing: str = ""
    day_first: bool = False
    catalogue: str = ""
    phrase: str = ""

    @property
    def numeric_month(self) -> bool:
        return self.month in MONTH_NUMBER_FORMS

"""The catalogue of human date formats: data, not branches.

Every entry has a stable `name` that travels with each generated example (the
`format` feature), so evaluation can be sliced by format. Patterns are CLDR/LDML
patterns rendered by babel for locale en_US; `short`, `medium`, `long` and
`full` are babel's named en_US formats. One extension: the literal `'{ord}'`
right after `d` is replaced by the day's English ordinal suffix (st/nd/rd/th).

Years are always rendered with `y`/`yy` (calendar year), never `Y`/`YYY`
(babel's week-based year, which is wrong around new year).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re

from babel import dates as babel_dates

LOCALE = "en_US"
# Bump when the catalogue changes in a way that changes generated data.
CATALOGUE_VERSION = "1"

# Four-digit years are generated over this range (inclusive).
FIRST_DATE = datetime.date(1900, 1, 1)
LAST_DATE = datetime.date(2099, 12, 31)
# Two-digit years pivot here: 50-99 -> 19xx, 00-49 -> 20xx. Two-digit formats
# are only generated inside this window, so every label is unambiguous.
TWO_DIGIT_FIRST_DATE = datetime.date(1950, 1, 1)
TWO_DIGIT_LAST_DATE = datetime.date(2049, 12, 31)

ORDINAL_MARKER = "{ord}"
NAMED_BABEL_FORMATS = ("short", "medium", "long", "full")


@dataclasses.dataclass(frozen=True)
class DateFormat:
    """One human date format.

    Attributes:
      name: stable identifier, used as the `format` feature and slice key.
      pattern: an LDML pattern (or a babel named format) for locale en_US.
      weight: relative sampling weight.
    """

    name: str
    pattern: str
    weight: int = 1

    @functools.cached_property
    def ldml(self) -> str:
        """The LDML pattern, with babel's named formats resolved."""
        if self.pattern in NAMED_BABEL_FORMATS:
            return babel_dates.get_date_format(self.pattern, locale=LOCALE).pattern
        return self.pattern

    @functools.cached_property
    def two_digit_year(self) -> bool:
        """Whether the format writes the year with two digits."""
        return _year_field_width(self.ldml) == 2

    @property
    def date_range(self) -> tuple[datetime.date, datetime.date]:
        """The inclusive range of dates this format is generated for."""
        if self.two_digit_year:
            return TWO_DIGIT_FIRST_DATE, TWO_DIGIT_LAST_DATE
        return FIRST_DATE, LAST_DATE

    def render(self, date: datetime.date) -> str:
        """Renders `date` as a human would write it in this format."""
        text = babel_dates.format_date(date, self.pattern, locale=LOCALE)
        return text.replace(ORDINAL_MARKER, ordinal_suffix(date.day))


def ordinal_suffix(day: int) -> str:
    """The English ordinal suffix of a day of the month: 1 -> st, 12 -> th."""
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _unquoted(pattern: str) -> str:
    return re.sub(r"'[^']*'", "", pattern)


def _year_field_width(ldml: str) -> int:
    widths = [len(run) for run in re.findall(r"y+", _unquoted(ldml))]
    if len(widths) != 1:
        raise ValueError(f"pattern {ldml!r} must have exactly one year field")
    return widths[0]


CATALOGUE: tuple[DateFormat, ...] = (
    # The classic set (babel's named formats; `full` is weighted as the most common).
    DateFormat("short", "short"),  # 6/25/09
    DateFormat("medium", "medium"),  # Jun 25, 2009
    DateFormat("long", "long", weight=2),  # June 25, 2009 (also the classic "MMMM d, y")
    DateFormat("full", "full", weight=10),  # Thursday, June 25, 2009
    DateFormat("d_mmm_y", "d MMM y"),  # 25 Jun 2009
    DateFormat("d_mmmm_y", "d MMMM y", weight=2),  # 25 June 2009
    DateFormat("dd_mmm_y", "dd MMM y"),  # 05 Jun 2009
    DateFormat("d_mmm_comma_y", "d MMM, y"),  # 25 Jun, 2009
    DateFormat("d_mmmm_comma_y", "d MMMM, y"),  # 25 June, 2009
    DateFormat("dd_comma_mmm_y", "dd, MMM y"),  # 25, Jun 2009
    DateFormat("d_mm_yy", "d MM yy"),  # 25 06 09
    DateFormat("mmmm_d_y", "MMMM d y"),  # June 25 2009
    DateFormat("dd_dot_mm_dot_yy", "dd.MM.yy"),  # 25.06.09
    # Ordinals.
    DateFormat("ord_of_mmmm_y", "d'{ord}' 'of' MMMM y"),  # 25th of June 2009
    DateFormat("mmmm_ord_y", "MMMM d'{ord}' y"),  # March 3rd 2001
    DateFormat("ord_mmmm_y", "d'{ord}' MMMM y"),  # 21st August 2016
    DateFormat("ord_mmm_y", "d'{ord}' MMM y"),  # 21st Aug 2016
    DateFormat("eeee_mmmm_ord_comma_y", "EEEE, MMMM d'{ord}', y"),  # Tuesday, April 5th, 2001
    # Weekdays.
    DateFormat("eee_d_mmm_y", "EEE d MMM y"),  # Tue 10 Jul 2007
    DateFormat("eee_comma_mmm_d_comma_y", "EEE, MMM d, y"),  # Tue, Jul 10, 2007
    DateFormat("eeee_d_mmmm_y", "EEEE d MMMM y"),  # Tuesday 10 July 2007
    DateFormat("eeee_comma_d_mmmm_y", "EEEE, d MMMM y"),  # Tuesday, 10 July 2007
    DateFormat("eeee_mmmm_d_y", "EEEE MMMM d y"),  # Tuesday April 5 2001
    # Numeric forms.
    DateFormat("iso_dash", "y-MM-dd"),  # 2009-06-25
    DateFormat("iso_slash", "y/MM/dd"),  # 2009/06/25
    DateFormat("us_slash", "M/d/y"),  # 6/25/2009
    DateFormat("eu_dot", "dd.MM.y"),  # 25.06.2009
    DateFormat("eu_dash", "dd-MM-y"),  # 25-06-2009
    DateFormat("mmm_d_y", "MMM d y"),  # Jun 25 2009
)

FORMATS_BY_NAME: dict[str, DateFormat] = {f.name: f for f in CATALOGUE}
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS_BY_NAME)


def get_format(name: str) -> DateFormat:
    """Looks up a catalogue entry by name, with a clear error for unknown names."""
    try:
        return FORMATS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown date format {name!r}; known: {', '.join(FORMAT_NAMES)}") from None


def validate_catalogue(catalogue: tuple[DateFormat, ...] = CATALOGUE) -> None:
    """Raises ValueError on duplicate names, week-based years or bad weights."""
    names = [f.name for f in catalogue]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate format names in {names}")
    for fmt in catalogue:
        if "Y" in _unquoted(fmt.ldml):
            raise ValueError(f"{fmt.name}: 'Y' is babel's week-based year; use 'y'")
        if fmt.weight < 1:
            raise ValueError(f"{fmt.name}: weight must be >= 1")
        _year_field_width(fmt.ldml)


validate_catalogue()

"""Times of day: how often each shape is drawn, drawing one, and writing it (the answer ignores the time).

24-hour ("14:05", "09:05:33", "14:05:33.123", logging's "14:05:33,123"), 12-hour ("2pm", "2:05 p.m.",
"2:05:33 PM"), joined to the date by " ", ", ", " at ", " @ ", " - " or ISO's "T" ("2003-09-25T10:49:41.123Z"),
with zones ("UTC", "EST", "Z", "+02:00", "-0500"); or, for about a quarter of the non-ISO times, before the
date, joined by " on ", " " or ", " ("2pm on June 25, 2009", "14:05, 25/06/2009"); ISO 8601 basic
("20090625T140533Z") after an eight-digit year-first date. Fractions of a second have 1, 2, 3 or 6 digits.
A time alone (a refusal) takes any of these shapes, and ISO's alone too ("T14:05:33Z", "14:05:33.5+02:00"):
normalisation keeps the colons, so "05:14:44" is never the numeric date "05 14 44". Where a date may take a
time, and the machine-written shapes with the time inside the date, are the sampler's (`data_gen.sampling`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from data_gen.choice import Choice
from data_gen.recipe import TimeOfDay

_ISO_TIME_SHARE = 0.6  # of the timed dates that can take an ISO "T" time
# Of the timed eight-digit year-first dates: ISO 8601's basic "T" time ("20090625T140533Z").
_BASIC_TIME_SHARE = 0.75
_JOINER = Choice({" ": 40, ", ": 20, " at ": 32, " @ ": 3, " - ": 5})
# A time before the date ("2pm on June 25, 2009", "14:05, 25/06/2009"): a share of the non-ISO times.
_TIME_BEFORE_SHARE = 0.27
_BEFORE_JOINER = Choice({" on ": 45, " ": 30, ", ": 25})
_CLOCK = Choice({24: 55, 12: 45})
# Of the times alone (refusals): ISO 8601's shapes, with the "T" or without ("T14:05:33Z", "14:05:33.5Z").
_LONE_ISO_SHARE = 0.15
_LONE_ISO_JOINER = Choice({"T": 55, "": 45})
SHAPE = {24: Choice({"hm": 60, "hms": 30, "hmsf": 10}), 12: Choice({"h": 25, "hm": 58, "hms": 14, "hmsf": 3}),
         "iso": Choice({"hm": 25, "hms": 50, "hmsf": 25}), "basic": Choice({"hms": 65, "hm": 35})}
# Fractions of a second (shape "hmsf"), as (separator, digits): milliseconds, Python's microseconds
# (str(datetime), isoformat), logging's ",123", tenths and hundredths.
FRACTION = {24: Choice({(".", 3): 40, (",", 3): 30, (".", 6): 18, (".", 1): 7, (".", 2): 5}),
            12: Choice({(".", 3): 70, (".", 1): 30}),
            "iso": Choice({(".", 3): 60, (".", 6): 25, (".", 1): 8, (".", 2): 7})}
_PAD_HOUR = Choice({True: 70, False: 30})
_MERIDIEM = Choice({" am": 25, "am": 20, " AM": 25, "AM": 10, " a.m.": 12, "a.m.": 4, " A.M.": 4})
ZONE = {
    24: Choice({"": 62, " UTC": 8, " GMT": 5, "Z": 4, " +02:00": 4, " -05:00": 3, " +0100": 2, " EST": 3,
                " CET": 3, " PST": 2, " CEST": 1, " BST": 1, " EDT": 1}),
    12: Choice({"": 75, " EST": 6, " PST": 5, " GMT": 3, " UTC": 3, " CET": 2, " EDT": 2, " ET": 2, " PDT": 2}),
    "iso": Choice({"": 35, "Z": 40, "+02:00": 10, "-05:00": 10, "+05:30": 5}),
    "basic": Choice({"": 50, "Z": 50}),
}


def _fractions(table: str | int, shape: str) -> tuple[tuple[str, int], ...]:
    return FRACTION[table].values if shape == "hmsf" else (("", 0),)


def time_options(iso: bool, before: bool = False, alone: bool = False) -> Iterator[tuple]:
    """Every (clock, shape, pad_hour, meridiem, zone, joiner, (fraction separator, digits)) the time
    sampler can draw: after the date, before it, or (`alone`) a time without a date."""
    if (iso or alone) and not before:
        for shape in SHAPE["iso"].values:
            for zone in ZONE["iso"].values:
                for fraction in _fractions("iso", shape):
                    for joiner in (_LONE_ISO_JOINER.values if alone else ("T",)):
                        yield 24, shape, True, "", zone, joiner, fraction
    joiners = ("",) if alone else (_BEFORE_JOINER if before else _JOINER).values
    for joiner in joiners:
        for clock in _CLOCK.values:
            for shape in SHAPE[clock].values:
                for pad in (_PAD_HOUR.values if clock == 24 else (False,)):
                    for meridiem in (_MERIDIEM.values if clock == 12 else ("",)):
                        for zone in ZONE[clock].values:
                            for fraction in _fractions(clock, shape):
                                yield clock, shape, pad, meridiem, zone, joiner, fraction


def _fraction(rng: random.Random, table: str | int) -> str:
    """A fraction of a second as written: ".123", ",123", ".5", ".123456"."""
    sep, digits = FRACTION[table](rng)
    return f"{sep}{rng.randrange(10 ** digits):0{digits}d}"


def sample_time(rng: random.Random, iso: bool, joiner: str | None = None, can_go_before: bool = False,
                basic: bool = False) -> TimeOfDay:
    """A time of day: ISO 8601 basic (if `basic`) or extended (if `iso`) at their shares, else 24- or
    12-hour, after the date or (if `can_go_before`) before it; `joiner` fixes the joiner ("" alone)."""
    before, table = False, "iso"
    if basic and rng.random() < _BASIC_TIME_SHARE:
        clock, shape, pad, meridiem = 24, SHAPE["basic"](rng), True, ""
        zone, joiner = ZONE["basic"](rng), "T"
    elif iso and rng.random() < _ISO_TIME_SHARE:
        basic = False
        clock, shape, pad, meridiem = 24, SHAPE["iso"](rng), True, ""
        zone, joiner = ZONE["iso"](rng), "T"
    else:
        basic = False
        if joiner is None:
            before = can_go_before and rng.random() < _TIME_BEFORE_SHARE
            joiner = (_BEFORE_JOINER if before else _JOINER)(rng)
        clock = table = _CLOCK(rng)
        shape = SHAPE[clock](rng)
        pad = _PAD_HOUR(rng) if clock == 24 else False
        meridiem = _MERIDIEM(rng) if clock == 12 else ""
        zone = ZONE[clock](rng)
    hour = rng.randrange(24)
    minute = rng.randrange(60) if shape != "h" else 0
    second = rng.randrange(60) if shape in ("hms", "hmsf") else 0
    fraction = _fraction(rng, table) if shape == "hmsf" else ""
    return TimeOfDay(hour, minute, second, fraction, clock, shape, pad, meridiem, zone, joiner, before,
                     basic=basic)


def sample_lone_time(rng: random.Random, joiner: str | None = None) -> TimeOfDay:
    """A time for a refusal without a date, in any shape a date's time has; alone (`joiner` ""), a share
    in ISO's shapes, with or without the "T" ("T14:05:33Z", "14:05:33.123+02:00")."""
    if joiner == "" and rng.random() < _LONE_ISO_SHARE:
        shape = SHAPE["iso"](rng)
        return TimeOfDay(rng.randrange(24), rng.randrange(60), rng.randrange(60) if shape != "hm" else 0,
                         _fraction(rng, "iso") if shape == "hmsf" else "", shape=shape, zone=ZONE["iso"](rng),
                         joiner=_LONE_ISO_JOINER(rng))
    return sample_time(rng, False, joiner)


def time_text(time: TimeOfDay) -> str:
    """The time as written, with its zone and its joiner on the date's side: " at 2:05 p.m. EST", "14:05, "."""
    if time.clock == 24:
        text = f"{time.hour:02d}" if time.pad_hour else str(time.hour)
    else:
        text = str(time.hour % 12 or 12)
    colon = "" if time.basic else ":"
    if time.shape != "h":
        text += f"{colon}{time.minute:02d}"
    if time.shape in ("hms", "hmsf"):
        text += f"{colon}{time.second:02d}"
    if time.shape == "hmsf":
        text += time.fraction
    if time.clock == 12:
        text += time.meridiem if time.hour < 12 else time.meridiem.replace("a", "p").replace("A", "P")
    if time.before:
        return text + time.zone + time.joiner
    return time.joiner + text + time.zone

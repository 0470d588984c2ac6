"""Times of day: how often each shape is drawn, drawing one, and writing it (the answer ignores the time).

24-hour ("14:05", "09:05:33"), 12-hour ("2pm", "2:05 p.m.", "2:05:33 PM"), joined to the date by " ",
", ", " at ", " @ ", " - " or ISO's "T" ("2003-09-25T10:49:41.123Z"), with zones ("UTC", "EST", "Z",
"+02:00", "-0500"); or, for about a quarter of the non-ISO times, before the date, joined by " on ", " "
or ", " ("2pm on June 25, 2009", "14:05, 25/06/2009"); ISO 8601 basic ("20090625T140533Z") after an
eight-digit year-first date. A time alone (a refusal) is never one that normalisation turns into a
numeric date ("02:25:19" becomes "02 25 19"). Where a date may take a time, and the machine-written
shapes with the time inside the date, are the sampler's (`data_gen.sampling`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from data_gen.choice import Choice
from data_gen.reading import pivot_year, real_date
from data_gen.recipe import TimeOfDay

_ISO_TIME_SHARE = 0.6  # of the timed dates that can take an ISO "T" time
# Of the timed eight-digit year-first dates: ISO 8601's basic "T" time ("20090625T140533Z").
_BASIC_TIME_SHARE = 0.75
_JOINER = Choice({" ": 40, ", ": 20, " at ": 32, " @ ": 3, " - ": 5})
# A time before the date ("2pm on June 25, 2009", "14:05, 25/06/2009"): a share of the non-ISO times.
_TIME_BEFORE_SHARE = 0.27
_BEFORE_JOINER = Choice({" on ": 45, " ": 30, ", ": 25})
_CLOCK = Choice({24: 55, 12: 45})
SHAPE = {24: Choice({"hm": 65, "hms": 35}), 12: Choice({"h": 25, "hm": 60, "hms": 15}),
         "iso": Choice({"hm": 25, "hms": 50, "hmsf": 25}), "basic": Choice({"hms": 65, "hm": 35})}
_PAD_HOUR = Choice({True: 70, False: 30})
_MERIDIEM = Choice({" am": 25, "am": 20, " AM": 25, "AM": 10, " a.m.": 12, "a.m.": 4, " A.M.": 4})
ZONE = {
    24: Choice({"": 62, " UTC": 8, " GMT": 5, "Z": 4, " +02:00": 4, " -05:00": 3, " +0100": 2, " EST": 3,
                " CET": 3, " PST": 2, " CEST": 1, " BST": 1, " EDT": 1}),
    12: Choice({"": 75, " EST": 6, " PST": 5, " GMT": 3, " UTC": 3, " CET": 2, " EDT": 2, " ET": 2, " PDT": 2}),
    "iso": Choice({"": 35, "Z": 40, "+02:00": 10, "-05:00": 10, "+05:30": 5}),
    "basic": Choice({"": 50, "Z": 50}),
}


def time_options(iso: bool, before: bool = False) -> Iterator[tuple]:
    """Every (clock, shape, pad_hour, meridiem, zone, joiner) the time sampler can draw (after the
    date, or before it)."""
    if iso and not before:
        for shape in SHAPE["iso"].values:
            for zone in ZONE["iso"].values:
                yield 24, shape, True, "", zone, "T"
    for joiner in (_BEFORE_JOINER if before else _JOINER).values:
        for clock in _CLOCK.values:
            for shape in SHAPE[clock].values:
                for pad in (_PAD_HOUR.values if clock == 24 else (False,)):
                    for meridiem in (_MERIDIEM.values if clock == 12 else ("",)):
                        for zone in ZONE[clock].values:
                            yield clock, shape, pad, meridiem, zone, joiner


def sample_time(rng: random.Random, iso: bool, joiner: str | None = None, can_go_before: bool = False,
                basic: bool = False) -> TimeOfDay:
    """A time of day: ISO 8601 basic (if `basic`) or extended (if `iso`) at their shares, else 24- or
    12-hour, after the date or (if `can_go_before`) before it; `joiner` fixes the joiner ("" alone)."""
    before = False
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
        clock = _CLOCK(rng)
        shape = SHAPE[clock](rng)
        pad = _PAD_HOUR(rng) if clock == 24 else False
        meridiem = _MERIDIEM(rng) if clock == 12 else ""
        zone = ZONE[clock](rng)
    hour = rng.randrange(24)
    minute = rng.randrange(60) if shape != "h" else 0
    second = rng.randrange(60) if shape in ("hms", "hmsf") else 0
    millisecond = rng.randrange(1000) if shape == "hmsf" else 0
    return TimeOfDay(hour, minute, second, millisecond, clock, shape, pad, meridiem, zone, joiner, before,
                     basic=basic)


def reads_as_date(time: TimeOfDay) -> bool:
    """Whether normalisation turns the time into a numeric date: "02:25:19" -> "02 25 19"."""
    if time.clock != 24 or time.shape != "hms" or time.zone:
        return False
    year = pivot_year(time.second)
    return bool(real_date(year, time.minute, time.hour) or real_date(year, time.hour, time.minute))


def sample_lone_time(rng: random.Random, joiner: str | None = None) -> TimeOfDay:
    """A time for a refusal without a date: never one that normalises to a numeric date."""
    while True:
        time = sample_time(rng, False, joiner)
        if not reads_as_date(time):
            return time


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
        text += f".{time.millisecond:03d}"
    if time.clock == 12:
        text += time.meridiem if time.hour < 12 else time.meridiem.replace("a", "p").replace("A", "P")
    if time.before:
        return text + time.zone + time.joiner
    return time.joiner + text + time.zone

"""Non-date phrases for the grammar's refusals: relative expressions, numbers, plain words and periods.

These are the negatives that are not built from a date (see `data_gen.refusals` for the date-shaped
ones: month and year only, day and month only, impossible dates, weekdays and times alone). Each
kind is data: a finite pool (relative expressions, words) or a list of templates (numbers, periods:
seasons, quarters, halves, fiscal years, decades, centuries and ranges of years), so the longest
string of each kind is known by construction (`longest`). Checked at import: no
relative expression names a month, no words phrase has a digit or names a month or a weekday, and
no number template can be read as a complete date by the grammar (eight digits, or three numeric
fields shaped like d m y, m d y or y m d with a two- or four-digit year).

English names come from babel (locale en_US) and spelled numbers from num2words, like the dates.
"""

from __future__ import annotations

import functools
import random
import re

from babel import Locale
from babel import dates as babel_dates
from num2words import num2words

from data_gen.formats import ordinal_suffix

LOCALE = "en_US"

RELATIVE = "not_date_relative"
NUMBER = "not_date_number"
WORDS = "not_date_words"
PERIOD = "not_date_period"
KINDS = (RELATIVE, NUMBER, WORDS, PERIOD)

# Words phrases are at most this long (characters), by construction.
MAX_WORDS_LENGTH = 32

_WEEKDAYS_WIDE = tuple(babel_dates.get_day_names("wide", locale=LOCALE)[i] for i in range(7))
_WEEKDAYS_ABBR = tuple(babel_dates.get_day_names("abbreviated", locale=LOCALE)[i] for i in range(7))
_MONTHS_WIDE = tuple(babel_dates.get_month_names("wide", locale=LOCALE)[i] for i in range(1, 13))
_MONTHS_ABBR = tuple(babel_dates.get_month_names("abbreviated", locale=LOCALE)[i] for i in range(1, 13))

# Lower-case tokens that must never appear in a words phrase (they would make it date-like).
DATE_TOKENS = frozenset(
    [w.lower() for w in _WEEKDAYS_WIDE + _WEEKDAYS_ABBR + _MONTHS_WIDE + _MONTHS_ABBR]
    + ["sept", "tues", "weds", "thurs", "thur", "today", "tomorrow", "yesterday", "tonight", "now",
       "noon", "midnight", "am", "pm"])

# --- relative expressions -------------------------------------------------------------------

_RELATIVE_FIXED = (
    "today", "tomorrow", "yesterday", "tonight", "now", "right now", "this morning", "this afternoon",
    "this evening", "tomorrow morning", "tomorrow night", "yesterday afternoon", "last night",
    "the day after tomorrow", "the day before yesterday", "next week", "last week", "this week",
    "next month", "last month", "this month", "next year", "last year", "this year", "this weekend",
    "next weekend", "last weekend", "end of day", "end of the month", "end of next week",
    "start of next month", "beginning of the year", "later today", "earlier today", "soon", "asap",
    "eod", "a while ago", "the other day", "the week after next", "in a fortnight", "in a week",
    "in a month", "a week ago", "a year ago", "a month from now", "same time tomorrow",
    "first thing monday", "any day now", "over the weekend",
)
_RELATIVE_WEEKDAY_TEMPLATES = (
    "next {w}", "last {w}", "this {w}", "this coming {w}", "coming {w}", "this past {w}", "{w} next week",
    "{w} last week", "{w} after next", "{w} morning", "{w} night", "on {w} next week",
)
_RELATIVE_COUNT_TEMPLATES = (
    "in {n} {u}", "{n} {u} ago", "{n} {u} from now", "{n} {u} later", "within {n} {u}", "after {n} {u}",
    "{n} {u} before", "for {n} {u}",
)
_UNITS = ("day", "week", "month", "year", "hour", "minute", "business day", "working day")


def _count_phrases() -> tuple[str, ...]:
    out = []
    for template in _RELATIVE_COUNT_TEMPLATES:
        for unit in _UNITS:
            for n in range(1, 31):
                counts = [str(n)] + ([num2words(n)] if n <= 12 else []) + (["a"] if n == 1 else [])
                for count in counts:
                    out.append(template.format(n=count, u=unit if n == 1 else unit + "s"))
    return tuple(out)


def _weekday_phrases() -> tuple[str, ...]:
    return tuple(t.format(w=w) for t in _RELATIVE_WEEKDAY_TEMPLATES for w in _WEEKDAYS_WIDE + _WEEKDAYS_ABBR)


# (pool, weight): a group is chosen by weight, then a phrase uniformly within it.
_RELATIVE_GROUPS = ((_RELATIVE_FIXED, 4), (_weekday_phrases(), 3), (_count_phrases(), 3))

# --- numbers ----------------------------------------------------------------------------------

# '#' is a digit (the first digit of a run is never 0 unless the run follows a '.' or a ','), '@' an
# ordinal day ("21st"). None of these is a complete date in the grammar: see _check_number_templates.
NUMBER_TEMPLATES = (
    "#", "##", "###", "####", "#####", "######", "#######", "#########", "#,###", "##,###", "###,###",
    "#,###,###", "#.#", "##.##",
    "#.###", "0.##", "-##", "-#.#", "$#.##", "$##.##", "$#,###.##", "£##.##", "€##", "##.## EUR",
    # decimals and numbers with thousands separators ("3.14159", "1,234.5", "12.5")
    "##.#", "###.#", "#.#####", "#.####", "#,###.#", "#,###.##", "##,###.#", "###,###.##", "-##.##",
    "0.#", "0.####",
    "#%", "##.#%", "v#.#", "v#.#.#", "#.##.#", "##.#.#", "###-####", "(###) ###-####", "###.###.####",
    "+## ## #### ####", "#.#.#.#", "###.##.#.##", "#/#", "##x##", "No. ###", "#-##", "@", "the @",
    "# pcs", "## kg", "#.# km", "### ms",
)


def _could_be_date(template: str) -> bool:
    """Whether a template's digit fields have the shape of a grammar date (d m y, m d y or y m d)."""
    widths = [len(f) for f in re.findall(r"[#@]+", template)]
    if widths == [8]:
        return True
    if len(widths) != 3:
        return False
    return (max(widths[:2]) <= 2 and widths[2] in (2, 4)) or (widths[0] == 4 and max(widths[1:]) <= 2)


def _check_number_templates() -> None:
    for template in NUMBER_TEMPLATES:
        if _could_be_date(template):
            raise ValueError(f"number template {template!r} could be read as a date")


_check_number_templates()


def _fill_number(template: str, rng: random.Random) -> str:
    """A template filled: '#' a digit, '@' an ordinal day, 'L' a capital letter of `_CODE_LETTERS`."""
    out: list[str] = []
    for ch in template:
        if ch == "#":
            # No leading zeros: a run's first digit is 1-9, except after a decimal point or a
            # thousands separator ("1,034").
            after_digit_or_point = bool(out) and (out[-1][-1].isdigit() or out[-1] in ".,")
            out.append(str(rng.randint(0 if after_digit_or_point else 1, 9)))
        elif ch == "@":
            day = rng.randint(1, 31)
            out.append(f"{day}{ordinal_suffix(day)}")
        elif ch == "L":
            out.append(_CODE_LETTERS[rng.randrange(len(_CODE_LETTERS))])
        else:
            out.append(ch)
    return "".join(out)


def _longest_number(template: str) -> str:
    return template.replace("#", "9").replace("@", "31st")


# --- words ------------------------------------------------------------------------------------

# Everyday words and short phrases (written for this project) plus babel's English names of
# territories and languages.
_HAND_WORDS = (
    "invoice", "meeting", "agenda", "minutes", "notes", "draft", "final", "approved", "pending",
    "unknown", "none", "n/a", "tbd", "tba", "see attached", "hello", "thanks", "regards", "total",
    "subtotal", "balance due", "paid", "order", "ref", "customer", "account", "address", "phone",
    "email", "room", "floor", "building", "platform", "gate", "seat", "coffee", "lunch", "dinner",
    "breakfast", "report", "budget", "review", "project", "deadline", "schedule", "calendar",
    "appointment", "reminder", "weather", "sunny", "rain", "lorem ipsum", "ok", "yes", "no", "maybe",
    "call me", "see you", "happy birthday", "good morning", "out of office", "closed", "open",
    "sold out", "free", "delivery", "shipping", "returns", "size", "colour", "blue", "green", "red",
    "apple", "banana", "bread", "milk", "ticket", "receipt", "signature", "name", "date",
    "date of birth", "expiry", "valid until", "version", "release", "build", "chapter", "page",
    "section", "figure", "table", "summary", "conclusion", "not applicable", "to be confirmed",
    "no date given", "various", "ongoing", "forever", "never", "always", "someday", "whenever",
    "the quick brown fox", "x", "-", "...",
)


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def _usable(item: str) -> bool:
    return (item.isascii() and 0 < len(item) <= 24 and not _tokens(item) & DATE_TOKENS
            and not re.search(r"\d", item))


@functools.cache
def _word_pools() -> tuple[tuple[str, ...], tuple[str, ...]]:
    locale = Locale.parse(LOCALE)
    hand = tuple(w for w in dict.fromkeys(_HAND_WORDS) if _usable(w))
    names = sorted(set(locale.territories.values()) | set(locale.languages.values()))
    return hand, tuple(n for n in names if _usable(n) and n not in hand)


def words_pool() -> tuple[str, ...]:
    """Everything a words phrase is built from: no date words, no digits, ASCII, <= 24 characters.

    Half the items of a phrase come from the hand-written everyday words, half from babel's
    English names of territories and languages.
    """
    hand, names = _word_pools()
    return hand + names


# Words with a code or a number, as on tickets, signs and forms ("seat 14C", "room 4, floor 2"): a share of
# words phrases. '#' is a digit, 'L' a capital letter. A phrase has at most two codes of at most three
# digits each, so no reading makes it a date.
CODED_SHARE = 0.3
_CODE_TEMPLATES = ("#", "##", "###", "L#", "L##", "##L", "L-##", "LL###", "#L", "L#L")
_CODE_LETTERS = "ABCDEFGHJKLMNPRSUVWXY"  # no I, O, Q (read as digits), T or Z (date-time letters)
_CODE_JOINERS = (" ", ", ", "; ", " - ", " / ")


def _code(rng: random.Random) -> str:
    """One code of a random template (`_fill_number`)."""
    return _fill_number(_CODE_TEMPLATES[rng.randrange(len(_CODE_TEMPLATES))], rng)


def _join_within_limit(items: list[str], joiner: str) -> str:
    """The items joined, the last ones dropped (never the first) until the phrase fits MAX_WORDS_LENGTH."""
    while len(items) > 1 and len(joiner.join(items)) > MAX_WORDS_LENGTH:
        items = items[:-1]
    return joiner.join(items)


def _with_codes(items: list[str], rng: random.Random) -> str:
    """The first one or two items each followed by a code, joined by one of the joiners."""
    coded = [f"{item} {_code(rng)}" for item in items[:2]]
    if len(coded) == 2 and rng.random() < 0.5:
        coded[1] = items[1]
    return _join_within_limit(coded, _CODE_JOINERS[rng.randrange(len(_CODE_JOINERS))])


def _check_pools() -> None:
    for group, _ in _RELATIVE_GROUPS:
        for phrase in group:
            if _tokens(phrase) & {m.lower() for m in _MONTHS_WIDE + _MONTHS_ABBR}:
                raise ValueError(f"relative phrase {phrase!r} names a month")


_check_pools()

# --- periods ----------------------------------------------------------------------------------

# Spans longer than a day, written the ways people write them ("spring 2010", "Q3 2019", "FY2021",
# "the 1990s", "1998-2001"). Fields: {year} 1900-2098, {yy} its last two digits, {next_yy} the next year's,
# {year2} a later year, {season},
# {q} 1-4 and {qth} its ordinal word, {h} 1-2 and {hth}, {decade} 1900-2090, {dd} 00-90 in tens,
# {century} "19th" / "twentieth" style.
PERIOD_TEMPLATES = (
    "{season} {year}", "{season} of {year}", "{season} '{yy}", "{season}, {year}", "the {season} of {year}",
    "early {season} {year}", "late {season} {year}", "{season} {year}/{next_yy}",
    "Q{q} {year}", "{year} Q{q}", "Q{q}-{year}", "Q{q} '{yy}", "{q}Q{yy}", "Q{q} FY{yy}", "{year}-Q{q}",
    "the {qth} quarter of {year}", "{qth} quarter {year}", "{qth} quarter of {year}",
    "H{h} {year}", "{year} H{h}", "{h}H{yy}", "the {hth} half of {year}", "{hth} half {year}",
    "FY{year}", "FY {year}", "FY{yy}", "FY {year}/{next_yy}", "fiscal {year}", "fiscal year {year}",
    "the {decade}s", "{decade}s", "the '{dd}s", "the {dd}s", "mid-{decade}s", "early {decade}s", "late {decade}s",
    "the {century} century", "{century} century", "the early {century} century",
    "{year}-{year2}", "{year} - {year2}", "{year} to {year2}", "from {year} to {year2}",
    "between {year} and {year2}", "{year}/{year2}", "{year}-{next_yy}",
    "in {year}", "since {year}", "circa {year}", "c. {year}", "the year {year}", "around {year}",
)
_SEASONS = ("spring", "summer", "autumn", "fall", "winter")
_PERIOD_FIELDS = ("season", "year", "yy", "next_yy", "year2", "q", "qth", "h", "hth", "decade", "dd", "century")


def _century(n: int, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return num2words(n, to="ordinal")
    return f"{n}{ordinal_suffix(n)}"


def _period_values(rng: random.Random) -> dict[str, str]:
    year = rng.randint(1900, 2098)
    q, h = rng.randint(1, 4), rng.randint(1, 2)
    decade = rng.randrange(1900, 2100, 10)
    return {"season": rng.choice(_SEASONS), "year": str(year), "yy": f"{year % 100:02d}",
            "next_yy": f"{(year + 1) % 100:02d}",
            "year2": str(rng.randint(year + 1, min(year + 30, 2099))), "q": str(q),
            "qth": num2words(q, to="ordinal"), "h": str(h), "hth": num2words(h, to="ordinal"),
            "decade": str(decade), "dd": f"{decade % 100:02d}", "century": _century(rng.randint(19, 21), rng)}


@functools.cache
def _longest_period_values() -> dict[str, str]:
    """The longest value of every period field."""
    def longest_ordinal(numbers: range) -> str:
        return max((num2words(n, to="ordinal") for n in numbers), key=len)

    return {"season": max(_SEASONS, key=len), "year": "2098", "yy": "98", "next_yy": "99", "year2": "2099",
            "q": "4", "qth": longest_ordinal(range(1, 5)), "h": "2", "hth": longest_ordinal(range(1, 3)),
            "decade": "2090", "dd": "90", "century": longest_ordinal(range(19, 22))}


def _check_period_templates() -> None:
    for template in PERIOD_TEMPLATES:
        fields = set(re.findall(r"{(\w+)}", template))
        if not fields <= set(_PERIOD_FIELDS):
            raise ValueError(f"period template {template!r} has unknown fields {fields - set(_PERIOD_FIELDS)}")
        if _tokens(template) & DATE_TOKENS:
            raise ValueError(f"period template {template!r} has a date word")


_check_period_templates()

# --- sampling -------------------------------------------------------------------------------


def sample(kind: str, rng: random.Random) -> str:
    """A phrase of one kind (RELATIVE, NUMBER, WORDS or PERIOD), in its natural casing."""
    if kind == RELATIVE:
        groups = [g for g, _ in _RELATIVE_GROUPS]
        group = rng.choices(groups, weights=[w for _, w in _RELATIVE_GROUPS])[0]
        return group[rng.randrange(len(group))]
    if kind == NUMBER:
        return _fill_number(NUMBER_TEMPLATES[rng.randrange(len(NUMBER_TEMPLATES))], rng)
    if kind == PERIOD:
        return PERIOD_TEMPLATES[rng.randrange(len(PERIOD_TEMPLATES))].format(**_period_values(rng))
    if kind == WORDS:
        hand, names = _word_pools()
        count = rng.choices((1, 2, 3), weights=(5, 3, 2))[0]
        items = []
        for _ in range(count):
            pool = hand if rng.random() < 0.5 else names
            items.append(pool[rng.randrange(len(pool))])
        if rng.random() < CODED_SHARE:
            return _with_codes(items, rng)
        return _join_within_limit(items, " ")
    raise KeyError(f"unknown phrase kind {kind!r}; known: {', '.join(KINDS)}")


def longest(kind: str) -> str:
    """The longest phrase `sample(kind, ...)` can return (one of them), by construction."""
    if kind == RELATIVE:
        return max((p for g, _ in _RELATIVE_GROUPS for p in g), key=len)
    if kind == NUMBER:
        return max((_longest_number(t) for t in NUMBER_TEMPLATES), key=len)
    if kind == PERIOD:
        return max((t.format(**_longest_period_values()) for t in PERIOD_TEMPLATES), key=len)
    if kind == WORDS:
        # Items are at most 24 characters and a phrase is cut to MAX_WORDS_LENGTH; this stand-in
        # has that length (no real phrase is longer).
        return "w" * max(MAX_WORDS_LENGTH, len(max(words_pool(), key=len)))
    raise KeyError(f"unknown phrase kind {kind!r}; known: {', '.join(KINDS)}")

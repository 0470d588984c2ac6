"""The tables `make bench` prints and writes to docs/benchmark-results.md, made once from its figures
(`serving/bench.py`) and rendered twice: for the console (`console`) and as Markdown (`markdown_document`),
so the file holds exactly what was printed and no figure is copied by hand.

No TensorFlow here: the tables are made from plain figures (the dicts bench.json holds).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

import babel

from serving import baselines

CATEGORY_ROW = "exact match, dated lines"


@dataclasses.dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[str, ...]
    level: int = 0  # 1: a row under the row above (a category, a language)


@dataclasses.dataclass(frozen=True)
class Table:
    """A titled table, with sentences after it; a table without columns is its title and notes."""

    title: str
    columns: tuple[str, ...] = ()  # the first names the labels' column
    rows: tuple[Row, ...] = ()
    notes: tuple[str, ...] = ()


def cell(value: float | None, digits: int = 3) -> str:
    """A share or score; "-" for none."""
    return "-" if value is None else f"{value:.{digits}f}"


def rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def console(table: Table) -> str:
    """The table as the console shows it: labels left, cells right-aligned, notes indented."""
    lines = [table.title]
    if table.columns:
        label_width = max(len(table.columns[0]), *(len(r.label) + 2 * r.level for r in table.rows)) + 2
        widths = [max(len(c), *(len(r.cells[i]) for r in table.rows)) + 2 for i, c in enumerate(table.columns[1:])]
        lines.append("  " + table.columns[0].ljust(label_width) + "".join(
            c.rjust(w) for c, w in zip(table.columns[1:], widths, strict=True)))
        for r in table.rows:
            lines.append("  " + ("  " * r.level + r.label).ljust(label_width) + "".join(
                c.rjust(w) for c, w in zip(r.cells, widths, strict=True)))
    lines.extend(f"  {note}" for note in table.notes)
    return "\n".join(lines)


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(table: Table) -> str:
    """The table as a Markdown section: its title a heading, the rows a pipe table, the notes a list."""
    parts = [f"## {table.title}", ""]
    if table.columns:
        parts.append("| " + " | ".join(_markdown_cell(c) for c in table.columns) + " |")
        parts.append("|---" + "|---:" * (len(table.columns) - 1) + "|")
        for r in table.rows:
            label = "&emsp;" * r.level + _markdown_cell(r.label)
            parts.append("| " + " | ".join([label, *(_markdown_cell(c) for c in r.cells)]) + " |")
        parts.append("")
    if table.notes:
        parts.extend(f"- {_markdown_cell(note)}" for note in table.notes)
        parts.append("")
    return "\n".join(parts)


def markdown_document(about: Sequence[tuple[str, str]], tables: Sequence[Table]) -> str:
    """docs/benchmark-results.md: what was measured where and when (`about`: label, value), then every table."""
    parts = ["# Benchmark results", "",
             "Written by `make bench` (`serving/bench.py`), which overwrites this file each time it runs: do not "
             "edit it by hand. What each figure means and how the parsers are set up: "
             "[benchmark.md](benchmark.md).", ""]
    parts.extend(f"- {label}: {_markdown_cell(value)}" for label, value in about)
    parts.append("")
    parts.extend(markdown(table) for table in tables)
    return "\n".join(parts).rstrip("\n") + "\n"


def write_markdown(path: str, about: Sequence[tuple[str, str]], tables: Sequence[Table]) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(markdown_document(about, tables))
    return path


def language_name(code: str) -> str:
    """"fr French": the code and its English name (CLDR, through babel)."""
    return f"{code} {babel.Locale.parse(code).english_name}"


def handwritten_table(h: dict) -> Table:
    """The three parsers side by side on the hand-written file: exact match (overall, per category, per
    language), refusals, plain answers to non-dates, plain wrong answers on the trust lines, strings/s."""
    p = h["parsers"]
    names = [name for name in p if "exact_match" in p[name]]

    def row(label: str, values: list[str], level: int = 0) -> Row:
        return Row(label, tuple(values), level)

    rows = [row(CATEGORY_ROW, [cell(p[n]["exact_match"]) for n in names])]
    categories = sorted({c for n in names for c in p[n]["exact_match_by_category"]})
    rows += [row(c + (" (the date given)" if c in baselines.TRUST_CATEGORIES else ""),
                 [cell(p[n]["exact_match_by_category"].get(c)) for n in names], 1) for c in categories]
    languages = sorted({lang for n in names for lang in p[n]["exact_match_by_language"]},
                       key=lambda lang: (lang != baselines.ENGLISH, lang))
    rows.append(row("exact match by language", [""] * len(names)))
    rows += [row(language_name(lang), [cell(p[n]["exact_match_by_language"].get(lang)) for n in names], 1)
             for lang in languages]
    rows += [
        row("dated lines refused", [cell(p[n]["refused_dates"]) for n in names]),
        row("non-dates refused", [cell(p[n]["refusal_rate"]) for n in names]),
        row("non-dates answered with a date", [cell(p[n]["non_dates_answered_with_date"]) for n in names]),
        row("non-dates answered with a plain date", [cell(p[n]["non_dates_answered_with_plain_date"])
                                                     for n in names]),
    ]
    trust_lines = p[names[0]]["trust_lines"]
    rows.append(row(f"plain wrong answers ({sum(trust_lines.values())} lines)",
                    [cell(p[n]["confidently_wrong"]) for n in names]))
    rows += [row(f"{c} ({trust_lines[c]} lines)", [cell(p[n]["confidently_wrong_by_category"].get(c))
                                                   for n in names], 1) for c in trust_lines]
    rows.append(row("plain answers right", [f"{cell(p[n]['plain_answers_right'])} of {p[n]['plain_answers']}"
                                            for n in names]))
    rows.append(row(f"strings/s (median of {len(p[names[0]]['strings_per_second_by_round'])} rounds)",
                    [rate(p[n]["strings_per_second"]) for n in names]))
    return Table(
        title=(f"hand-written benchmark: {h['file_name']} ({h['dates']} dated lines, {h['non_dates']} non-dates, "
               f"{h['languages']} languages); the same strings, this run"),
        columns=("", *names), rows=tuple(rows),
        notes=("plain: a date answer neither marked uncertain nor flagged (dateutil and dateparser mark none); "
               "plain wrong answers: on weekday conflicts any plain answer (the right one is flagged or a "
               "refusal), on ranges any plain date, on untaught languages a plain wrong date",
               "exact match and the non-date rows leave out the weekday-conflict, range and untaught-language "
               "lines, which have rows of their own"))


def speed_table(h: dict, batch_size: int, min_seconds: float) -> Table:
    """Strings/s of every parser timed on the hand-written file, round by round, and the ratios to dateutil."""
    speeds = h["speeds"]
    names = list(speeds)
    rounds = len(speeds[names[0]]["strings_per_second_by_round"])
    rows = [Row("strings/s, median", tuple(rate(speeds[n]["strings_per_second"]) for n in names))]
    rows += [Row(f"round {i + 1}", tuple(rate(speeds[n]["strings_per_second_by_round"][i]) for n in names), 1)
             for i in range(rounds)]
    ratios = {n: baselines.round_ratios(speeds, n, "dateutil") for n in names}
    rows.append(Row("÷ dateutil, median of the rounds", tuple(cell(baselines.speed_ratio(speeds, n, "dateutil"), 2)
                                                             for n in names)))
    rows += [Row(f"round {i + 1}", tuple(cell(ratios[n][i], 2) for n in names), 1) for i in range(rounds)]
    arrival = h["serving_default_arrival_order"]
    return Table(
        title="speed on the hand-written file: the parsers timed in turn in each round",
        columns=("", *names), rows=tuple(rows),
        notes=(f"speed ratio model / dateutil: {h['speed_ratio_model_to_dateutil']:.2f} (the median of the "
               f"rounds' ratios); serving_default in arrival order / dateutil: "
               f"{arrival['speed_ratio_to_dateutil']:.2f}; model / dateparser: "
               f"{h['speed_ratio_model_to_dateparser']:.1f}",
               f"model: `DateNormaliser.translate` (batches of at most {batch_size} strings of similar length, one "
               f"per core at once); serving_default: the signature as a TF Serving client calls it, batches of "
               f"{batch_size} strings in file order, one call at a time; each parser on the file repeated to at "
               f"least {min_seconds:.0f} s of work per round, after a warm-up",
               f"the model's rate here is {h['model_achieved_gflops']:.1f} GFLOP/s at "
               f"{h['model_flops_per_string'] / 1e6:.2f} MFLOP per string"))

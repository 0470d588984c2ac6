"""Prints generated examples as `human<TAB>iso<TAB>family<TAB>day_first<TAB>language<TAB>written`, or the
longest strings.

  python -m data_gen --n 10 --seed 42
  python -m data_gen --longest
"""

from __future__ import annotations

import argparse
import sys

from data_gen import grammar


def _positive_or_zero(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {number}")
    return number


def format_row(example: grammar.DateExample) -> str:
    """One example as a tab-separated line (an empty iso: not a date; an empty written: not 29 February of a
    common year)."""
    return "\t".join((example.human, example.iso, example.family, str(example.day_first).lower(), example.language,
                      example.written))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_gen", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=_positive_or_zero, default=10, help="number of rows")
    parser.add_argument("--seed", type=int, default=0, help="the same seed gives the same rows")
    parser.add_argument("--longest", action="store_true",
                        help="print the longest raw and normalised strings the grammar can write instead")
    args = parser.parse_args(argv)
    out = sys.stdout
    if args.longest:
        for kind, longest in zip(("raw", "normalised"), grammar.longest_lengths(), strict=True):
            out.write(f"longest {kind}: {longest.raw} raw / {longest.normalized} normalised characters "
                      f"({longest.family}): {longest.example!r}\n")
        return 0
    for example in grammar.generate(args.n, args.seed):
        out.write(format_row(example) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

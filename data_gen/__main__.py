"""Prints generated examples as `human<TAB>iso<TAB>format`, or the longest string per format.

  python -m data_gen --n 10 --seed 42
  python -m data_gen --longest
"""

from __future__ import annotations

import argparse
import sys

from data_gen import generator


def _positive_or_zero(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {number}")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_gen", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=_positive_or_zero, default=10, help="number of rows")
    parser.add_argument("--seed", type=int, default=0, help="the same seed gives the same rows")
    parser.add_argument("--longest", action="store_true",
                        help="print each format's longest possible string instead")
    args = parser.parse_args(argv)
    out = sys.stdout
    if args.longest:
        for name, text in sorted(generator.longest_renderings().items(), key=lambda kv: -len(kv[1])):
            out.write(f"{len(text)}\t{name}\t{text}\n")
        return 0
    for example in generator.generate(args.n, args.seed):
        out.write("\t".join(example) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

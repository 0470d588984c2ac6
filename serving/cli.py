"""`datenmt`: run the pipeline, translate dates with the latest pushed model, print benchmark figures.

  datenmt translate "3 may 1979" "tuesday april 5 2001"
  datenmt translate --day-first "03/04/2001"
  datenmt translate - < dates.txt --json
  datenmt translate "25th of june 2009" --attention attention.png
  datenmt run [--runner beam] [--num-examples N] ...
  datenmt bench
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pipeline import configs, flags  # noqa: E402  (light: no TFX, MLflow or TensorFlow)

MAX_ATTENTION_MAPS = 6


def read_inputs(values: Sequence[str], stdin: TextIO) -> Iterator[str]:
    """The command-line inputs in order; `-` stands for stdin, one input per line."""
    for value in values:
        if value == "-":
            for line in stdin:
                yield line.rstrip("\r\n")
        else:
            yield value


def format_line(t, as_json: bool) -> str:
    """One output line: input, ISO date and confidence (and "ambiguous", "uncertain"), or "not a date" and
    why, or the error."""
    if as_json:
        return json.dumps(t.as_dict(), ensure_ascii=False)
    if t.error:
        return f"{t.input}\terror: {t.error}"
    if not t.is_date:
        return f"{t.input}\tnot a date\t{t.confidence:.4f}\t{t.reason}"
    return (f"{t.input}\t{t.iso}\t{t.confidence:.4f}" + ("\tambiguous" if t.ambiguous else "")
            + ("\tuncertain" if t.uncertain else ""))


def translate_command(args: argparse.Namespace) -> int:
    from pipeline import console

    # TensorFlow's start-up and run-time chatter goes to the output directory's log, unless --verbose.
    with console.libraries_to_log(os.path.join(args.output_dir, configs.LOG_FILE), args.verbose) as stderr:
        return translate_inputs(args, stderr)


def translate_inputs(args: argparse.Namespace, stderr: TextIO) -> int:
    """Translates the inputs, one line each on stdout; warnings and the failure count on `stderr`."""
    from models import saved_model
    from reporting import plots

    model_dir = args.model or saved_model.latest_model_dir(configs.serving_model_dir(args.output_dir))
    saved_model.use_one_thread_per_op()
    normaliser = saved_model.DateNormaliser(model_dir)
    failures, attention_inputs = 0, []
    for t in normaliser.translate(read_inputs(args.inputs, sys.stdin), batch_size=args.batch_size,
                                  day_first=args.day_first):
        print(format_line(t, args.json), flush=False)
        for warning in t.warnings() if t.is_date and not args.json else ():
            print(f"warning: {t.input!r}: {warning}", file=stderr)
        failures += bool(t.error)
        if args.attention and not t.error and len(attention_inputs) < MAX_ATTENTION_MAPS:
            attention_inputs.append(t.input)
    sys.stdout.flush()
    if args.attention:
        if attention_inputs:
            maps = [(text, *normaliser.attention(text, args.day_first)) for text in attention_inputs]
            plots.attention_maps(maps, args.attention)
            print(f"attention map of {len(maps)} input(s) written to {args.attention}", file=stderr)
        else:
            print("no attention map: no input could be translated", file=stderr)
    if failures:
        print(f"{failures} input(s) could not be translated", file=stderr)
    return 1 if failures else 0


def run_command(args: argparse.Namespace) -> int:
    from pipeline import console

    return console.run_and_print(args)


def bench_command(args: argparse.Namespace) -> int:
    from pipeline import console

    # TensorFlow's start-up chatter goes to the output directory's log, as in the main job (unless --verbose).
    with console.libraries_to_log(os.path.join(args.output_dir, configs.LOG_FILE), args.verbose):
        from models import saved_model

        saved_model.use_one_thread_per_op()  # as `datenmt translate` and the MLflow model serve; before the
        from serving import bench  # imports below run TensorFlow

        return bench.main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="datenmt", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    commands = parser.add_subparsers(dest="command", required=True)

    translate = commands.add_parser("translate", help="human-written dates -> ISO dates, one line per input")
    translate.add_argument("inputs", nargs="+", metavar="TEXT", help="dates to translate; - reads stdin")
    translate.add_argument("--day-first", action="store_true",
                           help="read 03/04/2001 as 3 April (default: month first, 4 March, the en_US reading); "
                                "only inputs whose two readings are both real dates depend on it")
    translate.add_argument("--json", action="store_true",
                           help="one JSON object per line: input, iso, is_date, confidence, ambiguous, uncertain, "
                                "flags and warnings; is_date false, refusal and reason for a non-date; error for an "
                                "unreadable input")
    translate.add_argument("--attention", metavar="FILE.png",
                           help=f"draw the attention maps of the first {MAX_ATTENTION_MAPS} inputs")
    translate.add_argument("--model", help="a SavedModel directory (default: the latest pushed model)")
    flags.add_settings_arguments(translate, ["output_dir", "verbose"])
    translate.add_argument("--batch-size", type=flags.positive_int, default=configs.SERVING_BATCH_SIZE,
                           help=f"inputs translated at once (default {configs.SERVING_BATCH_SIZE})")
    translate.set_defaults(handler=translate_command)

    run = flags.add_settings_arguments(commands.add_parser("run", help="run the whole pipeline"))
    run.set_defaults(handler=run_command)

    bench = commands.add_parser("bench", help="benchmark figures of the latest pushed model and run")
    flags.add_settings_arguments(bench, ["output_dir", "pipeline_name", "verbose"])
    bench.add_argument("--results-file", metavar="FILE.md",
                       help="where to write the tables as Markdown (default: docs/benchmark-results.md)")
    bench.set_defaults(handler=bench_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except FileNotFoundError as e:  # no pushed model, no such model directory
        print(f"datenmt: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

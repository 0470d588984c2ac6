"""The main job's console: flags in, progress and a summary out, every library's chatter in a log file.

Light on purpose (no TensorFlow, TFX or MLflow at import): TensorFlow, CUDA and oneDNN write to the
process's stderr as soon as they are imported, and Beam's worker processes inherit it, so the log file
has to take over file descriptor 2 before the pipeline's modules are imported. `--verbose` leaves the
console as it is.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import TextIO

from pipeline import configs, flags


@contextlib.contextmanager
def libraries_to_log(log_path: str, verbose: bool) -> Iterator[TextIO]:
    """While inside, stderr (file descriptor 2, so child processes too) goes to `log_path`; stdout stays.
    Yields the console's own stderr, for the command's messages (sys.stderr itself when `verbose`)."""
    if verbose:
        yield sys.stderr
        return
    os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log_path, "a", buffering=1) as log, os.fdopen(os.dup(saved), "w", buffering=1) as console:
        os.dup2(log.fileno(), 2)
        try:
            yield console
        except BaseException:
            traceback.print_exc(file=log)  # the whole story into the log; the console gets one line
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def run_and_print(args) -> int:
    """Runs on the flags' settings and prints the summary. Exit status 2, with no work done, on bad
    settings or an unreachable MLflow; 1 if the run failed (the error, and where the log is)."""
    try:
        settings = flags.settings_from_args(args)
    except configs.SettingsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        with libraries_to_log(settings.log_path, settings.verbose):
            from pipeline import main_job  # imports TensorFlow: its start-up chatter goes to the log

            result = main_job.run(settings)
    except (configs.SettingsError, main_job.TrackingUnavailableError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - any failure: one line here, the traceback in the log
        print(f"error: the pipeline run failed: {type(e).__name__}: {e}", file=sys.stderr)
        if not settings.verbose:
            print(f"the whole log: {settings.log_path}", file=sys.stderr)
        return 1
    print("\n".join(result.lines()), flush=True)
    if not settings.verbose:
        print(f"log of every library's output: {settings.log_path}")
    return 0


def main(argv: Sequence[str] | None = None, runner: str = "local") -> int:
    """The main job on the embedded defaults overridden by `argv`, with `runner` as the default orchestrator."""
    return run_and_print(flags.build_parser(__doc__.splitlines()[0], runner).parse_args(argv))

"""One line per component as a run goes, read from the TFX runners' own log records."""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import time
from typing import Iterator, Optional, TextIO

from absl import logging as absl_logging

# What LocalDagRunner, BeamDagRunner and the component launcher log around each node.
_STARTED = re.compile(r"^(?:Component|node) (\S+) is running\.$")
_FINISHED = re.compile(r"^(?:Component|node) (\S+) is finished\.$")
_CACHED = re.compile(r"^A cached execution \d+ is used\.$")
_SKIPPED = re.compile(r"^Skipping execution for (\S+)$")


class ComponentProgress(logging.Handler):
    """Prints `[ i/n] Component ... finished in 12.3 s` lines (cached and skipped runs say so)."""

    def __init__(self, total: int, stream: TextIO = sys.stdout):
        super().__init__(level=logging.INFO)
        self.total = total
        self.stream = stream
        self._started: dict[str, float] = {}
        self._notes: dict[str, str] = {}
        self._current: Optional[str] = None

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if match := _STARTED.match(message):
            node = self._current = match.group(1)
            self._started[node] = time.perf_counter()
            self._print(node, "running")
        elif _CACHED.match(message) and self._current:
            self._notes[self._current] = "reused from cache"
        elif match := _SKIPPED.match(message):
            self._notes[match.group(1)] = "skipped (its condition was not met)"
        elif match := _FINISHED.match(message):
            node = match.group(1)
            seconds = time.perf_counter() - self._started.get(node, time.perf_counter())
            note = self._notes.get(node, "finished")
            self._print(node, f"{note} in {seconds:.1f} s")

    def _print(self, node: str, what: str) -> None:
        position = list(self._started).index(node) + 1 if node in self._started else 0
        width = len(str(self.total))
        print(f"[{position:>{width}}/{self.total}] {node} {what}", file=self.stream, flush=True)


@contextlib.contextmanager
def reporting(total: int, verbose: bool = False, stream: TextIO = sys.stdout) -> Iterator[ComponentProgress]:
    """Shows component progress; without `verbose`, only errors of TFX's own logs reach the console."""
    absl_logger = logging.getLogger("absl")
    handler = ComponentProgress(total, stream)
    saved = absl_logging.get_verbosity(), absl_logger.propagate
    # Through absl's verbosity flag, not the logger's level: libraries that silence absl for a
    # moment restore the flag's value.
    absl_logging.set_verbosity(absl_logging.INFO)
    absl_logger.addHandler(handler)
    quiet = None
    if not verbose:
        absl_logger.propagate = False
        quiet = logging.StreamHandler(sys.stderr)
        quiet.setLevel(logging.ERROR)  # TFX warns a lot about its own internals
        absl_logger.addHandler(quiet)
    try:
        yield handler
    finally:
        absl_logger.removeHandler(handler)
        if quiet is not None:
            absl_logger.removeHandler(quiet)
        absl_logging.set_verbosity(saved[0])
        absl_logger.propagate = saved[1]

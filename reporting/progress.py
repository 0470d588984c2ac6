"""One line per component as a run goes, read from the TFX runners' own log records, and a heartbeat
while a long component (generation, Transform, evaluation) works without printing anything itself."""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
import time
from collections.abc import Iterator
from typing import TextIO

from absl import logging as absl_logging

# What LocalDagRunner, BeamDagRunner and the component launcher log around each node.
_STARTED = re.compile(r"^(?:Component|node) (\S+) is running\.$")
_FINISHED = re.compile(r"^(?:Component|node) (\S+) is finished\.$")
_CACHED = re.compile(r"^A cached execution \d+ is used\.$")
_SKIPPED = re.compile(r"^Skipping execution for (\S+)$")


HEARTBEAT_SECONDS = 30.0


class ComponentProgress(logging.Handler):
    """Prints `[ i/n] Component ... finished in 12.3 s` lines (cached and skipped runs say so)."""

    def __init__(self, total: int, stream: TextIO = sys.stdout):
        super().__init__(level=logging.INFO)
        self.total = total
        self.stream = stream
        self._started: dict[str, float] = {}
        self._notes: dict[str, str] = {}
        self._current: str | None = None
        self._finished: set[str] = set()

    def heartbeat(self, after_seconds: float = 0.0) -> str | None:
        """`[ i/n] Node still running (1 min 30 s)` for the component at work (if at it for at least
        `after_seconds`), or None."""
        node = self._current
        if node is None or node in self._finished:
            return None
        seconds = int(time.perf_counter() - self._started[node])
        if seconds < after_seconds:
            return None
        return self._line(node, f"still running ({seconds // 60} min {seconds % 60:02d} s)")

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
            self._finished.add(node)
            self._print(node, f"{note} in {seconds:.1f} s")

    def _line(self, node: str, what: str) -> str:
        position = list(self._started).index(node) + 1 if node in self._started else 0
        width = len(str(self.total))
        return f"[{position:>{width}}/{self.total}] {node} {what}"

    def _print(self, node: str, what: str) -> None:
        print(self._line(node, what), file=self.stream, flush=True)


class _LastWrite:
    """A text stream that remembers when it was last written to (by Keras, keras-tuner, us)."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self.at = time.monotonic()

    def write(self, text: str) -> int:
        self.at = time.monotonic()
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextlib.contextmanager
def _heartbeat(handler: ComponentProgress, interval: float) -> Iterator[None]:
    """Prints the handler's heartbeat line when the console has been silent for `interval` seconds
    (training and tuning print their own epoch lines)."""
    stop = threading.Event()
    console, saved_stdout = _LastWrite(handler.stream), sys.stdout
    handler.stream = console
    if saved_stdout is console._stream:
        sys.stdout = console

    def beat() -> None:
        while not stop.wait(1.0):
            line = handler.heartbeat(after_seconds=interval)
            if line and time.monotonic() - console.at >= interval:
                print(line, file=console, flush=True)

    thread = threading.Thread(target=beat, name="progress-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        handler.stream, sys.stdout = console._stream, saved_stdout


@contextlib.contextmanager
def reporting(total: int, stream: TextIO = sys.stdout,
              heartbeat_seconds: float = HEARTBEAT_SECONDS) -> Iterator[ComponentProgress]:
    """Shows component progress on `stream`; TFX's own logs (INFO and up) go to stderr, which the main
    job points at its log file unless it runs verbose."""
    absl_logger = logging.getLogger("absl")
    handler = ComponentProgress(total, stream)
    tfx_logs = logging.StreamHandler(sys.stderr)
    tfx_logs.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    saved = absl_logging.get_verbosity(), absl_logger.propagate
    # Through absl's verbosity flag, not the logger's level: libraries that silence absl for a
    # moment restore the flag's value.
    absl_logging.set_verbosity(absl_logging.INFO)
    absl_logger.addHandler(handler)
    absl_logger.addHandler(tfx_logs)
    absl_logger.propagate = False
    try:
        with _heartbeat(handler, heartbeat_seconds):
            yield handler
    finally:
        absl_logger.removeHandler(handler)
        absl_logger.removeHandler(tfx_logs)
        absl_logging.set_verbosity(saved[0])
        absl_logger.propagate = saved[1]

"""Reading the exported SavedModel (models/export.py): the newest pushed version, translating strings in
batches through its serving signature, attention maps."""

from __future__ import annotations

import collections
import concurrent.futures
import datetime
import itertools
import os
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from models import features


class NoPushedModelError(FileNotFoundError):
    """No model has been pushed to the serving directory (none was blessed yet)."""


SAVED_MODEL_FILE = "saved_model.pb"  # written last: a version without it is incomplete (TF Serving waits for it)


def latest_model_dir(serving_model_dir: str) -> str:
    """The newest complete numbered SavedModel version Pusher wrote under `serving_model_dir`. A version
    directory without `saved_model.pb` (a push still being copied, or one killed mid-copy) is skipped, as TF
    Serving skips it."""
    versions = sorted((int(name.strip("/")) for name in tf.io.gfile.listdir(serving_model_dir)
                       if name.strip("/").isdigit()), reverse=True) if tf.io.gfile.isdir(serving_model_dir) else []
    for version in versions:
        path = os.path.join(serving_model_dir, str(version))
        if tf.io.gfile.exists(os.path.join(path, SAVED_MODEL_FILE)):
            return path
    incomplete = f" ({len(versions)} incomplete version(s) without {SAVED_MODEL_FILE})" if versions else ""
    raise NoPushedModelError(
        f"no pushed model under {serving_model_dir}{incomplete}: run the pipeline first (`make run`); "
        "only models that pass the Evaluator are pushed")


NOT_A_DATE = "not one complete, real calendar date"
SORT_WINDOW_BATCHES = 8  # batches `translate` reads ahead and sorts by length
# A batch's longest input is at most this many times its shortest (plus LENGTH_SLACK characters): the model
# reads every input of a batch as far as the longest, so on everyday text (5 to 50 characters) batches of a
# fixed size would be about a third padding.
LENGTH_SPREAD = 1.25
LENGTH_SLACK = 2


def length_batches(texts: list[str], batch_size: int) -> list[list[int]]:
    """The indices of `texts` in order of length, cut into batches of at most `batch_size` whose longest
    input is at most LENGTH_SPREAD times their shortest, plus LENGTH_SLACK characters."""
    batches: list[list[int]] = []
    for i in sorted(range(len(texts)), key=lambda i: len(texts[i])):
        if (not batches or len(batches[-1]) == batch_size
                or len(texts[i]) > LENGTH_SPREAD * len(texts[batches[-1][0]]) + LENGTH_SLACK):
            batches.append([])
        batches[-1].append(i)
    return batches


def use_one_thread_per_op() -> bool:
    """Gives each TensorFlow op one thread, so that each core runs a batch of its own (`translate` runs as
    many batches at once as there are cores) instead of every small op of the model being split over all
    cores: on 2 cores the model serves about 1.4 times as many strings per second. It only takes effect
    before TensorFlow runs its first op in this process (load no model before it); returns whether it did."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow is already running: it keeps its thread pools
        return False
    return True


# What each refusal reason (the serving signature's `reason`; data_gen.families.REFUSAL_REASONS) tells a user.
REASON_TEXTS = {
    "incomplete": "not one complete date: a day, month or year is missing",
    "period": "a period longer than a day, not one date",
    "relative": "a relative date: it depends on today",
    "time": "a time of day, not a date",
    "range": "a range or list of dates, not one date",
    "impossible": "no such day in the calendar (or a year outside 1900-2099)",
    "not_a_date": NOT_A_DATE,
}
WEEKDAY_CONFLICT = "weekday_conflict"  # the text names a weekday that is not the answer's
UNKNOWN_WORDS = "unknown_words"  # the text holds words never seen in training


class Translation(NamedTuple):
    """One input and its ISO date, or the model's refusal (not a date, and why), or why it could not be read.
    A date is `uncertain` (not to be trusted) below the calibrated confidence or with a flag. (A named tuple:
    immutable, and made once per input, cheaper than a frozen dataclass.)"""

    input: str
    iso: str | None = None  # None when not a date or not read
    is_date: bool | None = None
    confidence: float | None = None
    ambiguous: bool | None = None  # the other day-month preference gives another real date
    error: str | None = None
    refusal: str | None = None  # why the model refused: a key of REASON_TEXTS
    uncertain: bool = False
    flags: tuple[str, ...] = ()  # WEEKDAY_CONFLICT, UNKNOWN_WORDS
    named_weekday: str = ""  # the weekday the text names (English), if any
    unknown_words: str = ""

    @property
    def reason(self) -> str | None:
        """Why there is no date: the input could not be read, or the model refused it (and why)."""
        return self.error or (None if self.is_date else REASON_TEXTS.get(self.refusal or "not_a_date"))

    def warnings(self) -> list[str]:
        """What a user should know about a date answer: each flag, said in words."""
        said = []
        if WEEKDAY_CONFLICT in self.flags:
            actual = datetime.date.fromisoformat(self.iso).strftime("%A")
            said.append(f"the text names {self.named_weekday.capitalize()}, but {self.iso} is a {actual}")
        if UNKNOWN_WORDS in self.flags:
            said.append(f"words never seen in training: {self.unknown_words}")
        return said

    def as_dict(self) -> dict:
        fields = {"input": self.input}
        if self.error:
            fields["error"] = self.error
        elif self.is_date:
            fields.update(iso=self.iso, is_date=True, confidence=round(self.confidence, 6), ambiguous=self.ambiguous,
                          uncertain=self.uncertain, flags=list(self.flags))
            if self.flags:
                fields["warnings"] = self.warnings()
        else:
            fields.update(is_date=False, refusal=self.refusal, reason=self.reason,
                          confidence=round(self.confidence, 6))
        return fields


def input_error(input_length: int, unknown_characters: str) -> str | None:
    """Why an input cannot be translated, from what the serving signature reports; None if it can."""
    if input_length == 0:
        return "empty input"
    if input_length > features.INPUT_LENGTH:
        return (f"input too long: {input_length} characters after normalisation, "
                f"the model reads at most {features.INPUT_LENGTH}")
    if unknown_characters:
        return f"characters never seen in training: {unknown_characters!r}"
    return None


# The serving signature's outputs that make a Translation, in `translation`'s order.
SIGNATURE_OUTPUTS = ("iso", "is_date", "confidence", "ambiguous", "input_length", "unknown_characters", "reason",
                     "uncertain", "weekday_conflict", "named_weekday", "unknown_words")


def translation(text: str, iso: bytes, is_date: bool, confidence: float, ambiguous: bool, input_length: int,
                unknown_characters: bytes, reason: bytes, uncertain: bool, weekday_conflict: bool,
                named_weekday: bytes, unknown_words: bytes) -> Translation:
    """The Translation of one input from its row of the serving signature's outputs."""
    error = input_error(input_length, unknown_characters.decode("utf-8"))
    if error:
        return Translation(text, error=error)
    if not is_date:
        return Translation(text, None, False, confidence, ambiguous, refusal=reason.decode("utf-8"))
    unknown = unknown_words.decode("utf-8")
    flags = (WEEKDAY_CONFLICT,) * bool(weekday_conflict) + (UNKNOWN_WORDS,) * bool(unknown)
    return Translation(text, iso.decode("utf-8"), True, confidence, ambiguous, uncertain=bool(uncertain),
                       flags=flags, named_weekday=named_weekday.decode("utf-8"), unknown_words=unknown)


class DateNormaliser:
    """A loaded SavedModel of the pipeline, used through its serving signatures; `translate` runs up to
    `workers` batches at once (default: one per core)."""

    def __init__(self, model_dir: str, workers: int | None = None):
        self.model_dir = model_dir
        self.loaded = tf.saved_model.load(model_dir)
        self._serve = self.loaded.signatures["serving_default"]
        self._attention = self.loaded.signatures["attention"]
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                                                           thread_name_prefix="datenmt-translate")

    def translate_batch(self, texts: list[str], day_first: bool = False) -> list[Translation]:
        """Translations of `texts`, read with the given day-month preference."""
        if not texts:
            return []
        out = self._serve(human=tf.constant(texts, dtype=tf.string), day_first=tf.fill([len(texts)], day_first))
        columns = zip(texts, *(out[k].numpy().tolist() for k in SIGNATURE_OUTPUTS), strict=True)
        return [translation(*row) for row in columns]

    def translate(self, texts: Iterable[str], batch_size: int, day_first: bool = False) -> Iterator[Translation]:
        """Translations in input order, computed `batch_size` inputs at a time (streams any iterable).

        Reads up to SORT_WINDOW_BATCHES batches ahead and translates them grouped by length
        (`length_batches`), so that each batch is padded only to about the length of its own inputs (the
        model's answers do not depend on padding; its work does), several batches at once; the next window
        is already being translated while this one's results are handed out."""
        iterator = iter(texts)
        pending: collections.deque[tuple[int, list[list[int]], list[concurrent.futures.Future]]] = collections.deque()

        def submit_window() -> None:
            window = list(itertools.islice(iterator, batch_size * SORT_WINDOW_BATCHES))
            if window:
                batches = length_batches(window, batch_size)
                pending.append((len(window), batches, [
                    self._pool.submit(self.translate_batch, [window[i] for i in batch], day_first)
                    for batch in batches]))

        submit_window()
        while pending:
            size, batches, futures = pending.popleft()
            submit_window()
            results: list[Translation | None] = [None] * size
            for batch, future in zip(batches, futures, strict=True):
                for i, translated in zip(batch, future.result(), strict=True):
                    results[i] = translated
            yield from results

    def attention(self, text: str, day_first: bool = False) -> tuple[np.ndarray, list[str], str]:
        """(weights (Ty, n) over the n input characters the model reads (the preference marker, then the
        normalised text), those characters, the model's raw output)."""
        out = self._attention(human=tf.constant([text]), day_first=tf.constant([day_first]))
        chars = [c.decode("utf-8") for c in out["input_characters"].numpy()[0]]
        n = next((i for i, c in enumerate(chars) if c == ""), len(chars))
        return out["attention"].numpy()[0][:, :n], chars[:n], out["iso"].numpy()[0].decode("utf-8")

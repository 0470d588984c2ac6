"""Reading the exported SavedModel (models/export.py): the newest pushed version, translating strings in
batches through its serving signature, attention maps."""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Iterable, Iterator

import numpy as np
import tensorflow as tf

from models import features


class NoPushedModelError(FileNotFoundError):
    """No model has been pushed to the serving directory (none was blessed yet)."""


def latest_model_dir(serving_model_dir: str) -> str:
    """The newest numbered SavedModel version Pusher wrote under `serving_model_dir`."""
    versions = [int(name) for name in tf.io.gfile.listdir(serving_model_dir)
                if name.strip("/").isdigit()] if tf.io.gfile.isdir(serving_model_dir) else []
    if not versions:
        raise NoPushedModelError(
            f"no pushed model under {serving_model_dir}: run the pipeline first (`make run`); "
            "only models that pass the Evaluator are pushed")
    return os.path.join(serving_model_dir, str(max(versions)))


NOT_A_DATE = "not one complete, real calendar date"
SORT_WINDOW_BATCHES = 8  # batches `translate` reads ahead and sorts by length


@dataclasses.dataclass(frozen=True)
class Translation:
    """One input and its ISO date, or the model's refusal (not a date), or why it could not be read."""

    input: str
    iso: str | None = None  # None when not a date or not read
    is_date: bool | None = None
    confidence: float | None = None
    ambiguous: bool | None = None  # the other day-month preference gives another real date
    error: str | None = None

    @property
    def reason(self) -> str | None:
        """Why there is no date: the input could not be read, or the model refused it."""
        return self.error or (None if self.is_date else NOT_A_DATE)

    def as_dict(self) -> dict:
        fields = {"input": self.input}
        if self.error:
            fields["error"] = self.error
        elif self.is_date:
            fields.update(iso=self.iso, is_date=True, confidence=round(self.confidence, 6), ambiguous=self.ambiguous)
        else:
            fields.update(is_date=False, reason=self.reason, confidence=round(self.confidence, 6))
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


class DateNormaliser:
    """A loaded SavedModel of the pipeline, used through its serving signatures."""

    def __init__(self, model_dir: str):
        self.model_dir = model_dir
        self.loaded = tf.saved_model.load(model_dir)
        self._serve = self.loaded.signatures["serving_default"]
        self._attention = self.loaded.signatures["attention"]

    def translate_batch(self, texts: list[str], day_first: bool = False) -> list[Translation]:
        """Translations of `texts`, read with the given day-month preference."""
        if not texts:
            return []
        out = {k: v.numpy() for k, v in self._serve(human=tf.constant(texts, dtype=tf.string),
                                                      day_first=tf.fill([len(texts)], day_first)).items()}
        results = []
        for i, text in enumerate(texts):
            error = input_error(int(out["input_length"][i]), out["unknown_characters"][i].decode("utf-8"))
            if error:
                results.append(Translation(text, error=error))
                continue
            is_date = bool(out["is_date"][i])
            results.append(Translation(text, iso=out["iso"][i].decode("utf-8") if is_date else None,
                                       is_date=is_date, confidence=float(out["confidence"][i]),
                                       ambiguous=bool(out["ambiguous"][i])))
        return results

    def translate(self, texts: Iterable[str], batch_size: int, day_first: bool = False) -> Iterator[Translation]:
        """Translations in input order, computed `batch_size` inputs at a time (streams any iterable).

        Reads up to SORT_WINDOW_BATCHES batches ahead and translates them in order of length, so that each
        batch is padded only to about the length of its own inputs (the model's answers do not depend on
        padding; its work does)."""
        iterator = iter(texts)
        while window := list(itertools.islice(iterator, batch_size * SORT_WINDOW_BATCHES)):
            by_length = sorted(range(len(window)), key=lambda i: len(window[i]))
            results: list[Translation | None] = [None] * len(window)
            for start in range(0, len(window), batch_size):
                batch = by_length[start:start + batch_size]
                for i, translation in zip(batch, self.translate_batch([window[i] for i in batch], day_first),
                                          strict=True):
                    results[i] = translation
            yield from results

    def attention(self, text: str, day_first: bool = False) -> tuple[np.ndarray, list[str], str]:
        """(weights (Ty, n) over the n input characters the model reads (the preference marker, then the
        normalised text), those characters, the model's raw output)."""
        out = self._attention(human=tf.constant([text]), day_first=tf.constant([day_first]))
        chars = [c.decode("utf-8") for c in out["input_characters"].numpy()[0]]
        n = next((i for i, c in enumerate(chars) if c == ""), len(chars))
        return out["attention"].numpy()[0][:, :n], chars[:n], out["iso"].numpy()[0].decode("utf-8")

"""What the model reads: the shared normalisation and the fixed sequence lengths.

`normalize` is the one normalisation used everywhere: the Transform
preprocessing_fn applies it (so it is embedded in the serving graph) and Python
callers use the same function eagerly. It only folds case, removes or collapses
characters, so a normalised string is never longer than the raw one.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

# The longest normalised input the model reads: the longest string the grammar writes is 64 characters
# after normalisation ("wednesday the twenty-seventh of september nineteen seventy-three", a spelled date
# with its weekday; data_gen.lengths.longest_length(), checked by a test).
INPUT_LENGTH = 64
# Output length Ty: an ISO date, YYYY-MM-DD.
OUTPUT_LENGTH = 10

# (RE2 pattern, replacement), applied in order after lower-casing.
NORMALIZATION_RULES: tuple[tuple[str, str], ...] = (
    # Punctuation that carries no date information. ":" stays: it tells a time from a date ("05:14:44" is
    # not "05 14 44"); tests/test_grammar.py checks that no two generated examples the labels tell apart
    # normalise to the same string.
    (r"[,;!?\"'()\[\]]", " "),
    (r"([a-z])\.", r"\1 "),  # abbreviation dots ("jan. 5"); dots between digits stay
    (r"\s+", " "),  # any run of white space becomes one space
)


def normalize(texts: tf.Tensor | str | Sequence[str]) -> tf.Tensor:
    """Normalises human date strings: case folding, punctuation, white space.

    Works in a TF graph (Transform, serving) and eagerly on Python strings, e.g.
    "Tuesday, March 4, 1997" and "tuesday march 4 1997" both become the latter.
    """
    texts = tf.convert_to_tensor(texts, dtype=tf.string)
    texts = tf.strings.lower(texts, encoding="utf-8")
    for pattern, rewrite in NORMALIZATION_RULES:
        texts = tf.strings.regex_replace(texts, pattern, rewrite)
    return tf.strings.strip(texts)


def normalize_text(text: str) -> str:
    """`normalize` for one Python string."""
    return normalize(text).numpy().decode("utf-8")

"""Training metrics: whole-string exact match (every one of the Ty characters right)."""

from __future__ import annotations

import keras
from keras import ops

# The metric's name in training logs and in the Evaluator's results (TFMA's ExactMatch has the same name).
EXACT_MATCH = "exact_match"


def exact_matches(y_true, y_pred):
    """Per sequence, whether every step's argmax equals the label (bool, batch)."""
    predicted = ops.argmax(y_pred, axis=-1)
    return ops.all(ops.equal(ops.cast(y_true, predicted.dtype), predicted), axis=-1)


@keras.saving.register_keras_serializable(package="datenmt")
class ExactMatch(keras.metrics.Mean):
    """Fraction of sequences whose every step's argmax equals the label."""

    def __init__(self, name: str = EXACT_MATCH, **kwargs):
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(ops.cast(exact_matches(y_true, y_pred), "float32"), sample_weight=sample_weight)

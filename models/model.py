"""The attention encoder-decoder (Keras 3), after the seed design.

Encoder: a bidirectional LSTM over the one-hot input characters gives `a`
(batch, Tx, 2*n_a). For each of the Ty output steps, one attention step with
layers shared by all steps: the previous decoder state `s` is repeated over the
Tx positions, concatenated with `a`, scored by Dense(10, tanh) and Dense(1, relu),
softmaxed over the Tx positions and used to weight `a` into a context vector.
A post-attention LSTM cell (n_s units, zero initial states), shared across steps,
reads the context; a shared Dense softmax gives the output character.
"""

from __future__ import annotations

import dataclasses

import keras
from keras import layers, ops

from models import features

DEFAULT_N_A = 32
DEFAULT_N_S = 64
ATTENTION_HIDDEN_UNITS = 10


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Sizes of the model."""

    input_vocab_size: int  # characters in the input vocabulary (without padding/OOV)
    output_vocab_size: int
    n_a: int = DEFAULT_N_A
    n_s: int = DEFAULT_N_S
    tx: int = features.TX
    ty: int = features.TY

    @property
    def input_depth(self) -> int:
        return features.input_depth(self.input_vocab_size)


@keras.saving.register_keras_serializable(package="datenmt")
class OneHot(layers.Layer):
    """Integer ids (batch, T) -> one-hot float vectors (batch, T, depth)."""

    def __init__(self, depth: int, **kwargs):
        super().__init__(**kwargs)
        self.depth = depth

    def call(self, ids):
        return ops.one_hot(ops.cast(ids, "int32"), self.depth)

    def get_config(self):
        return {**super().get_config(), "depth": self.depth}


@keras.saving.register_keras_serializable(package="datenmt")
class ZeroState(layers.Layer):
    """A zero vector (batch, units) shaped after any batch-first tensor: the decoder's initial state."""

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, like):
        return ops.zeros((ops.shape(like)[0], self.units), dtype=self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="datenmt")
class StackSteps(layers.Layer):
    """A list of Ty tensors (batch, ...) -> one tensor (batch, Ty, ...)."""

    def call(self, steps):
        return ops.stack(steps, axis=1)


class _AttentionStep:
    """The layers of one attention step, created once and shared by all Ty steps."""

    def __init__(self, tx: int):
        self.repeat = layers.RepeatVector(tx, name="attention_repeat_s")
        self.concat = layers.Concatenate(axis=-1, name="attention_concat")
        self.score_hidden = layers.Dense(ATTENTION_HIDDEN_UNITS, activation="tanh", name="attention_dense_tanh")
        self.score = layers.Dense(1, activation="relu", name="attention_dense_relu")
        self.softmax = layers.Softmax(axis=1, name="attention_weights")
        self.dot = layers.Dot(axes=1, name="attention_context")

    def __call__(self, a, s_prev):
        """Returns (context (batch, 1, 2*n_a), alphas (batch, Tx, 1))."""
        concat = self.concat([a, self.repeat(s_prev)])
        alphas = self.softmax(self.score(self.score_hidden(concat)))
        return self.dot([alphas, a]), alphas


def build_models(config: ModelConfig) -> tuple[keras.Model, keras.Model]:
    """Builds (model, attention_model), sharing all layers.

    model: ids (batch, Tx) -> probabilities (batch, Ty, output_vocab_size).
    attention_model: ids (batch, Tx) -> attention weights (batch, Ty, Tx).
    """
    ids = keras.Input(shape=(config.tx,), dtype="int64", name=features.HUMAN_IDS_KEY)
    x = OneHot(config.input_depth, name="one_hot")(ids)
    a = layers.Bidirectional(layers.LSTM(config.n_a, return_sequences=True), name="encoder")(x)
    attention = _AttentionStep(config.tx)
    decoder_cell = layers.LSTM(config.n_s, return_state=True, name="post_attention_lstm")
    output_layer = layers.Dense(config.output_vocab_size, activation="softmax", name="output_softmax")

    s = ZeroState(config.n_s, name="s0")(ids)
    c = ZeroState(config.n_s, name="c0")(ids)
    outputs, alphas = [], []
    for _ in range(config.ty):
        context, alpha = attention(a, s)
        _, s, c = decoder_cell(context, initial_state=[s, c])
        outputs.append(output_layer(s))
        alphas.append(layers.Reshape((config.tx,))(alpha))
    probabilities = StackSteps(name="characters")(outputs)
    weights = StackSteps(name="attention")(alphas)
    return (keras.Model(ids, probabilities, name="datenmt"),
            keras.Model(ids, weights, name="datenmt_attention"))


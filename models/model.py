"""The attention encoder-decoder (Keras 3), after the seed design.

Encoder: a bidirectional LSTM over the one-hot input characters gives `a`
(batch, T, 2*n_a). For each of the Ty output steps, one attention step with
layers shared by all steps: the previous decoder state `s` is repeated over the
T positions, concatenated with `a`, scored by Dense(10, tanh) and Dense(1, relu),
softmaxed over the T positions and used to weight `a` into a context vector.
A post-attention LSTM cell (n_s units, zero initial states), shared across steps,
reads the context; a shared Dense softmax gives the output character.

The input may have any length T <= Tx: padding (id 0) is masked in the encoder and in the attention
softmax, so the answer does not depend on how far an input is padded, and a batch need only be padded to
its longest input. Dense(10, tanh) over [a; repeat(s)] is computed as tanh(a W_a + b + s W_s), its kernel
split in two: the same function and parameters, with a W_a computed once per input instead of once per
output step and position.
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
class PaddingMask(layers.Layer):
    """Integer ids (batch, T) -> (batch, T) booleans: true where there is a character, not padding."""

    def call(self, ids):
        return ops.not_equal(ids, features.PAD_ID)


@keras.saving.register_keras_serializable(package="datenmt")
class AddQuery(layers.Layer):
    """tanh(keys + query): keys (batch, T, h) of the encoder outputs, query (batch, h) of the decoder state,
    added at every position (what repeating s over the T positions and a Dense over [a; s] compute).
    Padding is masked explicitly by MaskedSoftmax, so the keys' mask stops here."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return None

    def call(self, inputs):
        keys, query = inputs
        return ops.tanh(keys + ops.expand_dims(query, 1))


@keras.saving.register_keras_serializable(package="datenmt")
class PaddingBias(layers.Layer):
    """The padding mask (batch, T) -> what MaskedSoftmax adds to the scores (batch, T): 0 on the input's
    characters, -1e9 on padding. Computed once per input, not once per output step."""

    def call(self, mask):
        return ops.where(mask, 0.0, -1e9)


@keras.saving.register_keras_serializable(package="datenmt")
class MaskedSoftmax(layers.Layer):
    """Scores (batch, T, 1) and the padding bias (batch, T) -> weights (batch, T) summing to 1 over the
    input's characters, 0 on padding."""

    def call(self, inputs):
        scores, padding_bias = inputs
        return ops.softmax(ops.squeeze(scores, -1) + padding_bias, axis=1)


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

    def __init__(self):
        # Dense(10, tanh) over [a; s], its kernel split: W_a (with the bias) for a, W_s for s.
        self.keys = layers.Dense(ATTENTION_HIDDEN_UNITS, name="attention_dense_tanh")
        self.query = layers.Dense(ATTENTION_HIDDEN_UNITS, use_bias=False, name="attention_dense_tanh_s")
        self.hidden = AddQuery(name="attention_tanh")
        self.score = layers.Dense(1, activation="relu", name="attention_dense_relu")
        self.softmax = MaskedSoftmax(name="attention_weights")
        self.dot = layers.Dot(axes=1, name="attention_context")

    def __call__(self, a, keys, padding_bias, s_prev):
        """Returns (context (batch, 2*n_a), alphas (batch, T)); keys = self.keys(a) and padding_bias, computed
        once."""
        alphas = self.softmax([self.score(self.hidden([keys, self.query(s_prev)])), padding_bias])
        return self.dot([alphas, a]), alphas


def build_models(config: ModelConfig) -> tuple[keras.Model, keras.Model]:
    """Builds (model, attention_model), sharing all layers.

    model: ids (batch, T) -> probabilities (batch, Ty, output_vocab_size), for any T <= Tx.
    attention_model: ids (batch, T) -> attention weights (batch, Ty, T).
    """
    ids = keras.Input(shape=(None,), dtype="int64", name=features.HUMAN_IDS_KEY)
    mask = PaddingMask(name="padding_mask")(ids)
    x = OneHot(config.input_depth, name="one_hot")(ids)
    a = layers.Bidirectional(layers.LSTM(config.n_a, return_sequences=True), name="encoder")(x, mask=mask)
    attention = _AttentionStep()
    keys = attention.keys(a)
    padding_bias = PaddingBias(name="padding_bias")(mask)
    # The cell itself, not an LSTM layer over a one-step sequence: the same weights and step, without an RNN
    # loop (and its masking) around each of the Ty steps.
    decoder_cell = layers.LSTMCell(config.n_s, name="post_attention_lstm")
    output_layer = layers.Dense(config.output_vocab_size, activation="softmax", name="output_softmax")

    s = ZeroState(config.n_s, name="s0")(ids)
    c = ZeroState(config.n_s, name="c0")(ids)
    states, alphas = [], []
    for _ in range(config.ty):
        context, alpha = attention(a, keys, padding_bias, s)
        s, (_, c) = decoder_cell(context, [s, c])
        states.append(s)
        alphas.append(alpha)
    # The shared output layer once over the Ty decoder states (batch, Ty, n_s): the same Dense softmax per
    # step, in one product instead of Ty.
    probabilities = output_layer(StackSteps(name="decoder_states")(states))
    weights = StackSteps(name="attention")(alphas)
    return (keras.Model(ids, probabilities, name="datenmt"),
            keras.Model(ids, weights, name="datenmt_attention"))


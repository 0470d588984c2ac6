"""The work of one string through the model: the multiply-adds of its matrix products, from the model's sizes.

The Tuner gives its trials equal compute with it; `make bench` turns rates into FLOP/s with it.
"""

from __future__ import annotations

import dataclasses

from models import model as model_lib


@dataclasses.dataclass(frozen=True)
class ModelSizes:
    """The sizes that fix the model's work per string (models/model.py)."""

    input_depth: int  # one-hot width: padding + input vocabulary + OOV bucket
    n_a: int
    n_s: int
    attention_hidden: int
    output_vocab: int
    ty: int
    parameters: int = 0  # 0: not counted


def sizes_of(config: model_lib.ModelConfig) -> ModelSizes:
    """The sizes of the model `config` builds."""
    return ModelSizes(input_depth=config.input_depth, n_a=config.n_a, n_s=config.n_s,
                      attention_hidden=model_lib.ATTENTION_HIDDEN_UNITS, output_vocab=config.output_vocab_size,
                      ty=config.ty)


def multiply_adds(s: ModelSizes, length: float) -> dict[str, float]:
    """Multiply-adds of the matrix products of one string's forward pass at `length` input positions (the
    preference marker and the normalised text; no padding), as the graph computes them.

    Encoder: per direction and input position, the LSTM's input and recurrent products (the one-hot input
    goes through a dense kernel). Attention: the encoder part of Dense(hidden) over [a; s] once per position,
    then per output step its decoder-state part, Dense(1) at each position and the context (weights . a).
    Decoder: the LSTM cell on the context, and the output Dense, per output step. Element-wise work (gates,
    tanh, softmax, one-hot) is left out, and so are the rows serving_default adds for inputs whose reading may
    depend on the preference (read again under the other one, to flag ambiguity).
    """
    encoder = 2 * length * 4 * s.n_a * (s.input_depth + s.n_a)
    attention = (length * 2 * s.n_a * s.attention_hidden
                 + s.ty * (s.n_s * s.attention_hidden + length * (s.attention_hidden + 2 * s.n_a)))
    decoder = s.ty * 4 * s.n_s * (2 * s.n_a + s.n_s)
    output = s.ty * s.n_s * s.output_vocab
    return {"encoder": encoder, "attention": attention, "decoder": decoder, "output": output,
            "total": encoder + attention + decoder + output}

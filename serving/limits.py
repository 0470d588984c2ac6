"""What a speed ratio to python-dateutil would need of this machine (`make bench`), timed in the bench's run.

`serving_default` on one batch of strings in arrival order, taken apart: the whole call, the Transform graph
alone, the served model alone in the signature's length groups, and the Tuner's smallest size alone on the
same groups; beside them, the strings/s (and time per call) that SPEED_RATIOS times dateutil's strings/s
would need. The smallest model is built fresh: its work does not depend on its weights.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import keras
import tensorflow as tf

from models import export, features, tuning
from models import model as model_lib
from models.cost import ModelSizes
from serving.bench_report import Row, Table, cell, rate

SPEED_RATIOS = (2, 3)  # serving_default in arrival order, and `make bench`'s sorted path, against dateutil
REPEATS = 15  # timed calls per figure (the median is kept)


def median_seconds(call: Callable[[], object], repeats: int = REPEATS) -> float:
    """The median wall time of `call` over `repeats` calls, after one untimed call (tracing)."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def arrival_batch(texts: list[str], size: int) -> list[str]:
    """`size` strings in the order given, repeated from the start if there are fewer."""
    return (texts * -(-size // len(texts)))[:size]


def input_ids(loaded, texts: list[str]) -> tf.Tensor:
    """The Transform graph's padded input ids (batch, Tx) of `texts`, read with the month first."""
    transformed = loaded.tft_layer({features.HUMAN_KEY: tf.reshape(tf.constant(texts), [-1, 1]),
                                    features.DAY_FIRST_KEY: tf.zeros([len(texts), 1], tf.int64)})
    return transformed[features.HUMAN_IDS_KEY]


def fresh_model(sizes: ModelSizes, n_a: int, n_s: int) -> keras.Model:
    """The model of models/model.py at n_a, n_s with the served model's vocabularies (fresh weights)."""
    config = model_lib.ModelConfig(input_vocab_size=sizes.input_depth - 1 - features.NUM_OOV_BUCKETS,
                                   output_vocab_size=sizes.output_vocab, n_a=n_a, n_s=n_s)
    return model_lib.build_models(config)[0]


def serving_call(loaded, sizes: ModelSizes, texts: list[str], batch_size: int, dateutil_rate: float) -> dict:
    """Seconds per `serving_default` call on `batch_size` of `texts` in arrival order, and of its parts."""
    batch = arrival_batch(texts, batch_size)
    human, day_first = tf.constant(batch), tf.zeros([batch_size], tf.bool)
    ids = input_ids(loaded, batch)
    smallest = fresh_model(sizes, tuning.N_A_CHOICES[0], tuning.N_S_CHOICES[0])
    serve = loaded.signatures["serving_default"]
    # Each as one graph through the signature's own length groups, which then run at once as they do there.
    served = tf.function(lambda: export.probabilities_by_length(loaded.probabilities, sizes.output_vocab, ids))
    smallest_groups = tf.function(lambda: export.probabilities_by_length(
        lambda g: smallest(g, training=False), sizes.output_vocab, ids))
    return {
        "batch_size": batch_size,
        "whole_call": median_seconds(lambda: serve(human=human, day_first=day_first)),
        "transform_graph": median_seconds(lambda: input_ids(loaded, batch)),
        "served_model": median_seconds(served),
        "smallest_model": median_seconds(smallest_groups),
        "smallest_sizes": {"n_a": tuning.N_A_CHOICES[0], "n_s": tuning.N_S_CHOICES[0]},
        "dateutil_strings_per_second": dateutil_rate,
        "budget_at_ratio": {str(r): batch_size / (r * dateutil_rate) for r in SPEED_RATIOS},
    }


def limits_table(s: dict) -> Table:
    """The parts of a serving_default call (`serving_call`'s figures) against the time a call may take."""
    ms = 1000
    budgets = ", ".join(f"at {r}x {s['batch_size'] / b:,.0f} strings/s ({b * ms:.1f} ms per call)"
                        for r, b in s["budget_at_ratio"].items())
    smallest = f"n_a {s['smallest_sizes']['n_a']}, n_s {s['smallest_sizes']['n_s']}"
    return Table(
        title=f"what a speed ratio to dateutil needs of this machine: one serving_default call on "
              f"{s['batch_size']:,} hand-written strings in arrival order, taken apart",
        columns=("", "ms per call", "strings/s"),
        rows=(
            Row("serving_default, the whole call", (cell(s["whole_call"] * ms, 1),
                                                    rate(s["batch_size"] / s["whole_call"]))),
            Row("the Transform graph alone", (cell(s["transform_graph"] * ms, 1),
                                              rate(s["batch_size"] / s["transform_graph"])), 1),
            Row("the served model alone, in the signature's length groups",
                (cell(s["served_model"] * ms, 1), rate(s["batch_size"] / s["served_model"])), 1),
            Row(f"the search's smallest model ({smallest}) alone, the same groups",
                (cell(s["smallest_model"] * ms, 1), rate(s["batch_size"] / s["smallest_model"])), 1),
        ),
        notes=(f"a ratio to python-dateutil's {s['dateutil_strings_per_second']:,.0f} strings/s on these lines "
               f"needs {budgets}",))

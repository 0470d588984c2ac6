"""Trainer's run_fn: train the attention model on Transform's output and export it."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Mapping
from typing import Any

import keras
import keras_tuner
import numpy as np
import tensorflow as tf
import tensorflow_transform as tft
from tfx import v1 as tfx
from tfx_bsl.public import tfxio

from models import calibration, export, features, metrics, preprocessing
from models import model as model_lib

HISTORY_FILE = "history.json"
MODEL_FILE = "model.json"  # sizes, parameter count and the training settings used
TRAINER_REQUIRED = ("epochs", "batch_size", "patience", "seed")  # what run_fn's custom_config must set


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """Training settings: Adam (0.01, 0.9, 0.999), the learning rate raised linearly over the first epoch
    (LinearWarmUp), then halved after each epoch that does not improve the validation exact match; epochs,
    batch size, patience and seed come from the pipeline's settings (pipeline/configs.py, their one source).

    The seed's legacy `decay=0.01` per step cuts the learning rate tenfold within three epochs of 32,000
    examples and stalls training. A fixed decay per epoch (lr / (1 + 0.1 * epoch), used before) left the
    rate as high when training had plateaued as when it had not: early stopping then ended some runs on
    the noise of the validation exact match, and others were still improving at the last epoch. The seed's
    rate 0.005 learns too slowly for one-epoch tuner trials and 10 epochs: a one-epoch trial of n_a 32,
    n_s 64 scored 0.31 validation exact match at 0.005 and 0.72 at 0.01.
    """

    epochs: int
    batch_size: int
    learning_rate: float = 0.01
    beta_1: float = 0.9
    beta_2: float = 0.999
    clipnorm: float = 1.0  # gradient clipping: keeps late epochs from blowing up
    patience: int | None = None  # early stopping on validation exact match; the Trainer requires it
    seed: int | None = None  # initial weights and the order of the training examples; the Trainer requires it
    lr_patience: int = 1  # epochs without a better validation exact match before the learning rate is cut
    lr_factor: float = 0.5  # what a cut multiplies the learning rate by
    min_learning_rate: float = 1e-4
    warmup_epochs: int = 1  # epochs over which the learning rate rises linearly to learning_rate (0: none)
    verbose: int = 2  # one progress line per epoch

    @classmethod
    def from_custom_config(cls, custom_config: Mapping[str, Any] | None,
                           required: tuple[str, ...] = ("epochs", "batch_size")) -> TrainingConfig:
        """Takes the fields it knows from a component's custom_config; rejects bad values and missing
        `required` fields (the Tuner's trials need no patience, the Trainer does)."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in (custom_config or {}).items() if k in known}
        missing = [k for k in required if k not in values]
        if missing:
            raise ValueError(f"custom_config must set {' and '.join(missing)} (the pipeline's settings)")
        config = cls(**values)
        if (min(config.epochs, config.batch_size, config.lr_patience,
                1 if config.patience is None else config.patience) < 1
                or config.learning_rate <= 0 or not 0 < config.lr_factor < 1 or config.warmup_epochs < 0):
            raise ValueError("epochs, batch_size, patience, lr_patience and learning_rate must be positive, "
                             f"warmup_epochs not negative and lr_factor between 0 and 1: {config}")
        return config


def make_optimizer(config: TrainingConfig) -> keras.optimizers.Optimizer:
    """Adam with gradient clipping, at the starting learning rate (the Trainer cuts it on plateaus)."""
    return keras.optimizers.Adam(learning_rate=config.learning_rate, beta_1=config.beta_1, beta_2=config.beta_2,
                                 clipnorm=config.clipnorm)


def compile_model(model: keras.Model, optimizer: keras.optimizers.Optimizer) -> keras.Model:
    """Sparse categorical cross-entropy over the Ty steps; per-character accuracy and exact match."""
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="char_accuracy"), metrics.ExactMatch()],
    )
    return model


def build_optimizer(model: keras.Model) -> keras.Model:
    """Creates the compiled model's optimizer variables now, not in the first training step: a tf.function that
    creates variables on its first call is traced twice, and the training step's trace is most of a fresh
    model's first epoch (n_a 48, n_s 32: 9.2 s against 6.1 s; the same training to the last digit)."""
    model.optimizer.build(model.trainable_variables)
    return model


def model_config(tf_transform_output: tft.TFTransformOutput, n_a: int, n_s: int) -> model_lib.ModelConfig:
    """Model sizes, with vocabulary sizes read from the Transform run's vocabularies."""
    return model_lib.ModelConfig(
        input_vocab_size=tf_transform_output.vocabulary_size_by_name(features.INPUT_VOCAB_NAME),
        output_vocab_size=tf_transform_output.vocabulary_size_by_name(features.OUTPUT_VOCAB_NAME),
        n_a=n_a, n_s=n_s)


READ_BATCH_SIZE = 4096  # rows per read when loading a split into memory
# Validation batches (the eval split, in order of length): larger than training batches, as the model's steps
# are many small operations whose cost hardly grows with rows. Padding is masked and metrics are means over
# examples, so scores move only by float rounding (seed 42's 48/32 trial: 0.3091 against 0.3105 at 200).
EVAL_BATCH_SIZE = 1000


def read_split_sorted(file_pattern, data_accessor: tfx.components.DataAccessor,
                      tf_transform_output: tft.TFTransformOutput) -> tuple[np.ndarray, np.ndarray]:
    """All (human_ids, iso_ids) rows of a split of transformed examples, sorted: the same examples give the
    same arrays whatever order and shards Beam wrote them in."""
    dataset = data_accessor.tf_dataset_factory(
        file_pattern,
        tfxio.TensorFlowDatasetOptions(batch_size=READ_BATCH_SIZE, num_epochs=1, shuffle=False),
        tf_transform_output.transformed_metadata.schema)
    batches = [(f[features.HUMAN_IDS_KEY].numpy(), f[features.ISO_IDS_KEY].numpy()) for f in dataset]
    if not batches:
        raise ValueError(f"no examples in {file_pattern}")
    human = np.concatenate([h for h, _ in batches])
    iso = np.concatenate([i for _, i in batches])
    order = np.lexsort(np.concatenate([human, iso], axis=1).T[::-1])  # by the first column, then the next, ...
    return human[order], iso[order]


# Training batches are cut from windows of this many batches, each sorted by input length: a batch is then
# padded to about its own length instead of to the longest of 200 random inputs (mean 17 characters, but a
# random batch almost always holds one of 40 or more). The batches of a window are then shuffled among
# LENGTH_WINDOW_BATCHES others, so an epoch does not go from short inputs to long ones.
LENGTH_WINDOW_BATCHES = 32


def _sorted_by_length(human: tf.Tensor, iso: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    order = tf.argsort(preprocessing.input_lengths(human), stable=True)
    return tf.gather(human, order), tf.gather(iso, order)


def group_by_length(dataset: tf.data.Dataset, num_examples: int, batch_size: int,
                    seed: int | None) -> tf.data.Dataset:
    """Batches of (human_ids, iso_ids) rows of similar length: windows of LENGTH_WINDOW_BATCHES batches
    sorted by length, cut into batches, the batches shuffled with `seed` (reshuffled each epoch). Every row
    is in exactly one batch per epoch; there are ceil(num_examples / batch_size) batches."""
    window = batch_size * LENGTH_WINDOW_BATCHES
    batches = (dataset.batch(window).map(_sorted_by_length).unbatch().batch(batch_size)
               .shuffle(LENGTH_WINDOW_BATCHES, seed=seed, reshuffle_each_iteration=True))
    return batches.apply(tf.data.experimental.assert_cardinality(-(-num_examples // batch_size)))


def input_fn(file_pattern, data_accessor: tfx.components.DataAccessor,
             tf_transform_output: tft.TFTransformOutput, batch_size: int,
             shuffle: bool = True, seed: int | None = None, max_examples: int | None = None) -> tf.data.Dataset:
    """One pass over a split of transformed examples as (human_ids, iso_ids) batches of similar input length,
    each batch's ids padded only to its longest input. The split is read into memory in sorted order (and cut
    to a subsample of `max_examples` rows drawn with `seed`), then (`shuffle`) shuffled whole with `seed`
    (None: the global seed), again each epoch, and grouped by length (`group_by_length`), so a seed gives the
    same batches run after run; without `shuffle`, the rows are batched in order of length (evaluation)."""
    human, iso = read_split_sorted(file_pattern, data_accessor, tf_transform_output)
    if max_examples is not None and max_examples < len(human):
        rows = np.sort(np.random.default_rng(seed).permutation(len(human))[:max_examples])
        human, iso = human[rows], iso[rows]
    if shuffle:
        dataset = tf.data.Dataset.from_tensor_slices((human, iso))
        dataset = dataset.shuffle(len(human), seed=seed, reshuffle_each_iteration=True)
        dataset = group_by_length(dataset, len(human), batch_size, seed)
    else:
        order = np.argsort((human != features.PAD_ID).sum(axis=1), kind="stable")
        dataset = tf.data.Dataset.from_tensor_slices((human[order], iso[order])).batch(batch_size)
    return dataset.map(lambda h, i: (preprocessing.trim_padding(h), i),
                       num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def without_model_autotuning(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """`dataset` without tf.data's autotuning model: deleting an iterator (Keras makes one per epoch) waited
    for that model's tuning thread, which stalled fits for seconds at a time. The same batches in the same
    order (for one pass per iterator); AUTOTUNE still sets the map's parallelism (one call per core) and the
    prefetch buffer (grown when the step waits) without it (docs/decisions.md)."""
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def train_and_eval_datasets(fn_args: tfx.components.FnArgs, tf_transform_output: tft.TFTransformOutput,
                            batch_size: int, seed: int | None = None, max_train_examples: int | None = None,
                            autotuned_training: bool = False) -> tuple[tf.data.Dataset, tf.data.Dataset]:
    """The training split (or a subsample of `max_train_examples` of it) shuffled with `seed`, in batches of
    `batch_size`, and the eval split in order of length, in batches of EVAL_BATCH_SIZE, of a Trainer's or
    Tuner's FnArgs; `without_model_autotuning`, except the training batches if `autotuned_training` (the
    Tuner's: the order of a trial's examples depends on how far earlier trials' iterators prefetched into the
    next pass of the repeated subsample, which autotuning's buffer sizes change; docs/decisions.md)."""
    train = input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output, batch_size, seed=seed,
                     max_examples=max_train_examples)
    evaluation = input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output, EVAL_BATCH_SIZE,
                          shuffle=False)
    return (train if autotuned_training else without_model_autotuning(train)), without_model_autotuning(evaluation)


def hyperparameter_values(hyperparameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """n_a and n_s: the Tuner's best, or the defaults when tuning is off."""
    values = {"n_a": model_lib.DEFAULT_N_A, "n_s": model_lib.DEFAULT_N_S}
    if hyperparameters:
        chosen = keras_tuner.HyperParameters.from_config(hyperparameters).values
        values.update({name: chosen[name] for name in values if name in chosen})  # not Hyperband's tuner/...
    return values


class ThroughputRecorder(keras.callbacks.Callback):
    """Adds each epoch's training time and examples per second (validation excluded) to its logs."""

    def __init__(self, batch_size: int):
        super().__init__()
        self.batch_size = batch_size

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._last, self._steps = time.perf_counter(), None, 0

    def on_train_batch_end(self, batch, logs=None):
        self._steps += 1
        self._last = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and self._last is not None:
            seconds = self._last - self._start
            logs["train_seconds"] = seconds
            logs["train_examples_per_second"] = self._steps * self.batch_size / seconds


class LinearWarmUp(keras.callbacks.Callback):
    """Raises the learning rate linearly over the first `steps` training batches, from learning_rate / steps
    to learning_rate. Adam's first updates move every weight by about the learning rate whatever its
    gradient; at the full rate from the first batch they sent seed 314's first epoch to 0.48 validation
    exact match where other seeds reached 0.9, and its model tested 0.9561 (0.9870 with the warm-up)."""

    def __init__(self, learning_rate: float, steps: int):
        super().__init__()
        self.learning_rate, self.steps = learning_rate, steps

    def on_train_batch_begin(self, batch, logs=None):
        step = int(self.model.optimizer.iterations)  # the optimizer's own count: no second counter to reset
        if step < self.steps:
            self.model.optimizer.learning_rate = self.learning_rate * (step + 1) / self.steps


def warm_up(config: TrainingConfig, train: tf.data.Dataset) -> list[keras.callbacks.Callback]:
    """The learning-rate warm-up over config.warmup_epochs of `train` (a dataset of known length), if any."""
    steps = config.warmup_epochs * int(train.cardinality())
    if steps < 0:
        raise ValueError("the training dataset's length must be known for the learning-rate warm-up")
    return [LinearWarmUp(config.learning_rate, steps)] if steps else []


def run_fn(fn_args: tfx.components.FnArgs) -> None:
    """TFX Trainer entry point."""
    config = TrainingConfig.from_custom_config(fn_args.custom_config, TRAINER_REQUIRED)
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)
    hp = hyperparameter_values(fn_args.hyperparameters)
    keras.utils.set_random_seed(config.seed)  # the initial weights (Python, NumPy and TensorFlow seeds)
    model, attention_model = model_lib.build_models(model_config(tf_transform_output, hp["n_a"], hp["n_s"]))
    build_optimizer(compile_model(model, make_optimizer(config)))

    train, evaluation = train_and_eval_datasets(fn_args, tf_transform_output, config.batch_size, config.seed)
    history = model.fit(
        train, validation_data=evaluation, epochs=config.epochs, verbose=config.verbose,
        shuffle=False,  # `train` shuffles itself with the seed; Keras's shuffle only warns about a dataset
        callbacks=[
            ThroughputRecorder(config.batch_size),  # first, so the others see its figures
            *warm_up(config, train),
            keras.callbacks.ReduceLROnPlateau(monitor="val_exact_match", mode="max", factor=config.lr_factor,
                                              patience=config.lr_patience, min_lr=config.min_learning_rate),
            keras.callbacks.EarlyStopping(monitor="val_exact_match", mode="max",
                                          patience=config.patience,
                                          restore_best_weights=True),
            keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir),
        ])
    write_history(history.history, fn_args.model_run_dir)
    confidence = calibrate_confidence(model, attention_model, tf_transform_output, evaluation)
    write_json({"parameters": model.count_params(), **hp, "learning_rate": config.learning_rate,
                "training_config": dataclasses.asdict(config), "confidence": dataclasses.asdict(confidence)},
               os.path.join(fn_args.model_run_dir, MODEL_FILE))
    export.export_serving_model(model, attention_model, tf_transform_output, fn_args.serving_model_dir,
                                confidence.exponent)


def calibrate_confidence(model: keras.Model, attention_model: keras.Model,
                         tf_transform_output: tft.TFTransformOutput,
                         evaluation: tf.data.Dataset) -> calibration.Calibration:
    """The confidence calibration of the trained model on the eval split (models/calibration.py)."""
    decoder = export.DateNormaliserModule(model, attention_model, tf_transform_output)
    raw, is_date, right = [], [], []
    for ids, labels in evaluation:
        probabilities = decoder.probabilities(ids)  # traced once, not run op by op
        iso, confidence = decoder.decode(probabilities)
        raw.append(confidence.numpy())
        is_date.append(export.is_answer(iso).numpy())
        right.append(np.asarray(metrics.exact_matches(labels, probabilities)))
    return calibration.calibrate(*(np.concatenate(parts) for parts in (raw, is_date, right)))


def write_json(value: Any, path: str) -> str:
    tf.io.gfile.makedirs(os.path.dirname(path))
    with tf.io.gfile.GFile(path, "w") as f:
        json.dump(value, f, indent=1)
    return path


def write_history(history: Mapping[str, list], model_run_dir: str) -> str:
    """Saves per-epoch metrics as JSON in the model run directory; returns its path."""
    return write_json({k: [float(v) for v in vs] for k, vs in history.items()},
                      os.path.join(model_run_dir, HISTORY_FILE))

"""Tuner's tuner_fn: Hyperband over the encoder size n_a and the decoder size n_s, its trials trained on a seeded
subsample of the training split, choosing the smallest model within SCORE_TOLERANCE of the best (or, where no
trial's exact match reaches MIN_RANKED_SCORE, the lowest validation loss).

Hyperband (Li et al., JMLR 2018; keras-tuner's `Hyperband`) spends a budget well: most sizes get a short
trial, and only the better half (1 / HYPERBAND_FACTOR) of each round trains on, from its own checkpoint, for
HYPERBAND_FACTOR times as many epochs, up to `max_epochs`; brackets of different aggressiveness hedge against
sizes that start slowly. A trial's epoch is a pass over `trial_examples` training examples (the same seeded
subsample for every trial), scored on the whole eval split. Trials get equal compute, not equal examples: a size
whose forward pass costs more multiply-adds than REFERENCE_SIZES' trains on proportionally fewer batches per
trial epoch, so a big model wins only if it is better for the same work (which the Trainer's time and every
served string pay for), not merely quicker to learn per example. A trial's learning rate warms up over its first
TRIAL_WARMUP_EXAMPLES examples, not over a whole trial epoch as the Trainer's does: a longer warm-up leaves short
trials too little training at the full rate to rank sizes (docs/decisions.md).
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Callable
from typing import Any

import keras
import keras_tuner
import tensorflow_transform as tft
from tfx import v1 as tfx

from models import cost, training
from models import model as model_lib

OBJECTIVE = keras_tuner.Objective("val_exact_match", direction="max")
# The search space: from below today's sizes to well above them (the seed design's n_a 32, n_s 64).
N_A_CHOICES = (16, 24, 32, 48, 64, 96, 128)
N_S_CHOICES = (16, 24, 32, 48, 64, 96, 128, 192, 256)
SIZES = ("n_a", "n_s")
# Each Hyperband round keeps the best 1 / HYPERBAND_FACTOR of its trials and trains them this many times longer.
HYPERBAND_FACTOR = 2
# Among the trials trained for the most epochs, those whose validation exact match is within this of the best
# count as good as the best; the smallest of them (fewest parameters: the least work per string when serving)
# is chosen. Serving pays for every parameter; a gain smaller than this is not worth it.
SCORE_TOLERANCE = 0.01
# Exact match ranks sizes only once trials write whole dates: below this, scores are a few lucky strings, and
# "the smallest within SCORE_TOLERANCE of the best" is merely the smallest (seed 2026, seven languages: every
# trial scored 0 to 0.03, 16/16 was chosen, its model tested 0.84 and was not blessed; the lowest validation
# loss chose 32/96, which tested 0.987). If no trial trained for the most epochs reaches it, the search is
# inconclusive on exact match and the lowest validation loss decides.
MIN_RANKED_SCORE = 0.5
# The learning-rate warm-up of every trial, in training examples. With it, n_a 32, n_s 32 reached 0.74 validation
# exact match after 128,000 examples; with a warm-up over 128,000 examples, 0.05 (docs/decisions.md).
TRIAL_WARMUP_EXAMPLES = 16_000
# Trials of sizes costlier per example than these train on fewer examples, for the same multiply-adds; cheaper
# ones on as many (below these sizes, per-op overhead rather than arithmetic sets a step's time: the Trainer
# ran 7,600 examples/s at n_a 16, n_s 16 and 6,400 at 32, 32, against 3,800 at 64, 64 and 1,000 at 128, 256).
REFERENCE_SIZES = {"n_a": 32, "n_s": 32}
COST_LENGTH = 18  # input positions costs are compared at: about the mean training input with its marker
TRIALS_FILE = "trials.json"  # every trial's record, beside the Tuner's results


def hyperband_trials(max_epochs: int, factor: int = HYPERBAND_FACTOR) -> int:
    """How many trials one Hyperband iteration runs (keras-tuner's bracket and round sizes), continuations of
    earlier trials included."""
    oracle = keras_tuner.oracles.HyperbandOracle(OBJECTIVE, max_epochs=max_epochs, factor=factor)
    brackets = oracle._get_num_brackets()
    return sum(oracle._get_size(bracket, round_num)
               for bracket in range(brackets) for round_num in range(oracle._get_num_rounds(bracket)))


def sizes_of(hp: keras_tuner.HyperParameters) -> dict[str, int]:
    """n_a and n_s of a trial (without Hyperband's own `tuner/...` values)."""
    return {name: hp.get(name) for name in SIZES}


def describe(hp: keras_tuner.HyperParameters) -> str:
    """ "n_a 32, n_s 64" """
    return ", ".join(f"{name} {value}" for name, value in sizes_of(hp).items())


def relative_cost(config: model_lib.ModelConfig) -> float:
    """Multiply-adds per example of the model `config` builds, relative to the same model at REFERENCE_SIZES."""
    reference = dataclasses.replace(config, **REFERENCE_SIZES)
    return (cost.multiply_adds(cost.sizes_of(config), COST_LENGTH)["total"]
            / cost.multiply_adds(cost.sizes_of(reference), COST_LENGTH)["total"])


def trial_batches(batches: int, relative: float) -> int:
    """Batches per trial epoch: the subsample's, fewer in proportion for a size costlier than the reference."""
    return max(1, round(batches / max(1.0, relative)))


def trial_epochs(hp: keras_tuner.HyperParameters) -> tuple[int, int]:
    """(the epoch a trial starts from, the epoch it trains to): Hyperband continues a trial of an earlier round
    from its checkpoint."""
    return hp.values.get("tuner/initial_epoch", 0), hp.values.get("tuner/epochs", 0)


class TimedHyperband(keras_tuner.Hyperband):
    """Hyperband that keeps each trial's wall time (`trial_seconds`) and parameter count (`trial_parameters`),
    prints one line before and after each trial instead of keras-tuner's tables, trains each trial for the same
    compute (`trial_batches`), and ranks trials `prefer_small` (`get_best_hyperparameters`, which TFX's Tuner
    writes as best_hyperparameters). `model_config` gives a trial's ModelConfig."""

    def __init__(self, *args, model_config: Callable[[keras_tuner.HyperParameters], model_lib.ModelConfig],
                 batch_size: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.model_config, self.batch_size = model_config, batch_size
        self.trial_seconds: dict[str, float] = {}
        self.trial_parameters: dict[str, int] = {}
        self.trial_examples: dict[str, int] = {}  # training examples per trial epoch
        self._trial_started: dict[str, float] = {}

    def search(self, *fit_args, **fit_kwargs):
        """The search, with the objects that exist when it starts (the libraries, the process's state) left out of
        garbage collection until it ends: keras-tuner and Keras each run a full collection before every trial
        (to free the previous trial's model), and with about a million objects tracked the 16 of seed 42's 8-trial
        search took 9.0 s. The previous trials' objects are still collected."""
        gc.freeze()
        try:
            return super().search(*fit_args, **fit_kwargs)
        finally:
            gc.unfreeze()

    def on_search_begin(self):
        self.oracle.verbose = 0  # keras-tuner's own tables and summaries; one line per trial instead
        super().on_search_begin()

    def on_trial_begin(self, trial):
        self._trial_started[trial.trial_id] = time.perf_counter()
        hp = trial.hyperparameters
        self.trial_parameters[trial.trial_id] = self.hypermodel.build(hp).count_params()
        start, end = trial_epochs(hp)
        epochs = f"epochs {start + 1}-{end}" if start else f"{end} epoch{'s' * (end != 1)}"
        continued = f", continuing trial {hp.values['tuner/trial_id']}" if "tuner/trial_id" in hp.values else ""
        print(f"trial {len(self.trial_seconds) + 1}/{self.oracle.max_trials}: {describe(hp)} "
              f"({self.trial_parameters[trial.trial_id]:,} parameters), {epochs}{continued}", flush=True)
        super().on_trial_begin(trial)

    def _build_hypermodel(self, hp):
        """The trial's compiled model (with a continued trial's weights, which Hyperband loads) and then its
        optimizer's variables (training.build_optimizer). Built after the load, the optimizer starts afresh, as
        it always has here: Keras restores a checkpoint's optimizer state only into a built optimizer, and
        resuming it changed the trials' scores and seed 42's choice (docs/decisions.md)."""
        return training.build_optimizer(super()._build_hypermodel(hp))

    def run_trial(self, trial, *fit_args, **fit_kwargs):
        train = fit_kwargs["x"]  # the subsample: a dataset of known length, reshuffled at each pass
        batches = trial_batches(int(train.cardinality()), relative_cost(self.model_config(trial.hyperparameters)))
        self.trial_examples[trial.trial_id] = batches * self.batch_size
        return super().run_trial(trial, *fit_args, **{**fit_kwargs, "x": train.repeat(), "steps_per_epoch": batches})

    def on_trial_end(self, trial):
        self.trial_seconds[trial.trial_id] = time.perf_counter() - self._trial_started[trial.trial_id]
        super().on_trial_end(trial)
        score = self.oracle.get_trial(trial.trial_id).score
        print(f"trial {len(self.trial_seconds)}/{self.oracle.max_trials}: validation exact match "
              f"{'-' if score is None else f'{score:.4f}'} in {self.trial_seconds[trial.trial_id]:.0f} s "
              f"({self.trial_examples.get(trial.trial_id, 0):,} examples per epoch)", flush=True)

    def on_search_end(self):
        super().on_search_end()
        best = self.get_best_hyperparameters()
        if best:
            print(f"chosen: {describe(best[0])} ({self.choice_rule()})", flush=True)

    def choice_rule(self) -> str:
        """How the chosen trial was chosen, in words."""
        longest = self._longest()
        if self._ranked():
            return (f"the smallest model within {SCORE_TOLERANCE} of the best validation exact match of the "
                    f"trials trained for {longest} epochs")
        return (f"no trial trained for {longest} epochs reached {MIN_RANKED_SCORE} validation exact match, which "
                f"ranks sizes: the lowest validation loss; more examples per trial (--trial-examples) let exact "
                f"match decide")

    def _scored(self) -> list:
        return [t for t in self.oracle.trials.values() if t.score is not None]

    def _longest(self) -> int:
        return max(trial_epochs(t.hyperparameters)[1] for t in self._scored())

    def _full(self) -> list:
        """The scored trials trained for the most epochs."""
        longest = self._longest()
        return [t for t in self._scored() if trial_epochs(t.hyperparameters)[1] == longest]

    def _ranked(self) -> list:
        """The trials trained for the most epochs whose exact match ranks them (at least MIN_RANKED_SCORE)."""
        return [t for t in self._full() if t.score >= MIN_RANKED_SCORE]

    def get_best_hyperparameters(self, num_trials: int = 1) -> list[keras_tuner.HyperParameters]:
        scored = self._scored()
        if not scored:
            return []
        full, ranked = self._full(), self._ranked()
        if ranked:
            order = (prefer_small(ranked, self.trial_parameters, SCORE_TOLERANCE)
                     + sorted((t for t in full if t not in ranked), key=lambda t: -t.score))
        else:
            order = sorted(full, key=validation_loss)
        shorter = sorted((t for t in scored if t not in full), key=lambda t: -t.score)
        return [t.hyperparameters for t in (order + shorter)[:num_trials]]


def validation_loss(trial) -> float:
    """A trial's validation loss after its last epoch (infinite if it has none)."""
    loss = trial.metrics.get_last_value("val_loss") if trial.metrics.exists("val_loss") else None
    return float("inf") if loss is None else loss


def prefer_small(trials: list, parameters: dict[str, int], tolerance: float) -> list:
    """Scored trials, best first: those within `tolerance` of the best score by fewest parameters (then
    score), then the others by score."""
    if not trials:
        return []
    best = max(t.score for t in trials)

    def rank(t) -> tuple:
        good = t.score >= best - tolerance
        return (not good, parameters.get(t.trial_id, 0) if good else 0, -t.score)

    return sorted(trials, key=rank)


def trial_records(tuner: keras_tuner.Tuner) -> list[dict[str, Any]]:
    """One record per trial, in trial order: its sizes, the epochs it trained (from, to), score, wall time and
    parameter count (where the tuner timed and counted it: TimedHyperband)."""
    records = []
    for t in sorted(tuner.oracle.trials.values(), key=lambda t: t.trial_id):
        start, end = trial_epochs(t.hyperparameters)
        records.append({
            "trial_id": t.trial_id,
            "status": str(t.status),
            "score": t.score,
            "val_loss": validation_loss(t) if t.score is not None else None,
            "hyperparameters": sizes_of(t.hyperparameters),
            "initial_epoch": start,
            "epochs": end,
            "continues": t.hyperparameters.values.get("tuner/trial_id"),
            "seconds": getattr(tuner, "trial_seconds", {}).get(t.trial_id),
            "parameters": getattr(tuner, "trial_parameters", {}).get(t.trial_id),
            "examples_per_epoch": getattr(tuner, "trial_examples", {}).get(t.trial_id),
        })
    return records


def search_space() -> keras_tuner.HyperParameters:
    """The declared search space: n_a and n_s, each an ordered choice of sizes."""
    hp = keras_tuner.HyperParameters()
    hp.Choice("n_a", N_A_CHOICES, ordered=True)
    hp.Choice("n_s", N_S_CHOICES, ordered=True)
    return hp


def _hypermodel(model_config: Callable[[keras_tuner.HyperParameters], model_lib.ModelConfig],
                config: training.TrainingConfig):
    def build(hp: keras_tuner.HyperParameters):
        if config.seed is not None:
            keras.utils.set_random_seed(config.seed)  # each trial starts from its sizes' seeded weights
        model, _ = model_lib.build_models(model_config(hp))
        return training.compile_model(model, training.make_optimizer(config))

    return build


def tuner_fn(fn_args: tfx.components.FnArgs) -> tfx.components.TunerFnResult:
    """TFX Tuner entry point. custom_config: max_trials (at most this many of Hyperband's trials), epochs (the
    most epochs a trial trains: Hyperband's max_epochs), trial_examples (training examples per trial epoch),
    batch_size, seed (None: unseeded trials), ..."""
    custom = dict(fn_args.custom_config or {})
    missing = [k for k in ("max_trials", "trial_examples") if k not in custom]
    if missing:
        raise ValueError(f"custom_config must set {' and '.join(missing)} (the Tuner's budget)")
    max_trials, trial_examples = int(custom.pop("max_trials")), int(custom.pop("trial_examples"))
    if min(max_trials, trial_examples) < 1:
        raise ValueError(f"max_trials and trial_examples must be >= 1, got {max_trials} and {trial_examples}")
    config = training.TrainingConfig.from_custom_config(custom)
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)

    def model_config(hp: keras_tuner.HyperParameters) -> model_lib.ModelConfig:
        return training.model_config(tf_transform_output, hp.get("n_a"), hp.get("n_s"))

    tuner = TimedHyperband(
        model_config=model_config,
        batch_size=config.batch_size,
        hypermodel=_hypermodel(model_config, config),
        objective=OBJECTIVE,
        max_epochs=config.epochs,
        factor=HYPERBAND_FACTOR,
        hyperparameters=search_space(),
        seed=config.seed,
        directory=fn_args.working_dir,
        project_name="datenmt_tuning",
        overwrite=True,
        max_consecutive_failed_trials=1,  # a failing trial is a bug to see, not to skip
    )
    # TFX's Tuner reads the oracle's max_trials; Hyperband's schedule sets how many trials it runs.
    tuner.oracle.max_trials = min(max_trials, hyperband_trials(config.epochs))
    train, evaluation = training.train_and_eval_datasets(fn_args, tf_transform_output, config.batch_size,
                                                         config.seed, max_train_examples=trial_examples,
                                                         autotuned_training=True)
    return tfx.components.TunerFnResult(
        tuner=tuner,
        fit_kwargs={"x": train, "validation_data": evaluation, "epochs": config.epochs,
                    "verbose": config.verbose, "callbacks": trial_warm_up(config),
                    "shuffle": False})  # `train` shuffles itself with the seed (training.input_fn)


def trial_warm_up(config: training.TrainingConfig) -> list[keras.callbacks.Callback]:
    """The learning-rate warm-up of a trial: over TRIAL_WARMUP_EXAMPLES examples (at least one batch)."""
    steps = max(1, -(-TRIAL_WARMUP_EXAMPLES // config.batch_size))
    return [training.LinearWarmUp(config.learning_rate, steps)]


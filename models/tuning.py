"""Tuner's tuner_fn: a grid search over n_a and n_s within the serving budget, smallest first, that prefers
the smallest model among the trials as good as the best."""

from __future__ import annotations

import time
from typing import Any

import keras
import keras_tuner
import tensorflow_transform as tft
from tfx import v1 as tfx

from models import model as model_lib
from models import training

OBJECTIVE = keras_tuner.Objective("val_exact_match", direction="max")
# The grid holds the sizes that serve closest to python-dateutil's speed on 2 cores (README, "Benchmark"): the
# encoder's n_a sets most of the work per string (the model alone at n_s 32: n_a 32 about 51,000 strings/s,
# n_a 48 34,000, n_a 64 25,000), the decoder's n_s less (n_a 32: n_s 64 about 43,000, whole-model serving of
# an n_s 48 model about 30,000).
N_A_CHOICES = (32,)
N_S_CHOICES = (32, 48)
# Trials whose validation exact match is within this of the best count as good as the best; the smallest
# of them (fewest parameters: the least work per string when serving) is chosen.
SCORE_TOLERANCE = 0.01
TRIALS_FILE = "trials.json"  # every trial's record, beside the Tuner's results


class TimedGridSearch(keras_tuner.GridSearch):
    """GridSearch that keeps each trial's wall time in `trial_seconds` (trial id -> seconds) and ranks
    trials smallest-first among those within SCORE_TOLERANCE of the best (`get_best_hyperparameters`, which
    TFX's Tuner writes as best_hyperparameters)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trial_seconds: dict[str, float] = {}
        self._trial_started: dict[str, float] = {}
        self.trial_parameters: dict[str, int] = {}

    def on_search_begin(self):
        self.oracle.verbose = 0  # keras-tuner's own tables and summaries; one line per trial instead
        super().on_search_begin()

    def on_trial_begin(self, trial):
        self._trial_started[trial.trial_id] = time.perf_counter()
        self.trial_parameters[trial.trial_id] = self.hypermodel.build(trial.hyperparameters).count_params()
        print(f"trial {len(self.trial_seconds) + 1}/{self.oracle.max_trials}: {describe(trial.hyperparameters)} "
              f"({self.trial_parameters[trial.trial_id]:,} parameters)", flush=True)
        super().on_trial_begin(trial)

    def on_trial_end(self, trial):
        self.trial_seconds[trial.trial_id] = time.perf_counter() - self._trial_started[trial.trial_id]
        super().on_trial_end(trial)
        score = self.oracle.get_trial(trial.trial_id).score
        print(f"trial {len(self.trial_seconds)}/{self.oracle.max_trials}: validation exact match "
              f"{'-' if score is None else f'{score:.4f}'} in {self.trial_seconds[trial.trial_id]:.0f} s",
              flush=True)

    def on_search_end(self):
        super().on_search_end()
        best = self.get_best_hyperparameters()
        if best:
            print(f"chosen: {describe(best[0])} ({self._why_chosen()})", flush=True)

    def _why_chosen(self) -> str:
        scored = sum(t.score is not None for t in self.oracle.trials.values())
        if scored == 1:
            return "the only trial: the grid's smallest sizes"
        return f"the smallest model within {SCORE_TOLERANCE} of the best validation exact match of {scored} trials"

    def get_best_hyperparameters(self, num_trials: int = 1) -> list[keras_tuner.HyperParameters]:
        scored = [t for t in self.oracle.trials.values() if t.score is not None]
        ranked = prefer_small(scored, self.trial_parameters, SCORE_TOLERANCE)
        return [t.hyperparameters for t in ranked[:num_trials]]


def describe(hp: keras_tuner.HyperParameters) -> str:
    """ "n_a 32, n_s 64" """
    return ", ".join(f"{name} {value}" for name, value in hp.values.items())


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
    """One record per trial, in trial order; `seconds` where the tuner timed it (TimedGridSearch)."""
    seconds = getattr(tuner, "trial_seconds", {})
    return [{
        "trial_id": t.trial_id,
        "status": str(t.status),
        "score": t.score,
        "hyperparameters": dict(t.hyperparameters.values),
        "seconds": seconds.get(t.trial_id),
        "parameters": getattr(tuner, "trial_parameters", {}).get(t.trial_id),
    } for t in sorted(tuner.oracle.trials.values(), key=lambda t: t.trial_id)]


def search_space() -> keras_tuner.HyperParameters:
    """The declared search space. The grid starts at its defaults, the smallest sizes, and goes up, so a
    budget of fewer trials than sizes tries the small ones."""
    hp = keras_tuner.HyperParameters()
    hp.Choice("n_a", N_A_CHOICES, default=min(N_A_CHOICES))
    hp.Choice("n_s", N_S_CHOICES, default=min(N_S_CHOICES))
    return hp


def _hypermodel(tf_transform_output: tft.TFTransformOutput, config: training.TrainingConfig):
    def build(hp: keras_tuner.HyperParameters):
        if config.seed is not None:
            keras.utils.set_random_seed(config.seed)  # each trial starts from its sizes' seeded weights
        model, _ = model_lib.build_models(
            training.model_config(tf_transform_output, hp.get("n_a"), hp.get("n_s")))
        return training.compile_model(model, training.make_optimizer(config))

    return build


def tuner_fn(fn_args: tfx.components.FnArgs) -> tfx.components.TunerFnResult:
    """TFX Tuner entry point. custom_config: max_trials, epochs (per trial), batch_size, seed (None: unseeded
    trials), ..."""
    custom = dict(fn_args.custom_config or {})
    if "max_trials" not in custom:
        raise ValueError("custom_config must set max_trials (the Tuner's trial budget)")
    max_trials = int(custom.pop("max_trials"))
    if max_trials < 1:
        raise ValueError(f"max_trials must be >= 1, got {max_trials}")
    config = training.TrainingConfig.from_custom_config(custom)
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)
    tuner = TimedGridSearch(
        hypermodel=_hypermodel(tf_transform_output, config),
        objective=OBJECTIVE,
        max_trials=max_trials,
        hyperparameters=search_space(),
        seed=config.seed,
        directory=fn_args.working_dir,
        project_name="datenmt_tuning",
        overwrite=True,
        max_consecutive_failed_trials=1,  # a failing trial is a bug to see, not to skip
    )
    train, evaluation = training.train_and_eval_datasets(fn_args, tf_transform_output, config.batch_size, config.seed)
    return tfx.components.TunerFnResult(
        tuner=tuner,
        fit_kwargs={"x": train, "validation_data": evaluation, "epochs": config.epochs,
                    "verbose": config.verbose, "callbacks": training.warm_up(config, train)})

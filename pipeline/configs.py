"""Every setting of the main job, with its one default and its one check.

`Settings` is the single source: the local flags (`pipeline/flags.py`), the Kubeflow flags and the compiled
package's parameter defaults (`kubeflow/`) all derive from its fields. A field's metadata says what it means
(`help`), how a value is checked (`check`) and whether it is a Kubeflow pipeline parameter (`kfp`).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from typing import Any

# Split name -> hash buckets: 80% to train on, 10% for early stopping, 10% held out for the Evaluator.
SPLITS = {"train": 8, "eval": 1, "test": 1}
RUNNER_NAMES = ("local", "beam")  # TFX's LocalDagRunner and BeamDagRunner (pipeline/main_job.py)
# The MLflow tracking server a Kubeflow run reports to unless told otherwise (a local store cannot be shared).
KUBEFLOW_TRACKING_URI = "http://mlflow.mlflow.svc.cluster.local:5000"
SERVING_BATCH_SIZE = 1024  # strings per call of the serving signature (`datenmt translate`, bench)
LOG_FILE = "datenmt.log"  # under the output directory: everything the console does not show
# The Trainer's and the Tuner's settings (models.training.TrainingConfig keys) -> the setting holding each.
TRAINING_CONFIG_FIELDS = {"epochs": "epochs", "batch_size": "batch_size", "patience": "patience", "seed": "seed"}
TUNING_CONFIG_FIELDS = {"max_trials": "max_trials", "epochs": "trial_epochs", "trial_examples": "trial_examples",
                        "batch_size": "batch_size", "seed": "seed"}


class SettingsError(ValueError):
    """A setting has a value the job cannot run with."""


# --- checks: each returns None when the value is fine, else what is wrong ------------------------


def positive(value: Any) -> str | None:
    return None if isinstance(value, int) and value >= 1 else "must be a positive integer"


def unit_interval(value: Any) -> str | None:
    ok = isinstance(value, (int, float)) and not math.isnan(value) and 0 <= value <= 1
    return None if ok else "must be a number from 0 to 1"


def known_runner(value: Any) -> str | None:
    return None if value in RUNNER_NAMES else f"must be one of {', '.join(RUNNER_NAMES)}"


def beam_options(value: Any) -> str | None:
    bad = [a for a in value if not (isinstance(a, str) and a.startswith("--") and len(a) > 2)]
    return f"Beam options are written --name=value, got {bad[0]!r}" if bad else None


def best_hyperparameters(value: Any) -> str | None:
    """None (search), or a Tuner's best_hyperparameters output: a URI (checked when the Importer runs) or a
    local directory holding its one file, as the Trainer reads it."""
    if value is None or "://" in value:
        return None
    if not os.path.isdir(value) or len(os.listdir(value)) != 1:
        return ("must be a Tuner's best_hyperparameters output: a directory holding best_hyperparameters.txt "
                "(outputs/pipeline_root/Tuner/best_hyperparameters/<id>)")
    return None


def non_empty(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must not be empty"


def _field(default: Any = dataclasses.MISSING, *, help: str, check: Callable | None = None,  # noqa: A002
           kfp: bool = False, default_factory: Any = dataclasses.MISSING) -> Any:
    metadata = {"help": help, "check": check, "kfp": kfp}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _default_output_dir() -> str:
    return os.environ.get("DATENMT_OUTPUT_DIR", os.path.join(os.getcwd(), "outputs"))


@dataclasses.dataclass(frozen=True)
class Settings:
    """The main job's settings; constructing one with a bad value raises SettingsError (one clear line)."""

    runner: str = _field("local", help="TFX orchestrator: local (LocalDagRunner) or beam (BeamDagRunner)",
                         check=known_runner)
    output_dir: str = _field(default_factory=_default_output_dir, check=non_empty,
                             help="pipeline root, metadata, serving models, MLflow store and log go under it "
                                  "(env DATENMT_OUTPUT_DIR)")
    pipeline_name: str = _field("datenmt", help="the pipeline's name (its ML Metadata context)", check=non_empty)
    num_examples: int = _field(200000, help="examples generated over all splits", check=positive, kfp=True)
    seed: int = _field(42, help="seed of the generator and of training: the same seed gives the same examples, "
                                 "initial weights and order of training examples, so the same model", kfp=True)
    epochs: int = _field(12, help="most training epochs (early stopping may end sooner)", check=positive, kfp=True)
    batch_size: int = _field(200, help="training batch size", check=positive, kfp=True)
    patience: int = _field(3, help="epochs without a better validation exact match before training stops",
                           check=positive, kfp=True)
    tuning: bool = _field(True, help="search n_a and n_s before training")
    hyperparameters: str | None = _field(
        None, check=best_hyperparameters,
        help="import a previous run's best_hyperparameters (the Tuner's output directory) with an Importer node "
             "and train with them instead of searching")
    max_trials: int = _field(8, help="most Tuner trials (Hyperband's schedule runs 8 at --trial-epochs 3, 15 at 4)",
                             check=positive, kfp=True)
    trial_epochs: int = _field(3, help="most epochs a Tuner trial trains (Hyperband's max_epochs)", check=positive,
                               kfp=True)
    trial_examples: int = _field(32000, help="training examples per epoch of a Tuner trial (a seeded subsample)",
                                 check=positive, kfp=True)
    accuracy_threshold: float = _field(0.95, help="whole-string exact match needed to bless and push a model",
                                       check=unit_interval, kfp=True)
    max_accuracy_drop: float = _field(0.005, help="tolerated drop below the serving model's exact match",
                                      check=unit_interval, kfp=True)
    beam_args: tuple[str, ...] = _field(
        ("--runner=FnApiRunner", "--direct_running_mode=in_memory", "--direct_num_workers=1"), check=beam_options,
        help="Beam options of the components' Beam work (Beam's local runner in this process: at the default "
             "--num-examples quicker than a worker per core; named, as the DirectRunner would first fetch Prism "
             "from the internet, docs/decisions.md)")
    cache: bool = _field(True, help="reuse outputs of executions whose inputs are unchanged")
    verbose: bool = _field(False, help="show every library's logs on the console, not only progress")
    tracking: bool = _field(True, help="record the run in MLflow")
    tracking_uri: str | None = _field(default_factory=lambda: os.environ.get("MLFLOW_TRACKING_URI"), kfp=True,
                                         help="MLflow tracking server (env MLFLOW_TRACKING_URI); default: a "
                                              "SQLite store under the output directory")
    mlflow_experiment: str = _field("datenmt", help="MLflow experiment", check=non_empty, kfp=True)
    registered_model: str = _field("datenmt-date-normaliser", check=non_empty, kfp=True,
                                   help="MLflow registered model that blessed, pushed models become versions of")

    def __post_init__(self) -> None:
        for name, problem in problems(self).items():
            raise SettingsError(f"{name.replace('_', '-')}: {problem}")

    @property
    def pipeline_root(self) -> str:
        return os.path.join(self.output_dir, "pipeline_root")

    @property
    def metadata_path(self) -> str:
        return os.path.join(self.output_dir, "metadata", "metadata.db")

    @property
    def serving_model_dir(self) -> str:
        return serving_model_dir(self.output_dir)

    @property
    def log_path(self) -> str:
        return os.path.join(self.output_dir, LOG_FILE)

    @property
    def training_config(self) -> dict[str, int]:
        """The Trainer's settings (models.training.TrainingConfig fields)."""
        return component_config(TRAINING_CONFIG_FIELDS, vars(self))

    @property
    def searches(self) -> bool:
        """Whether the run searches n_a and n_s (tuning on, no imported hyperparameters)."""
        return self.tuning and not self.hyperparameters

    @property
    def tuning_config(self) -> dict[str, int]:
        """The Tuner's settings: max_trials and the training settings of each trial."""
        return component_config(TUNING_CONFIG_FIELDS, vars(self))


def component_config(fields: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    """A component's settings (key -> value) from setting values (Settings' or pipeline parameters)."""
    return {key: values[name] for key, name in fields.items()}


def check_value(name: str, value: Any) -> str | None:
    """What is wrong with `value` for the setting `name`, or None."""
    check = FIELDS[name].metadata["check"]
    return check(value) if check else None


def problems(settings: Settings) -> dict[str, str]:
    """Setting name -> what is wrong with its value, for every bad value."""
    found = {}
    for name in FIELDS:
        problem = check_value(name, getattr(settings, name))
        if problem:
            found[name] = f"{problem}, got {getattr(settings, name)!r}"
    return found


def serving_model_dir(output_dir: str) -> str:
    """Pusher's destination (one numbered SavedModel version per blessed model), where the CLI and bench look
    for the latest: env DATENMT_SERVING_MODEL_DIR, else <output dir>/serving_model."""
    return os.environ.get("DATENMT_SERVING_MODEL_DIR") or os.path.join(output_dir, "serving_model")


FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(Settings)}
# The settings a scheduler sets per run on Kubeflow: scalar pipeline parameters of the compiled package.
KFP_PARAMETERS: tuple[str, ...] = tuple(name for name, f in FIELDS.items() if f.metadata["kfp"])

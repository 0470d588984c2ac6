"""Embedded defaults of the main job (`make run`); every one can be overridden by a flag."""

import os

PIPELINE_NAME = "datenmt"
OUTPUT_DIR = os.environ.get("DATENMT_OUTPUT_DIR", os.path.join(os.getcwd(), "outputs"))


def pipeline_root(output_dir: str) -> str:
    return os.path.join(output_dir, "pipeline_root")


def metadata_path(output_dir: str) -> str:
    return os.path.join(output_dir, "metadata", "metadata.db")


def serving_model_dir(output_dir: str) -> str:
    """Pusher's destination (one numbered SavedModel version per blessed model), where the CLI and
    bench look for the latest: env DATENMT_SERVING_MODEL_DIR, else <output dir>/serving_model."""
    return os.environ.get("DATENMT_SERVING_MODEL_DIR") or os.path.join(output_dir, "serving_model")


# 40,000 examples: 32,000 to train on, 4,000 for early stopping, 4,000 held out for the Evaluator.
NUM_EXAMPLES = 40000
SEED = 42
SPLITS = {"train": 8, "eval": 1, "test": 1}
TRAINING_CONFIG = {"epochs": 20, "batch_size": 100, "patience": 4}
ENABLE_TUNING = True
TUNING_CONFIG = {"max_trials": 4, "epochs": 2, "batch_size": 100}
ACCURACY_THRESHOLD = 0.999
MAX_ACCURACY_DROP = 0.001

# MLflow names (the tracking URI defaults to a SQLite store under OUTPUT_DIR).
MLFLOW_EXPERIMENT = "datenmt"
MLFLOW_REGISTERED_MODEL = "datenmt-date-normaliser"

# Components' own Beam work: the DirectRunner in multi-process mode, one worker per core.
BEAM_PIPELINE_ARGS = ["--direct_running_mode=multi_processing", "--direct_num_workers=0"]

"""The main job's flags over the embedded defaults, kept free of TFX and MLflow imports so that every
`datenmt` command (not only `run`) starts quickly."""

from __future__ import annotations

import argparse
import os

from pipeline import configs

RUNNER_NAMES = ("local", "beam")  # TFX's LocalDagRunner and BeamDagRunner (pipeline/main_job.py)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return value


def add_pipeline_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Flags over the embedded defaults of pipeline/configs.py."""
    parser.add_argument("--runner", choices=RUNNER_NAMES, default="local",
                        help="TFX orchestrator: LocalDagRunner (default) or BeamDagRunner")
    parser.add_argument("--output-dir", default=configs.OUTPUT_DIR,
                        help="pipeline root, metadata and serving models go under it (env DATENMT_OUTPUT_DIR)")
    parser.add_argument("--pipeline-name", default=configs.PIPELINE_NAME)
    parser.add_argument("--num-examples", type=positive_int, default=configs.NUM_EXAMPLES)
    parser.add_argument("--seed", type=int, default=configs.SEED)
    parser.add_argument("--epochs", type=positive_int, default=configs.TRAINING_CONFIG["epochs"])
    parser.add_argument("--tuning", action=argparse.BooleanOptionalAction, default=configs.ENABLE_TUNING,
                        help="search n_a, n_s and the learning rate before training")
    parser.add_argument("--max-trials", type=positive_int, default=configs.TUNING_CONFIG["max_trials"])
    parser.add_argument("--trial-epochs", type=positive_int, default=configs.TUNING_CONFIG["epochs"])
    parser.add_argument("--accuracy-threshold", type=non_negative_float, default=configs.ACCURACY_THRESHOLD,
                        help="whole-string exact match needed to bless and push a model")
    parser.add_argument("--max-accuracy-drop", type=non_negative_float, default=configs.MAX_ACCURACY_DROP,
                        help="tolerated drop below the latest blessed model's exact match")
    parser.add_argument("--beam-arg", action="append", dest="beam_args", metavar="ARG",
                        help="a Beam pipeline option for the components' Beam work (repeatable); replaces "
                             f"the default {' '.join(configs.BEAM_PIPELINE_ARGS)}, e.g. --beam-arg=--runner=FlinkRunner")
    parser.add_argument("--no-cache", dest="enable_cache", action="store_false",
                        help="run every component even if its inputs are unchanged")
    parser.add_argument("--verbose", action="store_true", help="show TFX's own INFO logs")
    mlflow = parser.add_argument_group("experiment tracking (MLflow)")
    mlflow.add_argument("--tracking-uri", default=os.environ.get("MLFLOW_TRACKING_URI"),
                        help="MLflow tracking server (env MLFLOW_TRACKING_URI); default: a SQLite store "
                             "under the output directory")
    mlflow.add_argument("--experiment", default=configs.MLFLOW_EXPERIMENT, help="MLflow experiment name")
    mlflow.add_argument("--registered-model", default=configs.MLFLOW_REGISTERED_MODEL,
                        help="MLflow registered model that blessed, pushed models become versions of")
    mlflow.add_argument("--no-tracking", dest="tracking", action="store_false",
                        help="run without recording anything in MLflow")
    return parser

"""The main job: build the pipeline from the embedded defaults and flags, run it, print a summary.

The runner files (`local_runner.py`, `beam_runner.py`) are thin wrappers around `main`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Callable, Optional, Sequence

from tfx import v1 as tfx
from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner

from pipeline import configs, flags, progress, records, summary, tracking
from pipeline import pipeline as pipeline_lib

RUNNERS: dict[str, Callable[[], object]] = {  # keyed by flags.RUNNER_NAMES
    "local": tfx.orchestration.LocalDagRunner,
    "beam": BeamDagRunner,
}


def metadata_config(output_dir: str):
    return tfx.orchestration.metadata.sqlite_metadata_connection_config(configs.metadata_path(output_dir))


def pipeline_from_args(args: argparse.Namespace) -> tfx.dsl.Pipeline:
    """create_pipeline() on the defaults as overridden by the flags."""
    return pipeline_lib.create_pipeline(
        pipeline_name=args.pipeline_name,
        pipeline_root=configs.pipeline_root(args.output_dir),
        num_examples=args.num_examples,
        seed=args.seed,
        splits=configs.SPLITS,
        training_config={**configs.TRAINING_CONFIG, "epochs": args.epochs},
        enable_tuning=args.tuning,
        tuning_config={**configs.TUNING_CONFIG, "max_trials": args.max_trials, "epochs": args.trial_epochs},
        accuracy_threshold=args.accuracy_threshold,
        max_accuracy_drop=args.max_accuracy_drop,
        serving_model_dir=configs.serving_model_dir(args.output_dir),
        metadata_connection_config=metadata_config(args.output_dir),
        beam_pipeline_args=args.beam_args or configs.BEAM_PIPELINE_ARGS,
        enable_cache=args.enable_cache,
    )


def tracking_settings(args: argparse.Namespace) -> Optional[tracking.TrackingSettings]:
    """MLflow settings from the flags; None when tracking is off."""
    if not args.tracking:
        return None
    if args.tracking_uri:
        return tracking.TrackingSettings(args.tracking_uri, args.experiment, args.registered_model)
    return dataclasses.replace(tracking.local_settings(args.output_dir, args.experiment),
                               registered_model=args.registered_model)


def run(args: argparse.Namespace) -> summary.RunSummary:
    """Runs the pipeline with progress lines, records it in MLflow; returns the run's summary.

    Raises tracking.TrackingUnavailableError before any work if MLflow cannot be reached.
    """
    settings = tracking_settings(args)
    if settings is not None:
        tracking.experiment_id(settings)  # fail now, not after an hour of training
    pipeline = pipeline_from_args(args)
    store = records.open_store(pipeline.metadata_connection_config)
    try:
        with progress.reporting(total=len(pipeline.components), verbose=args.verbose):
            RUNNERS[args.runner]().run(pipeline)
    except Exception as e:
        if settings is not None:
            failed_run = _latest_run_id(store, args.pipeline_name)
            tracking.report_failure(settings, args.pipeline_name, failed_run, e)
        raise
    run_records = records.latest_run(store, args.pipeline_name)
    result = summary.summarize(run_records)
    if settings is not None:
        mlflow_run = tracking.report_run(
            settings, run_records, result,
            tracking.data_config(args.num_examples, args.seed, args.epochs,
                                 max_trials=args.max_trials if args.tuning else 0, splits=configs.SPLITS),
            thresholds={"accuracy_threshold": args.accuracy_threshold,
                        "max_accuracy_drop": args.max_accuracy_drop},
            trial_epochs=args.trial_epochs if args.tuning else None,
            metadata_uri=configs.metadata_path(args.output_dir))
        result = dataclasses.replace(result, mlflow_run=f"{settings.tracking_uri} run {mlflow_run}")
    return result


def _latest_run_id(store, pipeline_name: str) -> Optional[str]:
    try:
        return records.latest_run(store, pipeline_name).run_id
    except LookupError:  # failed before recording anything
        return None


def main(argv: Optional[Sequence[str]] = None, runner: str = "local") -> int:
    parser = flags.add_pipeline_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.set_defaults(runner=runner)
    return run_and_print(parser.parse_args(argv))


def run_and_print(args: argparse.Namespace) -> int:
    """Runs, prints the summary; exit status 2 (and no work done) if MLflow is unreachable."""
    try:
        result = run(args)
    except tracking.TrackingUnavailableError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("\n".join(result.lines()), flush=True)
    return 0

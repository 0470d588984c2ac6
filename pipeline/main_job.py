"""The main job: build the pipeline from Settings, check them, run it with progress lines, record it.

The runner files (`local_runner.py`, `beam_runner.py`) are thin wrappers around `console.main`, which
parses the flags and prints the summary this module returns.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from collections.abc import Callable, Iterator

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners import runner as beam_runner
from tfx import v1 as tfx
from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner

from pipeline import configs
from pipeline import pipeline as pipeline_lib
from reporting import progress, records, summary, tracking
from reporting.tracking import TrackingUnavailableError  # noqa: F401 - what callers catch

RUNNERS: dict[str, Callable[[], object]] = {  # keyed by configs.RUNNER_NAMES
    "local": tfx.orchestration.LocalDagRunner,
    "beam": BeamDagRunner,
}


def metadata_config(settings: configs.Settings):
    return tfx.orchestration.metadata.sqlite_metadata_connection_config(settings.metadata_path)


def pipeline_from_settings(settings: configs.Settings) -> tfx.dsl.Pipeline:
    """create_pipeline() on the given settings."""
    return pipeline_lib.create_pipeline(
        pipeline_name=settings.pipeline_name,
        pipeline_root=settings.pipeline_root,
        num_examples=settings.num_examples,
        seed=settings.seed,
        splits=configs.SPLITS,
        training_config=settings.training_config,
        tuning_config=settings.tuning_config if settings.searches else None,
        hyperparameters_uri=settings.hyperparameters,
        accuracy_threshold=settings.accuracy_threshold,
        max_accuracy_drop=settings.max_accuracy_drop,
        serving_model_dir=settings.serving_model_dir,
        metadata_connection_config=metadata_config(settings),
        beam_pipeline_args=settings.beam_args,
        enable_cache=settings.cache,
    )


def tracking_settings(settings: configs.Settings) -> tracking.TrackingSettings | None:
    """Where MLflow records go; None when tracking is off."""
    if not settings.tracking:
        return None
    if settings.tracking_uri:
        return tracking.TrackingSettings(settings.tracking_uri, settings.mlflow_experiment,
                                         settings.registered_model)
    return tracking.local_settings(settings.output_dir, settings.mlflow_experiment, settings.registered_model)


def data_config(settings: configs.Settings) -> dict:
    return tracking.data_config(settings.num_examples, settings.seed, settings.epochs,
                                max_trials=settings.max_trials if settings.searches else 0, splits=configs.SPLITS)


def thresholds(settings: configs.Settings) -> dict[str, float]:
    return {"accuracy_threshold": settings.accuracy_threshold, "max_accuracy_drop": settings.max_accuracy_drop}


def check_beam_args(beam_args) -> None:
    """Raises SettingsError unless the Beam options name a runner Beam can create."""
    runner = PipelineOptions(list(beam_args)).view_as(StandardOptions).runner or "DirectRunner"
    try:
        beam_runner.create_runner(runner)
    except (ValueError, ImportError) as e:
        raise configs.SettingsError(f"beam-arg: Beam has no runner {runner!r} ({str(e).splitlines()[0]})") from None


@contextlib.contextmanager
def own_temp_dir() -> Iterator[str]:
    """Python's temporary files go to a directory of the run's own, removed when the run ends.

    TFX leaves a 52 MB copy of itself in a new temporary directory for every Beam component it runs
    (dependency_utils.build_ephemeral_package, an sdist for remote Beam workers, built whenever the Beam options
    name no dependencies of their own) and deletes none of them.
    """
    previous = tempfile.tempdir
    with tempfile.TemporaryDirectory(prefix="datenmt-run-") as path:
        tempfile.tempdir = path
        try:
            yield path
        finally:
            tempfile.tempdir = previous


def run(settings: configs.Settings) -> summary.RunSummary:
    """Runs the pipeline with progress lines, records it in MLflow; returns the run's summary.

    Raises SettingsError (bad Beam options) or TrackingUnavailableError before any work.
    """
    check_beam_args(settings.beam_args)
    mlflow_settings = tracking_settings(settings)
    if mlflow_settings is not None:
        tracking.experiment_id(mlflow_settings)  # fail now, not after an hour of training
    pipeline = pipeline_from_settings(settings)
    store = records.open_store(pipeline.metadata_connection_config)
    try:
        with own_temp_dir(), progress.reporting(total=len(pipeline.components)):
            RUNNERS[settings.runner]().run(pipeline)
    except Exception as e:
        if mlflow_settings is not None:
            tracking.report_failure(mlflow_settings, settings.pipeline_name,
                                    _latest_run_id(store, settings.pipeline_name), e)
        raise
    run_records = records.latest_run(store, settings.pipeline_name)
    result = summary.summarize(run_records)
    if mlflow_settings is not None:
        mlflow_run = tracking.report_run(
            mlflow_settings, run_records, result, data_config(settings), thresholds(settings),
            trial_epochs=settings.trial_epochs if settings.searches else None, metadata_uri=settings.metadata_path)
        result = dataclasses.replace(result, mlflow_run=f"{mlflow_settings.tracking_uri} run {mlflow_run}")
    return result


def _latest_run_id(store, pipeline_name: str) -> str | None:
    try:
        return records.latest_run(store, pipeline_name).run_id
    except LookupError:  # failed before recording anything
        return None


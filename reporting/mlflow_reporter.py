"""MlflowReporter: records a run in MLflow from inside the pipeline, for orchestrators such as Kubeflow.

Local runs are reported by the main job after the pipeline (pipeline/main_job.py); on Kubeflow no process
outlives the pipeline, so this last step reports with the same code (reporting/tracking.py).
"""

from __future__ import annotations

from typing import Any

from tfx import types
from tfx.dsl.components.base import base_component, base_executor, executor_spec
from tfx.orchestration import data_types
from tfx.types import component_spec, standard_artifacts

from reporting import records, summary, tracking

_INPUTS = {
    "model": standard_artifacts.Model,
    "model_run": standard_artifacts.ModelRun,
    "transform_graph": standard_artifacts.TransformGraph,
    "evaluation": standard_artifacts.ModelEvaluation,
    "blessing": standard_artifacts.ModelBlessing,
}
_PARAMETERS = {
    "tracking_uri": str, "experiment": str, "registered_model": str, "pipeline_name": str,
    "num_examples": int, "seed": int, "epochs": int, "max_trials": int, "trial_epochs": int,
    "accuracy_threshold": float, "max_accuracy_drop": float,
}


class MlflowReporterSpec(types.ComponentSpec):
    PARAMETERS = {name: component_spec.ExecutionParameter(type=kind) for name, kind in _PARAMETERS.items()}
    INPUTS = {
        **{k: component_spec.ChannelParameter(type=t) for k, t in _INPUTS.items()},
        "tuner_results": component_spec.ChannelParameter(type=standard_artifacts.TunerResults, optional=True),
    }
    OUTPUTS = {}


class Executor(base_executor.BaseExecutor):
    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        p = {name: kind(exec_properties[name]) for name, kind in _PARAMETERS.items()}
        settings = tracking.TrackingSettings(p["tracking_uri"], p["experiment"], p["registered_model"])
        run_id = (self._context.pipeline_run_id if self._context else None) or "unknown"
        view = records.InputArtifacts(p["pipeline_name"], run_id,
                                      [a for artifacts in input_dict.values() for a in artifacts])
        tuned = bool(input_dict.get("tuner_results"))
        data_config = tracking.data_config(p["num_examples"], p["seed"], p["epochs"],
                                           max_trials=p["max_trials"] if tuned else 0)
        tracking.experiment_id(settings)  # a clear error if the server is unreachable
        tracking.report_run(settings, view, summary.summarize(view), data_config,
                            thresholds={k: p[k] for k in ("accuracy_threshold", "max_accuracy_drop")},
                            trial_epochs=p["trial_epochs"] if tuned else None, metadata_uri="")


class MlflowReporter(base_component.BaseComponent):
    """Reports the Tuner's trials, the Trainer's run and the Evaluator's results to MLflow."""

    SPEC_CLASS = MlflowReporterSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(self, *, tuner_results: types.BaseChannel | None = None,
                 **values: types.BaseChannel | str | int | float | data_types.RuntimeParameter):
        super().__init__(spec=MlflowReporterSpec(tuner_results=tuner_results, **values))

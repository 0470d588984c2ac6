"""MlflowReporter: records a run in MLflow from inside the pipeline, for orchestrators such as Kubeflow.

Local runs are reported by the main job after the pipeline (pipeline/main_job.py); on Kubeflow no process
outlives the pipeline, so this last step reports with the same code (reporting/tracking.py). The parent run
is tagged with the pipeline run's id (`tfx.pipeline_run_id`): the `pipeline_run_id` execution parameter,
which the Kubeflow package sets to `{{$.pipeline_job_uuid}}` (KFP's driver replaces it by the run's id; TFX's
Kubeflow entry point gives executors no run id of their own), else the executor context's. The
MlflowRegistrar (reporting/mlflow_registrar.py) finds the parent run by that tag.
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


PIPELINE_RUN_ID_KEY = "pipeline_run_id"


def pipeline_run_parameter() -> dict[str, component_spec.ExecutionParameter]:
    """The optional `pipeline_run_id` execution parameter (unset or empty: the executor context's run id)."""
    return {PIPELINE_RUN_ID_KEY: component_spec.ExecutionParameter(type=str, optional=True)}


def pipeline_run_id(exec_properties: dict[str, Any], context: base_executor.BaseExecutor.Context | None) -> str:
    """The id of the pipeline run an executor runs in: the `pipeline_run_id` parameter, else its context's."""
    return (exec_properties.get(PIPELINE_RUN_ID_KEY) or (context.pipeline_run_id if context else None)
            or "unknown")


def plain_custom_properties(artifact: types.Artifact) -> types.Artifact:
    """`artifact` (changed in place) with its JSON-valued custom properties holding a number or a string
    turned into the int, float or string properties ML Metadata holds for a local run.

    On Kubeflow an input artifact's properties reach the executor as the RuntimeArtifact's `metadata`
    (a protobuf Struct: every number a double), which TFX's entry point stores as struct-valued custom
    properties (kubeflow_v2_entrypoint_utils._parse_raw_artifact): the Evaluator's `blessed` is then the
    JSON value 1.0, not the int 1 the reporting (records.custom_value) reads.
    """
    for key in list(artifact.mlmd_artifact.custom_properties):
        value = artifact.get_json_value_custom_property(key)
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            continue
        if isinstance(value, float) and value.is_integer():
            artifact.set_int_custom_property(key, int(value))
        elif isinstance(value, float):
            artifact.set_float_custom_property(key, value)
        elif isinstance(value, str):
            artifact.set_string_custom_property(key, value)
    return artifact


class MlflowReporterSpec(types.ComponentSpec):
    PARAMETERS = {**{name: component_spec.ExecutionParameter(type=kind) for name, kind in _PARAMETERS.items()},
                  **pipeline_run_parameter()}
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
        run_id = pipeline_run_id(exec_properties, self._context)
        artifacts = [plain_custom_properties(a) for values in input_dict.values() for a in values]
        view = records.InputArtifacts(p["pipeline_name"], run_id, artifacts)
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

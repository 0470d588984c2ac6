"""MlflowReporter: records a run in MLflow from inside the pipeline, for orchestrators such as Kubeflow.

Local runs are reported by the main job after the pipeline (pipeline/main_job.py); on Kubeflow no process
outlives the pipeline, so this last step reports with the same code (pipeline/tracking.py).
"""

from __future__ import annotations

import json
from typing import Any, Optional, Union

from tfx import types
from tfx.dsl.components.base import base_component, base_executor, executor_spec
from tfx.orchestration import data_types
from tfx.types import component_spec, standard_artifacts

from pipeline import evaluation, records, summary, tracking

_INPUTS = {
    "model": standard_artifacts.Model,
    "model_run": standard_artifacts.ModelRun,
    "transform_graph": standard_artifacts.TransformGraph,
    "evaluation": standard_artifacts.ModelEvaluation,
    "blessing": standard_artifacts.ModelBlessing,
}


class MlflowReporterSpec(types.ComponentSpec):
    PARAMETERS = {
        "tracking_uri": component_spec.ExecutionParameter(type=str),
        "experiment": component_spec.ExecutionParameter(type=str),
        "registered_model": component_spec.ExecutionParameter(type=str),
        "pipeline_name": component_spec.ExecutionParameter(type=str),
        "num_examples": component_spec.ExecutionParameter(type=int),
        "seed": component_spec.ExecutionParameter(type=int),
        "training_config": component_spec.ExecutionParameter(type=str),
        "tuning_config": component_spec.ExecutionParameter(type=str),
        "eval_config": component_spec.ExecutionParameter(type=str),
    }
    INPUTS = {
        **{k: component_spec.ChannelParameter(type=t) for k, t in _INPUTS.items()},
        "tuner_results": component_spec.ChannelParameter(type=standard_artifacts.TunerResults, optional=True),
    }
    OUTPUTS = {}


class Executor(base_executor.BaseExecutor):
    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        settings = tracking.TrackingSettings(exec_properties["tracking_uri"], exec_properties["experiment"],
                                             exec_properties["registered_model"])
        run_id = (self._context.pipeline_run_id if self._context else None) or "unknown"
        view = records.InputArtifacts(exec_properties["pipeline_name"], run_id,
                                      [a for artifacts in input_dict.values() for a in artifacts])
        tuning = json.loads(exec_properties["tuning_config"] or "{}")
        training = json.loads(exec_properties["training_config"] or "{}")
        data_config = tracking.data_config(
            exec_properties["num_examples"], exec_properties["seed"], training.get("epochs"),
            max_trials=tuning.get("max_trials", 0) if input_dict.get("tuner_results") else 0)
        tracking.experiment_id(settings)  # a clear error if the server is unreachable
        tracking.report_run(settings, view, summary.summarize(view), data_config,
                            thresholds=evaluation.thresholds_of(exec_properties["eval_config"]),
                            trial_epochs=tuning.get("epochs"), metadata_uri="")


class MlflowReporter(base_component.BaseComponent):
    """Reports the Tuner's trials, the Trainer's run and the Evaluator's results to MLflow."""

    SPEC_CLASS = MlflowReporterSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(self, *, tracking_uri: Union[str, data_types.RuntimeParameter],
                 experiment: Union[str, data_types.RuntimeParameter], registered_model: str, pipeline_name: str,
                 num_examples, seed, training_config, tuning_config, eval_config,
                 tuner_results: Optional[types.BaseChannel] = None, **channels: types.BaseChannel):
        super().__init__(spec=MlflowReporterSpec(
            tracking_uri=tracking_uri, experiment=experiment, registered_model=registered_model,
            pipeline_name=pipeline_name, num_examples=num_examples, seed=seed, training_config=training_config,
            tuning_config=tuning_config, eval_config=eval_config, tuner_results=tuner_results, **channels))

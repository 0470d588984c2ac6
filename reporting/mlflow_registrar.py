"""MlflowRegistrar: registers the pushed model in MLflow from inside the pipeline, for orchestrators such as Kubeflow.

Local runs register a pushed model when the main job reports the run (pipeline/main_job.py ->
tracking.report_run). On Kubeflow no process outlives the pipeline, so this step, placed after the Pusher
and consuming its `pushed_model`, does it with the same function (`tracking.register_pushed_model`): the
model is logged as an MLflow Model (pyfunc, `models/mlflow_model.py`) under the run's parent run (found by
its `tfx.pipeline_run_id` tag, which the MlflowReporter step before it set), a new version of the registered
model is created from it, tagged with the `pushed_destination`, and the parent run is tagged with the
destination and the version. A push reused from cache finds the version registered before.

The step consumes the Pusher's output and sits outside the Pusher's condition, so on Kubeflow it runs
only when the Pusher ran (Argo omits the tasks after a skipped one): a model that was not blessed is not
registered, as locally.
"""

from __future__ import annotations

from typing import Any

from mlflow.tracking import MlflowClient
from tfx import types
from tfx.dsl.components.base import base_component, base_executor, executor_spec
from tfx.orchestration import data_types
from tfx.types import component_spec, standard_artifacts

from reporting import mlflow_reporter, tracking

PUSHED_MODEL_KEY = "pushed_model"
_PARAMETERS = {"tracking_uri": str, "experiment": str, "registered_model": str}


class MlflowRegistrarSpec(types.ComponentSpec):
    PARAMETERS = {**{name: component_spec.ExecutionParameter(type=kind) for name, kind in _PARAMETERS.items()},
                  **mlflow_reporter.pipeline_run_parameter()}
    INPUTS = {PUSHED_MODEL_KEY: component_spec.ChannelParameter(type=standard_artifacts.PushedModel)}
    OUTPUTS = {}


class Executor(base_executor.BaseExecutor):
    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        (pushed,) = input_dict[PUSHED_MODEL_KEY]
        if pushed.get_int_custom_property("pushed") != 1:
            return  # the Pusher ran but did not push (its own blessing check): nothing to register
        destination = pushed.get_string_custom_property("pushed_destination")
        settings = tracking.TrackingSettings(*(str(exec_properties[name]) for name in _PARAMETERS))
        run_id = mlflow_reporter.pipeline_run_id(exec_properties, self._context)
        client = MlflowClient(settings.tracking_uri)
        parent = tracking.find_parent_run(client, settings, run_id)
        # The pushed files come from this step's own copy of the Pusher's output (the launcher downloads
        # it; the Pusher copies the model there as well as to the destination), so a gs:// destination
        # needs no credentials here and a local tracking store gets real files.
        tracking.register_pushed_model(client, parent, settings, destination, model_dir=pushed.uri)


class MlflowRegistrar(base_component.BaseComponent):
    """Registers the Pusher's model as a new version of the MLflow registered model, under the run's parent run."""

    SPEC_CLASS = MlflowRegistrarSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(self, *, pushed_model: types.BaseChannel,
                 **values: str | data_types.RuntimeParameter):
        super().__init__(spec=MlflowRegistrarSpec(pushed_model=pushed_model, **values))

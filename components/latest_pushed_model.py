"""LatestPushedModel: the model currently serving, as the Evaluator's baseline, on every runner.

The Evaluator's change threshold compares a candidate with a baseline. The baseline is the model
currently serving: the newest numbered version the Pusher wrote under the serving directory
(`models.saved_model.latest_model_dir`, the same lookup `datenmt translate` and the benchmark
use). Every pushed version was blessed when it was pushed, so this is the latest blessed model
as well, found by looking where the Pusher writes instead of querying ML Metadata.

Why a component and not TFX's `Resolver(LatestBlessedModelStrategy)`: a Resolver compiles, for
Kubeflow, to a `resolver` executor (an ML Metadata query) that only Vertex Pipelines executes;
open-source Kubeflow Pipelines accepts only container and importer executors and refuses any
run of such a package (docs/kubeflow.md). This step is an ordinary container, so the
baseline is found the same way locally and on Kubeflow.

Its output is a `Model` artifact laid out as a Trainer's (`<uri>/Format-Serving/`, where TFX's
`path_utils.serving_model_path` looks) holding a copy of the serving version, with custom
properties `found` (1, or 0 when nothing has been pushed yet: the first run), `pushed_version`
(the version's directory name) and `source_uri` (the version's path). The GatedEvaluator drops a
baseline with `found == 0`, which is TFX's own no-baseline path: the change threshold is then
ignored, as on a first run.

It takes the candidate `model` as an input so that it runs exactly when a new candidate is
trained and is served from cache otherwise (a re-run with the same candidate reuses the
evaluation it had).
"""

from __future__ import annotations

import os
from typing import Any

from tfx import types
from tfx.dsl.components.base import base_component, base_executor, executor_spec
from tfx.types import component_spec, standard_artifacts
from tfx.utils import io_utils, path_utils

from models import saved_model

SERVING_MODEL_DIR_KEY = "serving_model_dir"
MODEL_KEY = "model"
BASELINE_KEY = "baseline_model"
FOUND_PROPERTY = "found"
PUSHED_VERSION_PROPERTY = "pushed_version"
SOURCE_URI_PROPERTY = "source_uri"


class LatestPushedModelSpec(types.ComponentSpec):
    PARAMETERS = {SERVING_MODEL_DIR_KEY: component_spec.ExecutionParameter(type=str)}
    INPUTS = {MODEL_KEY: component_spec.ChannelParameter(type=standard_artifacts.Model)}
    OUTPUTS = {BASELINE_KEY: component_spec.ChannelParameter(type=standard_artifacts.Model)}


def is_found(baseline: types.Artifact) -> bool:
    """False for a LatestPushedModel output that found nothing pushed; True for any other model."""
    return not baseline.has_custom_property(FOUND_PROPERTY) or baseline.get_int_custom_property(FOUND_PROPERTY) != 0


class Executor(base_executor.BaseExecutor):
    """Copies the newest pushed version under `serving_model_dir` into the output's Format-Serving/."""

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        (baseline,) = output_dict[BASELINE_KEY]
        serving_model_dir = exec_properties[SERVING_MODEL_DIR_KEY]
        try:
            source = saved_model.latest_model_dir(serving_model_dir)
        except saved_model.NoPushedModelError:
            baseline.set_int_custom_property(FOUND_PROPERTY, 0)
            baseline.set_string_custom_property(PUSHED_VERSION_PROPERTY, "")
            baseline.set_string_custom_property(SOURCE_URI_PROPERTY, "")
            return
        io_utils.copy_dir(source, path_utils.serving_model_dir(baseline.uri))
        baseline.set_int_custom_property(FOUND_PROPERTY, 1)
        baseline.set_string_custom_property(PUSHED_VERSION_PROPERTY, os.path.basename(source.rstrip("/")))
        baseline.set_string_custom_property(SOURCE_URI_PROPERTY, source)


class LatestPushedModel(base_component.BaseComponent):
    """The model serving under `serving_model_dir` (found = 0 when none is), for the Evaluator's baseline.

    Re-runs whenever `model` (the candidate) changes; otherwise it is served from cache.
    """

    SPEC_CLASS = LatestPushedModelSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(self, *, model: types.BaseChannel, serving_model_dir: str):
        super().__init__(spec=LatestPushedModelSpec(
            model=model, serving_model_dir=serving_model_dir,
            baseline_model=types.Channel(type=standard_artifacts.Model)))

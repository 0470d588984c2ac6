"""GatedEvaluator: TFX's Evaluator whose blessing thresholds are scalar parameters.

Every metric threshold in the given EvalConfig, overall or per slice (pipeline/evaluation.py gates the overall
slice and every language slice), is replaced, when the executor runs, by a value threshold
(`accuracy_threshold`) and a change threshold against the baseline model (`max_accuracy_drop`), so a
scheduler sets the two numbers per run (Kubeflow pipeline parameters) instead of a whole EvalConfig: each
gated slice then needs both, on its own figures.

The baseline is the LatestPushedModel step's output (components/latest_pushed_model.py). When it found
nothing pushed (`found == 0`, the first run), the executor drops it from its inputs: TFX's own no-baseline
path, where the change threshold is ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tensorflow_model_analysis as tfma
from google.protobuf import json_format
from tfx import types
from tfx.components.evaluator import executor as evaluator_executor
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.orchestration import data_types
from tfx.types import standard_artifacts, standard_component_specs
from tfx.utils import json_utils

from components import latest_pushed_model
from components.scalar_config import scalar_parameters

THRESHOLD_PARAMETERS = {"accuracy_threshold": float, "max_accuracy_drop": float}
FloatParameter = float | data_types.RuntimeParameter


def metric_threshold(accuracy_threshold: float, max_accuracy_drop: float) -> tfma.MetricThreshold:
    """At least `accuracy_threshold`, and at most `max_accuracy_drop` below the baseline (if there is one)."""
    if not 0 <= max_accuracy_drop <= 1 or not 0 <= accuracy_threshold <= 1:
        raise ValueError(f"thresholds must be in [0, 1], got {accuracy_threshold} and {max_accuracy_drop}")
    return tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": accuracy_threshold}),
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER,
            absolute={"value": -max_accuracy_drop - 1e-10}))


def with_thresholds(eval_config: tfma.EvalConfig, accuracy_threshold: float,
                    max_accuracy_drop: float) -> tfma.EvalConfig:
    """A copy of `eval_config` with every metric threshold (overall or per slice, whatever the slicing spec) set
    to the two values."""
    result = tfma.EvalConfig()
    result.CopyFrom(eval_config)
    threshold = metric_threshold(accuracy_threshold, max_accuracy_drop)
    for metrics_spec in result.metrics_specs:
        for metric in metrics_spec.metrics:
            if metric.HasField("threshold"):
                metric.threshold.CopyFrom(threshold)
            for per_slice in metric.per_slice_thresholds:
                per_slice.threshold.CopyFrom(threshold)
    return result


def thresholds_of(eval_config: tfma.EvalConfig) -> dict[str, float]:
    """accuracy_threshold and max_accuracy_drop of the first gated metric of `eval_config` (its first threshold:
    create_eval_config and with_thresholds give every gated slice the same two)."""
    for metrics_spec in eval_config.metrics_specs:
        for metric in metrics_spec.metrics:
            thresholds = [metric.threshold] if metric.HasField("threshold") else []
            thresholds += [t.threshold for t in metric.per_slice_thresholds]
            if thresholds:
                return {"accuracy_threshold": thresholds[0].value_threshold.lower_bound.value,
                        "max_accuracy_drop": round(-thresholds[0].change_threshold.absolute.value, 9)}
    return {}


class GatedEvaluatorSpec(standard_component_specs.EvaluatorSpec):
    PARAMETERS = {**standard_component_specs.EvaluatorSpec.PARAMETERS, **scalar_parameters(THRESHOLD_PARAMETERS)}


class Executor(evaluator_executor.Executor):
    """The stock executor on the EvalConfig with the run's thresholds, without a baseline that was not found."""

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        baseline_key = standard_component_specs.BASELINE_MODEL_KEY
        if baseline_key in input_dict and not all(latest_pushed_model.is_found(a) for a in input_dict[baseline_key]):
            input_dict = {k: v for k, v in input_dict.items() if k != baseline_key}
        eval_config = json_format.Parse(exec_properties[standard_component_specs.EVAL_CONFIG_KEY], tfma.EvalConfig())
        gated = with_thresholds(eval_config, float(exec_properties["accuracy_threshold"]),
                                float(exec_properties["max_accuracy_drop"]))
        super().Do(input_dict, output_dict, {
            **exec_properties, standard_component_specs.EVAL_CONFIG_KEY: json_format.MessageToJson(gated)})


class GatedEvaluator(base_beam_component.BaseBeamComponent):
    """Evaluates `model` on `example_splits` of `examples`; blesses it when it passes both thresholds."""

    SPEC_CLASS = GatedEvaluatorSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(Executor)

    def __init__(self, *, examples: types.BaseChannel, model: types.BaseChannel, schema: types.BaseChannel,
                 eval_config: tfma.EvalConfig, example_splits: Sequence[str], accuracy_threshold: FloatParameter,
                 max_accuracy_drop: FloatParameter, baseline_model: types.BaseChannel | None = None):
        super().__init__(spec=GatedEvaluatorSpec(
            examples=examples, model=model, baseline_model=baseline_model, schema=schema,
            eval_config=eval_config, example_splits=json_utils.dumps(list(example_splits)),
            accuracy_threshold=accuracy_threshold, max_accuracy_drop=max_accuracy_drop,
            evaluation=types.Channel(type=standard_artifacts.ModelEvaluation),
            blessing=types.Channel(type=standard_artifacts.ModelBlessing)))

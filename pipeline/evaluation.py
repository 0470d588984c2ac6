"""The Evaluator's configuration: whole-string exact match, its thresholds, slices by format."""

from __future__ import annotations

from typing import Union

import tensorflow_model_analysis as tfma
from google.protobuf import json_format
from tensorflow_model_analysis.proto import config_pb2

from models import features

# What the Evaluator scores: the `evaluate` signature decodes a whole ISO string
# per example, which TFMA's ExactMatch compares with the raw `iso` label.
EVAL_SIGNATURE = "evaluate"
EXACT_MATCH = "exact_match"
SLICE_FEATURE = "format"
DEFAULT_ACCURACY_THRESHOLD = 0.999
DEFAULT_MAX_ACCURACY_DROP = 0.001


def create_eval_config(accuracy_threshold: float, max_accuracy_drop: float) -> tfma.EvalConfig:
    """Whole-string exact match, overall and per format; blessing needs both thresholds.

    accuracy_threshold: the lowest exact match a model may have.
    max_accuracy_drop: how far below the latest blessed model it may fall (ignored on the first run).
    """
    if max_accuracy_drop < 0:
        raise ValueError(f"max_accuracy_drop must be >= 0, got {max_accuracy_drop}")
    threshold = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": accuracy_threshold}),
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER,
            absolute={"value": -max_accuracy_drop - 1e-10}))
    return tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(signature_name=EVAL_SIGNATURE, label_key=features.ISO_KEY,
                                    prediction_key=features.ISO_KEY)],
        slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=[SLICE_FEATURE])],
        metrics_specs=[tfma.MetricsSpec(
            metrics=[
                tfma.MetricConfig(class_name="ExampleCount"),
                # Gates the overall slice only: per-format slices hold too few examples for
                # a 0.999 target to mean anything; they are reported, not gated.
                tfma.MetricConfig(class_name="ExactMatch", per_slice_thresholds=[
                    config_pb2.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=threshold)]),
            ])])


def thresholds_of(eval_config: Union[tfma.EvalConfig, str]) -> dict[str, float]:
    """accuracy_threshold and max_accuracy_drop of an EvalConfig made by create_eval_config (or its JSON)."""
    if isinstance(eval_config, str):
        eval_config = json_format.Parse(eval_config, tfma.EvalConfig())
    for metrics_spec in eval_config.metrics_specs:
        for metric in metrics_spec.metrics:
            if metric.class_name == "ExactMatch" and metric.per_slice_thresholds:
                threshold = metric.per_slice_thresholds[0].threshold
                return {"accuracy_threshold": threshold.value_threshold.lower_bound.value,
                        "max_accuracy_drop": round(-threshold.change_threshold.absolute.value, 9)}
    return {}

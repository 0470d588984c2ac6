"""The Evaluator's configuration: whole-string exact match, gated overall, reported by format."""

from __future__ import annotations

import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.proto import config_pb2

from components.gated_evaluator import metric_threshold
from models import features

# What the Evaluator scores: the `evaluate` signature decodes a whole ISO string
# per example, which TFMA's ExactMatch compares with the raw `iso` label.
EVAL_SIGNATURE = "evaluate"
SLICE_FEATURE = features.FORMAT_KEY


def create_eval_config(accuracy_threshold: float, max_accuracy_drop: float) -> tfma.EvalConfig:
    """Whole-string exact match, overall and per format; blessing needs both thresholds.

    accuracy_threshold: the lowest exact match a model may have.
    max_accuracy_drop: how far below the baseline (serving) model it may fall (ignored without one).
    """
    threshold = metric_threshold(accuracy_threshold, max_accuracy_drop)
    return tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(signature_name=EVAL_SIGNATURE, label_key=features.ISO_KEY,
                                    prediction_key=features.ISO_KEY)],
        slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=[SLICE_FEATURE])],
        metrics_specs=[tfma.MetricsSpec(
            metrics=[
                tfma.MetricConfig(class_name="ExampleCount"),
                # Gates the overall slice only: per-format slices hold too few examples for
                # a 0.999 target to mean anything; they are reported, not gated.
                # TFMA's ExactMatch is named EXACT_MATCH in the results, as the training metric is.
                tfma.MetricConfig(class_name="ExactMatch", per_slice_thresholds=[
                    config_pb2.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()], threshold=threshold)]),
            ])])

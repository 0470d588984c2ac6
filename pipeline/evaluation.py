"""The Evaluator's configuration: whole-string exact match, gated overall and in every language, reported by
language, by format (the family) and by both."""

from __future__ import annotations

import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.proto import config_pb2

from components.gated_evaluator import metric_threshold
from models import features

# What the Evaluator scores: the `evaluate` signature decodes a whole ISO string
# per example, which TFMA's ExactMatch compares with the raw `iso` label.
EVAL_SIGNATURE = "evaluate"
# The raw features the test split is sliced by (the Evaluator reads them from the ExampleGen's tf.Examples).
LANGUAGE_SLICE = tfma.SlicingSpec(feature_keys=[features.LANGUAGE_KEY])
FORMAT_SLICE = tfma.SlicingSpec(feature_keys=[features.FORMAT_KEY])
LANGUAGE_FORMAT_SLICE = tfma.SlicingSpec(feature_keys=[features.LANGUAGE_KEY, features.FORMAT_KEY])
SLICING_SPECS = (tfma.SlicingSpec(), LANGUAGE_SLICE, FORMAT_SLICE, LANGUAGE_FORMAT_SLICE)
# The slices blessing is gated on: overall, and each language on its own. TFMA checks a per-slice threshold on
# every slice its spec applies to (slicer.SingleSliceSpec.is_slice_applicable: a slice keyed by exactly these
# features, whatever their values), so the language spec gates every language slice present in the data, and not
# the language x format ones; a spec that matches no slice at all fails validation (its `missing_slices`).
GATED_SLICES = (tfma.SlicingSpec(), LANGUAGE_SLICE)


def create_eval_config(accuracy_threshold: float, max_accuracy_drop: float) -> tfma.EvalConfig:
    """Whole-string exact match, overall, per language, per format and per language x format; blessing needs
    both thresholds overall and in every language.

    accuracy_threshold: the lowest exact match a model may have, overall and in each language.
    max_accuracy_drop: how far below the baseline (serving) model it may fall, overall and in each language
        (ignored without a baseline).
    """
    threshold = metric_threshold(accuracy_threshold, max_accuracy_drop)
    return tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(signature_name=EVAL_SIGNATURE, label_key=features.ISO_KEY,
                                    prediction_key=features.ISO_KEY)],
        slicing_specs=list(SLICING_SPECS),
        metrics_specs=[tfma.MetricsSpec(
            metrics=[
                tfma.MetricConfig(class_name="ExampleCount"),
                # Gates the overall slice and each language slice. Per-format slices (and the language x format
                # ones) hold too few examples for the accuracy threshold to mean much; they are reported, not gated.
                # TFMA's ExactMatch is named EXACT_MATCH in the results, as the training metric is.
                tfma.MetricConfig(class_name="ExactMatch", per_slice_thresholds=[
                    config_pb2.PerSliceMetricThreshold(slicing_specs=[spec], threshold=threshold)
                    for spec in GATED_SLICES]),
            ])])

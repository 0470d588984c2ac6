"""Confidence calibration: the threshold found on eval answers, the exponent, and what the export serves."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from models import calibration, export, training
from models import model as model_lib


def test_the_error_bound_is_clopper_pearsons():
    # No wrong answer in n: the bound solves (1 - p) ** n = 1 - level.
    assert calibration.error_upper_bound(0, 3000, 0.95) == pytest.approx(1 - 0.05 ** (1 / 3000))
    bounds = calibration.error_upper_bound(np.array([0, 1, 2, 5]), np.array([5000, 5000, 5000, 5]))
    assert list(np.diff(bounds[:3]) > 0) == [True, True] and bounds[3] == 1.0
    assert bounds[2] > 2 / 5000  # above the share itself


def test_the_threshold_is_the_lowest_confidence_above_which_answers_are_right_often_enough_with_confidence():
    # 6,000 right answers at 0.99 and above, then 3,000 right ones at 0.98 to 0.99 with 3 wrong among them,
    # then many wrong ones below 0.9.
    rng = np.random.default_rng(0)
    confidence = np.concatenate([rng.uniform(0.99, 1.0, 6000), rng.uniform(0.98, 0.99, 3000), [0.985, 0.984, 0.983],
                                 rng.uniform(0.5, 0.9, 200)])
    right = np.concatenate([np.ones(9000, bool), [False] * 3, np.zeros(200, bool)])
    # 3 wrong in 9,003: at 95 % the share of wrong answers is at most 0.00086 < 0.001; a fourth would take it
    # to 0.00102.
    assert calibration.raw_threshold(confidence, right, 0.999) == pytest.approx(confidence[6000:9003].min())
    # At 0.9995 one wrong answer is too many (0.00050 with none in the 6,000 above 0.99, 0.00052 with one in
    # 9,000): the threshold rises above the highest wrong one.
    assert 0.985 < calibration.raw_threshold(confidence, right, 0.9995) < 0.99
    # 500 answers, all right, cannot promise 99.9 %: at 95 % the share of wrong ones may still be 0.6 %.
    assert calibration.raw_threshold(confidence[:500], right[:500], 0.999) == calibration.HIGHEST_THRESHOLD
    # None right: nothing is confident.
    assert calibration.raw_threshold(confidence, np.zeros_like(right), 0.999) == calibration.HIGHEST_THRESHOLD


def test_the_exponent_maps_the_threshold_to_confident_and_never_raises_a_confidence():
    k = calibration.exponent(0.98)
    assert 0.98 ** k == pytest.approx(calibration.CONFIDENT) and k > 1
    assert calibration.exponent(0.9) == 1.0 and calibration.exponent(0.5) == 1.0


def test_calibrate_reads_only_date_answers():
    # 5,000 right date answers at 0.99 to 1, two wrong ones at 0.97, and 3,000 wrong non-answers at 0.999 that
    # must not count.
    rng = np.random.default_rng(1)
    confidence = np.concatenate([rng.uniform(0.99, 1.0, 5000), [0.97, 0.97], np.full(3000, 0.999)])
    is_date = np.concatenate([np.ones(5002, bool), np.zeros(3000, bool)])
    right = np.concatenate([np.ones(5000, bool), np.zeros(3002, bool)])
    c = calibration.calibrate(confidence, is_date, right)
    # A threshold at 0.97 would take both wrong ones (2 in 5,002: the bound is 0.00126), not just the first.
    assert c.raw_threshold == pytest.approx(confidence[:5000].min())
    assert (c.eval_answers, c.eval_confident, c.eval_confident_wrong) == (5002, 5000, 0)
    assert c.exponent == pytest.approx(math.log(0.9) / math.log(c.raw_threshold))


def test_the_export_serves_the_raw_confidence_to_the_power_of_the_exponent(transformed_data, tmp_path):
    _, graph, tft_output = transformed_data
    model, attention_model = model_lib.build_models(training.model_config(tft_output, 16, 16))
    served = {}
    for k in (1.0, 3.0):
        export.export_serving_model(model, attention_model, tft_output, str(tmp_path / str(k)), k)
        signature = tf.saved_model.load(str(tmp_path / str(k))).signatures["serving_default"]
        texts = tf.constant(["3 may 1979", "25.06.09", "hello"])
        served[k] = signature(human=texts, day_first=tf.zeros([3], tf.bool))
    np.testing.assert_array_equal(served[1.0]["iso"], served[3.0]["iso"])  # the same answers
    np.testing.assert_allclose(served[3.0]["confidence"], served[1.0]["confidence"] ** 3, rtol=1e-5)

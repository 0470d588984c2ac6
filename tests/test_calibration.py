"""Confidence calibration: the threshold found on eval answers, the exponent, and what the export serves."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from models import calibration, export, training
from models import model as model_lib


def test_the_threshold_is_the_lowest_confidence_above_which_answers_are_right_often_enough():
    # 4,000 right answers at 0.99 and above, then 2 wrong ones at 0.95 among 1,000 right ones at 0.95 to 0.96,
    # then many wrong ones below 0.9.
    rng = np.random.default_rng(0)
    confidence = np.concatenate([rng.uniform(0.99, 1.0, 4000), rng.uniform(0.95, 0.96, 1000), [0.955, 0.951],
                                 rng.uniform(0.5, 0.9, 200)])
    right = np.concatenate([np.ones(5000, bool), [False, False], np.zeros(200, bool)])
    # 2 wrong in 5,002 is right 0.9996 of the time: everything from 0.95 up passes 0.9995.
    assert calibration.raw_threshold(confidence, right, 0.9995) == pytest.approx(confidence[4000:5002].min())
    # At 0.9999 even one wrong answer is too many: the threshold rises above the higher one (0.955).
    assert 0.955 < calibration.raw_threshold(confidence, right, 0.9999) < 0.96
    # None right: nothing is confident.
    assert calibration.raw_threshold(confidence, np.zeros_like(right), 0.9995) == calibration.HIGHEST_THRESHOLD


def test_the_exponent_maps_the_threshold_to_confident_and_never_raises_a_confidence():
    k = calibration.exponent(0.98)
    assert 0.98 ** k == pytest.approx(calibration.CONFIDENT) and k > 1
    assert calibration.exponent(0.9) == 1.0 and calibration.exponent(0.5) == 1.0


def test_calibrate_reads_only_date_answers():
    confidence = np.array([0.99, 0.97, 0.999, 0.8])
    is_date = np.array([True, True, False, True])
    right = np.array([True, False, False, True])  # the wrong non-answer does not count
    c = calibration.calibrate(confidence, is_date, right)
    assert c.raw_threshold == 0.99 and c.eval_answers == 3 and c.eval_confident == 1
    assert c.exponent == pytest.approx(math.log(0.9) / math.log(0.99))


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

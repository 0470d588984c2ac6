"""Calibrated confidence: what `confidence >= CONFIDENT` promises, made to hold on the eval split.

An answer's raw confidence is the product of the output steps' maximum probabilities. After training, the
Trainer finds on the eval split the lowest raw confidence t such that the date answers at or above t are right
at least CALIBRATION_PRECISION of the time, and serves raw ** k with t ** k = CONFIDENT (k >= 1). The map is
monotone: answers, and their order by confidence, do not change; a confidence only ever goes down.
CALIBRATION_PRECISION keeps a margin over the promised PROMISED_PRECISION, because the test split and real
inputs hold forms the eval split does not (README, "Tuner and Trainer": "Confidence calibration").
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import tensorflow as tf

CONFIDENT = 0.9  # answers at or above this confidence ...
PROMISED_PRECISION = 0.999  # ... are right at least this share of the time
CALIBRATION_PRECISION = 0.9995  # what the eval split must show
HIGHEST_THRESHOLD = 0.9999  # the threshold when no share of the eval answers is right often enough


@dataclasses.dataclass(frozen=True)
class Calibration:
    """The exponent served (raw ** exponent) and what it was chosen from."""

    exponent: float
    raw_threshold: float  # maps to CONFIDENT
    eval_answers: int  # date answers on the eval split
    eval_confident: int  # of them, at or above raw_threshold


def raw_threshold(confidence: np.ndarray, right: np.ndarray, precision: float = CALIBRATION_PRECISION) -> float:
    """The lowest confidence t such that the answers with confidence >= t are right at least `precision` of the
    time (HIGHEST_THRESHOLD when there is no such t, or above it)."""
    order = np.argsort(-np.asarray(confidence), kind="stable")
    hits = np.cumsum(np.asarray(right, dtype=bool)[order])
    good = np.nonzero(hits >= precision * np.arange(1, len(order) + 1))[0]
    if not len(good):
        return HIGHEST_THRESHOLD
    return min(float(np.asarray(confidence)[order][good[-1]]), HIGHEST_THRESHOLD)


def exponent(threshold: float) -> float:
    """k >= 1 with threshold ** k = CONFIDENT; 1 when the threshold is CONFIDENT or below."""
    return max(1.0, math.log(CONFIDENT) / math.log(threshold))


def calibrate(confidence: np.ndarray, is_date: np.ndarray, right: np.ndarray) -> Calibration:
    """The calibration for raw confidences of answers on the eval split (is_date: a date answer; right: the
    whole answer is the label)."""
    is_date = np.asarray(is_date, dtype=bool)
    confidence, right = np.asarray(confidence)[is_date], np.asarray(right, dtype=bool)[is_date]
    threshold = raw_threshold(confidence, right)
    return Calibration(exponent=exponent(threshold), raw_threshold=threshold, eval_answers=int(is_date.sum()),
                       eval_confident=int((confidence >= threshold).sum()))


def calibrated(raw: tf.Tensor, exponent_: float) -> tf.Tensor:
    """The served confidence."""
    return tf.pow(raw, exponent_)

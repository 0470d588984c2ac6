"""Calibrated confidence: what `confidence >= CONFIDENT` promises, made to hold on the eval split.

An answer's raw confidence is the product of the output steps' maximum probabilities. After training, the
Trainer finds on the eval split the lowest raw confidence t such that the share of wrong date answers at or
above t is at most 1 - PROMISED_PRECISION with BOUND_CONFIDENCE: the Clopper-Pearson upper bound of that share,
not the share itself, because a few thousand answers with a handful of errors cannot tell 99.9 % from 99.8 %.
It serves raw ** k with t ** k = CONFIDENT (k >= 1). The map is monotone: answers, and their order by
confidence, do not change; a confidence only ever goes down (README, "Tuner and Trainer": "Confidence
calibration").
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import tensorflow as tf
from scipy import stats

CONFIDENT = 0.9  # answers at or above this confidence ...
PROMISED_PRECISION = 0.999  # ... are right at least this share of the time
BOUND_CONFIDENCE = 0.95  # the one-sided confidence of the bound on the share of wrong answers
HIGHEST_THRESHOLD = 0.9999  # the threshold when no share of the eval answers is right often enough


@dataclasses.dataclass(frozen=True)
class Calibration:
    """The exponent served (raw ** exponent) and what it was chosen from."""

    exponent: float
    raw_threshold: float  # maps to CONFIDENT
    eval_answers: int  # date answers on the eval split
    eval_confident: int  # of them, at or above raw_threshold
    eval_confident_wrong: int  # of those, wrong


def error_upper_bound(wrong: np.ndarray, answers: np.ndarray, level: float = BOUND_CONFIDENCE) -> np.ndarray:
    """The one-sided Clopper-Pearson upper bound, at `level`, of the share of wrong answers when `wrong` of
    `answers` were wrong (element-wise)."""
    wrong, answers = np.asarray(wrong), np.asarray(answers)
    return np.where(wrong < answers, stats.beta.ppf(level, wrong + 1, np.maximum(answers - wrong, 1)), 1.0)


def raw_threshold(confidence: np.ndarray, right: np.ndarray, precision: float = PROMISED_PRECISION,
                  level: float = BOUND_CONFIDENCE) -> float:
    """The lowest confidence t such that, at `level`, the answers with confidence >= t are right at least
    `precision` of the time (HIGHEST_THRESHOLD when there is no such t, or above it)."""
    order = np.argsort(-np.asarray(confidence), kind="stable")
    ranked = np.asarray(confidence)[order]
    wrong = np.cumsum(~np.asarray(right, dtype=bool)[order])
    bound_holds = error_upper_bound(wrong, np.arange(1, len(order) + 1), level) <= 1 - precision
    last_of_ties = np.append(ranked[:-1] > ranked[1:], True)  # a threshold takes all answers of equal confidence
    good = np.nonzero(bound_holds & last_of_ties)[0]
    if not len(good):
        return HIGHEST_THRESHOLD
    return min(float(ranked[good[-1]]), HIGHEST_THRESHOLD)


def exponent(threshold: float) -> float:
    """k >= 1 with threshold ** k = CONFIDENT; 1 when the threshold is CONFIDENT or below."""
    return max(1.0, math.log(CONFIDENT) / math.log(threshold))


def calibrate(confidence: np.ndarray, is_date: np.ndarray, right: np.ndarray) -> Calibration:
    """The calibration for raw confidences of answers on the eval split (is_date: a date answer; right: the
    whole answer is the label)."""
    is_date = np.asarray(is_date, dtype=bool)
    confidence, right = np.asarray(confidence)[is_date], np.asarray(right, dtype=bool)[is_date]
    threshold = raw_threshold(confidence, right)
    confident = confidence >= threshold
    return Calibration(exponent=exponent(threshold), raw_threshold=threshold, eval_answers=int(is_date.sum()),
                       eval_confident=int(confident.sum()), eval_confident_wrong=int((confident & ~right).sum()))


def calibrated(raw: tf.Tensor, exponent_: float) -> tf.Tensor:
    """The served confidence."""
    return tf.pow(raw, exponent_)

"""preprocessing_fn through tensorflow-transform's own Beam implementation."""

from __future__ import annotations

import os

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_transform as tft

from models import features
from tests.helpers import analyze_and_transform

TRAIN_ROWS = [
    {"human": ["3 May 1979"], "iso": ["1979-05-03"], "format": ["d_mmm_y"]},
    {"human": ["Tuesday, April 5, 2001"], "iso": ["2001-04-05"], "format": ["full"]},
    {"human": ["25.06.09"], "iso": ["2009-06-25"], "format": ["dd_dot_mm_dot_yy"]},
]
UNSEEN = {"human": ["3 MAY 1979 ☃"], "iso": ["1979-05-03"], "format": ["d_mmm_y"]}
OVER_LONG = {"human": ["wednesday the thirteenth of september 2000"], "iso": ["2000-09-13"],
             "format": ["full"]}


@pytest.fixture(scope="module")
def transformed(tmp_path_factory):
    out_dir = os.path.join(str(tmp_path_factory.mktemp("tft")), "out")
    _, rows, _ = analyze_and_transform(TRAIN_ROWS, [UNSEEN, OVER_LONG] + TRAIN_ROWS, out_dir)
    return rows, tft.TFTransformOutput(out_dir)


def test_input_vocabulary_is_built_from_normalised_training_characters(transformed):
    _, output = transformed
    vocab = [c.decode() for c in output.vocabulary_by_name(features.INPUT_VOCAB_NAME)]
    assert set(vocab) == set("3 may1979tuesdayapril52001.25.06.09".replace(",", ""))
    assert not any(c.isupper() or c == "," for c in vocab)
    out_vocab = {c.decode() for c in output.vocabulary_by_name(features.OUTPUT_VOCAB_NAME)}
    assert out_vocab <= set("0123456789-") and "-" in out_vocab


def test_ids_are_padded_and_unknown_characters_get_the_oov_id(transformed):
    rows, output = transformed
    vocab = [c.decode() for c in output.vocabulary_by_name(features.INPUT_VOCAB_NAME)]
    oov_id = len(vocab) + 1
    unseen = rows[0]
    ids = np.asarray(unseen[features.HUMAN_IDS_KEY])
    assert ids.shape == (features.TX,)
    text = "3 may 1979 ☃"  # normalised; the snowman was never seen in training
    assert unseen[features.HUMAN_LENGTH_KEY] == len(text)
    for i, ch in enumerate(text[:-1]):
        assert ids[i] == vocab.index(ch) + 1
    assert ids[len(text) - 1] == oov_id
    assert (ids[len(text):] == features.PAD_ID).all()


def test_over_long_input_is_truncated_to_tx_and_its_length_kept(transformed):
    rows, _ = transformed
    over = rows[1]
    assert np.asarray(over[features.HUMAN_IDS_KEY]).shape == (features.TX,)
    assert over[features.HUMAN_LENGTH_KEY] == len("wednesday the thirteenth of september 2000")
    assert (np.asarray(over[features.HUMAN_IDS_KEY]) != features.PAD_ID).all()


def test_labels_and_pass_throughs(transformed):
    rows, output = transformed
    out_vocab = [c.decode() for c in output.vocabulary_by_name(features.OUTPUT_VOCAB_NAME)]
    row = rows[2]  # "3 May 1979"
    iso_ids = np.asarray(row[features.ISO_IDS_KEY])
    assert iso_ids.shape == (features.TY,)
    assert "".join(out_vocab[i] for i in iso_ids) == "1979-05-03"
    assert row[features.ISO_KEY] == b"1979-05-03" and row[features.FORMAT_KEY] == b"d_mmm_y"
    spec = output.transformed_feature_spec()
    assert spec[features.HUMAN_IDS_KEY] == tf.io.FixedLenFeature([features.TX], tf.int64)
    assert spec[features.ISO_IDS_KEY] == tf.io.FixedLenFeature([features.TY], tf.int64)

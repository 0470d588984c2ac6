"""preprocessing_fn through tensorflow-transform's own Beam implementation."""

from __future__ import annotations

import os

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_transform as tft

from models import features
from tests.helpers import analyze_and_transform


def _row(human: str, iso: str, family: str, day_first: int = 0, written: str = "") -> dict[str, list]:
    """A raw example as the ExampleGen writes it (the language is not read by preprocessing_fn)."""
    return {"human": [human], "iso": [iso], "format": [family], "language": ["en"], "day_first": [day_first],
            "written": [written]}


TRAIN_ROWS = [
    _row("3 May 1979", "1979-05-03", "word_dmy"),
    _row("Tuesday, April 5, 2001", "2001-04-05", "with_weekday"),
    _row("25.06.09", "2009-06-25", "numeric_short_year", day_first=1),
    _row("hello world", "", "not_date_words"),
    _row("3-5 May 2009", "", "not_date_range"),
    _row("29 Feb 2014", "", "not_date_impossible", written="2014-02-29"),
    _row("31 Apr 2014", "", "not_date_impossible"),
]
UNSEEN = _row("3 MAY 1979 ☃", "1979-05-03", "word_dmy")
OVER_LONG_TEXT = "wednesday the thirteenth of september two thousand and seventeen at noon"
OVER_LONG = _row(OVER_LONG_TEXT.upper(), "2017-09-13", "spelled_day")


@pytest.fixture(scope="module")
def transformed(tmp_path_factory):
    out_dir = os.path.join(str(tmp_path_factory.mktemp("tft")), "out")
    _, rows, _ = analyze_and_transform(TRAIN_ROWS, [UNSEEN, OVER_LONG] + TRAIN_ROWS, out_dir)
    return rows, tft.TFTransformOutput(out_dir)


def test_input_vocabulary_is_built_from_normalised_training_characters(transformed):
    _, output = transformed
    vocab = [c.decode() for c in output.vocabulary_by_name(features.INPUT_VOCAB_NAME)]
    markers = {features.DAY_FIRST_MARKER, features.MONTH_FIRST_MARKER}
    assert set(vocab) == set("3 may1979tuesdayapril52001.25.06.09hello world3-5 may 200929 feb 201431 apr") | markers
    assert not any((c.isupper() and c not in markers) or c == "," for c in vocab)
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
    read = features.MONTH_FIRST_MARKER + text  # the preference marker first
    for i, ch in enumerate(read[:-1]):
        assert ids[i] == vocab.index(ch) + 1
    assert ids[len(read) - 1] == oov_id
    assert (ids[len(read):] == features.PAD_ID).all()


def test_over_long_input_is_truncated_to_tx_and_its_length_kept(transformed):
    rows, _ = transformed
    over = rows[1]
    assert np.asarray(over[features.HUMAN_IDS_KEY]).shape == (features.TX,)
    assert over[features.HUMAN_LENGTH_KEY] == len(OVER_LONG_TEXT) > features.INPUT_LENGTH
    assert (np.asarray(over[features.HUMAN_IDS_KEY]) != features.PAD_ID).all()


def test_labels_and_pass_throughs(transformed):
    rows, output = transformed
    out_vocab = [c.decode() for c in output.vocabulary_by_name(features.OUTPUT_VOCAB_NAME)]
    row = rows[2]  # "3 May 1979"
    iso_ids = np.asarray(row[features.ISO_IDS_KEY])
    assert iso_ids.shape == (features.TY,)
    assert "".join(out_vocab[i] for i in iso_ids) == "1979-05-03"
    assert row[features.ISO_KEY] == b"1979-05-03" and row[features.FORMAT_KEY] == b"word_dmy"
    # A refusal (empty label) is learnt as the target of its family's reason; its raw label passes through empty.
    refusal, range_ = rows[5], rows[6]
    assert "".join(out_vocab[i] for i in refusal[features.ISO_IDS_KEY]) == features.NOT_A_DATE_TARGET
    assert "".join(out_vocab[i] for i in range_[features.ISO_IDS_KEY]) == features.REFUSAL_TARGETS["range"]
    assert refusal[features.ISO_KEY] == range_[features.ISO_KEY] == b""
    # 29 February of a common year is learnt as written (the serving graph's calendar refuses it); another
    # impossible day as the target of its reason.
    leap_day, past_end = rows[7], rows[8]
    assert "".join(out_vocab[i] for i in leap_day[features.ISO_IDS_KEY]) == "2014-02-29"
    assert "".join(out_vocab[i] for i in past_end[features.ISO_IDS_KEY]) == features.REFUSAL_TARGETS["impossible"]
    assert leap_day[features.ISO_KEY] == past_end[features.ISO_KEY] == b""
    # The day-first example is read with the day-first marker.
    vocab = [c.decode() for c in output.vocabulary_by_name(features.INPUT_VOCAB_NAME)]
    assert rows[4][features.HUMAN_IDS_KEY][0] == vocab.index(features.DAY_FIRST_MARKER) + 1
    spec = output.transformed_feature_spec()
    assert spec[features.HUMAN_IDS_KEY] == tf.io.FixedLenFeature([features.TX], tf.int64)
    assert spec[features.ISO_IDS_KEY] == tf.io.FixedLenFeature([features.TY], tf.int64)


def test_every_refusal_reason_has_its_own_target_that_is_never_a_date():
    from data_gen import families, labels

    assert set(features.REFUSAL_TARGETS) == set(families.REFUSAL_REASONS)
    targets = list(features.REFUSAL_TARGETS.values())
    assert len(set(targets)) == len(targets)
    assert all(len(t) == features.TY and not labels.is_valid_label(t) for t in targets)


def test_the_words_of_the_training_inputs_are_a_vocabulary(transformed):
    _, output = transformed
    words = {w.decode() for w in output.vocabulary_by_name(features.WORD_VOCAB_NAME)}
    # Letter runs of the normalised training texts (digits and punctuation split them), in any case written.
    assert words == {"may", "tuesday", "april", "hello", "world", "feb", "apr"}

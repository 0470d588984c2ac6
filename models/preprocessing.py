"""Transform's preprocessing_fn: normalise, mark the day-first preference, split into characters, build
vocabularies, pad."""

from __future__ import annotations

import tensorflow as tf
import tensorflow_transform as tft

from data_gen import families
from data_gen.text import normalize
from models import features


def _squeeze(x: tf.Tensor) -> tf.Tensor:
    """[batch, 1] dense raw feature -> [batch]."""
    return tf.reshape(x, [-1])


def words(normalized: tf.Tensor) -> tf.RaggedTensor:
    """The words of normalised texts: their runs of letters, in any script ("3rd of june" -> rd, of, june)."""
    return tf.strings.split(tf.strings.strip(tf.strings.regex_replace(normalized, r"[^\pL]+", " ")))


def characters(texts: tf.Tensor) -> tf.RaggedTensor:
    """Splits each UTF-8 string into its characters (not bytes)."""
    return tf.strings.unicode_split(texts, "UTF-8")


def pad_or_truncate(ids: tf.RaggedTensor, length: int, pad_id: int) -> tf.Tensor:
    """Dense [batch, length] ids: padded with `pad_id`, longer rows truncated."""
    dense = ids.to_tensor(default_value=pad_id, shape=[None, length])
    return tf.cast(dense, tf.int64)


def input_lengths(ids: tf.Tensor) -> tf.Tensor:
    """Characters per row (batch) of padded input ids [batch, T]."""
    return tf.reduce_sum(tf.cast(tf.not_equal(ids, features.PAD_ID), tf.int32), axis=-1)


def trim_padding(ids: tf.Tensor) -> tf.Tensor:
    """Padded ids [batch, Tx] -> [batch, T]: only as many positions as the batch's longest input (at least
    one). The model masks padding, so this changes its work, not its answers."""
    return ids[:, :tf.maximum(tf.reduce_max(input_lengths(ids)), 1)]


def model_text(normalized: tf.Tensor, day_first: tf.Tensor) -> tf.Tensor:
    """What the model reads: the preference marker, then the normalised text."""
    marker = tf.where(tf.cast(day_first, tf.bool), features.DAY_FIRST_MARKER, features.MONTH_FIRST_MARKER)
    return tf.strings.join([marker, normalized])


def encode_human(human: tf.Tensor, day_first: tf.Tensor) -> dict[str, tf.Tensor]:
    """Input ids and normalised length of raw human strings ([batch] tf.string) read with a preference."""
    normalized = normalize(human)
    tft.vocabulary(words(normalized), vocab_filename=features.WORD_VOCAB_NAME)  # for serving's unknown words
    chars = characters(model_text(normalized, day_first))
    ids = tft.compute_and_apply_vocabulary(
        chars, num_oov_buckets=features.NUM_OOV_BUCKETS,
        vocab_filename=features.INPUT_VOCAB_NAME) + 1  # shift so that 0 is padding
    return {
        features.HUMAN_IDS_KEY: pad_or_truncate(ids, features.TX, features.PAD_ID),
        features.HUMAN_LENGTH_KEY: tf.cast(tf.strings.length(normalized, unit="UTF8_CHAR"), tf.int64),
    }


def refusal_targets() -> tf.lookup.StaticHashTable:
    """Family -> what the model writes for a refusal of that family (features.REFUSAL_TARGETS of its reason);
    an unknown family (or one with a date) -> NOT_A_DATE_TARGET."""
    negative = [f for f in families.FAMILIES if families.refusal_reason(f)]
    return tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(
        negative, [features.REFUSAL_TARGETS[families.refusal_reason(f)] for f in negative]),
        default_value=features.NOT_A_DATE_TARGET)


def target(iso: tf.Tensor, family: tf.Tensor, written: tf.Tensor) -> tf.Tensor:
    """The output the model learns: the ISO label; for a refusal ("") 29 February of a common year as written
    (`written`, which the serving graph's calendar refuses), or else the target of its reason."""
    refusal = tf.where(tf.equal(written, ""), refusal_targets().lookup(family), written)
    return tf.where(tf.equal(iso, ""), refusal, iso)


def encode_iso(iso: tf.Tensor, family: tf.Tensor, written: tf.Tensor) -> tf.Tensor:
    """Output ids [batch, Ty] of ISO labels (refusals as `target` writes them)."""
    ids = tft.compute_and_apply_vocabulary(
        characters(target(iso, family, written)), vocab_filename=features.OUTPUT_VOCAB_NAME)
    return pad_or_truncate(ids, features.TY, 0)


def preprocessing_fn(inputs: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """tf.Transform callback: raw (human, day_first, iso, format, written) -> model features, labels,
    pass-throughs."""
    iso, family = _squeeze(inputs[features.ISO_KEY]), _squeeze(inputs[features.FORMAT_KEY])
    outputs = encode_human(_squeeze(inputs[features.HUMAN_KEY]), _squeeze(inputs[features.DAY_FIRST_KEY]))
    outputs[features.ISO_IDS_KEY] = encode_iso(iso, family, _squeeze(inputs[features.WRITTEN_KEY]))
    # Passed through for evaluation (exact match against the raw label, slicing by family).
    outputs[features.ISO_KEY] = iso
    outputs[features.FORMAT_KEY] = family
    return outputs

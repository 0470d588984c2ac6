"""The exported SavedModel: raw strings in, ISO dates out, with the Transform graph embedded.

Signatures:
- `serving_default(human: string[batch])` -> iso, confidence, valid, input_length,
  unknown_characters (the input characters the model never saw in training, joined)
- `attention(human: string[batch])` -> attention (batch, Ty, Tx), input_characters, iso
- `evaluate(examples: serialized tf.Example[batch])` -> iso: what TFMA scores against the raw label
"""

from __future__ import annotations

import keras
import tensorflow as tf
import tensorflow_transform as tft

from data_gen.text import normalize
from models import features

# ISO months' lengths in a common year.
_DAYS_IN_MONTH = tf.constant([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=tf.int32)


def is_calendar_date(iso: tf.Tensor) -> tf.Tensor:
    """Whether each string is a real Gregorian date written YYYY-MM-DD."""
    well_formed = tf.strings.regex_full_match(iso, r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
    safe = tf.where(well_formed, iso, "2000-01-01")
    year = tf.strings.to_number(tf.strings.substr(safe, 0, 4), tf.int32)
    month = tf.strings.to_number(tf.strings.substr(safe, 5, 2), tf.int32)
    day = tf.strings.to_number(tf.strings.substr(safe, 8, 2), tf.int32)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    days = tf.gather(_DAYS_IN_MONTH, tf.clip_by_value(month, 1, 12) - 1)
    days += tf.cast((month == 2) & leap, tf.int32)
    return well_formed & month_ok & (day >= 1) & (day <= days)


class DateNormaliserModule(tf.Module):
    """What the SavedModel holds: the Transform graph, the Keras 3 models and the output vocabulary."""

    def __init__(self, model: keras.Model, attention_model: keras.Model,
                 tf_transform_output: tft.TFTransformOutput):
        super().__init__(name="datenmt")
        self.model = model
        self.attention_model = attention_model
        self.tft_layer = tf_transform_output.transform_features_layer()
        self._raw_spec = {features.HUMAN_KEY: tf_transform_output.raw_feature_spec()[features.HUMAN_KEY]}
        self.output_chars = tf.lookup.StaticHashTable(
            tf.lookup.TextFileInitializer(
                tf_transform_output.vocabulary_file_by_name(features.OUTPUT_VOCAB_NAME),
                key_dtype=tf.int64, key_index=tf.lookup.TextFileIndex.LINE_NUMBER,
                value_dtype=tf.string, value_index=tf.lookup.TextFileIndex.WHOLE_LINE),
            default_value="?")
        self.input_chars = tf.lookup.StaticHashTable(
            tf.lookup.TextFileInitializer(
                tf_transform_output.vocabulary_file_by_name(features.INPUT_VOCAB_NAME),
                key_dtype=tf.string, key_index=tf.lookup.TextFileIndex.WHOLE_LINE,
                value_dtype=tf.int64, value_index=tf.lookup.TextFileIndex.LINE_NUMBER),
            default_value=-1)

    def _transform(self, human: tf.Tensor) -> dict:
        return self.tft_layer({features.HUMAN_KEY: tf.reshape(human, [-1, 1])})

    def _decode(self, probabilities: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        ids = tf.argmax(probabilities, axis=-1)
        iso = tf.strings.reduce_join(self.output_chars.lookup(ids), axis=-1)
        confidence = tf.reduce_prod(tf.reduce_max(probabilities, axis=-1), axis=-1)
        return iso, confidence

    def _unknown_characters(self, human: tf.Tensor) -> tf.Tensor:
        """Per input, its characters (after normalisation) missing from the input vocabulary."""
        chars = tf.strings.unicode_split(normalize(human), "UTF-8")
        unknown = tf.ragged.map_flat_values(self.input_chars.lookup, chars) < 0
        return tf.strings.reduce_join(tf.ragged.boolean_mask(chars, unknown), axis=-1)

    def _predict(self, human: tf.Tensor) -> dict:
        transformed = self._transform(human)
        probabilities = self.model(transformed[features.HUMAN_IDS_KEY], training=False)
        iso, confidence = self._decode(probabilities)
        return {
            "iso": iso,
            "confidence": confidence,
            "valid": is_calendar_date(iso),
            "input_length": tf.reshape(transformed[features.HUMAN_LENGTH_KEY], [-1]),
            "unknown_characters": self._unknown_characters(human),
        }

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="human")])
    def serve(self, human):
        return self._predict(human)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="human")])
    def attention(self, human):
        transformed = self._transform(human)
        ids = transformed[features.HUMAN_IDS_KEY]
        iso, _ = self._decode(self.model(ids, training=False))
        chars = tf.strings.unicode_split(normalize(human), "UTF-8")
        return {
            "attention": self.attention_model(ids, training=False),
            "input_characters": chars.to_tensor(default_value="", shape=[None, features.TX]),
            "iso": iso,
        }

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def evaluate(self, examples):
        parsed = tf.io.parse_example(examples, self._raw_spec)
        return {"iso": self._predict(tf.reshape(parsed[features.HUMAN_KEY], [-1]))["iso"]}


def export_serving_model(model: keras.Model, attention_model: keras.Model,
                         tf_transform_output: tft.TFTransformOutput, export_dir: str) -> None:
    """Writes the SavedModel with the serving_default, attention and evaluate signatures."""
    module = DateNormaliserModule(model, attention_model, tf_transform_output)
    tf.saved_model.save(module, export_dir, signatures={
        "serving_default": module.serve,
        "attention": module.attention,
        "evaluate": module.evaluate,
    })

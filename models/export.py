"""The exported SavedModel: raw strings in, ISO dates (or a refusal) out, with the Transform graph embedded.

Signatures (batch-major; `day_first` is the reading preferred when both day-month orders give a real date):
- `serving_default(human: string[batch], day_first: bool[batch])` -> iso ("" when not a date), is_date,
  confidence, uncertain (a date answer not to be trusted: confidence below calibration.CONFIDENT, a weekday
  conflict or words never seen in training), reason (why there is no date: a key of
  data_gen.families.REFUSAL_REASONS; "" for a date), weekday_conflict (the text names a weekday that is not
  the answer's), named_weekday (the weekday the text names, in English, "" if none), unknown_words (words
  never seen in training, joined), ambiguous (the other preference would give another real date),
  input_length, unknown_characters (the input characters the model never saw in training, joined)
- `attention(human, day_first)` -> attention (batch, Ty, T), input_characters (batch, T), iso; T is the
  batch's longest input (at most Tx)
- `evaluate(examples: serialized tf.Example[batch])` -> iso: what TFMA scores against the raw label

The export also carries TF Serving's warmup requests (`assets.extra/tf_serving_warmup_requests`: PredictRequests
for `serving_default`), which TF Serving replays when it loads a version, before serving it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import keras
import tensorflow as tf
import tensorflow_transform as tft
from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

from data_gen import families, foreign, labels
from data_gen import words as words_lib
from data_gen.formats import FIRST_DATE, LAST_DATE
from data_gen.languages import FOREIGN_LANGUAGES
from data_gen.text import normalize, normalize_text
from models import calibration, features
from models.preprocessing import characters, input_lengths, model_text, trim_padding, words

# ISO months' lengths in a common year.
_DAYS_IN_MONTH = tf.constant([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=tf.int32)
# Inputs whose answer may depend on the preference (data_gen/grammar.py, "Ambiguity policy"): day and month
# as numbers that could each be a month, year last, apart ("4/3/2009", "4 - 3 - 09": any run of characters
# that are neither letters nor digits, in raw and normalised text alike) or not ("04032009").
_NUMBERS_YEAR_LAST = (r"(?s).*(?:^|[^0-9])(?:(?:0?[1-9]|1[0-2])[^0-9a-zA-Z]+(?:0?[1-9]|1[0-2])[^0-9a-zA-Z]+"
                      r"(?:[0-9]{4}|[0-9]{2})|(?:0[1-9]|1[0-2]){2}[0-9]{4})(?:[^0-9].*|$)")

# TF Serving's warmup file, relative to a SavedModel version, and what it holds: requests of a few shapes
# (one input, a batch; dates, an ambiguous one and a refusal, under both preferences).
WARMUP_FILE = "assets.extra/tf_serving_warmup_requests"
SERVING_MODEL_NAME = "datenmt"  # the model name in the README's TF Serving command
WARMUP_REQUESTS = (
    (("3 may 1979",), (False,)),
    (("04/03/2009",), (True,)),
    (("tuesday april 5 2001", "25th of june 2009", "04/03/2009", "june 2009"), (False, True, False, True)),
)


# A batch's rows are read in groups of similar length (the rows in order of length, cut into at most
# LENGTH_GROUPS parts of at least MIN_GROUP_ROWS rows), each padded only to its own longest input: a client's
# batch in any order then costs about what a batch sorted by length costs, and the groups, independent of one
# another, run at once on as many cores. A group without rows is skipped.
LENGTH_GROUPS = 4
MIN_GROUP_ROWS = 128


def probabilities_by_length(probabilities: Callable[[tf.Tensor], tf.Tensor], output_size: int, ids: tf.Tensor,
                            groups: int = LENGTH_GROUPS, min_rows: int = MIN_GROUP_ROWS) -> tf.Tensor:
    """The output probabilities (batch, Ty, output_size) of `probabilities` (the model's call) for padded input
    ids (batch, T), computed in groups of rows of similar length (the model masks padding, so the answers are
    those of one call on the whole batch)."""
    order = tf.argsort(input_lengths(ids), stable=True)
    n = tf.size(order)
    size = tf.maximum(-(-n // groups), min_rows)
    empty = tf.zeros([0, features.TY, output_size])

    def group(g: int) -> tf.Tensor:
        rows = order[g * size:(g + 1) * size]
        return tf.cond(tf.size(rows) > 0, lambda: probabilities(trim_padding(tf.gather(ids, rows))), lambda: empty)

    return tf.gather(tf.concat([group(g) for g in range(groups)], 0), tf.math.invert_permutation(order))


def date_fields(iso: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """(year, month, day) as int32 of strings written YYYY-MM-DD (digits only; the caller guards the shape)."""
    return tuple(tf.strings.to_number(tf.strings.substr(iso, start, length), tf.int32)
                 for start, length in ((0, 4), (5, 2), (8, 2)))


def is_calendar_date(iso: tf.Tensor) -> tf.Tensor:
    """Whether each string is a real Gregorian date written YYYY-MM-DD."""
    well_formed = tf.strings.regex_full_match(iso, r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
    year, month, day = date_fields(tf.where(well_formed, iso, "2000-01-01"))
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    days = tf.gather(_DAYS_IN_MONTH, tf.clip_by_value(month, 1, 12) - 1)
    days += tf.cast((month == 2) & leap, tf.int32)
    return well_formed & month_ok & (day >= 1) & (day <= days)


def is_answer(iso: tf.Tensor) -> tf.Tensor:
    """Whether each decoded output is a date the model may answer with: real and in 1900-2099."""
    real = is_calendar_date(iso)
    year = tf.strings.to_number(tf.strings.substr(tf.where(real, iso, "2000"), 0, 4), tf.int32)
    return real & (year >= FIRST_DATE.year) & (year <= LAST_DATE.year)


def refusal_reason(raw: tf.Tensor, coded: tf.Tensor) -> tf.Tensor:
    """Why an output that is no answer is no date: "impossible" for 29 February of a common year, which the
    model writes as written (data_gen.labels.written_leap_day); else `coded`, the reason of its refusal target
    (features.REFUSAL_TARGETS; any other output: not_a_date)."""
    month, day = labels.LEAP_DAY
    leap_day = (tf.strings.regex_full_match(raw, f"[0-9]{{4}}-{month:02d}-{day:02d}")
                & ~tf.strings.regex_full_match(raw, r"0000-.*"))
    return tf.where(leap_day, families.refusal_reason(families.NOT_IMPOSSIBLE), coded)


def weekday(iso: tf.Tensor) -> tf.Tensor:
    """The weekday (Monday = 0) of each real date written YYYY-MM-DD: days since 1970-01-01, a Thursday, by
    Howard Hinnant's days_from_civil."""
    year, month, day = date_fields(iso)
    year -= tf.cast(month <= 2, tf.int32)
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + tf.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return (era * 146097 + day_of_era - 719468 + 3) % 7


WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_LETTER_RUN = re.compile(r"[^\W\d_]+")  # preprocessing.words' runs of letters, in Python
MIN_WEEKDAY_WORD = 3  # shorter abbreviations ("di", "do") are too often other words to tell a weekday


def grammar_languages() -> tuple[words_lib.Words | foreign.LanguageWords, ...]:
    """The month and weekday tables of every language the grammar writes."""
    return (words_lib.EN_US, *(foreign.language_words(language) for language in FOREIGN_LANGUAGES))


def weekday_words(languages: tuple[words_lib.Words | foreign.LanguageWords, ...] | None = None) -> dict[str, int]:
    """The words (letter runs, as serving splits its input) of the weekday names and abbreviations of the
    languages the grammar writes (all of them unless `languages` says), normalised -> weekday (Monday = 0);
    without the words that also name a month or another weekday in any of them ("feira" of Portuguese's
    "segunda-feira"), or are shorter than MIN_WEEKDAY_WORD."""
    languages = grammar_languages() if languages is None else languages

    def letter_runs(text: str) -> list[str]:
        return _LETTER_RUN.findall(normalize_text(text))

    months = {word for lang in languages for table in lang.month.values() for t in table.values()
              for word in letter_runs(t)}
    found: dict[str, set[int]] = {}
    for lang in languages:
        for table in lang.weekday.values():
            for day, text in table.items():
                for word in letter_runs(text):
                    found.setdefault(word, set()).add(day)
    return {word: days.pop() for word, days in sorted(found.items())
            if len(days) == 1 and word not in months and len(word) >= MIN_WEEKDAY_WORD}


def could_swap(iso: tf.Tensor) -> tf.Tensor:
    """Whether each answer ("" for none) is a date whose day and month, swapped, make another real date: a day
    of at most 12 that differs from the month."""
    _, month, day = date_fields(tf.where(tf.strings.length(iso) > 0, iso, "0000-00-00"))
    return (day <= 12) & tf.not_equal(day, month) & (day >= 1)


def may_depend_on_preference(human: tf.Tensor) -> tf.Tensor:
    """Whether each raw input has the shape whose reading may depend on the day-first preference: day and
    month as numbers of at most 12, year last (`_NUMBERS_YEAR_LAST`)."""
    return tf.strings.regex_full_match(human, _NUMBERS_YEAR_LAST)


class DateNormaliserModule(tf.Module):
    """What the SavedModel holds: the Transform graph, the Keras 3 models and the output vocabulary."""

    def __init__(self, model: keras.Model, attention_model: keras.Model,
                 tf_transform_output: tft.TFTransformOutput, confidence_exponent: float = 1.0):
        super().__init__(name="datenmt")
        self.length_groups = LENGTH_GROUPS
        self.confidence_exponent = confidence_exponent  # served confidence = raw ** this (models/calibration.py)
        self.model = model
        self.attention_model = attention_model
        self.tft_layer = tf_transform_output.transform_features_layer()
        raw_spec = tf_transform_output.raw_feature_spec()
        self._raw_spec = {k: raw_spec[k] for k in (features.HUMAN_KEY, features.DAY_FIRST_KEY)}
        self.output_chars = tf.lookup.StaticHashTable(
            tf.lookup.TextFileInitializer(
                tf_transform_output.vocabulary_file_by_name(features.OUTPUT_VOCAB_NAME),
                key_dtype=tf.int64, key_index=tf.lookup.TextFileIndex.LINE_NUMBER,
                value_dtype=tf.string, value_index=tf.lookup.TextFileIndex.WHOLE_LINE),
            default_value="?")
        # Input ids above this are the out-of-vocabulary bucket (ids are vocabulary indices + 1; 0 pads).
        self._last_known_id = tf_transform_output.vocabulary_size_by_name(features.INPUT_VOCAB_NAME)
        self.known_words = tf.lookup.StaticHashTable(
            tf.lookup.TextFileInitializer(
                tf_transform_output.vocabulary_file_by_name(features.WORD_VOCAB_NAME),
                key_dtype=tf.string, key_index=tf.lookup.TextFileIndex.WHOLE_LINE,
                value_dtype=tf.int64, value_index=tf.lookup.TextFileIndex.LINE_NUMBER),
            default_value=-1)
        lexicon = weekday_words()
        self.weekdays = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(list(lexicon), list(lexicon.values()), value_dtype=tf.int64),
            default_value=-1)
        targets = features.REFUSAL_TARGETS
        self.refusal_reasons = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(list(targets.values()), list(targets)),
            default_value="not_a_date")  # any other output that is no date
        self.input_chars = tf.lookup.StaticHashTable(
            tf.lookup.TextFileInitializer(
                tf_transform_output.vocabulary_file_by_name(features.INPUT_VOCAB_NAME),
                key_dtype=tf.string, key_index=tf.lookup.TextFileIndex.WHOLE_LINE,
                value_dtype=tf.int64, value_index=tf.lookup.TextFileIndex.LINE_NUMBER),
            default_value=-1)

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int64, name="ids")])
    def probabilities(self, ids):
        """The model's output probabilities (batch, Ty, output vocabulary) for input ids (batch, T): traced once
        and called by every signature's length groups (tracing the model inline, in each of them, took most
        of the export's time)."""
        return self.model(ids, training=False)

    def _transform(self, human: tf.Tensor, day_first: tf.Tensor) -> dict:
        return self.tft_layer({features.HUMAN_KEY: tf.reshape(human, [-1, 1]),
                               features.DAY_FIRST_KEY: tf.reshape(tf.cast(day_first, tf.int64), [-1, 1])})

    def decode(self, probabilities: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """(the output string, its raw confidence: the product of the steps' maximum probabilities)."""
        ids = tf.argmax(probabilities, axis=-1)
        iso = tf.strings.reduce_join(self.output_chars.lookup(ids), axis=-1)
        confidence = tf.reduce_prod(tf.reduce_max(probabilities, axis=-1), axis=-1)
        return iso, confidence

    def _read(self, human: tf.Tensor, day_first: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, dict]:
        """(decoded output, confidence, transformed features) under one preference per input; the model
        reads the ids padded only to the batch's longest input."""
        transformed = self._transform(human, day_first)
        ids = trim_padding(transformed[features.HUMAN_IDS_KEY])
        iso, confidence = self.decode(
            probabilities_by_length(self.probabilities, self.model.output_shape[-1], ids, self.length_groups))
        return (iso, calibration.calibrated(confidence, self.confidence_exponent),
                {**transformed, features.HUMAN_IDS_KEY: ids})

    def _unknown_characters(self, human: tf.Tensor, ids: tf.Tensor) -> tf.Tensor:
        """Per input, its characters (after normalisation) missing from the input vocabulary, joined. Only
        the inputs whose ids hold the out-of-vocabulary bucket are normalised and split again."""
        rows = tf.reshape(tf.where(tf.reduce_any(ids > self._last_known_id, axis=1)), [-1])
        chars = characters(normalize(tf.gather(human, rows)))
        unknown = tf.ragged.map_flat_values(self.input_chars.lookup, chars) < 0
        joined = tf.strings.reduce_join(tf.ragged.boolean_mask(chars, unknown), axis=-1)
        return tf.scatter_nd(tf.expand_dims(rows, 1), joined, tf.shape(human, out_type=tf.int64))

    def _words_checks(self, human: tf.Tensor, iso: tf.Tensor, is_date: tf.Tensor) -> dict:
        """Per input: its words never seen in training (joined), the weekday it names (in a language the grammar
        writes; "" if none) and whether that weekday is not the answer's."""
        tokens = words(normalize(human))
        unknown = tf.ragged.map_flat_values(self.known_words.lookup, tokens) < 0
        named = tf.ragged.map_flat_values(self.weekdays.lookup, tokens)
        named = tf.ragged.boolean_mask(named, named >= 0)
        answer_weekday = tf.cast(weekday(tf.where(is_date, iso, "2000-01-01")), tf.int64)
        conflict = tf.reduce_any(tf.not_equal(named, tf.expand_dims(answer_weekday, 1)), axis=1) & is_date
        first_named = tf.reduce_max(named[:, :1].to_tensor(default_value=-1, shape=[None, 1]), axis=1)
        return {
            "unknown_words": tf.strings.reduce_join(tf.ragged.boolean_mask(tokens, unknown), axis=-1,
                                                    separator=" "),
            "named_weekday": tf.where(first_named >= 0, tf.gather(WEEKDAY_NAMES, tf.maximum(first_named, 0)), ""),
            "weekday_conflict": conflict,
        }

    def _predict(self, human: tf.Tensor, day_first: tf.Tensor) -> dict:
        """One model call reads every input under its preference and, after them, the inputs whose answer
        may depend on it under the other (`may_depend_on_preference`): `ambiguous` is whether that other
        reading is another real date, for an answer whose day and month could swap (`could_swap`). (One
        call, not a second one for those inputs: much of a call's cost does not grow with its rows, so a
        few more rows cost less than another call.)"""
        n = tf.size(human)
        candidates = tf.reshape(tf.where(may_depend_on_preference(human)), [-1])
        both, confidence, transformed = self._read(
            tf.concat([human, tf.gather(human, candidates)], 0),
            tf.concat([day_first, tf.logical_not(tf.gather(day_first, candidates))], 0))
        raw, other = both[:n], both[n:]
        is_date = is_answer(raw)
        iso = tf.where(is_date, raw, "")
        differs = is_answer(other) & tf.not_equal(other, tf.gather(iso, candidates))
        ambiguous = tf.scatter_nd(tf.expand_dims(candidates, 1), differs, tf.shape(human, out_type=tf.int64))
        checks = self._words_checks(human, iso, is_date)
        confident = confidence[:n] >= calibration.CONFIDENT
        return {
            "iso": iso,
            "is_date": is_date,
            "confidence": confidence[:n],
            "uncertain": is_date & ~(confident & ~checks["weekday_conflict"]
                                     & tf.equal(checks["unknown_words"], "")),
            "reason": tf.where(is_date, "", refusal_reason(raw, self.refusal_reasons.lookup(raw))),
            **checks,
            "ambiguous": ambiguous & could_swap(iso),
            "input_length": tf.reshape(transformed[features.HUMAN_LENGTH_KEY][:n], [-1]),
            "unknown_characters": self._unknown_characters(human, transformed[features.HUMAN_IDS_KEY][:n]),
        }

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="human"),
                                  tf.TensorSpec([None], tf.bool, name="day_first")])
    def serve(self, human, day_first):
        return self._predict(human, day_first)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="human"),
                                  tf.TensorSpec([None], tf.bool, name="day_first")])
    def attention(self, human, day_first):
        raw, _, transformed = self._read(human, day_first)
        ids = transformed[features.HUMAN_IDS_KEY]
        chars = characters(model_text(normalize(human), day_first))
        return {
            "attention": self.attention_model(ids, training=False),  # (batch, Ty, T): T the longest input
            "input_characters": chars.to_tensor(default_value="", shape=tf.shape(ids)),
            "iso": raw,
        }

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def evaluate(self, examples):
        parsed = tf.io.parse_example(examples, self._raw_spec)
        human = tf.reshape(parsed[features.HUMAN_KEY], [-1])
        day_first = tf.cast(tf.reshape(parsed[features.DAY_FIRST_KEY], [-1]), tf.bool)
        raw, _, _ = self._read(human, day_first)
        return {"iso": tf.where(is_answer(raw), raw, "")}


def export_serving_model(model: keras.Model, attention_model: keras.Model,
                         tf_transform_output: tft.TFTransformOutput, export_dir: str,
                         confidence_exponent: float = 1.0) -> None:
    """Writes the SavedModel with the serving_default, attention and evaluate signatures, and TF Serving's
    warmup requests; its confidence is the raw confidence ** confidence_exponent."""
    module = DateNormaliserModule(model, attention_model, tf_transform_output, confidence_exponent)
    # TF Serving loads with a TF1 session (restore op, then the signature's tensors), which finds Keras 3
    # variables uninitialised unless the module itself tracks every tf.Variable its signatures use
    # (keras-team/keras#19274, tensorflow/tensorflow#72963): the models' (the Transform graph has none).
    # Taken from the model, not from traced signatures: `save` traces them again in its own context.
    module.all_variables = [v.value for v in model.variables]
    tf.saved_model.save(module, export_dir, signatures={
        "serving_default": module.serve,
        "attention": module.attention,
        "evaluate": module.evaluate,
    })
    write_warmup_requests(export_dir)


def warmup_requests() -> list[prediction_log_pb2.PredictionLog]:
    """TF Serving warmup records: PredictRequests for `serving_default` (WARMUP_REQUESTS)."""
    logs = []
    for texts, day_first in WARMUP_REQUESTS:
        request = predict_pb2.PredictRequest(model_spec=model_pb2.ModelSpec(
            name=SERVING_MODEL_NAME, signature_name=tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY))
        request.inputs[features.HUMAN_KEY].CopyFrom(tf.make_tensor_proto(list(texts), dtype=tf.string))
        request.inputs[features.DAY_FIRST_KEY].CopyFrom(tf.make_tensor_proto(list(day_first), dtype=tf.bool))
        logs.append(prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request)))
    return logs


def write_warmup_requests(export_dir: str) -> str:
    """Writes `assets.extra/tf_serving_warmup_requests` (a TFRecord of PredictionLogs) into the SavedModel."""
    path = os.path.join(export_dir, WARMUP_FILE)
    tf.io.gfile.makedirs(os.path.dirname(path))
    with tf.io.TFRecordWriter(path) as writer:
        for log in warmup_requests():
            writer.write(log.SerializeToString())
    return path

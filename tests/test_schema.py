"""The curated schema stays in step with data_gen; the gate catches bad data and impossible labels."""

from __future__ import annotations

import os

import apache_beam as beam
import pandas as pd
import pyarrow as pa
import pytest
import tensorflow as tf
import tensorflow_data_validation as tfdv
from apache_beam.testing import util as beam_testing
from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils, standard_artifacts

import schemas
from components.anomalies_gate import (
    ANOMALIES_FILE,
    AnomaliesGate,
    DataAnomaliesError,
    InvalidLabels,
    InvalidLabelsFn,
    describe_anomalies,
    load_split_anomalies,
)
from data_gen import grammar, labels, languages
from data_gen.labels import is_valid_label
from tests.helpers import IN_MEMORY_BEAM_ARGS


def test_schema_domains_match_the_generator():
    schema = schemas.load_schema()
    assert schema == schemas.synced(schema), "run: .venv/bin/python -m schemas"
    domains = {d.name: list(d.value) for d in schema.string_domain}
    assert domains == {"format": list(grammar.FAMILIES), "language": list(languages.LANGUAGES),
                       "written": labels.written_values()}
    by_name = {f.name: f for f in schema.feature}
    assert [by_name[name].domain for name in domains] == list(domains)
    # Labels are checked by the gate, not by a domain: no date list, no widened histogram.
    iso = next(f for f in schema.feature if f.name == "iso")
    assert not iso.HasField("domain") and iso.shape.dim[0].size == 1
    assert schemas.STATS_OPTIONS.num_rank_histogram_buckets == tfdv.StatsOptions().num_rank_histogram_buckets


def test_labels_not_in_serving_environment_and_all_required():
    schema = schemas.load_schema()
    features = {f.name: f for f in schema.feature}
    assert set(features) == {"human", "iso", "format", "language", "day_first", "written"}
    assert not features["day_first"].not_in_environment  # the reading preference is a serving input too
    assert (features["day_first"].int_domain.min, features["day_first"].int_domain.max) == (0, 1)
    assert all(f.presence.min_fraction == 1.0 for f in features.values())
    assert "SERVING" in features["iso"].not_in_environment
    assert "SERVING" in features["format"].not_in_environment
    assert "SERVING" in features["language"].not_in_environment
    assert "SERVING" in features["written"].not_in_environment
    assert not features["human"].not_in_environment


def _rows(n: int, seed: int) -> list[tuple[str, str, str, int, str, str]]:
    return [(e.human, e.iso, e.family, int(e.day_first), e.language, e.written) for e in grammar.generate(n, seed)]


def _anomalies(rows: list[tuple[str, str, str, int, str, str]]) -> dict[str, str]:
    frame = pd.DataFrame(rows, columns=["human", "iso", "format", "day_first", "language", "written"])
    stats = tfdv.generate_statistics_from_dataframe(frame, stats_options=schemas.STATS_OPTIONS)
    result = tfdv.validate_statistics(stats, schemas.load_schema(), environment="TRAINING")
    return {k: v.description for k, v in result.anomaly_info.items()}


def test_generated_data_has_no_anomalies_and_unknown_formats_and_languages_do():
    rows = _rows(3000, seed=4)
    assert _anomalies(rows) == {}
    assert any(row[5] for row in rows)  # some 29 February of a common year, as written
    found = _anomalies(rows + [("3 May 1979", "1979-05-03", "made_up_format", 0, "en", "")])
    assert set(found) == {"format"} and "made_up_format" in found["format"]
    found = _anomalies(rows + [("3 mai 1979", "1979-05-03", "word_dmy", 0, "fr", ""),  # every language is known
                               ("3 maj 1979", "1979-05-03", "word_dmy", 0, "sv", "")])
    assert set(found) == {"language"} and "sv" in found["language"]
    found = _anomalies([row[:4] + (None,) + row[5:] if i == 0 else row for i, row in enumerate(rows)])
    assert set(found) == {"language"} and "present" in found["language"]  # every example names its language
    # What the model would learn to write for a refusal: only a 29 February of a common year.
    found = _anomalies(rows + [("31 April 2001", "", "not_date_impossible", 0, "en", "2001-04-31"),
                               ("29 Feb 2000", "", "not_date_impossible", 0, "en", "2000-02-29")])
    assert set(found) == {"written"} and "2001-04-31" in found["written"]


def test_generated_labels_are_valid():
    assert all(is_valid_label(e.iso) for e in grammar.generate(3000, seed=4))


@pytest.mark.parametrize("label", ["1900-01-01", "2099-12-31", "2000-02-29", "1979-05-03",
                                   ""])  # "" labels a negative example: not a date
def test_valid_labels(label):
    assert is_valid_label(label)


@pytest.mark.parametrize("label", [
    "2001-02-30", "2001-04-31", "1900-02-29",  # impossible dates
    "1899-12-31", "2100-01-01", "2150-05-03",  # out of the generator's range
    "not a date", " ", "2001-2-3", "20010203", "2001-W05-6", "2001-02-03T00:00", " 2001-02-03",
    "2001-02-03 ", "２００１-０２-０３",  # not exactly YYYY-MM-DD
])
def test_invalid_labels(label):
    assert not is_valid_label(label)


def _batch(labels: list[str]) -> pa.RecordBatch:
    column = pa.array([[label.encode()] for label in labels], pa.large_list(pa.large_binary()))
    return pa.RecordBatch.from_arrays([column], ["iso"])


def test_label_check_counts_every_invalid_label_and_quotes_a_few():
    batches = [_batch(["1979-05-03"] * 5 + ["2001-02-30", "not a date", ""]),
               _batch(["not a date", "2150-05-03"] + [f"bad-{i:02}" for i in range(20)]),
               _batch(["2000-02-29"]),
               pa.RecordBatch.from_arrays([pa.array([[b"x"]])], ["human"])]  # no label column: skipped
    with beam.Pipeline(argv=IN_MEMORY_BEAM_ARGS) as p:
        found = p | beam.Create(batches, reshuffle=False) | beam.CombineGlobally(InvalidLabelsFn())
        # Every invalid value is counted; the ten smallest distinct ones are quoted, whatever the batching.
        beam_testing.assert_that(found, beam_testing.equal_to([InvalidLabels(
            count=24, examples=("2001-02-30", "2150-05-03") + tuple(f"bad-{i:02}" for i in range(8)))]))


def _write_split(examples: standard_artifacts.Examples, split: str, rows: list[tuple[str, str, str]]) -> None:
    folder = artifact_utils.get_split_uri([examples], split)
    os.makedirs(folder)
    with tf.io.TFRecordWriter(os.path.join(folder, "data.gz"), "GZIP") as writer:
        for row in rows:
            feature = {k: tf.train.Feature(bytes_list=tf.train.BytesList(value=[v.encode()]))
                       for k, v in zip(("human", "iso", "format"), row, strict=True)}
            writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())


def _run_gate(tmp_path, rows_by_split: dict[str, list[tuple[str, str, str]]],
              validator_found: dict[str, anomalies_pb2.Anomalies]) -> standard_artifacts.ExampleAnomalies:
    """Runs AnomaliesGate's executor as TFX does, on in-memory Beam, over examples written as TFRecords."""
    splits = artifact_utils.encode_split_names(list(rows_by_split))
    examples = standard_artifacts.Examples()
    examples.uri, examples.split_names = str(tmp_path / "examples"), splits
    examples.set_string_custom_property("payload_format", "FORMAT_TF_EXAMPLE")
    for split, rows in rows_by_split.items():
        _write_split(examples, split, rows)
    anomalies = standard_artifacts.ExampleAnomalies()
    anomalies.uri, anomalies.split_names = str(tmp_path / "anomalies"), splits
    for split in rows_by_split:
        path = os.path.join(artifact_utils.get_split_uri([anomalies], split), ANOMALIES_FILE)
        os.makedirs(os.path.dirname(path))
        with open(path, "wb") as f:
            f.write(validator_found.get(split, anomalies_pb2.Anomalies()).SerializeToString())
    label_anomalies = standard_artifacts.ExampleAnomalies()
    label_anomalies.uri = str(tmp_path / "label_anomalies")
    context = base_beam_executor.BaseBeamExecutor.Context(beam_pipeline_args=IN_MEMORY_BEAM_ARGS,
                                                          tmp_dir=str(tmp_path / "tmp"))
    executor = AnomaliesGate.EXECUTOR_SPEC.executor_class(context)
    executor.Do({"anomalies": [anomalies], "examples": [examples]}, {"label_anomalies": [label_anomalies]}, {})
    return label_anomalies


def test_gate_passes_generated_data_and_records_an_empty_label_check(tmp_path):
    rows = [row[:3] for row in _rows(300, seed=1)]
    label_anomalies = _run_gate(tmp_path, {"train": rows[:250], "eval": rows[250:]}, {})
    by_split = load_split_anomalies(label_anomalies)
    assert set(by_split) == {"train", "eval"} and describe_anomalies(by_split) == []


def test_gate_names_schema_anomalies_and_every_split_with_impossible_labels(tmp_path):
    good = [("3 May 1979", "1979-05-03", "d_mmm_y")] * 20
    bad = [("30 Feb 2001", "2001-02-30", "d_mmm_y"), ("someday", "not a date", "d_mmm_y"),
           ("", "", "d_mmm_y")]  # the last one is a negative example, not an error
    validator_found = anomalies_pb2.Anomalies()
    missing = "Examples contain values missing from the schema: made_up_format"
    validator_found.anomaly_info["format"].description = missing
    with pytest.raises(DataAnomaliesError) as raised:
        _run_gate(tmp_path, {"train": good + bad, "eval": good, "test": good + bad[:1]}, {"train": validator_found})
    lines = str(raised.value).splitlines()[1:]
    assert [line.strip() for line in lines] == [
        f"train/format: {missing}",
        "test/iso: 1 label is not a real date in 1900-2099: '2001-02-30'",
        "train/iso: 2 labels are not real dates in 1900-2099, e.g. '2001-02-30', 'not a date'",
    ]

"""The generator, statistics, schema import and validation under LocalDagRunner."""

from __future__ import annotations

import os

import pytest
import tensorflow as tf
from ml_metadata.proto import metadata_store_pb2
from tfx import v1 as tfx
from tfx.orchestration import metadata

from components.anomalies_gate import DataAnomaliesError
from pipeline import pipeline as pipeline_lib
from tests.conftest import IN_MEMORY_BEAM_ARGS


def _run(p: tfx.dsl.Pipeline) -> None:
    tfx.orchestration.LocalDagRunner().run(p)


def _store(metadata_path: str):
    return metadata.Metadata(tfx.orchestration.metadata.sqlite_metadata_connection_config(metadata_path))


def _read_examples(uri: str) -> list[tf.train.Example]:
    files = tf.io.gfile.glob(os.path.join(uri, "*.gz"))
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP")
    return [tf.train.Example.FromString(r.numpy()) for r in dataset]


def _value(example: tf.train.Example, name: str) -> str:
    return example.features.feature[name].bytes_list.value[0].decode()


@pytest.mark.slow
def test_data_pipeline_records_artifacts_in_mlmd(tmp_path):
    metadata_path = str(tmp_path / "metadata.db")
    p = pipeline_lib.create_pipeline(
        pipeline_name="datenmt-data-test",
        pipeline_root=str(tmp_path / "root"),
        num_examples=2000,
        seed=3,
        splits={"train": 8, "eval": 1, "test": 1},
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            metadata_path),
        beam_pipeline_args=IN_MEMORY_BEAM_ARGS,
    )
    _run(p)

    with _store(metadata_path) as m:
        store = m.store
        by_type = {t.name: store.get_artifacts_by_type(t.name) for t in store.get_artifact_types()}
        for type_name in ("Examples", "ExampleStatistics", "Schema", "ExampleAnomalies"):
            assert len(by_type.get(type_name, [])) == 1, type_name
        executions = store.get_executions()
        assert executions and all(
            e.last_known_state == metadata_store_pb2.Execution.COMPLETE for e in executions)
        examples = by_type["Examples"][0]
        assert examples.properties["split_names"].string_value == '["train", "eval", "test"]'

    sizes, iso_by_split = {}, {}
    for split in ("train", "eval", "test"):
        rows = _read_examples(os.path.join(examples.uri, f"Split-{split}"))
        sizes[split] = len(rows)
        iso_by_split[split] = {_value(r, "iso") for r in rows}
        assert all(set(r.features.feature) == {"human", "iso", "format"} for r in rows)
    assert sum(sizes.values()) == 2000
    assert 1400 < sizes["train"] < 1800  # 8 of 10 hash buckets
    # Splits are partitioned by label: no date is in two splits.
    assert not iso_by_split["train"] & iso_by_split["eval"]
    assert not iso_by_split["train"] & iso_by_split["test"]


def _write_examples(path: str, rows: list[tuple[str, str, str]]) -> None:
    with tf.io.TFRecordWriter(path) as writer:
        for human, iso, fmt in rows:
            feature = {k: tf.train.Feature(bytes_list=tf.train.BytesList(value=[v.encode()]))
                       for k, v in (("human", human), ("iso", iso), ("format", fmt))}
            writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())


@pytest.mark.slow
def test_corrupted_labels_are_caught_and_stop_the_pipeline(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    good = [("3 May 1979", "1979-05-03", "d_mmm_y")] * 50
    bad = [("30 Feb 2001", "2001-02-30", "d_mmm_y"), ("someday", "not a date", "d_mmm_y"),
           ("3 May 1979", "1979-05-03", "made_up_format")]
    _write_examples(str(data_dir / "data.tfrecord"), good + bad)
    example_gen = tfx.components.ImportExampleGen(input_base=str(data_dir))
    metadata_path = str(tmp_path / "metadata.db")
    p = tfx.dsl.Pipeline(
        pipeline_name="datenmt-corrupt-test",
        pipeline_root=str(tmp_path / "root"),
        components=[example_gen, *pipeline_lib.create_data_validation(
            example_gen.outputs["examples"], pipeline_lib.schemas.SCHEMA_PATH)],
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            metadata_path),
        beam_pipeline_args=IN_MEMORY_BEAM_ARGS,
    )
    with pytest.raises(DataAnomaliesError) as raised:
        _run(p)
    message = str(raised.value)
    assert "iso" in message and "2001-02-30" in message and "not a date" in message
    assert "format" in message and "made_up_format" in message

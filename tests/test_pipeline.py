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


@pytest.fixture(scope="module")
def metadata_path(tmp_path_factory):
    """One small run of the pipeline (tuning on, one short epoch); its ML Metadata store."""
    tmp_path = tmp_path_factory.mktemp("pipeline")
    path = str(tmp_path / "metadata.db")
    _run(pipeline_lib.create_pipeline(
        pipeline_name="datenmt-pipeline-test",
        pipeline_root=str(tmp_path / "root"),
        num_examples=2000,
        seed=3,
        splits={"train": 8, "eval": 1, "test": 1},
        training_config={"epochs": 1, "batch_size": 100},
        enable_tuning=True,
        tuning_config={"max_trials": 2, "epochs": 1, "batch_size": 100},
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(path),
        beam_pipeline_args=IN_MEMORY_BEAM_ARGS,
    ))
    return path


@pytest.mark.slow
def test_data_pipeline_records_artifacts_in_mlmd(metadata_path):
    with _store(metadata_path) as m:
        store = m.store
        by_type = {t.name: store.get_artifacts_by_type(t.name) for t in store.get_artifact_types()}
        for component, type_name in (("SyntheticDateExampleGen", "Examples"),
                                     ("StatisticsGen", "ExampleStatistics"),
                                     ("ImportSchemaGen", "Schema"),
                                     ("ExampleValidator", "ExampleAnomalies")):
            produced = [a for a in by_type.get(type_name, []) if f"/{component}/" in a.uri]
            assert len(produced) == 1, (component, type_name)
        generated = [a for a in by_type["Examples"] if "/SyntheticDateExampleGen/" in a.uri]
        executions = store.get_executions()
        assert executions and all(
            e.last_known_state == metadata_store_pb2.Execution.COMPLETE for e in executions)
        examples = generated[0]
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


@pytest.mark.slow
def test_pipeline_tunes_trains_and_exports(metadata_path):
    with _store(metadata_path) as m:
        store = m.store
        hyperparameters = store.get_artifacts_by_type("HyperParameters")
        models = store.get_artifacts_by_type("Model")
        assert len(hyperparameters) == 1 and len(models) == 1
        assert len(store.get_artifacts_by_type("TransformGraph")) == 1
    with open(os.path.join(hyperparameters[0].uri, "best_hyperparameters.txt")) as f:
        best = f.read()
    assert '"n_a"' in best and '"n_s"' in best
    loaded = tf.saved_model.load(os.path.join(models[0].uri, "Format-Serving"))
    out = loaded.signatures["serving_default"](human=tf.constant(["3 May 1979"]))
    assert out["iso"].shape == (1,)


def test_pipeline_needs_train_and_eval_splits(tmp_path):
    with pytest.raises(ValueError, match="eval"):
        pipeline_lib.create_pipeline(
            pipeline_name="x", pipeline_root=str(tmp_path), num_examples=10, seed=0,
            splits={"train": 1})

"""The whole pipeline end to end: LocalDagRunner and BeamDagRunner, ML Metadata, the gate, Pusher, cache, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import tensorflow as tf
from ml_metadata.proto import metadata_store_pb2
from tfx import v1 as tfx
from tfx.orchestration import metadata

from components.anomalies_gate import DataAnomaliesError
from components.date_example_gen import executor as example_gen_executor
from data_gen import grammar, languages
from pipeline import main_job
from pipeline import pipeline as pipeline_lib
from tests.helpers import IN_MEMORY_BEAM_ARGS, main_job_settings


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
def metadata_path(runs):
    return runs.metadata_path


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
            e.last_known_state in (metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED)
            for e in executions)
        examples = generated[0]
        assert examples.properties["split_names"].string_value == '["train", "eval", "test"]'

    sizes, iso_by_split, families = {}, {}, {}
    for split in ("train", "eval", "test"):
        rows = _read_examples(os.path.join(examples.uri, f"Split-{split}"))
        sizes[split] = len(rows)
        # "": not a date; held-out families go to the test split whatever their date.
        iso_by_split[split] = {_value(r, "iso") for r in rows
                               if not grammar.is_held_out(_value(r, "format"))} - {""}
        families[split] = {_value(r, "format") for r in rows}
        assert all(set(r.features.feature) == {"human", "iso", "format", "language", "day_first", "written"}
                   for r in rows)
        assert {_value(r, "language") for r in rows} <= set(languages.LANGUAGES)
    assert sum(sizes.values()) == 2000
    assert 1400 < sizes["train"] < 1800  # 8 of 10 hash buckets
    # Splits are partitioned by label: no date is in two splits (held-out families aside).
    assert not iso_by_split["train"] & iso_by_split["eval"]
    assert not iso_by_split["train"] & iso_by_split["test"]
    # Held-out families are only in the test split, as slices of their own.
    held_out = set(grammar.HELD_OUT_FAMILIES)
    assert held_out & families["test"] and not held_out & (families["train"] | families["eval"])


def test_the_example_gen_writes_each_examples_language():
    example = grammar.DateExample("3 mai 1979", "1979-05-03", "word_dmy", True, "fr")
    written = example_gen_executor.to_tf_example(example)
    assert {k: _value(written, k) for k in ("human", "iso", "format", "language")} == {
        "human": "3 mai 1979", "iso": "1979-05-03", "format": "word_dmy", "language": "fr"}
    assert written.features.feature["day_first"].int64_list.value == [1]
    generated = list(grammar.generate(50, seed=1))
    assert [_value(example_gen_executor.to_tf_example(e), "language") for e in generated] == [
        e.language for e in generated]


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
        models = [a for a in store.get_artifacts_by_type("Model") if "/Trainer/" in a.uri]
        assert len(hyperparameters) == 1 and len(models) == 1
        assert len(store.get_artifacts_by_type("TransformGraph")) == 1
    with open(os.path.join(hyperparameters[0].uri, "best_hyperparameters.txt")) as f:
        best = f.read()
    assert '"n_a"' in best and '"n_s"' in best
    loaded = tf.saved_model.load(os.path.join(models[0].uri, "Format-Serving"))
    out = loaded.signatures["serving_default"](human=tf.constant(["3 May 1979"]), day_first=tf.constant([False]))
    assert out["iso"].shape == (1,)


def test_pipeline_needs_train_and_eval_splits(tmp_path):
    with pytest.raises(ValueError, match="eval"):
        pipeline_lib.create_pipeline(
            pipeline_name="x", pipeline_root=str(tmp_path), num_examples=10, seed=0,
            splits={"train": 1}, training_config={"epochs": 1, "batch_size": 1, "patience": 1, "seed": 1},
            tuning_config=None, accuracy_threshold=0.5, max_accuracy_drop=0.0)


ALL_COMPONENTS = ["ImportSchemaGen", "SyntheticDateExampleGen", "StatisticsGen", "ExampleValidator", "AnomaliesGate",
                  "Transform", "Tuner", "Trainer", "serving_model_baseline", "Evaluator"]
UP_TO_TRAINER = ["SyntheticDateExampleGen", "StatisticsGen", "ExampleValidator", "Transform", "Tuner", "Trainer"]


def _states(summary) -> dict[str, str]:
    return {c.node_id: c.state for c in summary.components}


@pytest.mark.slow
def test_first_run_executes_every_component_and_records_its_artifacts(runs):
    states = _states(runs.unreachable)
    assert [c.node_id for c in runs.unreachable.components] == ALL_COMPONENTS  # Pusher skipped
    assert set(states.values()) == {"COMPLETE"}
    with _store(runs.metadata_path) as m:
        for component, type_name in (("Transform", "TransformGraph"), ("Tuner", "HyperParameters"),
                                     ("Trainer", "Model"), ("Trainer", "ModelRun"),
                                     ("Evaluator", "ModelEvaluation"), ("Evaluator", "ModelBlessing")):
            produced = [a for a in m.store.get_artifacts_by_type(type_name) if f"/{component}/" in a.uri]
            assert produced, (component, type_name)
        (tuner_results,) = m.store.get_artifacts_by_type("TunerResults")
    with open(os.path.join(tuner_results.uri, "trials.json")) as f:
        trials = json.load(f)
    assert len(trials) == 2 and all(t["seconds"] > 0 and set(t["hyperparameters"]) == {"n_a", "n_s"}
                                    for t in trials)


@pytest.mark.slow
def test_runs_leave_nothing_in_the_temporary_directory(runs):
    """TFX builds a 52 MB package of itself in a temporary directory for each Beam component and keeps it."""
    assert runs.left_in_temp_dir == []


@pytest.mark.slow
def test_unreachable_threshold_is_not_blessed_and_nothing_is_pushed(runs):
    assert runs.unreachable.blessed is False
    assert runs.unreachable.pushed_to is None
    assert runs.unreachable.exact_match is not None and runs.unreachable.examples > 100
    assert runs.pushed_after_unreachable == []
    assert "NOT blessed" in "\n".join(runs.unreachable.lines())
    # The summary names each gated slice that missed exact match 1.0: overall, and each language below it.
    failures = runs.unreachable.gate_failures
    assert all(f.endswith("below 1.0000") for f in failures)
    assert [f for f in failures if f.startswith("overall: exact match")] != []
    below = {lang.language for lang in runs.unreachable.languages if lang.exact_match < 1}
    assert {f.split()[1] for f in failures if f.startswith("language ")} == below
    assert len(failures) == 1 + len(below)
    assert runs.pushed.gate_failures == []


@pytest.mark.slow
def test_evaluation_is_whole_string_and_sliced_by_format_and_language(runs):
    result = runs.pushed
    formats = {f.format for f in result.formats}
    assert len(formats) > 20  # most of the 29 families occur in ~200 test examples
    assert sum(f.examples for f in result.formats) == result.examples
    # The overall figure is the example-weighted mean of the per-format ones.
    weighted = sum(f.exact_match * f.examples for f in result.formats) / result.examples
    assert result.exact_match == pytest.approx(weighted)
    assert [f.exact_match for f in result.formats] == sorted(f.exact_match for f in result.formats)
    # And by language, and by language x format, each adding up to the whole.
    assert result.languages and {lang.language for lang in result.languages} <= set(languages.LANGUAGES)
    assert sum(lang.examples for lang in result.languages) == result.examples
    weighted = sum(lang.exact_match * lang.examples for lang in result.languages) / result.examples
    assert result.exact_match == pytest.approx(weighted)
    assert set(result.formats_by_language) == {lang.language for lang in result.languages}
    for lang in result.languages:
        assert sum(f.examples for f in result.formats_by_language[lang.language]) == lang.examples


@pytest.mark.slow
def test_low_threshold_blesses_and_pushes_a_versioned_model(runs):
    assert runs.pushed.blessed is True
    serving_dir = runs.settings.serving_model_dir
    assert runs.pushed.pushed_to and os.path.dirname(runs.pushed.pushed_to) == serving_dir
    assert os.path.basename(runs.pushed.pushed_to).isdigit()
    assert tf.saved_model.contains_saved_model(runs.pushed.pushed_to)
    states = _states(runs.pushed)
    assert all(states[c] == "CACHED" for c in UP_TO_TRAINER)  # only the threshold changed
    assert states["Evaluator"] == states["Pusher"] == "COMPLETE"


@pytest.mark.slow
def test_pushed_version_carries_tf_serving_warmup_requests(runs):
    from tensorflow_serving.apis import prediction_log_pb2

    from models import export

    path = os.path.join(runs.pushed.pushed_to, export.WARMUP_FILE)
    assert os.path.isfile(path)  # the Pusher copied it with the SavedModel
    records = [prediction_log_pb2.PredictionLog.FromString(r.numpy()) for r in tf.data.TFRecordDataset(path)]
    assert [log.predict_log.request for log in records] == [log.predict_log.request for log in export.warmup_requests()]


@pytest.mark.slow
def test_rerun_with_nothing_changed_is_served_from_cache(runs):
    # Everything is reused, the baseline lookup, the evaluation and the push included (the same candidate).
    states = _states(runs.again)
    assert set(states) == set(ALL_COMPONENTS) | {"Pusher"}
    assert set(states.values()) == {"CACHED"}
    assert runs.again.blessed is True
    assert runs.again.pushed_to == runs.pushed.pushed_to


def _datenmt(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    script = os.path.join(os.path.dirname(sys.executable), "datenmt")
    return subprocess.run([script, *args], input=stdin, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_cli_translates_with_the_latest_pushed_model(runs, tmp_path):
    inputs = ["3 may 1979", "tuesday april 5 2001", "25.06.09"]
    # A push killed mid-copy (no saved_model.pb, which the Pusher writes last) is skipped, as TF Serving skips it.
    half_written = os.path.join(os.path.dirname(runs.pushed.pushed_to), "9999999999")
    os.makedirs(os.path.join(half_written, "variables"))
    try:
        plain = _datenmt("translate", *inputs, "--output-dir", runs.output_dir)
    finally:
        os.rmdir(os.path.join(half_written, "variables"))
        os.rmdir(half_written)
    assert plain.returncode == 0, plain.stderr
    assert plain.stderr == ""  # TensorFlow's start-up lines go to the log, not the console
    lines = plain.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == inputs
    for fields in (line.split("\t") for line in lines):  # a date and its confidence, or a refusal
        assert fields[1] == "not a date" or (len(fields[1]) == 10 and 0 < float(fields[2]) <= 1)

    attention = tmp_path / "attention.png"
    js = _datenmt("translate", "-", "--json", "--output-dir", runs.output_dir, "--attention", str(attention),
                  stdin="3 may 1979\n\n" + "1 " * 40 + "\n25.06.09\n")
    assert js.returncode == 1  # some inputs failed; the others were still translated
    rows = [json.loads(line) for line in js.stdout.splitlines()]
    assert [r["input"] for r in rows] == ["3 may 1979", "", "1 " * 40, "25.06.09"]
    assert set(rows[0]) in ({"input", "iso", "is_date", "confidence", "ambiguous", "uncertain", "flags"},
                            {"input", "iso", "is_date", "confidence", "ambiguous", "uncertain", "flags", "warnings"},
                            {"input", "is_date", "refusal", "reason", "confidence"})
    assert rows[1]["error"] == "empty input"
    assert "too long" in rows[2]["error"]
    assert rows[3].get("iso", "not a date") == lines[2].split("\t")[1]
    assert attention.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_beam_dag_runner_retrains_with_imported_hyperparameters(runs, tmp_path):
    """TFX's BeamDagRunner runs the whole pipeline; routine retraining imports a previous run's
    best_hyperparameters with an Importer node instead of searching, and the Trainer uses them."""
    with _store(runs.metadata_path) as m:
        (imported,) = m.store.get_artifacts_by_type("HyperParameters")
    with open(os.path.join(imported.uri, "best_hyperparameters.txt")) as f:
        sizes = {k: v for k, v in json.load(f)["values"].items() if k in ("n_a", "n_s")}
    result = main_job.run(main_job_settings(str(tmp_path), "--runner", "beam", "--no-tracking",
                                            "--hyperparameters", imported.uri,
                                            "--num-examples", "1000", "--accuracy-threshold", "0"))
    states = _states(result)
    assert set(states) == (set(ALL_COMPONENTS) - {"Tuner"}) | {"Pusher", pipeline_lib.HYPERPARAMETERS_IMPORTER_ID}
    assert set(states.values()) == {"COMPLETE"}
    assert result.blessed and result.pushed_to
    with _store(os.path.join(str(tmp_path), "metadata", "metadata.db")) as m:
        (model_run,) = m.store.get_artifacts_by_type("ModelRun")
    with open(os.path.join(model_run.uri, "model.json")) as f:
        trained = json.load(f)
    assert {k: trained[k] for k in sizes} == sizes

"""The main job's pieces that need no pipeline run: flags, evaluation config, progress, CLI input handling."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import time

import pytest

from components import gated_evaluator
from data_gen import languages
from models import features
from models import saved_model as serving
from pipeline import configs, console, evaluation, flags, main_job
from reporting import progress
from serving import cli


def _settings(*argv: str) -> configs.Settings:
    return flags.settings_from_args(flags.build_parser("test").parse_args(list(argv)))


def test_defaults_are_the_embedded_configuration(tmp_path):
    assert set(configs.RUNNER_NAMES) == set(main_job.RUNNERS)
    settings = _settings()
    assert settings == configs.Settings()
    assert (settings.runner, settings.num_examples, settings.tuning, settings.accuracy_threshold) == (
        "local", 200000, True, 0.95)
    p = main_job.pipeline_from_settings(_settings("--output-dir", str(tmp_path)))
    assert p.pipeline_info.pipeline_root == str(tmp_path / "pipeline_root")
    assert p.beam_pipeline_args == list(configs.Settings().beam_args)
    ids = [c.id for c in p.components]
    assert ids.index("Tuner") < ids.index("Trainer") < ids.index("Evaluator") < ids.index("Pusher") == len(ids) - 1


def test_serving_directory_follows_the_output_dir_or_its_own_setting(tmp_path, monkeypatch):
    def push_base(p):
        pusher = next(c for c in p.components if c.id == "Pusher")
        return json.loads(pusher.exec_properties["push_destination"])["filesystem"]["base_directory"]

    assert push_base(main_job.pipeline_from_settings(_settings("--output-dir", str(tmp_path)))) == str(
        tmp_path / "serving_model")
    monkeypatch.setenv("DATENMT_SERVING_MODEL_DIR", "/srv/models/datenmt")
    assert push_base(main_job.pipeline_from_settings(_settings("--output-dir", str(tmp_path)))) == (
        "/srv/models/datenmt")


def test_flags_override_and_beam_args_replace_the_defaults(tmp_path):
    p = main_job.pipeline_from_settings(_settings("--output-dir", str(tmp_path), "--no-tuning",
                                                  "--beam-arg=--runner=FlinkRunner",
                                                  "--beam-arg=--flink_master=localhost:8081"))
    assert p.beam_pipeline_args == ["--runner=FlinkRunner", "--flink_master=localhost:8081"]
    assert "Tuner" not in [c.id for c in p.components]


@pytest.mark.parametrize("flags", [["--num-examples", "0"], ["--epochs", "-1"], ["--accuracy-threshold", "-0.5"],
                                   ["--max-accuracy-drop", "nan"], ["--runner", "airflow"],
                                   ["--accuracy-threshold", "2"], ["--batch-size", "0"], ["--beam-arg", "runner"]])
def test_bad_flags_are_rejected_with_a_message(flags, capsys):
    with pytest.raises(SystemExit):
        _settings(*flags)
    assert "error: argument" in capsys.readouterr().err


def test_eval_config_gates_overall_and_every_language_and_slices_by_language_and_format():
    config = evaluation.create_eval_config(0.95, 0.002)
    spec = config.model_specs[0]
    assert (spec.signature_name, spec.label_key, spec.prediction_key) == ("evaluate", "iso", "iso")
    assert [list(s.feature_keys) for s in config.slicing_specs] == [
        [], ["language"], ["format"], ["language", "format"]]
    exact = next(m for m in config.metrics_specs[0].metrics if m.class_name == "ExactMatch")
    # Overall and each language on its own; formats and language x format slices are reported, not gated.
    assert [[list(s.feature_keys) for s in gate.slicing_specs] for gate in exact.per_slice_thresholds] == [
        [[]], [["language"]]]
    for gate in exact.per_slice_thresholds:
        assert gate.threshold.value_threshold.lower_bound.value == 0.95
        assert gate.threshold.change_threshold.absolute.value == pytest.approx(-0.002)
    with pytest.raises(ValueError):
        evaluation.create_eval_config(0.95, -0.1)
    assert gated_evaluator.thresholds_of(config) == {"accuracy_threshold": 0.95, "max_accuracy_drop": 0.002}
    # The Evaluator's scalar parameters replace the thresholds, every gated slice's, when it runs.
    replaced = gated_evaluator.with_thresholds(config, 0.5, 0.1)
    assert gated_evaluator.thresholds_of(replaced) == {"accuracy_threshold": 0.5, "max_accuracy_drop": 0.1}
    gates = next(m for m in replaced.metrics_specs[0].metrics if m.class_name == "ExactMatch").per_slice_thresholds
    assert [list(g.slicing_specs[0].feature_keys) for g in gates] == [[], ["language"]]
    assert all(g.threshold.value_threshold.lower_bound.value == 0.5 for g in gates)
    assert all(g.threshold.change_threshold.absolute.value == pytest.approx(-0.1) for g in gates)


def _validate(config, slice_key: tuple, exact_match: float) -> bool:
    """TFMA's own check of one slice's exact match against `config`'s thresholds (no baseline)."""
    from tensorflow_model_analysis.evaluators import metrics_validator
    from tensorflow_model_analysis.metrics import metric_types
    from tensorflow_model_analysis.utils import config_util

    config = config_util.update_eval_config_with_defaults(config, has_baseline=False, rubber_stamp=True)
    metrics = {metric_types.MetricKey(name="exact_match", model_name=config.model_specs[0].name): exact_match,
               metric_types.MetricKey(name="example_count", model_name=config.model_specs[0].name): 10}
    return metrics_validator.validate_metrics((slice_key, metrics), config).validation_ok


@pytest.mark.parametrize("language", languages.LANGUAGES)
def test_tfma_gates_each_language_slice_but_not_formats_or_their_crossing(language):
    config = evaluation.create_eval_config(0.95, 0.002)
    assert _validate(config, (), 0.96) and not _validate(config, (), 0.94)
    by_language = (("language", language),)
    assert _validate(config, by_language, 0.96) and not _validate(config, by_language, 0.94)
    assert _validate(config, (("format", "word_dmy"),), 0.5)
    assert _validate(config, (("language", language), ("format", "word_dmy")), 0.5)


class _RightButInFrench:
    """A SavedModel whose `evaluate` signature answers every example's label, except French ones ("")."""

    @staticmethod
    def save(path: str) -> None:
        import tensorflow as tf

        spec = {k: tf.io.FixedLenFeature([1], tf.string) for k in (features.ISO_KEY, features.LANGUAGE_KEY)}

        class Module(tf.Module):
            @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
            def evaluate(self, examples):
                parsed = {k: tf.reshape(v, [-1]) for k, v in tf.io.parse_example(examples, spec).items()}
                wrong = tf.equal(parsed[features.LANGUAGE_KEY], "fr")
                return {features.ISO_KEY: tf.where(wrong, "", parsed[features.ISO_KEY])}

        module = Module()
        tf.saved_model.save(module, path, signatures={evaluation.EVAL_SIGNATURE: module.evaluate})


def test_a_model_good_overall_but_below_the_threshold_in_one_language_is_not_blessed(tmp_path):
    """The Evaluator itself (GatedEvaluator's executor, TFX's and TFMA's code) on 100 examples: right on 90
    English ones, wrong on the 10 French ones. Overall (0.90) and every format but word_dmy pass 0.85; French
    fails, and so does the model. The summary says which slice failed."""
    import os
    import shutil

    import tensorflow as tf
    from google.protobuf import json_format
    from tfx.dsl.components.base import base_beam_executor
    from tfx.types import artifact_utils, standard_artifacts
    from tfx.utils import path_utils

    import schemas
    from components.date_example_gen import executor as example_gen_executor
    from data_gen import grammar
    from reporting import summary
    from tests.helpers import IN_MEMORY_BEAM_ARGS

    english = [grammar.DateExample(f"{d} May 1979", f"1979-05-{d:02}", "word_dmy", False, "en") for d in range(1, 11)]
    english += [grammar.DateExample(f"{m}/3/1980", f"1980-{m:02}-03", "numeric_mdy", False, "en")
                for m in range(1, 13)] * 6 + [grammar.DateExample("tomorrow", "", "not_date_relative", False, "en")] * 8
    french = [grammar.DateExample(f"{d} mai 1979", f"1979-05-{d:02}", "word_dmy", True, "fr") for d in range(1, 11)]
    assert (len(english), len(french)) == (90, 10)
    examples = standard_artifacts.Examples()
    examples.uri, examples.split_names = str(tmp_path / "examples"), artifact_utils.encode_split_names(["test"])
    os.makedirs(os.path.join(examples.uri, "Split-test"))
    with tf.io.TFRecordWriter(os.path.join(examples.uri, "Split-test", "data.gz"), "GZIP") as writer:
        for example in english + french:
            writer.write(example_gen_executor.to_tf_example(example).SerializeToString())
    model = standard_artifacts.Model()
    model.uri = str(tmp_path / "model")
    _RightButInFrench.save(path_utils.serving_model_path(model.uri))
    schema = standard_artifacts.Schema()
    schema.uri = str(tmp_path / "schema")
    os.makedirs(schema.uri)
    shutil.copy(schemas.SCHEMA_PATH, schema.uri)
    result, blessing = standard_artifacts.ModelEvaluation(), standard_artifacts.ModelBlessing()
    result.uri, blessing.uri = str(tmp_path / "evaluation"), str(tmp_path / "blessing")
    context = base_beam_executor.BaseBeamExecutor.Context(beam_pipeline_args=IN_MEMORY_BEAM_ARGS,
                                                          tmp_dir=str(tmp_path / "tmp"))
    gated_evaluator.Executor(context).Do(
        {"examples": [examples], "model": [model], "schema": [schema]},
        {"evaluation": [result], "blessing": [blessing]},
        {"eval_config": json_format.MessageToJson(evaluation.create_eval_config(0.0, 0.0)),
         "example_splits": json.dumps(["test"]), "accuracy_threshold": 0.85, "max_accuracy_drop": 0.0})

    assert blessing.get_int_custom_property("blessed") == 0
    assert summary.gate_failures(result.uri) == ["language fr (French): exact match 0.0000 below 0.8500"]
    by_slice = summary.exact_match_by_slice(result.uri)
    assert by_slice[()] == (pytest.approx(0.9), 100)
    assert by_slice[(("language", "en"),)] == (1.0, 90) and by_slice[(("language", "fr"),)] == (0.0, 10)
    assert by_slice[(("format", "word_dmy"),)] == (0.5, 20)  # below 0.85, but formats are not gated
    assert {dict(k).get("format") for k in by_slice if set(dict(k)) == {"language", "format"}} == {
        "word_dmy", "numeric_mdy", "not_date_relative"}


def _log(message: str, *args) -> logging.LogRecord:
    return logging.LogRecord("absl", logging.INFO, __file__, 0, message, args, None)


def test_progress_prints_one_line_per_component_event():
    out = io.StringIO()
    handler = progress.ComponentProgress(total=3, stream=out)
    for record in [_log("Component %s is running.", "ExampleGen"), _log("A cached execution %d is used.", 4),
                   _log("Component %s is finished.", "ExampleGen"), _log("node %s is running.", "Trainer"),
                   _log("unrelated"), _log("node %s is finished.", "Trainer"),
                   _log("Component %s is running.", "Pusher"), _log("Skipping execution for %s", "Pusher"),
                   _log("Component %s is finished.", "Pusher")]:
        handler.emit(record)
    lines = out.getvalue().splitlines()
    assert lines[0] == "[1/3] ExampleGen running"
    assert lines[1].startswith("[1/3] ExampleGen reused from cache in ")
    assert lines[3].startswith("[2/3] Trainer finished in ")
    assert lines[5].startswith("[3/3] Pusher skipped")
    assert len(lines) == 6


def test_latest_model_dir_picks_the_newest_numbered_version(tmp_path):
    with pytest.raises(serving.NoPushedModelError, match="make run"):
        serving.latest_model_dir(str(tmp_path / "serving"))
    (tmp_path / "serving" / "1900000000" / "variables").mkdir(parents=True)  # half-written: no saved_model.pb
    with pytest.raises(serving.NoPushedModelError, match="1 incomplete version"):
        serving.latest_model_dir(str(tmp_path / "serving"))
    for name in ("1700000000", "1800000000", "notes", "999"):
        (tmp_path / "serving" / name).mkdir(parents=True)
        (tmp_path / "serving" / name / "saved_model.pb").write_bytes(b"")
    # The newest complete version: a push still being copied (or killed mid-copy) is skipped.
    assert serving.latest_model_dir(str(tmp_path / "serving")) == str(tmp_path / "serving" / "1800000000")


@pytest.mark.parametrize("length, unknown, error", [
    (10, "", None), (0, "", "empty input"), (features.INPUT_LENGTH, "", None),
    (features.INPUT_LENGTH + 1, "", "input too long"), (5, "ß", "never seen in training")])
def test_input_errors(length, unknown, error):
    found = serving.input_error(length, unknown)
    assert found is None if error is None else error in found


def test_inputs_keep_their_order_and_dash_reads_stdin():
    stdin = io.StringIO("b\r\n\nc\n")
    assert list(cli.read_inputs(["a", "-", "d"], stdin)) == ["a", "b", "", "c", "d"]


def test_output_lines():
    ok = serving.Translation("3 may 1979", iso="1979-05-03", is_date=True, confidence=0.98765, ambiguous=False)
    both = serving.Translation("03/04/2001", iso="2001-03-04", is_date=True, confidence=0.9, ambiguous=True)
    refused = serving.Translation("june 2009", is_date=False, confidence=0.99, ambiguous=False, refusal="incomplete")
    ranged = serving.Translation("3-5 may 2009", is_date=False, confidence=0.97, ambiguous=False, refusal="range")
    conflict = serving.Translation("friday march 11 1905", iso="1905-03-11", is_date=True, confidence=0.99,
                                   ambiguous=False, uncertain=True, flags=(serving.WEEKDAY_CONFLICT,),
                                   named_weekday="friday")
    bad = serving.Translation("", error="empty input")
    assert cli.format_line(ok, as_json=False) == "3 may 1979\t1979-05-03\t0.9877"
    assert cli.format_line(both, as_json=False) == "03/04/2001\t2001-03-04\t0.9000\tambiguous"
    assert cli.format_line(refused, as_json=False) == (
        "june 2009\tnot a date\t0.9900\tnot one complete date: a day, month or year is missing")
    assert cli.format_line(ranged, as_json=False) == (
        "3-5 may 2009\tnot a date\t0.9700\ta range or list of dates, not one date")
    assert cli.format_line(conflict, as_json=False) == "friday march 11 1905\t1905-03-11\t0.9900\tuncertain"
    assert conflict.warnings() == ["the text names Friday, but 1905-03-11 is a Saturday"]
    assert cli.format_line(bad, as_json=False) == "\terror: empty input"
    assert cli.format_line(ok, as_json=True) == (
        '{"input": "3 may 1979", "iso": "1979-05-03", "is_date": true, "confidence": 0.98765, "ambiguous": false, '
        '"uncertain": false, "flags": []}')
    assert json.loads(cli.format_line(refused, as_json=True)) == {
        "input": "june 2009", "is_date": False, "refusal": "incomplete",
        "reason": "not one complete date: a day, month or year is missing", "confidence": 0.99}
    assert json.loads(cli.format_line(conflict, as_json=True))["warnings"] == conflict.warnings()
    assert cli.format_line(bad, as_json=True) == '{"input": "", "error": "empty input"}'


def test_every_refusal_reason_is_said_in_words():
    from data_gen import families

    assert set(serving.REASON_TEXTS) == set(families.REFUSAL_REASONS)


def test_translate_without_a_pushed_model_says_what_to_do(tmp_path, capsys):
    assert cli.main(["translate", "3 may 1979", "--output-dir", str(tmp_path)]) == 2
    assert "no pushed model" in capsys.readouterr().err


def test_heartbeat_names_the_component_at_work_until_it_finishes():
    handler = progress.ComponentProgress(total=2, stream=io.StringIO())
    assert handler.heartbeat() is None
    handler.emit(_log("Component %s is running.", "Transform"))
    assert handler.heartbeat().startswith("[1/2] Transform still running (0 min ")
    handler.emit(_log("Component %s is finished.", "Transform"))
    assert handler.heartbeat() is None


def test_settings_refuse_bad_values_in_one_line():
    for bad in ({"accuracy_threshold": 2.0}, {"num_examples": 0}, {"runner": "airflow"},
                {"beam_args": ("runner=Flink",)}, {"hyperparameters": "/no/such/tuner/output"},
                {"trial_examples": 0}):
        with pytest.raises(configs.SettingsError) as raised:
            configs.Settings(**bad)
        assert "\n" not in str(raised.value) and next(iter(bad)).replace("_", "-") in str(raised.value)


def test_an_unknown_beam_runner_is_refused_before_any_work(tmp_path, capsys):
    code = console.main(["--output-dir", str(tmp_path), "--no-tracking", "--beam-arg=--runner=NoSuchBeamRunner"])
    err = capsys.readouterr().err
    assert code == 2 and "NoSuchBeamRunner" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "pipeline_root").exists() and not (tmp_path / "metadata").exists()


def test_libraries_write_to_the_log_file_and_progress_to_the_console(tmp_path, capfd):
    log = tmp_path / "out" / "datenmt.log"
    with console.libraries_to_log(str(log), verbose=False):
        # A child process (as Beam's workers and TensorFlow's C++ logging are) writing to stderr.
        subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('cuda chatter\\n'); print('epoch 1')"],
                       check=True)
    out, err = capfd.readouterr()
    assert "epoch 1" in out and "cuda chatter" not in out + err
    assert "cuda chatter" in log.read_text()


def test_heartbeat_speaks_only_when_the_console_is_silent():
    out = io.StringIO()
    with progress.reporting(total=1, stream=out, heartbeat_seconds=1.5) as handler:
        handler.emit(_log("Component %s is running.", "Transform"))
        for _ in range(4):  # an epoch line every half second keeps the heartbeat quiet
            print("epoch line", file=handler.stream, flush=True)
            time.sleep(0.5)
        assert "still running" not in out.getvalue()
        time.sleep(2.6)
    assert "[1/1] Transform still running" in out.getvalue()

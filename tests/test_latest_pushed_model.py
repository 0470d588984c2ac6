"""LatestPushedModel (the Evaluator's baseline: the model serving) and the GatedEvaluator's no-baseline path."""

from __future__ import annotations

import os

import pytest
from google.protobuf import json_format
from tfx.components.evaluator import executor as evaluator_executor
from tfx.types import standard_artifacts, standard_component_specs

from components import gated_evaluator, latest_pushed_model
from pipeline.evaluation import create_eval_config


def _run(serving_dir: str, output_dir: str) -> standard_artifacts.Model:
    baseline = standard_artifacts.Model()
    baseline.uri = output_dir
    os.makedirs(output_dir, exist_ok=True)
    model = standard_artifacts.Model()
    latest_pushed_model.Executor().Do({"model": [model]}, {"baseline_model": [baseline]},
                                      {"serving_model_dir": serving_dir})
    return baseline


def _push(serving_dir: str, version: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = os.path.join(serving_dir, version, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def test_first_run_finds_nothing_pushed(tmp_path):
    baseline = _run(str(tmp_path / "serving"), str(tmp_path / "out"))
    assert baseline.get_int_custom_property("found") == 0
    assert baseline.get_string_custom_property("pushed_version") == ""
    assert not latest_pushed_model.is_found(baseline)
    assert os.listdir(tmp_path / "out") == []


def test_the_newest_numbered_version_is_copied_where_the_evaluator_reads_a_model(tmp_path):
    serving = str(tmp_path / "serving")
    _push(serving, "1700000000", {"saved_model.pb": "old"})
    _push(serving, "1700000100", {"saved_model.pb": "new", "variables/variables.index": "v",
                                  "assets/human_chars": "abc"})
    os.makedirs(os.path.join(serving, "tmp-upload"))  # not a version
    baseline = _run(serving, str(tmp_path / "out"))
    assert baseline.get_int_custom_property("found") == 1 and latest_pushed_model.is_found(baseline)
    assert baseline.get_string_custom_property("pushed_version") == "1700000100"
    assert baseline.get_string_custom_property("source_uri") == os.path.join(serving, "1700000100")
    copied = tmp_path / "out" / "Format-Serving"  # path_utils.serving_model_path of the artifact
    assert (copied / "saved_model.pb").read_text() == "new"
    assert (copied / "variables" / "variables.index").read_text() == "v"
    assert (copied / "assets" / "human_chars").read_text() == "abc"


def test_a_half_written_newest_version_is_skipped_as_tf_serving_skips_it(tmp_path):
    serving = str(tmp_path / "serving")
    _push(serving, "1", {"saved_model.pb": "ok"})
    _push(serving, "2", {"variables/variables.index": "v"})  # a push in progress (Pusher writes the .pb last)
    baseline = _run(serving, str(tmp_path / "out"))
    assert baseline.get_string_custom_property("pushed_version") == "1"
    assert (tmp_path / "out" / "Format-Serving" / "saved_model.pb").read_text() == "ok"


@pytest.mark.parametrize("found, kept", [(0, False), (1, True), (None, True)])
def test_the_evaluator_drops_a_baseline_that_was_not_found(monkeypatch, found, kept):
    seen = {}
    monkeypatch.setattr(evaluator_executor.Executor, "Do",
                        lambda self, inputs, outputs, props: seen.update(inputs=inputs, props=props))
    baseline = standard_artifacts.Model()
    if found is not None:  # None: a baseline from elsewhere, without the property
        baseline.set_int_custom_property("found", found)
    config = create_eval_config(0.0, 0.0)
    gated_evaluator.Executor().Do(
        {"model": [standard_artifacts.Model()], standard_component_specs.BASELINE_MODEL_KEY: [baseline]}, {},
        {"eval_config": json_format.MessageToJson(config), "accuracy_threshold": 0.9, "max_accuracy_drop": 0.01})
    assert (standard_component_specs.BASELINE_MODEL_KEY in seen["inputs"]) is kept
    assert "model" in seen["inputs"]
    thresholds = gated_evaluator.thresholds_of(json_format.Parse(seen["props"]["eval_config"],
                                                                 gated_evaluator.tfma.EvalConfig()))
    assert thresholds == {"accuracy_threshold": 0.9, "max_accuracy_drop": 0.01}

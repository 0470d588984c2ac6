"""MLflow tracking: the default local store and a real `mlflow server` on loopback."""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.parse
import urllib.request

import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from models import mlflow_model, saved_model
from pipeline import configs, console, main_job
from reporting import plots, records, tracking
from reporting.summary import FormatResult, LanguageResult, RunSummary
from tests.helpers import main_job_settings, wait_until_answering

DEFAULTS = configs.Settings()


def _local_uri(output_dir: str) -> str:
    return tracking.local_settings(output_dir, DEFAULTS.mlflow_experiment, DEFAULTS.registered_model).tracking_uri


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    """A real MLflow tracking server (SQLite backend, proxied artifacts) on a free loopback port."""
    root = tmp_path_factory.mktemp("mlflow_server")
    port = _free_port()
    mlflow_cli = os.path.join(os.path.dirname(sys.executable), "mlflow")
    with open(root / "server.log", "w") as log:
        server = subprocess.Popen(
            [mlflow_cli, "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
             "--backend-store-uri", f"sqlite:///{root}/mlflow.db", "--artifacts-destination", str(root / "artifacts")],
            stdout=log, stderr=subprocess.STDOUT)
        uri = f"http://127.0.0.1:{port}"
        wait_until_answering(f"{uri}/health", server, root / "server.log", timeout=120, what="mlflow server")
        yield uri
        server.terminate()
        server.wait(timeout=30)


def _parents(client: MlflowClient, experiment: str) -> list:
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id], order_by=["attributes.start_time ASC"])
    return [r for r in runs if "mlflow.parentRunId" not in r.data.tags]


def _children(client: MlflowClient, parent) -> dict[str, list]:
    runs = client.search_runs([parent.info.experiment_id],
                              filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    by_kind: dict[str, list] = {}
    for r in runs:
        by_kind.setdefault(r.data.tags["datenmt.kind"], []).append(r)
    return by_kind


def _artifact_paths(client: MlflowClient, run_id: str, path: str = "") -> set[str]:
    found = set()
    for item in client.list_artifacts(run_id, path):
        found |= _artifact_paths(client, run_id, item.path) if item.is_dir else {item.path}
    return found


def _pipeline_spans(metadata_path: str, run_id: str) -> dict[str, tuple[int, int]]:
    """Straight from ML Metadata: when each component of a pipeline run started and ended (ms since the
    epoch), and the whole run's span under the key None."""
    store = records.open_sqlite_store(metadata_path)
    context = store.get_context_by_type_and_name("pipeline_run", run_id)
    spans = {}
    for execution in store.get_executions_by_context(context.id):
        (node,) = [c.name.split(".", 1)[1] for c in store.get_contexts_by_execution(execution.id) if c.type == "node"]
        spans[node] = (execution.create_time_since_epoch, execution.last_update_time_since_epoch)
    spans[None] = (min(s for s, _ in spans.values()), max(e for _, e in spans.values()))
    return spans


def _check_times(client: MlflowClient, parent, spans: dict) -> list[tuple[int, int]]:
    """The parent run spans the pipeline run and the trainer and evaluator runs their components; the trial
    runs follow one another. Returns the trial runs' (start, end)."""
    assert (parent.info.start_time, parent.info.end_time) == spans[None]
    children = _children(client, parent)
    for kind, node in (("trainer", "Trainer"), ("evaluator", "Evaluator")):
        (child,) = children[kind]
        assert (child.info.start_time, child.info.end_time) == spans[node]
    trials = sorted((r.info.start_time, r.info.end_time) for r in children["tuner_trial"])
    for (_, end), (start, _) in itertools.pairwise(trials):
        assert start == end
    return trials


def _check_run_tree(client: MlflowClient, parent, summary) -> None:
    """What every recorded pipeline run holds: trials, trainer and evaluator runs with their figures, a
    description, a source, and the generated examples as their dataset input."""
    assert parent.data.tags["tfx.pipeline_name"] == "datenmt-test"
    assert parent.data.tags[tracking.PIPELINE_RUN_TAG] == summary.run_id
    description = parent.data.tags["mlflow.note.content"]
    assert summary.run_id in description and "2,000 generated examples" in description
    assert f"exact match {summary.exact_match:.4f}" in description
    assert parent.data.tags["mlflow.source.type"] == "LOCAL" and parent.data.tags["mlflow.source.name"]
    assert tracking.TRIALS_PLOT in _artifact_paths(client, parent.info.run_id)
    (dataset_input,) = parent.inputs.dataset_inputs
    assert dataset_input.dataset.name == "datenmt-test-examples"
    assert json.loads(dataset_input.dataset.profile)["num_rows"] == 2000
    children = _children(client, parent)
    trials = children["tuner_trial"]
    assert len(trials) == 2
    for trial in trials:
        assert {"n_a", "n_s", "epochs"} <= set(trial.data.params)
        assert {"val_exact_match", "val_loss", "duration_seconds", "parameter_count"} <= set(trial.data.metrics)
        assert trial.data.tags["mlflow.note.content"].startswith("Tuner trial")
        assert trial.data.tags["mlflow.source.name"] == parent.data.tags["mlflow.source.name"]

    (trainer,) = children["trainer"]
    assert {"n_a", "n_s", "learning_rate", "confidence_exponent", "epochs", "batch_size", "data.num_examples",
            "data.seed", "data.catalogue_version"} <= set(trainer.data.params)
    assert trainer.data.params["data.num_examples"] == "2000"
    assert trainer.data.metrics["parameter_count"] > 0
    history = client.get_metric_history(trainer.info.run_id, "val_exact_match")
    assert [m.step for m in history] == [1]  # one epoch in the tiny run
    for key in ("loss", "char_accuracy", "exact_match", "final_val_exact_match"):
        assert key in trainer.data.metrics
    assert "human" in trainer.data.tags["model_signature"]
    assert {"training_curves.png", "attention_maps.png", "signatures.json", "history.json",
            "vocabularies/human_chars", "vocabularies/iso_chars"} <= _artifact_paths(client, trainer.info.run_id)

    (evaluator,) = children["evaluator"]
    for child, context in ((trainer, "training"), (evaluator, "evaluation")):
        (child_input,) = child.inputs.dataset_inputs
        assert child_input.dataset.digest == dataset_input.dataset.digest
        assert {t.key: t.value for t in child_input.tags}["mlflow.data.context"] == context
    assert evaluator.data.metrics["exact_match"] == pytest.approx(summary.exact_match)
    assert {f"exact_match.{f.format}" for f in summary.formats} <= set(evaluator.data.metrics)
    assert summary.languages  # every evaluated example has a language: the Evaluator reports each
    for lang in summary.languages:
        metric = f"exact_match.language.{lang.language}"
        assert evaluator.data.metrics[metric] == parent.data.metrics[metric] == pytest.approx(lang.exact_match)
    assert evaluator.data.tags["blessed"] == str(summary.blessed).lower()
    assert {"accuracy_threshold", "max_accuracy_drop"} <= set(evaluator.data.params)
    assert "evaluation_metrics.json" in _artifact_paths(client, evaluator.info.run_id)


@pytest.mark.slow
def test_default_local_store_records_every_run_and_registers_only_blessed_models(runs):
    client = MlflowClient(_local_uri(runs.output_dir))
    parents = _parents(client, DEFAULTS.mlflow_experiment)
    summaries = [runs.unreachable, runs.pushed, runs.again]
    assert [p.data.tags[tracking.PIPELINE_RUN_TAG] for p in parents] == [s.run_id for s in summaries]
    trial_times = []
    for parent, summary in zip(parents, summaries, strict=True):
        _check_run_tree(client, parent, summary)
        spans = _pipeline_spans(runs.metadata_path, summary.run_id)
        trial_times.append(_check_times(client, parent, spans))
        if summary is runs.unreachable:  # the Tuner ran its trials in this run
            assert trial_times[0][0][0] == spans["Tuner"][0] and trial_times[0][-1][1] <= spans["Tuner"][1]
    # The later runs reused the Tuner's results from cache: their trial runs are those trials, when they ran.
    assert trial_times[0] == trial_times[1] == trial_times[2]
    assert parents[0].data.tags["blessed"] == "false" and "registered_model_version" not in parents[0].data.tags
    experiment = client.get_experiment_by_name(DEFAULTS.mlflow_experiment)
    assert experiment.tags[tracking.EXPERIMENT_KIND_TAG] == "custom_model_development"

    versions = client.search_model_versions(f"name='{DEFAULTS.registered_model}'")
    # One version: the fully cached run (the same push) registered nothing new, but names the version.
    assert [v.tags["pushed_destination"] for v in versions] == [runs.pushed.pushed_to]
    for parent in parents[1:]:
        assert parent.data.tags["registered_model_version"] == f"{DEFAULTS.registered_model}/{versions[0].version}"
        assert parent.data.tags["pushed_destination"] == runs.pushed.pushed_to


@pytest.mark.slow
def test_mlmd_and_mlflow_link_both_ways(runs):
    client = MlflowClient(_local_uri(runs.output_dir))
    store = records.open_sqlite_store(runs.metadata_path)
    run = records.latest_run(store, "datenmt-test")
    mlflow_run_id = run.context.custom_properties[tracking.MLFLOW_RUN_PROPERTY].string_value
    parent = client.get_run(mlflow_run_id)
    assert parent.data.tags[tracking.PIPELINE_RUN_TAG] == run.run_id
    assert parent.data.tags["mlmd.pipeline_run_context_id"] == str(run.context.id)
    model = run.artifact("Model", "Trainer")  # a TFX artifact -> its run context -> the MLflow run
    assert run.context.id in [c.id for c in store.get_contexts_by_artifact(model.id)]


@pytest.mark.slow
def test_tracking_server_receives_the_run_and_the_registered_model(runs, mlflow_server):
    settings = main_job_settings(runs.output_dir, "--accuracy-threshold", "0", "--tracking-uri", mlflow_server,
                                 "--mlflow-experiment", "datenmt-server-test")
    result = main_job.run(settings)
    assert result.blessed and result.mlflow_run.startswith(mlflow_server)
    client = MlflowClient(mlflow_server)
    (parent,) = _parents(client, "datenmt-server-test")
    _check_run_tree(client, parent, result)
    (version,) = client.search_model_versions(f"name='{DEFAULTS.registered_model}'")
    assert version.tags["pushed_destination"] == result.pushed_to
    # The version is an MLflow Model, loaded back through the server's registry and artifact proxy.
    _check_registered_model(mlflow_server, DEFAULTS.registered_model, version, result.pushed_to)
    _check_what_the_ui_shows(mlflow_server, parent.info.experiment_id, result, settings.metadata_path)


def _ui_call(server: str, endpoint: str, body: dict | None = None, **query: str) -> dict:
    """One call of the REST API MLflow's web UI calls (`/ajax-api/2.0/mlflow/...`)."""
    url = f"{server}/ajax-api/2.0/mlflow/{endpoint}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _check_what_the_ui_shows(server: str, experiment_id: str, result, metadata_path: str) -> None:
    """What MLflow's UI receives for the experiment page and the run page: the experiment's kind; the run's
    start and end (the pipeline's, from ML Metadata), description, source and dataset."""
    experiment = _ui_call(server, "experiments/get", experiment_id=experiment_id)["experiment"]
    assert {t["key"]: t["value"] for t in experiment["tags"]}["mlflow.experimentKind"] == "custom_model_development"
    listed = _ui_call(server, "runs/search", {"experiment_ids": [experiment_id], "filter": "",
                                              "run_view_type": "ACTIVE_ONLY", "max_results": 100,
                                              "order_by": ["attributes.start_time DESC"]})["runs"]
    (parent_id,) = [r["info"]["run_id"] for r in listed
                    if "mlflow.parentRunId" not in {t["key"] for t in r["data"]["tags"]}]
    run = _ui_call(server, "runs/get", run_id=parent_id)["run"]
    spans = _pipeline_spans(metadata_path, result.run_id)
    assert (int(run["info"]["start_time"]), int(run["info"]["end_time"])) == spans[None]
    assert run["info"]["status"] == "FINISHED"
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    assert result.run_id in tags["mlflow.note.content"]
    assert tags["mlflow.source.name"] and tags["mlflow.source.type"] == "LOCAL"
    (dataset_input,) = run["inputs"]["dataset_inputs"]
    dataset = dataset_input["dataset"]
    examples = records.RunRecords(records.open_sqlite_store(metadata_path), "datenmt-test",
                                  result.run_id).artifact("Examples", "SyntheticDateExampleGen")
    assert json.loads(dataset["source"]) == {"uri": examples.uri} and dataset["source_type"] == "local"
    assert len(dataset["digest"]) == 8
    profile = json.loads(dataset["profile"])
    assert set(profile["splits"]) == {"train", "eval", "test"} and profile["num_rows"] == 2000
    assert {c["name"] for c in json.loads(dataset["schema"])["mlflow_colspec"]} == {
        "human", "iso", "format", "language", "day_first", "written"}
    assert {t["key"]: t["value"] for t in dataset_input["tags"]} == {"mlflow.data.context": "generated"}


def test_unreachable_tracking_server_stops_before_any_work(tmp_path, capsys):
    closed = f"http://127.0.0.1:{_free_port()}"
    args = ["--output-dir", str(tmp_path), "--tracking-uri", closed, "--num-examples", "100"]
    assert console.main(args) == 2
    err = capsys.readouterr().err
    assert closed in err and "cannot be reached" in err and "--no-tracking" in err
    assert not (tmp_path / "pipeline_root").exists() and not (tmp_path / "metadata").exists()


@pytest.mark.slow
def test_mlflow_reporter_and_registrar_components_record_from_their_input_artifacts(runs, tmp_path):
    """The steps Kubeflow runs after the Evaluator and after the Pusher: the same run tree and the same
    registration as a local run's, built from the executors' inputs alone."""
    from tfx.dsl.components.base import base_executor
    from tfx.types import artifact_utils

    from reporting import mlflow_registrar, mlflow_reporter

    store = records.open_sqlite_store(runs.metadata_path)
    run = records.latest_run(store, "datenmt-test")
    wanted = {"model": ("Model", "Trainer"), "model_run": ("ModelRun", "Trainer"),
              "transform_graph": ("TransformGraph", "Transform"), "evaluation": ("ModelEvaluation", "Evaluator"),
              "blessing": ("ModelBlessing", "Evaluator"), "tuner_results": ("TunerResults", "Tuner")}
    input_dict = {}
    for key, (type_name, producer) in wanted.items():
        mlmd_artifact = run.artifact(type_name, producer)
        artifact_type = store.get_artifact_types_by_id([mlmd_artifact.type_id])[0]
        input_dict[key] = [artifact_utils.deserialize_artifact(artifact_type, mlmd_artifact)]
    settings = tracking.local_settings(str(tmp_path), "on-kubeflow", "m")
    executor = mlflow_reporter.Executor(base_executor.BaseExecutor.Context(
        tmp_dir=str(tmp_path / "tmp"), pipeline_run_id="kfp-run-42"))
    executor.Do(input_dict, {}, {
        "tracking_uri": settings.tracking_uri, "experiment": "on-kubeflow", "registered_model": "m",
        "pipeline_name": "datenmt-test", "num_examples": 2000, "seed": 3, "epochs": 1, "max_trials": 2,
        "trial_epochs": 1, "accuracy_threshold": 0.999, "max_accuracy_drop": 0.001})

    client = MlflowClient(settings.tracking_uri)
    (parent,) = _parents(client, "on-kubeflow")
    assert parent.data.tags[tracking.PIPELINE_RUN_TAG] == "kfp-run-42"
    assert parent.data.params["accuracy_threshold"] == "0.999"
    children = _children(client, parent)
    assert len(children["tuner_trial"]) == 2 and len(children["trainer"]) == len(children["evaluator"]) == 1
    assert children["evaluator"][0].data.metrics["exact_match"] == pytest.approx(runs.again.exact_match)
    assert "registered_model_version" not in parent.data.tags  # the reporter does not see the push

    # The registrar, after the Pusher: finds that parent run by the pipeline run's id (on Kubeflow the
    # `pipeline_run_id` parameter, {{$.pipeline_job_uuid}}) and registers the pushed model under it.
    mlmd_pushed = run.artifact("PushedModel", "Pusher")
    pushed = artifact_utils.deserialize_artifact(store.get_artifact_types_by_id([mlmd_pushed.type_id])[0],
                                                 mlmd_pushed)
    registrar = mlflow_registrar.Executor(base_executor.BaseExecutor.Context(tmp_dir=str(tmp_path / "tmp")))
    registration = {"tracking_uri": settings.tracking_uri, "experiment": "on-kubeflow", "registered_model": "m",
                    "pipeline_run_id": "kfp-run-42"}
    registrar.Do({"pushed_model": [pushed]}, {}, registration)
    parent = client.get_run(parent.info.run_id)
    (version,) = client.search_model_versions("name='m'")
    assert version.tags["pushed_destination"] == parent.data.tags["pushed_destination"] == runs.again.pushed_to
    assert version.run_id == parent.info.run_id and parent.data.tags["registered_model_version"] == "m/1"
    _check_registered_model(settings.tracking_uri, "m", version, runs.again.pushed_to)  # the same MLflow Model
    # The same push again (a Pusher served from cache) registers nothing new; an unknown run is an error.
    registrar.Do({"pushed_model": [pushed]}, {}, registration)
    assert len(client.search_model_versions("name='m'")) == 1
    with pytest.raises(LookupError, match="no MLflow run of pipeline run 'kfp-run-43'"):
        registrar.Do({"pushed_model": [pushed]}, {}, {**registration, "pipeline_run_id": "kfp-run-43"})


def test_a_failed_pipeline_run_is_recorded_as_failed(tmp_path):
    settings = main_job_settings(str(tmp_path), "--no-tuning")
    with open(settings.pipeline_root, "w") as f:  # a file where the pipeline root must go: the first step fails
        f.write("not a directory")
    with pytest.raises(Exception, match="pipeline_root"):
        main_job.run(settings)
    client = MlflowClient(_local_uri(str(tmp_path)))
    (parent,) = _parents(client, DEFAULTS.mlflow_experiment)
    assert parent.info.status == "FAILED"
    assert "pipeline_root" in parent.data.tags["error"]
    assert parent.data.tags["tfx.pipeline_name"] == "datenmt-test"


# --- the Tuner's trials and the examples dataset, from made-up records -------------------------------------

# A trials.json as the Tuner writes it: a failed trial, a record without a parameter count (an older Tuner),
# and, as Hyperband runs them, the same sizes twice with different epochs.
MADE_UP_TRIALS = [
    {"trial_id": "0000", "status": "COMPLETED", "score": 0.90, "hyperparameters": {"n_a": 16, "n_s": 16},
     "seconds": 12.5, "parameters": 9_000, "epochs": 1},
    {"trial_id": "0001", "status": "COMPLETED", "score": 0.97, "hyperparameters": {"n_a": 32, "n_s": 64},
     "seconds": 20.0, "parameters": 41_000, "epochs": 1},
    {"trial_id": "0002", "status": "FAILED", "score": None, "hyperparameters": {"n_a": 128, "n_s": 256},
     "seconds": 3.0, "parameters": 700_000, "epochs": 1},
    {"trial_id": "0003", "status": "COMPLETED", "score": 0.98, "hyperparameters": {"n_a": 64, "n_s": 16},
     "seconds": 30.0, "parameters": None},
    {"trial_id": "0004", "status": "COMPLETED", "score": 0.985, "hyperparameters": {"n_a": 32, "n_s": 64},
     "seconds": 60.0, "parameters": 41_000, "epochs": 3},
]


def test_trial_points_show_each_scored_trial_and_mark_the_best_of_the_chosen_sizes():
    points = tracking.trial_points(MADE_UP_TRIALS, chosen={"n_a": 32, "n_s": 64})
    # The failed trial and the one without a parameter count cannot be placed; epochs differ, so they are shown.
    assert [(p.parameters, p.score, p.label) for p in points] == [
        (9_000, 0.90, "16/16 (1 ep)"), (41_000, 0.97, "32/64 (1 ep)"), (41_000, 0.985, "32/64 (3 ep)")]
    assert [p.chosen for p in points] == [False, False, True]
    assert [p.label for p in tracking.trial_points(MADE_UP_TRIALS[:2], None)] == ["16/16", "32/64"]
    assert not any(p.chosen for p in tracking.trial_points(MADE_UP_TRIALS, None))
    assert not any(p.chosen for p in tracking.trial_points(MADE_UP_TRIALS, {"n_a": 48, "n_s": 48}))


def _tuner_results(directory, trials: list[dict]):
    from tfx.types import standard_artifacts

    directory.mkdir()
    (directory / "trials.json").write_text(json.dumps(trials))
    artifact = standard_artifacts.TunerResults()
    artifact.uri = str(directory)
    return records.InputArtifacts("datenmt-test", "run-1", [artifact])


def test_the_evaluator_run_reports_each_language_and_which_failed_the_gate(tmp_path):
    settings = tracking.local_settings(str(tmp_path), "languages", "m")
    client = MlflowClient(settings.tracking_uri)
    parent = client.create_run(tracking.experiment_id(settings), tags={tracking.PIPELINE_RUN_TAG: "run-1"})
    failure = "language fr (French): exact match 0.9000 below 0.9500"
    result = RunSummary(
        run_id="run-1", exact_match=0.97, examples=300,
        formats=[FormatResult("word_dmy", 0.9, 100), FormatResult("numeric_dmy", 1.0, 200)],
        blessed=False, pushed_to=None, components=[],
        languages=[LanguageResult("fr", 0.9, 100), LanguageResult("en", 1.0, 200)],
        formats_by_language={"en": [FormatResult("numeric_dmy", 1.0, 200)],
                             "fr": [FormatResult("word_dmy", 0.9, 100)]},
        gate_failures=[failure])
    tracking.log_evaluation(client, parent, result, {"accuracy_threshold": 0.95, "max_accuracy_drop": 0.0},
                            str(tmp_path))
    (evaluator,) = _children(client, parent)["evaluator"]
    assert evaluator.data.metrics == {"exact_match": 0.97, "examples": 300, "exact_match.language.fr": 0.9,
                                      "exact_match.language.en": 1.0, "exact_match.word_dmy": 0.9,
                                      "exact_match.numeric_dmy": 1.0}
    assert evaluator.data.tags["blessed"] == "false"
    description = evaluator.data.tags["mlflow.note.content"]
    assert "worst language fr (French): 0.9000" in description and f"not blessed: {failure}." in description
    assert {"evaluation_metrics.json", "exact_match_by_format.png",
            "exact_match_by_language.png"} <= _artifact_paths(client, evaluator.info.run_id)
    with open(client.download_artifacts(evaluator.info.run_id, "evaluation_metrics.json", str(tmp_path))) as f:
        written = json.load(f)
    assert written["by_language"] == {"fr": {"exact_match": 0.9, "examples": 100},
                                      "en": {"exact_match": 1.0, "examples": 200}}
    assert written["by_language_and_format"]["fr"] == {"word_dmy": {"exact_match": 0.9, "examples": 100}}
    assert written["gate_failures"] == [failure]
    lines = result.lines()
    assert "  fr French             0.9000 (100 examples)" in lines and f"NOT blessed: {failure}" in lines


def test_made_up_trials_become_child_runs_and_a_size_plot_on_the_parent(tmp_path):
    from PIL import Image

    settings = tracking.local_settings(str(tmp_path), "trials", "m")
    client = MlflowClient(settings.tracking_uri)
    parent = client.create_run(tracking.experiment_id(settings), tags={tracking.PIPELINE_RUN_TAG: "run-1"})
    view = _tuner_results(tmp_path / "results", MADE_UP_TRIALS)
    assert tracking.log_trials(client, parent, view, trial_epochs=2, workdir=str(tmp_path),
                               chosen={"n_a": 32, "n_s": 64}) == 5
    trials = {r.data.params["n_a"] + "/" + r.data.params["n_s"] + "@" + r.data.params["epochs"]: r
              for r in _children(client, parent)["tuner_trial"]}
    # A record's own epochs, else the Tuner's setting (the record without them).
    assert sorted(trials) == ["128/256@1", "16/16@1", "32/64@1", "32/64@3", "64/16@2"]
    assert trials["128/256@1"].data.tags["trial_status"] == "FAILED"
    assert "val_exact_match" not in trials["128/256@1"].data.metrics
    assert trials["32/64@3"].data.metrics == {"val_exact_match": 0.985, "duration_seconds": 60.0,
                                              "parameter_count": 41_000}
    assert trials["32/64@3"].data.tags["mlflow.note.content"] == (
        "Tuner trial 0004: n_a 32, n_s 64 (41,000 parameters), 3 epochs, validation exact match 0.9850, 60 s "
        "(completed).")
    plot = client.download_artifacts(parent.info.run_id, tracking.TRIALS_PLOT, str(tmp_path / "downloaded"))
    with Image.open(plot) as image:
        assert image.format == "PNG" and image.width > 400

    # Trials that cannot be placed (failed, or recorded without a parameter count): their runs, no plot.
    other = client.create_run(parent.info.experiment_id, tags={tracking.PIPELINE_RUN_TAG: "run-2"})
    view = _tuner_results(tmp_path / "unplaceable", [MADE_UP_TRIALS[2], MADE_UP_TRIALS[3]])
    assert tracking.log_trials(client, other, view, trial_epochs=None, workdir=str(tmp_path / "unplaceable")) == 2
    assert tracking.TRIALS_PLOT not in _artifact_paths(client, other.info.run_id)
    with pytest.raises(ValueError, match="no trials"):
        plots.trial_sizes([], str(tmp_path / "empty.png"))


def test_labels_of_trials_at_the_same_place_stack_instead_of_overlapping():
    points = [plots.TrialPoint(80_560, 0.0, "64/16 (2 ep)"), plots.TrialPoint(40_384, 0.0154, "32/32 (2 ep)"),
              plots.TrialPoint(80_560, 0.0, "64/16 (3 ep)"), plots.TrialPoint(40_384, 0.0486, "32/32 (3 ep)"),
              plots.TrialPoint(80_560, 0.0001, "64/16 (4 ep)"), plots.TrialPoint(266_960, 0.0, "128/48 (2 ep)"),
              plots.TrialPoint(344_960, 0.0, "128/96 (3 ep)")]
    line = plots.LABEL_LINE
    assert plots.label_offsets(points) == [(5, 4), (5, 4), (5, 4 + line), (5, 4), (5, 4 + 2 * line), (5, 4),
                                           (5, 4 + line)]


def _examples(directory, splits: dict[str, list[tuple[str, str]]]):
    """An Examples artifact of the ExampleGen's, its splits holding (human, iso) rows in the order given."""
    import tensorflow as tf
    from tfx.types import standard_artifacts

    from components.date_example_gen import executor
    from data_gen import grammar

    for split, rows in splits.items():
        (directory / f"Split-{split}").mkdir(parents=True)
        with tf.io.TFRecordWriter(str(directory / f"Split-{split}" / "data_tfrecord-00000-of-00001.gz"),
                                  options="GZIP") as writer:
            for human, iso in rows:
                example = grammar.DateExample(human=human, iso=iso, family="test", day_first=False)
                writer.write(executor.to_tf_example(example).SerializeToString())
    artifact = standard_artifacts.Examples()
    artifact.uri = str(directory)
    artifact.split_names = json.dumps(list(splits))
    return artifact


def test_examples_dataset_digests_the_examples_not_their_order_and_counts_each_split(tmp_path):
    from reporting import datasets

    rows = {"train": [("3 may 1979", "1979-05-03"), ("25.06.09", "2009-06-25"), ("june", "")],
            "test": [("1 jan 2000", "2000-01-01")]}
    shuffled = {"train": rows["train"][::-1], "test": rows["test"]}
    changed = {"train": [*rows["train"][:2], ("july", "")], "test": rows["test"]}
    moved = {"train": rows["train"][:2], "test": [*rows["test"], rows["train"][2]]}

    def dataset(name: str, splits: dict):
        root = tmp_path / name / "SyntheticDateExampleGen" / "examples" / "1"
        found = datasets.examples_dataset(records.InputArtifacts("datenmt", "r", [_examples(root, splits)]))
        return found, root

    first, root = dataset("first", rows)
    assert first.name == "datenmt-examples" and first.source.to_dict() == {"uri": str(root)}
    assert first.profile == {"num_rows": 4, "splits": {"train": 3, "test": 1}}
    assert first.schema.input_names() == ["day_first", "format", "human", "iso", "language", "written"]
    assert len(first.digest) == 8
    assert dataset("shuffled", shuffled)[0].digest == first.digest  # the same examples written in another order
    assert dataset("changed", changed)[0].digest != first.digest
    assert dataset("moved", moved)[0].digest != first.digest  # the same examples, split differently
    assert datasets.examples_dataset(records.InputArtifacts("datenmt", "r", [])) is None


# --- the registered version: an MLflow Model (models/mlflow_model.py) --------------------------------------

# A date, a refusal, an ambiguous numeric date under both preferences, an empty input, an unseen character.
SAMPLES = ["3 may 1979", "the cat sat on the mat", "04/03/2009", "04/03/2009", "", "3 may 1979 ☃"]
SAMPLE_DAY_FIRST = [False, False, False, True, False, True]


@functools.cache
def _normaliser(model_dir: str) -> saved_model.DateNormaliser:
    """The pushed SavedModel, loaded once per version directory (a pushed version never changes)."""
    return saved_model.DateNormaliser(model_dir)


def _expected(model_dir: str, texts: list[str], day_first: list[bool]) -> list[dict]:
    """What the SavedModel itself says, one input at a time, in the MLflow Model's columns."""
    normaliser = _normaliser(model_dir)
    rows = []
    for text, preference in zip(texts, day_first, strict=True):
        (t,) = normaliser.translate_batch([text], day_first=preference)
        rows.append({"iso": t.iso or "", "is_date": bool(t.is_date), "confidence": float(t.confidence or 0.0),
                     "ambiguous": bool(t.ambiguous), "uncertain": bool(t.uncertain), "flags": ",".join(t.flags),
                     "warnings": "; ".join(t.warnings()) if t.is_date else "", "reason": t.reason or "",
                     "error": t.error or ""})
    return rows


def _assert_rows(got: list[dict], expected: list[dict]) -> None:
    assert [{k: v for k, v in r.items() if k != "confidence"} for r in got] == [
        {k: v for k, v in r.items() if k != "confidence"} for r in expected]
    assert [r["confidence"] for r in got] == pytest.approx([r["confidence"] for r in expected], rel=1e-5)


def _check_registered_model(tracking_uri: str, name: str, version, pushed_dir: str) -> None:
    """The version is an MLflow Model (pyfunc, signature, input example) that answers as the SavedModel does."""
    assert version.source.startswith("models:/m-")  # a logged model of the run, not a bare directory
    assert "mlflow.pyfunc.load_model" in version.description
    with mlflow_model.use_tracking_uri(tracking_uri):
        model = mlflow.pyfunc.load_model(f"models:/{name}/{version.version}")
    signature = model.metadata.signature
    assert signature.inputs.input_names() == ["human", "day_first"]
    assert [c.name for c in signature.outputs.inputs] == list(mlflow_model.OUTPUT_COLUMNS)
    assert signature.params.to_dict() == [{"name": "day_first", "type": "boolean", "default": False, "shape": None}]
    assert model.metadata.saved_input_example_info["serving_input_path"] == "serving_input_example.json"
    frame = model.predict(pd.DataFrame({"human": SAMPLES, "day_first": SAMPLE_DAY_FIRST}))
    assert list(frame.columns) == list(mlflow_model.OUTPUT_COLUMNS)
    _assert_rows(frame.to_dict(orient="records"), _expected(pushed_dir, SAMPLES, SAMPLE_DAY_FIRST))
    # Without the column, the `day_first` parameter is the preference.
    frame = model.predict(pd.DataFrame({"human": ["04/03/2009"]}), params={"day_first": True})
    _assert_rows(frame.to_dict(orient="records"), _expected(pushed_dir, ["04/03/2009"], [True]))
    assert model.predict(pd.DataFrame({"human": [""]}))["error"].tolist() == ["empty input"]


class _FakeNormaliser:
    """DateNormaliser's translate, answering from the text and the preference it was called with."""

    def __init__(self):
        self.calls = []

    def translate(self, texts, batch_size, day_first=False):
        texts = list(texts)
        self.calls.append((texts, day_first))
        for text in texts:
            if not text:
                yield saved_model.Translation(text, error="empty input")
            elif text[0].isdigit():
                yield saved_model.Translation(text, iso="2009-03-04" if day_first else "2009-04-03", is_date=True,
                                              confidence=0.5, ambiguous=True)
            else:
                yield saved_model.Translation(text, is_date=False, confidence=0.25, ambiguous=False)


_PLAIN = {"uncertain": False, "flags": "", "warnings": ""}  # neither marked uncertain nor flagged


def test_mlflow_model_predicts_in_input_order_with_each_rows_preference():
    fake = _FakeNormaliser()
    frame = mlflow_model.predict_frame(fake, pd.DataFrame({
        "human": ["04/03/2009", "not a date", "04/03/2009", "", None],
        "day_first": [True, False, None, True, False]}), day_first=True)
    assert frame.to_dict(orient="records") == [
        {"iso": "2009-03-04", "is_date": True, "confidence": 0.5, "ambiguous": True, **_PLAIN, "reason": "",
         "error": ""},
        {"iso": "", "is_date": False, "confidence": 0.25, "ambiguous": False, **_PLAIN,
         "reason": saved_model.NOT_A_DATE, "error": ""},
        {"iso": "2009-03-04", "is_date": True, "confidence": 0.5, "ambiguous": True, **_PLAIN, "reason": "",
         "error": ""},
        {"iso": "", "is_date": False, "confidence": 0.0, "ambiguous": False, **_PLAIN,
         "reason": "empty input", "error": "empty input"},
        {"iso": "", "is_date": False, "confidence": 0.0, "ambiguous": False, **_PLAIN,
         "reason": "empty input", "error": "empty input"},
    ]
    # A row's own value first, then the parameter (row 3 has none): one pass per preference.
    assert fake.calls == [(["not a date", ""], False), (["04/03/2009", "04/03/2009", ""], True)]
    assert dict(frame.dtypes.astype(str)) == {"iso": "object", "is_date": "bool", "confidence": "float64",
                                              "ambiguous": "bool", "uncertain": "bool", "flags": "object",
                                              "warnings": "object", "reason": "object", "error": "object"}
    # Without the column: the parameter, else month first.
    rows = mlflow_model.predict_frame(fake, pd.DataFrame({"human": ["04/03/2009"]}), day_first=True)
    assert rows["iso"].tolist() == ["2009-03-04"]
    assert mlflow_model.predict_frame(fake, pd.DataFrame({"human": ["04/03/2009"]}))["iso"].tolist() == ["2009-04-03"]
    assert mlflow_model.predict_frame(fake, pd.DataFrame({"human": []})).empty
    with pytest.raises(ValueError, match="'human' column"):
        mlflow_model.predict_frame(fake, pd.DataFrame({"text": ["3 may 1979"]}))


def test_mlflow_model_requirements_are_pinned_and_minimal():
    requirements = mlflow_model.pip_requirements()
    assert [r.split("==")[0] for r in requirements] == ["mlflow", "tensorflow", "numpy", "pandas"]
    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "constraints.txt")) as f:
        pins = {line.strip() for line in f}
    assert set(requirements) <= pins


def _registered(output_dir: str, pushed_to: str):
    client = MlflowClient(_local_uri(output_dir))
    (version,) = [v for v in client.search_model_versions(f"name='{DEFAULTS.registered_model}'")
                  if v.tags["pushed_destination"] == pushed_to]
    return version


# Loads a model in a Python that cannot import the project: only the code the model carries, and only
# its requirements (TensorFlow, not tensorflow-transform, TFX or the generator's babel).
_CLEAN_LOAD = """
import json, sys
sys.path = [p for p in sys.path if p not in ("", sys.argv[2])]
import mlflow, pandas as pd
model = mlflow.pyfunc.load_model(sys.argv[1])
frame = model.predict(pd.DataFrame({"human": ["3 may 1979", ""]}))
print(json.dumps({"rows": frame.to_dict(orient="records"),
                  "files": {m: sys.modules[m].__file__ for m in ("models.saved_model", "data_gen.text")},
                  "loaded": sorted(m for m in ("babel", "tensorflow_transform", "tfx") if m in sys.modules)}))
"""


@pytest.mark.slow
def test_registered_version_loads_back_through_the_registry_as_an_mlflow_model(runs, tmp_path):
    version = _registered(runs.output_dir, runs.again.pushed_to)
    _check_registered_model(_local_uri(runs.output_dir), DEFAULTS.registered_model, version, runs.again.pushed_to)
    with mlflow_model.use_tracking_uri(_local_uri(runs.output_dir)):
        local = mlflow.artifacts.download_artifacts(f"models:/{DEFAULTS.registered_model}/{version.version}",
                                                    dst_path=str(tmp_path))
    project = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-c", _CLEAN_LOAD, local, project], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(path.startswith(os.path.join(local, "code")) for path in result["files"].values())
    assert result["loaded"] == []
    _assert_rows(result["rows"], _expected(runs.again.pushed_to, ["3 may 1979", ""], [False, False]))


@pytest.mark.slow
def test_mlflow_models_serve_answers_invocations_for_the_registered_version(runs, tmp_path):
    """`mlflow models serve` (local environment manager) on a free loopback port, then REST calls."""
    version = _registered(runs.output_dir, runs.again.pushed_to)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    mlflow_cli = os.path.join(os.path.dirname(sys.executable), "mlflow")
    # The server runs `uvicorn` by name: the venv's bin directory must be on PATH, as in an activated venv.
    env = {**os.environ, "MLFLOW_TRACKING_URI": _local_uri(runs.output_dir),
           "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [mlflow_cli, "models", "serve", "-m", f"models:/{DEFAULTS.registered_model}/{version.version}",
             "--env-manager", "local", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, start_new_session=True)
    try:
        wait_until_answering(f"{url}/ping", server, log_path, timeout=240, what="mlflow models serve")

        def invoke(body: dict) -> list[dict]:
            request = urllib.request.Request(f"{url}/invocations", data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)["predictions"]

        records = [{"human": h, "day_first": d} for h, d in zip(SAMPLES, SAMPLE_DAY_FIRST, strict=True)]
        _assert_rows(invoke({"dataframe_records": records}),
                     _expected(runs.again.pushed_to, SAMPLES, SAMPLE_DAY_FIRST))
        # The parameter, for the rows without their own preference.
        got = invoke({"dataframe_records": [{"human": "04/03/2009"}, {"human": "04/03/2009", "day_first": False}],
                      "params": {"day_first": True}})
        _assert_rows(got, _expected(runs.again.pushed_to, ["04/03/2009", "04/03/2009"], [True, False]))
        # The model's own serving input example is a valid request.
        with mlflow_model.use_tracking_uri(_local_uri(runs.output_dir)):
            example = mlflow.artifacts.download_artifacts(
                f"models:/{DEFAULTS.registered_model}/{version.version}/serving_input_example.json",
                dst_path=str(tmp_path))
        with open(example) as f:
            assert len(invoke(json.load(f))) == len(mlflow_model.INPUT_EXAMPLE)
    finally:  # the server and the uvicorn process it starts: its own process group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)

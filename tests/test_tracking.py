"""MLflow tracking: the default local store and a real `mlflow server` on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from pipeline import configs, console, main_job
from reporting import records, tracking
from tests.helpers import main_job_settings

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
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"mlflow server did not start: {(root / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)
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


def _check_run_tree(client: MlflowClient, parent, summary) -> None:
    """What every recorded pipeline run holds: trials, trainer and evaluator runs with their figures."""
    assert parent.data.tags["tfx.pipeline_name"] == "datenmt-test"
    assert parent.data.tags[tracking.PIPELINE_RUN_TAG] == summary.run_id
    children = _children(client, parent)
    trials = children["tuner_trial"]
    assert len(trials) == 2
    for trial in trials:
        assert {"n_a", "n_s", "learning_rate", "epochs"} <= set(trial.data.params)
        assert {"val_exact_match", "duration_seconds"} <= set(trial.data.metrics)

    (trainer,) = children["trainer"]
    assert {"n_a", "n_s", "learning_rate", "epochs", "batch_size", "data.num_examples", "data.seed",
            "data.catalogue_version"} <= set(trainer.data.params)
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
    assert evaluator.data.metrics["exact_match"] == pytest.approx(summary.exact_match)
    assert {f"exact_match.{f.format}" for f in summary.formats} <= set(evaluator.data.metrics)
    assert evaluator.data.tags["blessed"] == str(summary.blessed).lower()
    assert {"accuracy_threshold", "max_accuracy_drop"} <= set(evaluator.data.params)
    assert "evaluation_metrics.json" in _artifact_paths(client, evaluator.info.run_id)


@pytest.mark.slow
def test_default_local_store_records_every_run_and_registers_only_blessed_models(runs):
    client = MlflowClient(_local_uri(runs.output_dir))
    parents = _parents(client, DEFAULTS.mlflow_experiment)
    summaries = [runs.unreachable, runs.pushed, runs.again, runs.cached]
    assert [p.data.tags[tracking.PIPELINE_RUN_TAG] for p in parents] == [s.run_id for s in summaries]
    for parent, summary in zip(parents, summaries, strict=True):
        _check_run_tree(client, parent, summary)
    assert parents[0].data.tags["blessed"] == "false" and "registered_model_version" not in parents[0].data.tags

    versions = client.search_model_versions(f"name='{DEFAULTS.registered_model}'")
    assert sorted(v.tags["pushed_destination"] for v in versions) == sorted(
        {runs.pushed.pushed_to, runs.again.pushed_to})  # the fully cached run registered nothing new
    for parent in parents[1:]:
        assert parent.data.tags["registered_model_version"].startswith(DEFAULTS.registered_model + "/")
        assert parent.data.tags["pushed_destination"] in {runs.pushed.pushed_to, runs.again.pushed_to}


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
    downloaded = mlflow.artifacts.download_artifacts(
        run_id=parent.info.run_id, artifact_path="pushed_model", tracking_uri=mlflow_server)
    assert os.path.exists(os.path.join(downloaded, "saved_model.pb"))


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
    assert version.tags["pushed_destination"] == parent.data.tags["pushed_destination"] == runs.cached.pushed_to
    assert version.run_id == parent.info.run_id and parent.data.tags["registered_model_version"] == "m/1"
    assert "pushed_model/saved_model.pb" in _artifact_paths(client, parent.info.run_id)
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

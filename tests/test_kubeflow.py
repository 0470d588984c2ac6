"""Kubeflow Pipelines: the compiled package (read with kfp's own parser) and a contract test of submit/schedule.

No cluster runs here: the package is checked with kfp's parser, and the client's requests are checked
against a loopback server answering the KFP v2beta1 REST endpoints (tests/kfp_contract_server.py).
"""

from __future__ import annotations

import json
import os

import pytest
import yaml
from kfp import components
from kfp.pipeline_spec import pipeline_spec_pb2
from tfx.utils import dependency_utils

from kubeflow import __main__ as kfp_cli
from kubeflow import entrypoint, kubeflow_v2_runner
from pipeline import configs
from pipeline import pipeline as pipeline_lib
from tests import kfp_replay
from tests.kfp_contract_server import KfpContractServer

IMAGE = "registry.example.com/team/datenmt-pipeline:1.2.3"
PARAMETERS = {"num_examples", "seed", "epochs", "batch_size", "patience", "max_trials", "trial_epochs",
              "trial_examples", "accuracy_threshold", "max_accuracy_drop", "tracking_uri", "mlflow_experiment",
              "registered_model"}


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("kfp") / "datenmt_pipeline.yaml")
    assert kfp_cli.main(["compile", "--pipeline-root", "gs://bucket/datenmt", "--image", IMAGE,
                         "--package", path]) == 0
    return path


def test_package_loads_with_kfp_and_exposes_the_parameters(package):
    spec = components.load_component_from_file(package).pipeline_spec
    parameters = spec.root.input_definitions.parameters
    assert set(parameters) == PARAMETERS == set(configs.KFP_PARAMETERS)
    # Scalars, with the main job's defaults.
    defaults = configs.Settings()
    assert parameters["num_examples"].default_value.number_value == defaults.num_examples
    assert parameters["epochs"].default_value.number_value == defaults.epochs
    assert parameters["accuracy_threshold"].default_value.number_value == defaults.accuracy_threshold
    assert parameters["max_accuracy_drop"].default_value.number_value == defaults.max_accuracy_drop
    assert parameters["tracking_uri"].default_value.string_value == configs.KUBEFLOW_TRACKING_URI
    types = pipeline_spec_pb2.ParameterType
    assert parameters["epochs"].parameter_type == types.NUMBER_INTEGER
    assert parameters["accuracy_threshold"].parameter_type == types.NUMBER_DOUBLE


def test_package_holds_every_component_in_order(package):
    tasks = components.load_component_from_file(package).pipeline_spec.root.dag.tasks
    deps = {name: set(task.dependent_tasks) for name, task in tasks.items()}
    expected = {"ImportSchemaGen", "SyntheticDateExampleGen", "StatisticsGen", "ExampleValidator", "AnomaliesGate",
                "Transform", "Tuner", "Trainer", "Evaluator", "Pusher", "MlflowReporter"}
    assert expected <= set(deps)
    for task, upstream in {"StatisticsGen": {"SyntheticDateExampleGen"}, "ExampleValidator": {"StatisticsGen"},
                           "AnomaliesGate": {"ExampleValidator"}, "Transform": {"AnomaliesGate"},
                           "Tuner": {"Transform"}, "Trainer": {"Tuner", "Transform"},
                           "serving_model_baseline": {"Trainer"}, "Evaluator": {"Trainer", "serving_model_baseline"},
                           "Pusher": {"Evaluator", "Trainer"}, "MlflowReporter": {"Evaluator", "Trainer"},
                           "MlflowRegistrar": {"Pusher", "MlflowReporter"}}.items():
        assert upstream <= deps[task], task
    # The Pusher runs only for a blessed model; the registrar has no condition of its own: it consumes
    # the Pusher's output, so Argo omits it whenever the Pusher is skipped.
    assert "blessed" in tasks["Pusher"].trigger_policy.condition
    assert not tasks["MlflowRegistrar"].trigger_policy.condition
    assert tasks["MlflowRegistrar"].inputs.artifacts["pushed_model"].task_output_artifact.producer_task == "Pusher"
    assert tasks["Evaluator"].inputs.artifacts["baseline_model"].task_output_artifact.producer_task == (
        "serving_model_baseline")


def test_package_has_only_container_and_importer_executors_on_the_projects_entrypoint(package):
    """What open-source KFP runs (v2/compiler/visitor.go refuses any other executor at run creation)."""
    with open(package) as f:
        spec = yaml.safe_load(f)
    executors = spec["deploymentSpec"]["executors"]
    assert executors and all(len(e) == 1 and set(e) <= {"container", "importer"} for e in executors.values())
    containers = [e["container"] for e in executors.values() if "container" in e]
    assert len(containers) == len(spec["root"]["dag"]["tasks"])  # no importers: every task is a container
    for container in containers:
        assert container["command"] == ["python", "-m", entrypoint.__name__] == ["python", "-m", "kubeflow.entrypoint"]
        assert container["args"][0] == "--executor_class_path"  # TFX's arguments, unchanged


def test_package_bakes_in_the_images_paths_and_the_run_id_placeholder(package):
    tasks = components.load_component_from_file(package).pipeline_spec.root.dag.tasks
    schema = tasks["ImportSchemaGen"].inputs.parameters["schema_file"].runtime_value.constant.string_value
    assert schema == kubeflow_v2_runner.IMAGE_SCHEMA_PATH == "/pipeline/schemas/schema.pbtxt"
    serving = tasks["serving_model_baseline"].inputs.parameters["serving_model_dir"].runtime_value.constant
    assert serving.string_value == "gs://bucket/datenmt/serving_model"
    assert '"base_directory": "gs://bucket/datenmt/serving_model"' in (
        tasks["Pusher"].inputs.parameters["push_destination"].runtime_value.constant.string_value)
    for task in ("MlflowReporter", "MlflowRegistrar"):  # the driver replaces it by the run's id
        run_id = tasks[task].inputs.parameters["pipeline_run_id"].runtime_value.constant.string_value
        assert run_id == "{{$.pipeline_job_uuid}}"


def test_imported_hyperparameters_replace_the_search_with_an_importer(tmp_path):
    """Routine retraining on Kubeflow: an Importer node (KFP's importer executor) hands the Trainer a previous
    run's best_hyperparameters; no Tuner runs."""
    path = str(tmp_path / "retrain.yaml")
    uri = "gs://bucket/datenmt/runs/1/Tuner/best_hyperparameters"
    assert kfp_cli.main(["compile", "--pipeline-root", "gs://bucket/datenmt", "--package", path,
                         "--hyperparameters", uri]) == 0
    with open(path) as f:
        spec = yaml.safe_load(f)
    tasks = spec["root"]["dag"]["tasks"]
    assert "Tuner" not in tasks and pipeline_lib.HYPERPARAMETERS_IMPORTER_ID in tasks
    importers = [e["importer"] for e in spec["deploymentSpec"]["executors"].values() if "importer" in e]
    assert len(importers) == 1 and importers[0]["artifactUri"]["constant"] == uri
    assert importers[0]["typeSchema"]["instanceSchema"].startswith("title: tfx.HyperParameters")
    trainer = tasks["Trainer"]["inputs"]["artifacts"]["hyperparameters"]["taskOutputArtifact"]
    assert trainer["producerTask"] == pipeline_lib.HYPERPARAMETERS_IMPORTER_ID


@pytest.mark.parametrize("flags, message", [
    ([], "give a serving volume (--serving-volume PVC_NAME) or a gs:// serving model directory"),
    (["--serving-model-dir", "s3://models/datenmt"], "TensorFlow has no s3:// file system"),
    # Each pod has its own file system: a local path is shared only on the declared volume.
    (["--serving-model-dir", "/mnt/serving/models"], "is a local path: each step's pod has its own file system"),
    (["--serving-volume", "datenmt-serving", "--serving-model-dir", "/models"],
     "is not on the serving volume datenmt-serving, which is mounted at /mnt/serving"),
])
def test_compile_refuses_a_serving_directory_the_steps_cannot_share(tmp_path, capsys, flags, message):
    path = str(tmp_path / "p.yaml")
    assert kfp_cli.main(["compile", "--pipeline-root", "minio://mlpipeline/datenmt", "--package", path, *flags]) == 2
    assert message in capsys.readouterr().err
    assert not os.path.exists(path)


@pytest.fixture(scope="module")
def volume_package(tmp_path_factory) -> str:
    """The recipe's package for a stock install: MinIO root, the serving directory on a declared volume."""
    path = str(tmp_path_factory.mktemp("kfp") / "datenmt_pipeline.yaml")
    assert kfp_cli.main(["compile", "--pipeline-root", "minio://mlpipeline/datenmt", "--image", IMAGE,
                         "--serving-volume", "datenmt-serving", "--package", path]) == 0
    return path


def _mount_pvc_as_kfp_compiles_it(tmp_path, claim: str, mount_path: str) -> dict:
    """The executor config kfp's own compiler writes for a task given `kfp.kubernetes.mount_pvc`."""
    from kfp import compiler, dsl, kubernetes

    @dsl.container_component
    def step():
        return dsl.ContainerSpec(image=IMAGE)

    @dsl.pipeline(name="mounted")
    def mounted():
        kubernetes.mount_pvc(step(), pvc_name=claim, mount_path=mount_path)

    path = str(tmp_path / "mounted.yaml")
    compiler.Compiler().compile(mounted, path)
    with open(path) as f:
        _, platform = yaml.safe_load_all(f)
    (config,) = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"].values()
    return config


def test_serving_volume_is_declared_on_every_step_that_uses_the_serving_directory(volume_package, tmp_path):
    with open(volume_package) as f:
        spec, platform = yaml.safe_load_all(f)
    tasks = spec["root"]["dag"]["tasks"]
    serving = "/mnt/serving/serving_model"
    assert tasks["serving_model_baseline"]["inputs"]["parameters"]["serving_model_dir"]["runtimeValue"][
        "constant"] == serving
    assert f'"base_directory": "{serving}"' in tasks["Pusher"]["inputs"]["parameters"]["push_destination"][
        "runtimeValue"]["constant"]
    # Exactly those two steps read or write it: the registrar registers from its own copy of the Pusher's
    # output (the replay runs it in a pod without the volume).
    executors = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    label = {name: spec["components"][task["componentRef"]["name"]]["executorLabel"] for name, task in tasks.items()}
    assert sorted(executors) == sorted([label["serving_model_baseline"], label["Pusher"]])
    expected = _mount_pvc_as_kfp_compiles_it(tmp_path, "datenmt-serving", kubeflow_v2_runner.SERVING_VOLUME_MOUNT)
    assert all(config == expected for config in executors.values()), (executors, expected)
    assert expected["pvcMount"][0]["mountPath"] == "/mnt/serving"
    # The API server picks out both documents (and the platform spec parses as KFP's proto).
    package = kfp_replay.load_package(volume_package)
    assert package.spec == spec and package.executor_config(label["Pusher"]) == expected
    kfp_replay.check_executors(package.spec, package.kubernetes)
    assert kfp_replay.load_package(volume_package).kubernetes == platform["platforms"]["kubernetes"]


def test_the_volume_changes_nothing_else_in_the_package(volume_package, package):
    """The pipeline spec is the gs:// package's but for the root and the serving directory: the same tasks,
    only container and importer executors on the project's entry point, read back by kfp's own loader."""
    with open(volume_package) as f:
        with_volume = f.read()
    with open(package) as f:
        without = yaml.safe_load(f)
    rewritten = (with_volume.split("\n---\n")[0].replace("minio://mlpipeline/datenmt", "gs://bucket/datenmt")
                 .replace("/mnt/serving/serving_model", "gs://bucket/datenmt/serving_model"))
    assert yaml.safe_load(rewritten) == without
    spec = components.load_component_from_file(volume_package).pipeline_spec
    assert set(spec.root.dag.tasks) == set(without["root"]["dag"]["tasks"])


def test_entrypoint_prepares_the_executor_input_kfp_gives_tfx(tmp_path):
    """The fixes kubeflow/entrypoint.py applies before TFX parses the ExecutorInput."""
    model_type = {"instanceSchema": "title: tfx.Model\ntype: object\n"}
    executor_input = {
        "inputs": {"artifacts": {"model": {"artifacts": [
            {"name": "17", "type": {"instanceSchema": ""}, "uri": "minio://b/r/p/run/Trainer/1/model",
             "metadata": {"display_name": "model"}}]}}},
        "outputs": {"artifacts": {
            "baseline_model": {"artifacts": [{"name": "baseline_model", "type": model_type,
                                              "uri": "gs://b/r/p/run/base/2/baseline_model"}]},
            "value": {"artifacts": [{"name": "value", "type": {"instanceSchema": "title: tfx.String\n"},
                                     "uri": "s3://b/r/p/run/base/2/value"}]},
            "executor-logs": {"artifacts": [{"name": "executor-logs", "type": {"schemaTitle": "system.Artifact"},
                                             "uri": "gs://b/r/p/run/base/2/executor-logs"}]}},
            "outputFile": str(tmp_path / "gcs/b/r/p/run/base/2/output_metadata.json")}}
    inputs_spec = {"artifacts": {"model": {"artifactType": model_type}}}
    remote_of = entrypoint.prepare(executor_input, inputs_spec, root=str(tmp_path))
    (model,) = executor_input["inputs"]["artifacts"]["model"]["artifacts"]
    assert model["type"] == model_type  # the type back from the inputs spec
    assert model["uri"] == str(tmp_path) + "/minio/b/r/p/run/Trainer/1/model"  # where the launcher put it
    outputs = executor_input["outputs"]["artifacts"]
    assert "executor-logs" not in outputs
    assert os.path.isdir(str(tmp_path) + "/gcs/b/r/p/run/base/2/baseline_model")
    assert os.path.isdir(str(tmp_path) + "/s3/b/r/p/run/base/2")  # a value artifact is a file: its parent
    assert not os.path.exists(str(tmp_path) + "/s3/b/r/p/run/base/2/value")
    assert remote_of[outputs["baseline_model"]["artifacts"][0]["uri"]] == "gs://b/r/p/run/base/2/baseline_model"
    # After the executor: the remote URIs back in the output metadata, which the launcher adopts.
    output_file = executor_input["outputs"]["outputFile"]
    with open(output_file, "w") as f:
        json.dump({"artifacts": {"baseline_model": {"artifacts": [
            {"uri": outputs["baseline_model"]["artifacts"][0]["uri"], "metadata": {"found": 0.0}}]}}}, f)
    entrypoint.restore_remote_uris(output_file, remote_of)
    with open(output_file) as f:
        restored = json.load(f)["artifacts"]["baseline_model"]["artifacts"][0]
    assert restored == {"uri": "gs://b/r/p/run/base/2/baseline_model", "metadata": {"found": 0.0}}
    with pytest.raises(ValueError, match="no type"):
        entrypoint.prepare({"inputs": {"artifacts": {"x": {"artifacts": [{"type": {}, "uri": "gs://b/x"}]}}}}, {})


def test_beam_steps_name_the_image_for_beam_workers_so_tfx_packages_nothing(package):
    """The pipeline's image holds what remote Beam workers need; TFX builds no package of itself for them."""
    with open(package) as f:
        args = yaml.safe_load(f)["deploymentSpec"]["executors"]["Transform_executor"]["container"]["args"]
    beam_args = args[args.index(configs.Settings.beam_args[0]):]
    assert beam_args == [*configs.Settings.beam_args, f"--sdk_container_image={IMAGE}"]
    assert dependency_utils.make_beam_dependency_flags(beam_args) == beam_args  # no tfx_ephemeral sdist
    own = ("--runner=DataflowRunner", "--setup_file=/pipeline/setup.py")
    assert kubeflow_v2_runner.step_beam_args(kubeflow_v2_runner.CompileOptions(
        pipeline_root="gs://bucket/datenmt", image=IMAGE, beam_pipeline_args=own)) == list(own)


def test_package_uses_the_configured_image_and_module_paths(package):
    with open(package) as f:
        spec = yaml.safe_load(f)
    executors = spec["deploymentSpec"]["executors"]
    containers = [e["container"] for e in executors.values() if "container" in e]
    assert containers and {c["image"] for c in containers} == {IMAGE}
    with open(package) as f:
        text = f.read()
    for module_fn in (pipeline_lib.PREPROCESSING_FN, pipeline_lib.TUNER_FN, pipeline_lib.RUN_FN):
        assert module_fn in text  # referred to by module path: baked into the image, nothing uploaded
    assert spec["defaultPipelineRoot"] == "gs://bucket/datenmt"


def test_compile_refuses_a_package_kfp_client_cannot_upload(tmp_path):
    with pytest.raises(ValueError, match="yaml"):
        kubeflow_v2_runner.compile_package(kubeflow_v2_runner.CompileOptions(pipeline_root="gs://b"),
                                           str(tmp_path / "p.json"))


def _submit_args(*argv: str):
    return kfp_cli.build_parser().parse_args(["submit", "--endpoint", "http://127.0.0.1:9", *argv])


def test_flags_become_parameter_values_with_the_local_names_and_checks(capsys):
    params = kfp_cli.parameter_values(_submit_args(
        "--num-examples", "1000", "--epochs", "3", "--max-trials", "2", "--accuracy-threshold", "0.98",
        "--tracking-uri", "http://mlflow:5000"))
    assert params == {"num_examples": 1000, "epochs": 3, "max_trials": 2, "accuracy_threshold": 0.98,
                      "tracking_uri": "http://mlflow:5000"}  # unset ones keep the compiled defaults
    for bad in (["--accuracy-threshold", "2"], ["--epochs", "0"]):
        with pytest.raises(SystemExit):
            _submit_args(*bad)
        assert "error: argument" in capsys.readouterr().err


def test_contract_submit_uploads_a_version_and_starts_a_run(package):
    with KfpContractServer() as kfp_api:
        assert kfp_cli.main(["submit", "--endpoint", kfp_api.endpoint, "--experiment", "nightly",
                             "--namespace", "ml-team", "--pipeline-root", "s3://bucket/runs", "--package", package,
                             "--version", "v1", "--num-examples", "5000", "--epochs", "3"]) == 0
        assert kfp_api.errors == []
        (upload,) = kfp_api.calls("POST", "/pipelines/upload")
        assert upload.query["name"] == ["datenmt"]
        (version,) = kfp_api.calls("POST", "/pipelines/upload_version")
        assert version.query["name"] == ["v1"]
        with open(package, "rb") as f:
            assert version.body["files"]["uploadfile"] == f.read()  # the compiled package, byte for byte
        (experiment,) = kfp_api.calls("POST", "/experiments")
        assert experiment.body["display_name"] == "nightly" and experiment.body["namespace"] == "ml-team"
        (run,) = kfp_api.calls("POST", "/runs")
        assert run.body["experiment_id"] == kfp_api.experiments[next(iter(kfp_api.experiments))]["experiment_id"]
        assert run.body["pipeline_version_reference"] == {
            "pipeline_id": version.query["pipelineid"][0],
            "pipeline_version_id": next(iter(kfp_api.versions))}
        runtime = run.body["runtime_config"]
        assert runtime["pipeline_root"] == "s3://bucket/runs"
        assert runtime["parameters"] == {"num_examples": 5000, "epochs": 3}


def test_contract_schedule_list_and_disable(package):
    with KfpContractServer() as kfp_api:
        common = ["--endpoint", kfp_api.endpoint, "--experiment", "nightly"]
        assert kfp_cli.main(["schedule", *common, "--package", package, "--version", "v2",
                             "--cron", "0 0 3 * * *", "--pipeline-root", "gs://bucket/sched"]) == 0
        (created,) = kfp_api.calls("POST", "/recurringruns")
        assert created.body["trigger"] == {"cron_schedule": {"cron": "0 0 3 * * *"}}
        assert created.body["mode"] == "ENABLE" and created.body["max_concurrency"] == 1
        assert created.body["no_catchup"] is True
        assert created.body["runtime_config"]["pipeline_root"] == "gs://bucket/sched"
        assert created.body["experiment_id"] in kfp_api.experiments
        recurring_id = next(iter(kfp_api.recurring_runs))

        assert kfp_cli.main(["schedules", *common]) == 0
        assert kfp_api.calls("GET", "/recurringruns")[0].query["experiment_id"] == [created.body["experiment_id"]]
        assert kfp_cli.main(["disable", *common, recurring_id]) == 0
        assert kfp_api.calls("POST", f"/recurringruns/{recurring_id}:disable")
        assert kfp_api.recurring_runs[recurring_id]["status"] == "DISABLED"
        assert kfp_api.errors == []


def test_contract_runs_always_carry_a_pipeline_root(package):
    """KFP ignores a package's defaultPipelineRoot (the cluster's default would apply): without
    --pipeline-root, submit and schedule send the one the package was compiled with."""
    assert kubeflow_v2_runner.compiled_pipeline_root(package) == "gs://bucket/datenmt"
    with KfpContractServer() as kfp_api:
        common = ["--endpoint", kfp_api.endpoint, "--package", package]
        assert kfp_cli.main(["submit", *common, "--version", "v3"]) == 0
        assert kfp_cli.main(["schedule", *common, "--version", "v4", "--cron", "0 0 3 * * *"]) == 0
        (run,) = kfp_api.calls("POST", "/runs")
        (recurring,) = kfp_api.calls("POST", "/recurringruns")
        assert run.body["runtime_config"]["pipeline_root"] == "gs://bucket/datenmt"
        assert recurring.body["runtime_config"]["pipeline_root"] == "gs://bucket/datenmt"
        assert kfp_api.errors == []


def test_submit_without_a_package_says_what_to_do(tmp_path, capsys):
    assert kfp_cli.main(["submit", "--endpoint", "http://127.0.0.1:9", "--package",
                         str(tmp_path / "missing.yaml")]) == 2
    assert "python -m kubeflow compile" in capsys.readouterr().err


def test_image_definition_bakes_in_every_package_with_the_locked_dependencies():
    # No Docker engine runs here; the image is checked as far as a file can be.
    import re
    import tomllib

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "kubeflow", "Dockerfile")) as f:
        dockerfile = f.read()
    with open(os.path.join(root, "pyproject.toml"), "rb") as f:
        packages = [p.rstrip("*") for p in tomllib.load(f)["tool"]["setuptools"]["packages"]["find"]["include"]]
    copied = set(re.findall(r"^COPY (\w+)/ ", dockerfile, flags=re.M))
    assert set(packages) <= copied
    assert "pip install -r constraints.txt" in dockerfile
    # The schema path compiled into the package is where the image has the schema.
    workdir = re.search(r"^WORKDIR (\S+)$", dockerfile, flags=re.M).group(1)
    assert re.search(r"^COPY schemas/ schemas/$", dockerfile, flags=re.M)
    assert f"{workdir}/schemas/schema.pbtxt" == kubeflow_v2_runner.IMAGE_SCHEMA_PATH
    assert re.search(r"python:3\.11-slim-trixie", dockerfile)  # Debian 13: glibc 2.41

"""Tests of the KFP replay harness (tests/kfp_replay.py) itself, and of the project's package on it.

- Hand-written packages whose steps are `python -c` scripts pin down what the replay checks:
  the ExecutorInput the launcher builds, output metadata merging, conditions (CEL) and the tasks
  after a skipped one, importers, pods (each task's own file system, the volumes declared for it),
  and the errors KFP raises.
- TFX's Resolver (what the project's package held) is refused at run creation.
- A small TFX pipeline (importers, StatisticsGen, python-function components, a tfx.dsl.Cond),
  compiled with KubeflowV2DagRunner and TFX's own entry point: stock TFX 1.21 fails on KFP 2.16
  at its first step (what kubeflow/entrypoint.py fixes).
- The project's own package, compiled by `python -m kubeflow compile --serving-volume` and replayed as
  compiled (every step on kubeflow/entrypoint.py, each in its own pod, MLflow over HTTP) over one
  MinIO pipeline root with KFP's caching: the first run pushes and registers a model; the second finds
  it as the serving model on the volume, evaluates against it and pushes and registers a second version;
  a third with an unreachable threshold is not blessed, so the Pusher is skipped and the registrar
  omitted. Without the volume the baseline lookup finds nothing. The registered model is loaded and
  served by `mlflow models serve`.
"""

import json
import os
import shutil
import tempfile
import textwrap

import pytest
import yaml
from mlflow.tracking import MlflowClient
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types import standard_artifacts

from kubeflow import entrypoint, kubeflow_v2_runner
from tests import kfp_replay
from tests.helpers import IN_MEMORY_BEAM_ARGS, invoke_mlflow_model, mlflow_model_server, mlflow_tracking_server
from tests.kfp_replay import Cel, CelError, KfpRejected, TaskFailed, replay
from tests.test_tracking import SAMPLE_DAY_FIRST, SAMPLES, _assert_rows, _check_registered_model, _expected

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {"PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1"}


# --------------------------------------------------------------------------------------------
# Hand-written packages
# --------------------------------------------------------------------------------------------

def _schema(title: str) -> dict:
    return {"artifactType": {"instanceSchema": f"title: {title}\ntype: object\n"}}


def _script(body: str) -> dict:
    """A container step: `python -c BODY {{$}}` (the ExecutorInput JSON is sys.argv[1])."""
    return {"container": {"image": "x", "command": ["python", "-c", textwrap.dedent(body), "{{$}}"]}}


WRITE_OUTPUT = """
import json, os, sys
ei = json.loads(sys.argv[1])
def out_path(key):
    uri = ei["outputs"]["artifacts"][key]["artifacts"][0]["uri"]
    scheme, rest = uri.split("://", 1)
    return {"gs": "/gcs/", "minio": "/minio/", "s3": "/s3/"}[scheme] + rest
def write_metadata(doc):
    os.makedirs(os.path.dirname(ei["outputs"]["outputFile"]), exist_ok=True)
    with open(ei["outputs"]["outputFile"], "w") as f:
        json.dump(doc, f)
"""

PRODUCER = WRITE_OUTPUT + """
n = ei["inputs"]["parameterValues"]["n"]
os.makedirs(out_path("data"), exist_ok=True)
with open(os.path.join(out_path("data"), "rows.txt"), "w") as f:
    f.write("row\\n" * int(n))
write_metadata({"artifacts": {"data": {"artifacts": [{"metadata": {
    "rows": n, "good": bool(n >= ei["inputs"]["parameterValues"]["min_rows"]), "tags": ["a", "b"]}}]}},
    "parameterValues": {"count": n}})
"""

CONSUMER = WRITE_OUTPUT + """
data = ei["inputs"]["artifacts"]["data"]["artifacts"][0]
local = sys.argv[2]
rows = open(os.path.join(local, "rows.txt")).read().count("row")
assert rows == data["metadata"]["rows"], (rows, data)
with open(out_path("report"), "w") as f:
    f.write(f"{rows} rows\\n")
write_metadata({"artifacts": {"report": {"artifacts": [{"metadata": {"rows": rows}}]}}})
"""


def _package(tmp_path, tasks: dict, components: dict, executors: dict, parameters: dict | None = None,
             name: str = "p") -> str:
    spec = {
        "pipelineInfo": {"name": name}, "schemaVersion": "2.1.0", "sdkVersion": "test",
        "components": components, "deploymentSpec": {"executors": executors},
        "root": {"dag": {"tasks": tasks}, "inputDefinitions": {"parameters": parameters or {}}},
    }
    path = str(tmp_path / f"{name}.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(spec, f, sort_keys=True)
    return path


def _chain_package(tmp_path) -> str:
    """importer -> produce (params n, min_rows, label) -> [condition: good] consume -> after."""
    components = {
        "importer": {"executorLabel": "importer_ex", "outputDefinitions": {"artifacts": {
            "result": _schema("tfx.Schema")}}},
        "produce": {"executorLabel": "produce_ex",
                    "inputDefinitions": {"artifacts": {"schema": _schema("tfx.Schema")},
                                         "parameters": {"n": {"parameterType": "NUMBER_INTEGER"},
                                                        "min_rows": {"parameterType": "NUMBER_INTEGER"},
                                                        "label": {"parameterType": "STRING"},
                                                        "factor": {"parameterType": "NUMBER_DOUBLE",
                                                                   "defaultValue": 0.5, "isOptional": True}}},
                    "outputDefinitions": {"artifacts": {"data": _schema("tfx.Examples")},
                                          "parameters": {"count": {"parameterType": "NUMBER_INTEGER"}}}},
        "consume": {"executorLabel": "consume_ex",
                    "inputDefinitions": {"artifacts": {"data": _schema("tfx.Examples")},
                                         "parameters": {"count": {"parameterType": "NUMBER_INTEGER"}}},
                    "outputDefinitions": {"artifacts": {"report": _schema("tfx.String")}}},
        "after": {"executorLabel": "after_ex",
                  "inputDefinitions": {"artifacts": {"report": _schema("tfx.String")}}},
    }
    executors = {
        "importer_ex": {"importer": {"artifactUri": {"constant": "minio://bkt/staged/schema"},
                                     "metadata": {"origin": "staged", "approved": True},
                                     "typeSchema": {"instanceSchema": "title: tfx.Schema\ntype: object\n"}}},
        "produce_ex": _script(PRODUCER),
        "consume_ex": {"container": {"image": "x", "command": [
            "python", "-c", textwrap.dedent(CONSUMER), "{{$}}", "{{$.inputs.artifacts['data'].path}}"]}},
        "after_ex": _script("print('after')"),
    }
    tasks = {
        "importer": {"componentRef": {"name": "importer"}, "taskInfo": {"name": "importer"}},
        "produce": {"componentRef": {"name": "produce"}, "taskInfo": {"name": "produce"},
                    "dependentTasks": ["importer"], "cachingOptions": {"enableCache": True},
                    "inputs": {"artifacts": {"schema": {"taskOutputArtifact": {
                        "producerTask": "importer", "outputArtifactKey": "result"}}},
                        "parameters": {"n": {"componentInputParameter": "n"},
                                       "min_rows": {"runtimeValue": {"constant": 3.0}},
                                       "label": {"componentInputParameter": "n"}}}},
        "consume": {"componentRef": {"name": "consume"}, "taskInfo": {"name": "consume"},
                    "cachingOptions": {"enableCache": True},
                    "inputs": {"artifacts": {"data": {"taskOutputArtifact": {
                        "producerTask": "produce", "outputArtifactKey": "data"}}},
                        "parameters": {"count": {"taskOutputParameter": {
                            "producerTask": "produce", "outputParameterKey": "count"}}}},
                    "triggerPolicy": {"condition": "(inputs.artifacts['data'].artifacts[0].metadata['good'] == 1.0)"
                                                   " && inputs.parameter_values['count'] > 0.0"}},
        "after": {"componentRef": {"name": "after"}, "taskInfo": {"name": "after"},
                  "dependentTasks": ["consume"],
                  "inputs": {"artifacts": {"report": {"taskOutputArtifact": {
                      "producerTask": "consume", "outputArtifactKey": "report"}}}}},
    }
    return _package(tmp_path, tasks, components, executors,
                    parameters={"n": {"parameterType": "NUMBER_INTEGER", "defaultValue": 5.0}})


def _stage(storage, uri: str, files: dict[str, str]) -> None:
    base = kfp_replay.store_path(str(storage), uri)
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(base, rel)), exist_ok=True)
        with open(os.path.join(base, rel), "w") as f:
            f.write(text)


def test_a_chain_replays_with_the_executor_input_the_launcher_builds(tmp_path):
    storage = tmp_path / "store"
    _stage(storage, "minio://bkt/staged/schema", {"schema.pbtxt": "feature {}\n"})
    package = _chain_package(tmp_path)
    result = replay(package, "minio://bkt/root", env=ENV, storage_dir=str(storage))
    assert list(result.tasks) == ["importer", "produce", "consume", "after"]
    assert result.executed == ["importer", "produce", "consume", "after"]

    produce = result.tasks["produce"]
    ei = produce.executor_input
    # Parameters: numbers are doubles, written as protojson writes them; STRING takes the text of a
    # number; a component default is added by the launcher.
    assert ei["inputs"]["parameterValues"] == {"n": 5.0, "min_rows": 3.0, "label": "5", "factor": 0.5}
    assert '"n":5,' in produce.argv[-1] or '"n":5}' in produce.argv[-1]
    # Input artifacts as read back from ML Metadata: the id as name, no schema, extra metadata.
    (schema,) = ei["inputs"]["artifacts"]["schema"]["artifacts"]
    imported = result.artifact("importer", "result")
    assert schema["name"] == imported.name and schema["name"].isdigit()
    assert schema["type"] == {"instanceSchema": ""}
    assert schema["uri"] == "minio://bkt/staged/schema"
    assert schema["metadata"]["origin"] == "staged" and schema["metadata"]["approved"] == 1.0
    assert json.loads(schema["metadata"]["store_session_info"])["Provider"] == "minio"
    # Outputs: <root>/<pipeline>/<run id>/<task>/<uuid>/<key>; the metadata file beside them,
    # at the pod's local path for that URI; executor-logs added (PUBLISH_LOGS=true).
    (data,) = ei["outputs"]["artifacts"]["data"]["artifacts"]
    task_root = data["uri"].rsplit("/", 1)[0]
    assert task_root.rsplit("/", 1)[0] == f"minio://bkt/root/p/{result.run_id}/produce"
    assert data["name"] == "data" and data["type"]["instanceSchema"].startswith("title: tfx.Examples")
    assert ei["outputs"]["outputFile"] == "/minio/" + task_root[len("minio://"):] + "/output_metadata.json"
    assert ei["outputs"]["artifacts"]["executor-logs"]["artifacts"][0]["type"] == {"schemaTitle": "system.Artifact"}
    assert ei["outputs"]["parameters"]["count"]["outputFile"] == "/tmp/kfp/outputs/count"

    # The output metadata merged, then stored as ML Metadata stores it.
    stored = result.artifact("produce", "data").metadata
    assert stored["rows"] == 5.0 and stored["good"] == 1.0 and stored["tags"] == {"list": ["a", "b"]}
    assert stored["display_name"] == "data"
    assert result.tasks["produce"].output_parameters == {"count": 5.0}
    # The consumer read the uploaded files from its own pod's local path.
    consume = result.tasks["consume"]
    assert consume.argv[-1] == "/minio/" + data["uri"][len("minio://"):]
    with open(result.local_path(result.artifact("consume", "report").uri)) as f:
        assert f.read() == "5 rows\n"
    assert "after" in result.tasks["after"].log()


def test_a_false_condition_skips_the_task_and_argo_omits_what_follows(tmp_path):
    storage = tmp_path / "store"
    _stage(storage, "minio://bkt/staged/schema", {"schema.pbtxt": "feature {}\n"})
    package = _chain_package(tmp_path)
    first = replay(package, "minio://bkt/root", {"n": 2}, env=ENV, storage_dir=str(storage))
    assert first.executed == ["importer", "produce"]
    assert first.tasks["consume"].reason.startswith("triggerPolicy.condition is false")
    assert first.tasks["after"].reason == "omitted: upstream consume did not succeed"
    # A second run over the same store reuses the imported artifact (reimport: false).
    second = replay(package, "minio://bkt/root", {"n": 4}, env=ENV, storage_dir=str(storage))
    assert second.executed == ["importer", "produce", "consume", "after"]
    assert second.artifact("importer", "result").name == first.artifact("importer", "result").name
    assert second.artifact("produce", "data").name != first.artifact("produce", "data").name


def test_with_caching_a_task_whose_fingerprint_matches_reuses_the_earlier_outputs(tmp_path):
    storage = tmp_path / "store"
    _stage(storage, "minio://bkt/staged/schema", {"schema.pbtxt": "feature {}\n"})
    package = _chain_package(tmp_path)
    common = {"env": ENV, "storage_dir": str(storage), "cache": True}
    first = replay(package, "minio://bkt/root", **common)
    again = replay(package, "minio://bkt/root", **common)
    # produce and consume enable caching (same inputs, same artifacts); after does not.
    assert again.cached == ["produce", "consume"] and again.executed == ["importer", "after"]
    assert again.artifact("consume", "report").name == first.artifact("consume", "report").name
    assert again.tasks["produce"].output_parameters == {"count": 5.0}
    changed = replay(package, "minio://bkt/root", {"n": 6}, **common)  # another parameter value: runs again
    assert changed.executed == ["importer", "produce", "consume", "after"]
    assert changed.artifact("consume", "report").name != first.artifact("consume", "report").name


def test_run_parameters_are_checked_as_the_api_server_checks_them(tmp_path):
    package = _chain_package(tmp_path)
    store = str(tmp_path / "store")
    with pytest.raises(KfpRejected, match="input parameter n requires type double or integer"):
        replay(package, "minio://bkt/root", {"n": "5"}, storage_dir=store)
    with pytest.raises(KfpRejected, match=r"parameter\(s\) provided are not required by pipeline: x"):
        replay(package, "minio://bkt/root", {"x": 1}, storage_dir=store)


@pytest.mark.parametrize("root, message", [
    ("/tmp/local/root", "unrecognized pipeline root format"),
    ("file:///tmp/root", "unsupported Cloud bucket"),
    ("mem://bucket/root", "unsupported provider in provider config mem"),
])
def test_pipeline_roots_kfp_cannot_store_in_are_refused(tmp_path, root, message):
    with pytest.raises(KfpRejected, match=message):
        replay(_chain_package(tmp_path), root, storage_dir=str(tmp_path / "store"))


# What each pod sees: it writes a note into /srv/shared unless one is there, and something into /etc, and
# says which of the paths it is given it can see.
PROBE = WRITE_OUTPUT + """
note = "/srv/shared/note.txt"
found = os.path.exists(note)
if not found:
    os.makedirs(os.path.dirname(note), exist_ok=True)
    with open(note, "w") as f:
        f.write(os.environ["KFP_POD_NAME"])
with open("/etc/kfp-replay-probe", "w") as f:
    f.write("written in a pod")
write_metadata({"artifacts": {"out": {"artifacts": [{"metadata": {
    "found": found, "seen": [p for p in sys.argv[3:] if os.path.exists(p)]}}]}}})
"""
SHARED_MOUNT = {"pvcMount": [{"constant": "shared", "mountPath": "/srv/shared",
                              "pvcNameParameter": {"runtimeValue": {"constant": "shared"}}}]}


def _probe_package(tmp_path, probed: list[str], mounts: dict | None = None, name: str = "probe") -> str:
    """Two tasks, `first` then `second`, running PROBE; `mounts`: executor label -> Kubernetes config."""
    components = {t: {"executorLabel": f"{t}_ex", "outputDefinitions": {"artifacts": {"out": _schema("tfx.String")}}}
                  for t in ("first", "second")}
    executors = {f"{t}_ex": {"container": {"image": "x", "command": ["python", "-c", PROBE, "{{$}}", t, *probed]}}
                 for t in ("first", "second")}
    tasks = {"first": {"componentRef": {"name": "first"}, "taskInfo": {"name": "first"},
                       "cachingOptions": {"enableCache": True}},
             "second": {"componentRef": {"name": "second"}, "taskInfo": {"name": "second"},
                        "dependentTasks": ["first"], "cachingOptions": {"enableCache": True}}}
    path = _package(tmp_path, tasks, components, executors, name=name)
    if mounts is not None:
        with open(path) as f:
            spec = yaml.safe_load(f)
        with open(path, "w") as f:
            yaml.safe_dump_all([spec, {"platforms": {"kubernetes": {"deploymentSpec": {"executors": mounts}}}}], f)
    return path


def test_each_task_runs_in_a_pod_of_its_own(tmp_path):
    """Without a volume, what a task writes on an absolute path is its own: the next task does not see it,
    nor does this machine; the emulated bucket and the pods' directories are out of its sight."""
    storage = tmp_path / "store"
    probed = [str(storage), str(tmp_path), "/minio", "/tmp"]
    result = replay(_probe_package(tmp_path, probed), "minio://bkt/root", env=ENV, storage_dir=str(storage))
    assert result.executed == ["first", "second"]
    for task in ("first", "second"):
        metadata = result.artifact(task, "out").metadata
        assert metadata["found"] == 0.0  # the second pod does not see the first one's note
        assert metadata["seen"] == {"list": ["/minio", "/tmp"]}  # its own mounts, not this machine's dirs
    assert not os.path.exists("/srv/shared/note.txt") and not os.path.exists("/etc/kfp-replay-probe")
    assert result.tasks["first"].volumes == []


def test_the_images_code_under_the_pods_own_tmp_is_visible_read_only(tmp_path):
    """A checkout under /tmp is the image's code: the pod's own /tmp must not hide it (it would in a CI clone
    under /tmp), and the pod cannot change it."""
    code = tempfile.mkdtemp(prefix="kfp-replay-image-", dir="/tmp")
    try:
        with open(os.path.join(code, "image_probe.py"), "w") as f:
            f.write("VALUE = 'from the image'\n")
        body = """
import image_probe
try:
    open(os.path.join(os.path.dirname(image_probe.__file__), "written.txt"), "w").close()
    writable = True
except OSError:
    writable = False
write_metadata({"artifacts": {"out": {"artifacts": [{"metadata": {"value": image_probe.VALUE,
                                                                   "writable": writable}}]}}})
"""
        result = replay(_single(tmp_path, body), "minio://bkt/root", env={**ENV, "PYTHONPATH": f"{code}:{ROOT}"},
                        storage_dir=str(tmp_path / "store"))
        metadata = result.artifact("step", "out").metadata
        assert (metadata["value"], metadata["writable"]) == ("from the image", False)
        assert not os.path.exists(os.path.join(code, "written.txt"))
        assert kfp_replay.image_dirs("/tmp/co/.venv/bin/python", {"PYTHONPATH": "/tmp/co:/srv/lib"}) == [
            "/tmp/co/.venv", "/tmp/co"]  # only what the pod's own mounts would hide
    finally:
        shutil.rmtree(code)


def test_a_declared_volume_is_shared_by_the_pods_that_mount_it(tmp_path):
    storage, volume = tmp_path / "store", tmp_path / "pv"
    package = _probe_package(tmp_path, [str(volume)], {"first_ex": SHARED_MOUNT, "second_ex": SHARED_MOUNT})
    common = {"env": ENV, "storage_dir": str(storage), "cache": True}
    result = replay(package, "minio://bkt/root", volumes={"shared": str(volume)}, **common)
    assert [result.artifact(t, "out").metadata["found"] for t in ("first", "second")] == [0.0, 1.0]
    assert result.artifact("first", "out").metadata["seen"] == {"list": []}  # the claim's backing directory: hidden
    assert result.tasks["second"].volumes == [{"claim": "shared", "mount_path": "/srv/shared", "sub_path": ""}]
    with open(volume / "note.txt") as f:
        assert f.read().startswith("probe-")  # written by the first pod
    assert not os.path.exists("/srv/shared")
    # The claims are part of the cache key: without the volume nothing is reused.
    assert replay(package, "minio://bkt/root", volumes={"shared": str(volume)}, **common).cached == ["first", "second"]
    without = replay(_probe_package(tmp_path, [], name="probe"), "minio://bkt/root", **common)
    assert without.executed == ["first", "second"]
    # Mounted in one pod only, the claim does not reach the other.
    only_first = replay(_probe_package(tmp_path, [], {"first_ex": SHARED_MOUNT}), "minio://bkt/root",
                        volumes={"shared": str(tmp_path / "pv2")}, **common)
    assert [only_first.artifact(t, "out").metadata["found"] for t in ("first", "second")] == [0.0, 0.0]


def test_volumes_are_checked_as_kfp_and_kubernetes_check_them(tmp_path):
    store = str(tmp_path / "store")
    package = _probe_package(tmp_path, [], {"first_ex": SHARED_MOUNT})
    with pytest.raises(KfpRejected, match='pod of task first cannot be scheduled: persistentvolumeclaim "shared" not '
                                          "found"):
        replay(package, "minio://bkt/root", env=ENV, storage_dir=store)
    bad = _probe_package(tmp_path, [], {"first_ex": {"pvcMount": [{"constant": "shared", "mountpath": "/x"}]}})
    with pytest.raises(KfpRejected, match="failed to unmarshal kubernetes config") as refused:
        replay(bad, "minio://bkt/root", env=ENV, storage_dir=store, volumes={"shared": str(tmp_path / "pv")})
    assert refused.value.stage == "run creation"
    no_path = _probe_package(tmp_path, [], {"first_ex": {"pvcMount": [{"constant": "shared"}]}})
    with pytest.raises(KfpRejected, match="failed to mount volume, missing mountpath or pvc name"):
        replay(no_path, "minio://bkt/root", env=ENV, storage_dir=store, volumes={"shared": str(tmp_path / "pv")})
    with pytest.raises(KfpRejected, match="The run name is empty"):
        replay(package, "minio://bkt/root", storage_dir=store, run_name="")


def _single(tmp_path, body: str, outputs=None, parameters=None, task_parameters=None) -> str:
    components = {"step": {"executorLabel": "step_ex",
                           "inputDefinitions": {"parameters": parameters or {}},
                           "outputDefinitions": {"artifacts": outputs or {"out": _schema("tfx.Model")}}}}
    tasks = {"step": {"componentRef": {"name": "step"}, "taskInfo": {"name": "step"},
                      "inputs": {"parameters": task_parameters or {}}}}
    return _package(tmp_path, tasks, components, {"step_ex": _script(WRITE_OUTPUT + body)})


@pytest.mark.parametrize("body, message", [
    ("write_metadata({'artifacts': {}, 'unknownField': 1})", "failed to unmarshall ExecutorOutput"),
    ("write_metadata({'artifacts': {'out': {'artifacts': [{'metadata': {'x': None}}]}}})",
     "unknown/unsupported value type"),
    ("write_metadata({'artifacts': {'out': {'artifacts': [{'uri': 'minio://other/x'}]}}})",
     "does not have expected bucket prefix"),
    ("sys.exit(3)", "exit status 3"),
])
def test_what_the_launcher_rejects_fails_the_replay(tmp_path, body, message):
    with pytest.raises(KfpRejected, match=message) as failure:
        replay(_single(tmp_path, body), "minio://bkt/root", env=ENV, storage_dir=str(tmp_path / "store"))
    assert failure.value.task == "step" and failure.value.result is not None


def test_an_output_uri_changed_to_a_local_path_is_recorded_but_not_uploaded(tmp_path):
    # What a stock TFX entry point would report had it been given local paths: the launcher
    # adopts the uri, warns, uploads nothing; downstream tasks would get the local path.
    body = "write_metadata({'artifacts': {'out': {'artifacts': [{'uri': '/minio/bkt/elsewhere'}]}}})"
    result = replay(_single(tmp_path, body), "minio://bkt/root", env=ENV, storage_dir=str(tmp_path / "store"))
    assert result.artifact("step", "out").uri == "/minio/bkt/elsewhere"
    assert any("does not have a recognized storage URI" in w for w in result.warnings)


def test_parameter_types_are_checked_as_the_driver_checks_them(tmp_path):
    boolean = {"flag": {"parameterType": "BOOLEAN"}}
    package = _single(tmp_path, "pass", parameters=boolean,
                      task_parameters={"flag": {"runtimeValue": {"constant": "yes"}}})
    with pytest.raises(KfpRejected, match=r'input parameter "flag" type mismatch: expect BOOLEAN, got string'):
        replay(package, "minio://bkt/root", env=ENV, storage_dir=str(tmp_path / "store"))
    package = _single(tmp_path, "pass", parameters=boolean)
    with pytest.raises(KfpRejected, match=r'neither value nor default value provided for non-optional parameter'):
        replay(package, "minio://bkt/root", env=ENV, storage_dir=str(tmp_path / "store"))
    # A default on a parameter not marked optional does not reach the process (a KFP 2.16 quirk).
    defaulted = {"name": {"parameterType": "STRING", "defaultValue": "d"},
                 "size": {"parameterType": "NUMBER_INTEGER", "defaultValue": 1.0, "isOptional": True}}
    result = replay(_single(tmp_path, "pass", parameters=defaulted), "minio://bkt/root", env=ENV,
                    storage_dir=str(tmp_path / "store"))
    assert result.tasks["step"].executor_input["inputs"]["parameterValues"] == {"name": "", "size": 1.0}
    defaulted["name"]["parameterType"] = "NUMBER_DOUBLE"
    defaulted["name"]["defaultValue"] = 2.0
    with pytest.raises(KfpRejected, match="parameter name has unknown protobuf.Value type: <nil>"):
        replay(_single(tmp_path, "pass", parameters=defaulted), "minio://bkt/root", env=ENV,
               storage_dir=str(tmp_path / "store"))


def test_resolver_executors_are_refused_with_kfps_error(tmp_path):
    components = {"resolve": {"executorLabel": "resolve_ex", "outputDefinitions": {"artifacts": {
        "model": _schema("tfx.Model")}}}}
    executors = {"resolve_ex": {"resolver": {"outputArtifactQueries": {"model": {"filter": "state=LIVE"}}}}}
    tasks = {"resolve": {"componentRef": {"name": "resolve"}, "taskInfo": {"name": "resolve"}}}
    with pytest.raises(KfpRejected) as refused:
        replay(_package(tmp_path, tasks, components, executors), "gs://b/r", storage_dir=str(tmp_path / "s"))
    assert str(refused.value) == ('error processing component name="resolve": executor(label="resolve_ex"): '
                                  'non-container and non-importer executor not implemented')
    assert refused.value.stage == "run creation"


def test_importers_are_checked_as_the_importer_launcher_checks_them(tmp_path):
    components = {"imp": {"executorLabel": "imp_ex", "outputDefinitions": {"artifacts": {
        "result": _schema("tfx.Schema")}}}}
    tasks = {"imp": {"componentRef": {"name": "imp"}, "taskInfo": {"name": "imp"}}}
    local = {"imp_ex": {"importer": {"artifactUri": {"constant": "/data/schema"},
                                     "typeSchema": {"instanceSchema": "title: tfx.Schema\n"}}}}
    with pytest.raises(KfpRejected, match="no provider scheme found in artifact URI: /data/schema"):
        replay(_package(tmp_path, tasks, components, local), "gs://b/r", storage_dir=str(tmp_path / "s"))
    conditional = dict(tasks)
    conditional["imp"] = {**tasks["imp"], "triggerPolicy": {"condition": "true"}}
    ok = {"imp_ex": {"importer": {"artifactUri": {"constant": "gs://b/schema"},
                                  "typeSchema": {"instanceSchema": "title: tfx.Schema\n"}}}}
    with pytest.raises(KfpRejected, match="triggerPolicy.condition on importer task is not supported"):
        replay(_package(tmp_path, conditional, components, ok), "gs://b/r", storage_dir=str(tmp_path / "s"))
    from_parameter = {"imp_ex": {"importer": {"artifactUri": {"runtimeParameter": "uri"},
                                              "typeSchema": {"schemaTitle": "system.Artifact"}}}}
    tasks["imp"]["inputs"] = {"parameters": {"uri": {"componentInputParameter": "schema_uri"}}}
    package = _package(tmp_path, tasks, components, from_parameter,
                       parameters={"schema_uri": {"parameterType": "STRING", "defaultValue": "gs://b/s1"}})
    result = replay(package, "gs://b/r", {"schema_uri": "gs://b/s2"}, storage_dir=str(tmp_path / "s"))
    assert result.artifact("imp", "result").uri == "gs://b/s2"
    assert result.artifact("imp", "result").schema_title == "system.Artifact"


# --------------------------------------------------------------------------------------------
# The CEL of triggerPolicy.condition
# --------------------------------------------------------------------------------------------

INPUTS = {"parameterValues": {"threshold": 0.5, "name": "x"},
          "artifacts": {"_Evaluator.blessing": {"artifacts": [
              {"name": "7", "uri": "gs://b/blessing", "type": {"instanceSchema": ""},
               "metadata": {"blessed": 1.0, "display_name": "blessing"}}]}}}
BLESSED = "(inputs.artifacts['_Evaluator.blessing'].artifacts[0].metadata['blessed'] == 1.0)"


@pytest.mark.parametrize("condition, expected", [
    (BLESSED, True),
    ("(inputs.artifacts['_Evaluator.blessing'].artifacts[0].metadata['blessed'] == 0.0)", False),
    ("!(" + BLESSED + ")", False),
    (BLESSED + " && inputs.parameter_values['threshold'] < 1.0", True),
    ("inputs.artifacts['_Evaluator.blessing'].artifacts[0].metadata['blessed'] == 1", True),  # int == double
    ("inputs.artifacts['_Evaluator.blessing'].artifacts[0].metadata['blessed'] == 'yes'", False),
    ("(inputs.artifacts['_Evaluator.blessing'].artifacts[0].uri == 'gs://b/' + 'blessing')", True),
    ("inputs.artifacts['_Evaluator.blessing'].artifacts[0].metadata.display_name == \"blessing\"", True),
    # CEL's commutative ||: an error on one side is absorbed by a true other side.
    ("inputs.parameter_values['missing'] == 1.0 || " + BLESSED, True),
])
def test_cel_conditions(condition, expected):
    assert Cel(condition).evaluate(INPUTS) is expected


@pytest.mark.parametrize("condition, message", [
    ("(inputs.artifacts['_Trainer.blessing'].artifacts[0].metadata['blessed'] == 1.0)",
     'evaluation error: .*Key not found in map : "_Trainer.blessing"'),
    ("inputs.artifacts['_Evaluator.blessing'].artifacts[0].metadata['blessed']",
     "evaluation error: return type is not bool, got 1.0"),
    ("inputs.artifacts['_Evaluator.blessing'].artifacts[1].uri == ''", "evaluation error: .*index=1 size=1"),
    ("inputs.parameter_values['name'] < 1.0",
     r"evaluation error: .*No matching overloads found : _<_\(string, double\)"),
    # Checked against the ExecutorInput proto, as cel-go checks it: not even evaluated.
    ("inputs.artifacts['_Evaluator.blessing'].artifacts[0].blessed == 1.0",
     "undefined field 'blessed' not found in struct 'ml_pipelines.RuntimeArtifact'"),
    ("1 < 1.0", r"found no matching overload for '_<_' applied to '\(int, double\)'"),
    ("blessed == 1.0", "undeclared reference to 'blessed'"),
])
def test_cel_errors_fail_as_in_the_driver(condition, message):
    with pytest.raises(CelError, match=message):
        Cel(condition).evaluate(INPUTS)


@pytest.mark.parametrize("condition", [
    "size(inputs.artifacts) == 1", "true ? has(inputs.artifacts) : false", "'x' in [inputs.parameter_values['name']]",
    "inputs.parameter_values['threshold'] * 2.0 == 1.0", "outputs.output_file == ''", "1u + 1u == 2u",
    "parseJson('{\"a\": [1, 2]}').a[1] == 2", "inputs.artifacts.all(k, k.startsWith('_'))",
])
def test_cel_conditions_are_the_whole_language_with_kfps_parse_json(condition):
    """Not a subset: Google's CEL, with KFP's parseJson; outputs exist but are empty when conditions run."""
    assert Cel(condition).evaluate(INPUTS) is True


def test_a_condition_on_a_missing_input_fails_the_task_like_the_driver(tmp_path):
    components = {"step": {"executorLabel": "step_ex"}}
    tasks = {"step": {"componentRef": {"name": "step"}, "taskInfo": {"name": "step"},
                      "triggerPolicy": {"condition": BLESSED}}}
    package = _package(tmp_path, tasks, components, {"step_ex": _script("pass")})
    with pytest.raises(KfpRejected, match=r"driver.Container\(.*\) failed: evaluation error: .*Key not found in map"):
        replay(package, "gs://b/r", storage_dir=str(tmp_path / "s"))


# --------------------------------------------------------------------------------------------
# TFX packages
# --------------------------------------------------------------------------------------------

def _compile(pipeline, parameter_values: dict, path: str) -> str:
    """A TFX pipeline compiled with KubeflowV2DagRunner into a package, with TFX's own entry point (the
    runtime config's parameter values moved into the spec as kubeflow_v2_runner.package_spec does)."""
    from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner

    runner = kubeflow_v2_dag_runner.KubeflowV2DagRunner(config=kubeflow_v2_dag_runner.KubeflowV2DagRunnerConfig(
        default_image="x", use_pipeline_spec_2_1=True))
    job = runner.run(pipeline, parameter_values=parameter_values, write_out=False)
    spec = job["pipelineSpec"]
    for name, value in job.get("runtimeConfig", {}).get("parameterValues", {}).items():
        spec["root"]["inputDefinitions"]["parameters"][name]["defaultValue"] = value
    with open(path, "w") as f:
        yaml.safe_dump(spec, f, sort_keys=True)
    return path


def test_tfxs_latest_blessed_model_resolver_is_refused_at_run_creation(tmp_path):
    """What the project's package held before: TFX's Resolver compiles to `resolver` executors (ML
    Metadata queries that only Vertex Pipelines runs). The package uploads, but KFP 2.16 refuses to
    create any run of it, and package_spec refuses to write it."""
    from tfx import v1 as tfx
    from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner

    resolver = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
        model=tfx.dsl.Channel(type=standard_artifacts.Model),
        model_blessing=tfx.dsl.Channel(type=standard_artifacts.ModelBlessing)).with_id("latest_blessed_model_resolver")
    pipeline = tfx.dsl.Pipeline(pipeline_name="resolver", pipeline_root="gs://b/r", components=[resolver])
    package = _compile(pipeline, {}, str(tmp_path / "resolver.yaml"))
    with open(package) as f:
        executors = yaml.safe_load(f)["deploymentSpec"]["executors"]
    assert {label for label, e in executors.items() if "resolver" in e} == {
        "latest_blessed_model_resolver-model-blessing-resolver_executor",
        "latest_blessed_model_resolver-model-resolver_executor"}
    with pytest.raises(KfpRejected) as refused:
        replay(package, "gs://b/r", storage_dir=str(tmp_path / "store"))
    assert str(refused.value) == (
        'error processing component name="latest_blessed_model_resolver-model-blessing-resolver": '
        'executor(label="latest_blessed_model_resolver-model-blessing-resolver_executor"): '
        "non-container and non-importer executor not implemented")
    assert refused.value.stage == "run creation"
    assert not (tmp_path / "store" / "gs").exists()  # refused before anything ran
    job = kubeflow_v2_dag_runner.KubeflowV2DagRunner(config=kubeflow_v2_dag_runner.KubeflowV2DagRunnerConfig(
        default_image="x", use_pipeline_spec_2_1=True)).run(pipeline, write_out=False)
    with pytest.raises(ValueError, match="runs only container and importer executors"):
        kubeflow_v2_runner.package_spec(job)


# Python-function components of the small pipeline. KFP imports their executors by module path
# (tests.test_kfp_replay.<name>_Executor), so they are defined at module level.

@component
def Score(examples: InputArtifact[standard_artifacts.Examples], model: OutputArtifact[standard_artifacts.Model],
          blessing: OutputArtifact[standard_artifacts.ModelBlessing], min_examples: Parameter[int] = 0):
    """Counts the training examples; blesses the "model" when there are at least min_examples."""
    import glob

    import tensorflow as tf

    files = glob.glob(os.path.join(examples.uri, "Split-train", "*"))
    count = sum(1 for _ in tf.data.TFRecordDataset(files, compression_type="GZIP"))
    os.makedirs(model.uri, exist_ok=True)
    with open(os.path.join(model.uri, "model.txt"), "w") as f:
        f.write(f"trained on {count}\n")
    blessing.set_int_custom_property("blessed", int(count >= min_examples))
    blessing.set_int_custom_property("examples", count)


@component
def Push(model: InputArtifact[standard_artifacts.Model], pushed: OutputArtifact[standard_artifacts.PushedModel]):
    import shutil

    shutil.copytree(model.uri, pushed.uri, dirs_exist_ok=True)
    pushed.set_int_custom_property("pushed", 1)


@component
def Announce(pushed: InputArtifact[standard_artifacts.PushedModel], note: OutputArtifact[standard_artifacts.String]):
    with open(os.path.join(pushed.uri, "model.txt")) as f:
        note.value = "pushed: " + f.read().strip()


def _small_pipeline(root: str):
    from tfx import v1 as tfx
    from tfx.orchestration import data_types
    from tfx.types import standard_artifacts

    schema = tfx.dsl.Importer(source_uri=root + "/staged/schema", artifact_type=standard_artifacts.Schema,
                              custom_properties={"origin": "staged"}).with_id("schema_importer")
    examples = tfx.dsl.Importer(source_uri=root + "/staged/examples", artifact_type=standard_artifacts.Examples,
                                properties={"split_names": '["train", "eval"]'}).with_id("examples_importer")
    statistics = tfx.components.StatisticsGen(examples=examples.outputs["result"], schema=schema.outputs["result"])
    score = Score(examples=examples.outputs["result"],
                  min_examples=data_types.RuntimeParameter(name="min_examples", ptype=int, default=100))
    with tfx.dsl.Cond(score.outputs["blessing"].future()[0].custom_property("blessed") == 1):
        push = Push(model=score.outputs["model"])
    announce = Announce(pushed=push.outputs["pushed"])
    return tfx.dsl.Pipeline(pipeline_name="small", pipeline_root=root,
                            components=[schema, examples, statistics, score, push, announce],
                            beam_pipeline_args=IN_MEMORY_BEAM_ARGS)


def _stage_examples(storage: str, root: str, train: int = 150, eval_: int = 50) -> None:
    import tensorflow as tf

    base = kfp_replay.store_path(storage, root + "/staged/examples")
    for split, n in (("train", train), ("eval", eval_)):
        os.makedirs(os.path.join(base, f"Split-{split}"), exist_ok=True)
        with tf.io.TFRecordWriter(os.path.join(base, f"Split-{split}", "data.gz"), options="GZIP") as w:
            for i in range(n):
                w.write(tf.train.Example(features=tf.train.Features(feature={
                    "x": tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
                    "y": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"ab"[i % 2:i % 2 + 1]])),
                })).SerializeToString())
    _stage(storage, root + "/staged/schema", {"schema.pbtxt": textwrap.dedent("""\
        feature { name: "x" type: INT presence { min_fraction: 1.0 } shape { dim { size: 1 } } }
        feature { name: "y" type: BYTES presence { min_fraction: 1.0 } shape { dim { size: 1 } } }
        """)})


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("small")
    root = "minio://bkt/small"
    package = _compile(_small_pipeline(root), {"min_examples": 100}, str(tmp / "small.yaml"))
    storage = str(tmp / "store")
    _stage_examples(storage, root)
    return {"package": package, "root": root, "storage": storage, "tmp": tmp}


def test_the_small_package_has_what_the_replay_must_honour(small):
    with open(small["package"]) as f:
        spec = yaml.safe_load(f)
    executors = spec["deploymentSpec"]["executors"]
    assert {k for k, e in executors.items() if "importer" in e} == {"schema_importer_executor",
                                                                   "examples_importer_executor"}
    push = spec["root"]["dag"]["tasks"]["Push"]
    assert push["triggerPolicy"]["condition"] == BLESSED.replace("_Evaluator", "_Score")
    assert "_Score.blessing" in push["inputs"]["artifacts"]  # the implicit input the condition reads
    score = executors["Score_executor"]["container"]
    assert score["command"][-1] == entrypoint.TFX_ENTRYPOINT_MODULE
    assert "tests.test_kfp_replay.Score_Executor" in score["args"]


def test_stock_tfx_fails_on_kfp_2_16(small):
    """TFX 1.21's entry point cannot read the ExecutorInput KFP 2.16 gives it: input artifacts
    come back from ML Metadata with `type.instanceSchema: ""`."""
    with pytest.raises(TaskFailed) as failed:
        replay(small["package"], small["root"], env=ENV, storage_dir=small["storage"])
    assert failed.value.task == "Score"  # the first container step (importers run first)
    assert "'NoneType' object has no attribute 'get'" in str(failed.value)


def test_stock_tfx_fails_on_the_executor_logs_output(small, tmp_path):
    """Even without input artifacts: the launcher's `executor-logs` output (PUBLISH_LOGS=true in
    the standard manifests) has type system.Artifact, which TFX tries to import."""
    from tfx import v1 as tfx

    package = _compile(tfx.dsl.Pipeline(pipeline_name="gen", pipeline_root=small["root"], components=[
        tfx.components.ImportSchemaGen(schema_file=os.path.join(ROOT, "schemas", "schema.pbtxt"))]),
        {}, str(tmp_path / "gen.yaml"))
    with pytest.raises(TaskFailed, match="No module named 'system'") as failed:
        replay(package, small["root"], env=ENV, storage_dir=str(tmp_path / "store"))
    assert any("schema_file is a path on this machine" in w for w in failed.value.result.warnings)
    # With PUBLISH_LOGS=false it gets further, but TensorFlow has no minio:// (nor s3://) filesystem.
    with pytest.raises(TaskFailed, match="File system scheme 'minio' not implemented"):
        replay(package, small["root"], env=ENV, storage_dir=str(tmp_path / "store"), publish_logs=False)


@component
def Register(blessing: InputArtifact[standard_artifacts.ModelBlessing]):
    pass


def test_a_tfx_cond_on_a_channel_the_node_also_consumes_reads_a_missing_input(tmp_path):
    """A pitfall for steps inside tfx.dsl.Cond: when the conditional node itself takes the
    predicate's channel as an input, TFX 1.21 names that input after the node's argument but the
    condition after the channel (`_Score.blessing`), so KFP's driver fails the task."""
    from tfx import v1 as tfx

    examples = tfx.dsl.Importer(source_uri="gs://b/ex", artifact_type=standard_artifacts.Examples).with_id("examples")
    score = Score(examples=examples.outputs["result"])
    with tfx.dsl.Cond(score.outputs["blessing"].future()[0].custom_property("blessed") == 1):
        register = Register(blessing=score.outputs["blessing"])
    package = _compile(tfx.dsl.Pipeline(pipeline_name="cond", pipeline_root="gs://b/r",
                                        components=[examples, score, register]), {}, str(tmp_path / "cond.yaml"))
    with open(package) as f:
        task = yaml.safe_load(f)["root"]["dag"]["tasks"]["Register"]
    assert set(task["inputs"]["artifacts"]) == {"blessing"}
    blessing = {"name": "1", "uri": "gs://b/x", "metadata": {"blessed": 1.0}}
    inputs = {"artifacts": {"blessing": {"artifacts": [blessing]}}}
    with pytest.raises(CelError, match='Key not found in map : "_Score.blessing"'):
        Cel(task["triggerPolicy"]["condition"]).evaluate(inputs)


# --------------------------------------------------------------------------------------------
# The project's package: its own steps, run without a cluster
# --------------------------------------------------------------------------------------------

DATENMT_ROOT = "minio://mlpipeline/datenmt"  # the bucket of a stock install's MinIO
SERVING_CLAIM = "datenmt-serving"
DATENMT_TASKS = ["ImportSchemaGen", "SyntheticDateExampleGen", "StatisticsGen", "ExampleValidator", "AnomaliesGate",
                 "Transform", "Tuner", "Trainer", "serving_model_baseline", "Evaluator", "MlflowReporter", "Pusher",
                 "MlflowRegistrar"]
# Small: no assertion depends on the model's quality (thresholds of 0 and 1.0, any drop
# tolerated), so 500 examples (about 400 to train on), one tuner trial and one epoch.
SMALL_RUN = {"num_examples": 500, "epochs": 1, "max_trials": 1, "trial_epochs": 1, "accuracy_threshold": 0.0}


@pytest.fixture(scope="module")
def mlflow_uri(tmp_path_factory):
    """A real MLflow tracking server on loopback: the pods reach it over HTTP, as a cluster service."""
    with mlflow_tracking_server(tmp_path_factory.mktemp("mlflow")) as uri:
        yield uri


@pytest.fixture(scope="module")
def datenmt(tmp_path_factory, mlflow_uri):
    """The package `python -m kubeflow compile --serving-volume` writes, replayed three times over one
    pipeline root in the emulated MinIO bucket, with KFP's caching (on by default on KFP). Every task runs
    in a pod of its own; the serving volume is a claim of the run's namespace, backed by a directory
    here. Compiled with the schema's path on this machine (in the image: /pipeline/schemas/schema.pbtxt)
    and Beam in memory.

    The second run changes `patience`, a Trainer setting, as a scheduler would: the data, statistics,
    Transform and Tuner come from cache, the Trainer trains a new candidate, and everything after it
    runs for that candidate. The third changes only the accuracy threshold, to one no model reaches."""
    import schemas
    from kubeflow import __main__ as kfp_cli
    from reporting import tracking

    tmp = tmp_path_factory.mktemp("datenmt")
    package = str(tmp / "datenmt_pipeline.yaml")
    assert kfp_cli.main(["compile", "--pipeline-root", DATENMT_ROOT, "--image", "registry.example/datenmt:1",
                         "--package", package, "--serving-volume", SERVING_CLAIM, "--schema-path", schemas.SCHEMA_PATH,
                         *(f"--beam-arg={a}" for a in IN_MEMORY_BEAM_ARGS)]) == 0
    volume = str(tmp / "persistent-volume")  # what the claim is bound to
    settings = tracking.TrackingSettings(mlflow_uri, "datenmt", "datenmt-date-normaliser")
    parameters = {**SMALL_RUN, "tracking_uri": mlflow_uri}
    common = {"env": ENV, "storage_dir": str(tmp / "store"), "volumes": {SERVING_CLAIM: volume}, "cache": True,
              "verbose": True}
    first = replay(package, DATENMT_ROOT, parameters, run_name="datenmt first", **common)
    # Any drop is tolerated, so that the second candidate is pushed whatever one epoch gives it.
    second_parameters = {**parameters, "patience": 2, "max_accuracy_drop": 1.0}
    second = replay(package, DATENMT_ROOT, second_parameters, run_name="datenmt second", **common)
    # The same again with a threshold no model reaches: only the Evaluator (and the reporter) run again.
    missed = replay(package, DATENMT_ROOT, {**second_parameters, "accuracy_threshold": 1.0}, run_name="datenmt missed",
                    **common)
    return {"package": package, "volume": volume, "serving": os.path.join(volume, "serving_model"),
            "settings": settings, "common": common, "second_parameters": second_parameters, "first": first,
            "second": second, "missed": missed}


def _on_volume(datenmt, pod_path: str) -> str:
    """Where a path under the serving volume's mount is in the directory behind the claim."""
    assert pod_path.startswith(kubeflow_v2_runner.SERVING_VOLUME_MOUNT + "/"), pod_path
    return datenmt["volume"] + pod_path[len(kubeflow_v2_runner.SERVING_VOLUME_MOUNT):]


def _uploaded(result, task: str, key: str) -> str:
    """The emulated bucket's copy of a task's output."""
    return result.local_path(result.artifact(task, key).uri)


@pytest.mark.slow
def test_the_first_replay_runs_every_step_and_pushes_without_a_baseline(datenmt):
    first = datenmt["first"]
    assert first.executed == DATENMT_TASKS
    # As compiled: the containers' own command (the project's entry point) and TFX's arguments.
    assert all(t.argv[1:3] == ["-m", "kubeflow.entrypoint"] for t in first.tasks.values())
    # Only the schema's path is one of this machine (in the image: /pipeline/schemas/schema.pbtxt).
    assert [w.split(":")[0] for w in first.warnings] == ["ImportSchemaGen"], first.warnings
    # The serving volume is mounted in the two pods that use the serving directory, and in no other.
    mount = {"claim": SERVING_CLAIM, "mount_path": kubeflow_v2_runner.SERVING_VOLUME_MOUNT, "sub_path": ""}
    assert {n: t.volumes for n, t in first.tasks.items() if t.volumes} == {"serving_model_baseline": [mount],
                                                                           "Pusher": [mount]}
    # The launcher's name for the log, with the attempt's index, in the ExecutorInput the step was given.
    logs = first.tasks["Trainer"].executor_input["outputs"]["artifacts"]["executor-logs"]["artifacts"][0]
    assert logs["uri"].endswith("/executor-logs-0") and first.artifact("Trainer", "executor-logs").uri == logs["uri"]
    baseline = first.artifact("serving_model_baseline", "baseline_model")
    assert baseline.metadata["found"] == 0.0 and baseline.metadata["pushed_version"] == ""
    evaluator_input = first.tasks["Evaluator"].executor_input["inputs"]["artifacts"]
    assert evaluator_input["baseline_model"]["artifacts"][0]["name"] == baseline.name
    blessing = first.artifact("Evaluator", "blessing")
    assert blessing.metadata["blessed"] == 1.0
    assert "baseline_model_id" not in blessing.metadata  # no baseline: the change threshold is ignored
    pushed = first.artifact("Pusher", "pushed_model")
    assert pushed.metadata["pushed"] == 1.0
    destination = pushed.metadata["pushed_destination"]
    assert os.path.dirname(destination) == kubeflow_v2_runner.SERVING_VOLUME_MOUNT + "/serving_model"
    assert os.path.exists(os.path.join(_on_volume(datenmt, destination), "saved_model.pb"))  # on the volume
    # Outputs were uploaded at their remote URIs under the run's root, not left at the pod's paths.
    assert first.artifact("Trainer", "model").uri.startswith(f"{DATENMT_ROOT}/datenmt/{first.run_id}/Trainer/")
    assert os.path.exists(os.path.join(_uploaded(first, "Trainer", "model"), "Format-Serving", "saved_model.pb"))


@pytest.mark.slow
def test_the_second_replay_evaluates_against_the_serving_model_and_pushes_a_new_version(datenmt):
    first, second = datenmt["first"], datenmt["second"]
    assert second.cached == DATENMT_TASKS[:7]  # up to the Tuner: the same inputs as in the first run
    assert second.executed == DATENMT_TASKS[7:]
    assert second.artifact("Transform", "transform_graph").name == first.artifact("Transform", "transform_graph").name
    first_push = first.artifact("Pusher", "pushed_model").metadata["pushed_destination"]
    baseline = second.artifact("serving_model_baseline", "baseline_model")
    assert baseline.metadata["found"] == 1.0
    assert baseline.metadata["source_uri"] == first_push
    assert baseline.metadata["pushed_version"] == os.path.basename(first_push)
    assert os.path.exists(os.path.join(_uploaded(second, "serving_model_baseline", "baseline_model"),
                                       "Format-Serving", "saved_model.pb"))
    # The Evaluator's ExecutorInput carries that baseline, and its blessing names it (the entry point
    # maps TFX's ids back to KFP's artifact names).
    evaluator_input = second.tasks["Evaluator"].executor_input["inputs"]["artifacts"]
    assert evaluator_input["baseline_model"]["artifacts"][0]["name"] == baseline.name
    blessing = second.artifact("Evaluator", "blessing")
    assert blessing.metadata["blessed"] == 1.0
    assert blessing.metadata["baseline_model_id"] == baseline.name
    assert blessing.metadata["current_model_id"] == second.artifact("Trainer", "model").name
    # The evaluation holds the change against the baseline (TFMA's diff metrics).
    import tensorflow_model_analysis as tfma

    metrics = tfma.load_metrics(_uploaded(second, "Evaluator", "evaluation"))
    diffs = {kv.key.name for m in metrics for kv in m.metric_keys_and_values if kv.key.is_diff}
    assert "exact_match" in diffs, diffs
    second_push = second.artifact("Pusher", "pushed_model").metadata["pushed_destination"]
    assert second_push != first_push and os.path.dirname(second_push) == os.path.dirname(first_push)
    assert sorted(os.listdir(datenmt["serving"])) == sorted(os.path.basename(p) for p in (first_push, second_push))


@pytest.mark.slow
def test_without_the_declared_volume_the_second_run_does_not_find_its_baseline(datenmt, tmp_path):
    """The same package without its platform spec: the baseline lookup's pod has no volume, so it sees an
    empty directory of its own where the first run's push is. Replayed up to that step only (the steps before
    it come from cache, as in the second run; the lookup runs again: the claims are part of its cache key)."""
    with open(datenmt["package"]) as f:
        spec, platform = yaml.safe_load_all(f)
    assert list(platform["platforms"]) == ["kubernetes"]
    tasks = spec["root"]["dag"]["tasks"]
    for name in DATENMT_TASKS[DATENMT_TASKS.index("serving_model_baseline") + 1:]:
        del tasks[name]
    package = str(tmp_path / "without_volume.yaml")
    with open(package, "w") as f:
        yaml.safe_dump(spec, f)
    second = datenmt["second"]
    again = replay(package, DATENMT_ROOT, datenmt["second_parameters"], run_name="datenmt without volume",
                   **datenmt["common"])
    assert again.cached == DATENMT_TASKS[:8] and again.executed == ["serving_model_baseline"]
    assert again.artifact("Trainer", "model").name == second.artifact("Trainer", "model").name  # the same candidate
    assert again.tasks["serving_model_baseline"].volumes == []
    assert second.artifact("serving_model_baseline", "baseline_model").metadata["found"] == 1.0  # with the volume
    baseline = again.artifact("serving_model_baseline", "baseline_model")
    assert baseline.metadata["found"] == 0.0 and baseline.metadata["source_uri"] == ""
    assert len(os.listdir(datenmt["serving"])) == 2  # still there, on the volume


@pytest.mark.slow
def test_each_replay_registers_its_pushed_model_under_its_own_mlflow_run(datenmt):
    import mlflow
    from mlflow.tracking import MlflowClient

    from models import mlflow_model
    from reporting import tracking

    settings = datenmt["settings"]
    client = MlflowClient(settings.tracking_uri)
    versions = client.search_model_versions(f"name='{settings.registered_model}'")
    pushes = {r.run_id: r.artifact("Pusher", "pushed_model").metadata["pushed_destination"]
              for r in (datenmt["first"], datenmt["second"])}
    assert sorted(v.tags["pushed_destination"] for v in versions) == sorted(pushes.values())
    for run_id, destination in pushes.items():
        # The reporter tagged its parent run with the KFP run id ({{$.pipeline_job_uuid}}), which the
        # registrar found it by: the same record as a local run's.
        parent = tracking.find_parent_run(client, settings, run_id)
        assert parent.data.tags["pushed_destination"] == destination
        assert parent.data.tags["blessed"] == "true"
        children = client.search_runs([parent.info.experiment_id],
                                      filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
        assert sorted(c.data.tags["datenmt.kind"] for c in children) == ["evaluator", "trainer", "tuner_trial"]
        (evaluator,) = [c for c in children if c.data.tags["datenmt.kind"] == "evaluator"]
        assert evaluator.data.tags["blessed"] == "true"
        (version,) = [v for v in versions if v.tags["pushed_destination"] == destination]
        assert version.run_id == parent.info.run_id
        assert parent.data.tags["registered_model_version"] == f"{settings.registered_model}/{version.version}"
        # The version is an MLflow Model logged by that run: the pyfunc flavor, the signature, the SavedModel.
        assert version.source.startswith("models:/m-")
        with mlflow_model.use_tracking_uri(settings.tracking_uri):
            info = mlflow.models.get_model_info(f"models:/{settings.registered_model}/{version.version}")
        assert info.run_id == parent.info.run_id and "python_function" in info.flavors
        assert info.signature.inputs.input_names() == ["human", "day_first"]
        assert mlflow_model.SAVED_MODEL_ARTIFACT in info.flavors["python_function"]["artifacts"]
    reporter = datenmt["first"].tasks["MlflowReporter"].executor_input["inputs"]["parameterValues"]
    assert reporter["pipeline_run_id"] == datenmt["first"].run_id


@pytest.mark.slow
def test_a_model_that_is_not_blessed_is_neither_pushed_nor_registered(datenmt):
    second, missed = datenmt["second"], datenmt["missed"]
    assert missed.cached == DATENMT_TASKS[:9]  # the same candidate: its baseline lookup is reused too
    assert missed.executed == ["Evaluator", "MlflowReporter"]
    assert missed.artifact("Evaluator", "blessing").metadata["blessed"] == 0.0
    assert missed.tasks["Pusher"].reason.startswith("triggerPolicy.condition is false")
    assert missed.tasks["MlflowRegistrar"].reason == "omitted: upstream Pusher did not succeed"
    assert len(os.listdir(datenmt["serving"])) == 2
    from mlflow.tracking import MlflowClient

    from reporting import tracking

    settings = datenmt["settings"]
    client = MlflowClient(settings.tracking_uri)
    parent = tracking.find_parent_run(client, settings, missed.run_id)
    assert parent.data.tags["blessed"] == "false"
    assert "registered_model_version" not in parent.data.tags and "pushed_destination" not in parent.data.tags
    assert len(client.search_model_versions(f"name='{settings.registered_model}'")) == 2
    assert missed.artifact("serving_model_baseline", "baseline_model").name == second.artifact(
        "serving_model_baseline", "baseline_model").name


@pytest.mark.slow
def test_the_registered_model_is_loaded_and_served_as_the_local_one_is(datenmt, tmp_path):
    """The version the second replay registered, through the tracking server's registry and artifact proxy:
    loaded as an MLflow Model, then served by `mlflow models serve`; both answer as the pushed SavedModel."""
    settings = datenmt["settings"]
    destination = datenmt["second"].artifact("Pusher", "pushed_model").metadata["pushed_destination"]
    (version,) = [v for v in MlflowClient(settings.tracking_uri).search_model_versions(
        f"name='{settings.registered_model}'") if v.tags["pushed_destination"] == destination]
    pushed = _on_volume(datenmt, destination)
    _check_registered_model(settings.tracking_uri, settings.registered_model, version, pushed)
    with mlflow_model_server(f"models:/{settings.registered_model}/{version.version}", settings.tracking_uri,
                             tmp_path) as url:
        records = [{"human": h, "day_first": d} for h, d in zip(SAMPLES, SAMPLE_DAY_FIRST, strict=True)]
        _assert_rows(invoke_mlflow_model(url, {"dataframe_records": records}),
                     _expected(pushed, SAMPLES, SAMPLE_DAY_FIRST))

"""The container entry point of every step on Kubeflow Pipelines 2.x: TFX's, with the fixes KFP's launcher needs.

    python -m kubeflow.entrypoint --executor_class_path ... --json_serialized_invocation_args {{$}} ...

`kubeflow_v2_runner.package_spec` makes this the `command` of every container in the compiled package
(instead of TFX's `python -m tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor`); the
arguments are TFX's, unchanged. It is baked into the image with the rest of the project.

TFX 1.21's entry point was written for Vertex Pipelines. On open-source KFP 2.16 (driver and launcher,
kubeflow/pipelines backend/src/v2 at tag 2.16.1; see docs/kubeflow.md for the citations) it fails
in every step. The fixes, each applied to the ExecutorInput before TFX parses it, and what they
correspond to in sky-uk/kfp-operator's TFX runtime shim (provider-service/kfp/tfx-patch/tfx_kfp_v2_shim/
_patches.py at 83f7a430; its README lists TFX 1.15-1.17):

1. Drop the `executor-logs` output. With PUBLISH_LOGS (on in the standard manifests) the driver adds an
   output artifact `executor-logs` of type `system.Artifact` to every container task
   (v2/driver/driver.go provisionOutputs); TFX maps schema titles to classes and, not knowing
   `system.Artifact`, tries to import the module `system` ("No module named 'system'"). The launcher
   writes that log itself; the executor has nothing to do with it. kfp-operator's patch 1 maps
   `system.*` titles to TFX classes instead (TITLE_TO_CLASS_PATH, _patches.py l. 57-89).
2. Give input artifacts their type back from `--json_serialized_inputs_spec_args`. Input artifacts are
   read back from ML Metadata with `type: {instanceSchema: ""}` (v2/metadata/client.go
   GetOutputArtifactsByExecutionId: `Schema: ""`), on which TFX fails with "'NoneType' object has no
   attribute 'get'" (yaml.safe_load("") is None), and without which every input would be a plain
   Artifact (no `split_names`, ...). kfp-operator's patches 2 (l. 101-147: guard the empty schema) and 4
   (l. 149-174, 305-314: copy the types from `inputs_spec` into untyped artifacts).
3. Hand TFX the launcher's local paths. The launcher downloads every input artifact to, and uploads
   every output artifact from, a local path derived from its URI (v2/component/launcher_v2.go
   LocalPathForURI: gs://b/k -> /gcs/b/k, minio://b/k -> /minio/b/k, s3://b/k -> /s3/b/k), while TFX
   passes artifact URIs straight to TensorFlow's file system, which has no `minio://` or `s3://` scheme
   in TensorFlow 2.21 (KFP's default root is minio://mlpipeline/v2/artifacts). So every artifact URI is
   replaced by its local path (output directories created; the launcher creates only their parents),
   and after the executor the remote URIs are put back into the output metadata, because the launcher
   adopts any `uri` found there (mergeRuntimeArtifacts). With TFX never writing to the bucket itself,
   kfp-operator's patches 5 and 7 (flat model directories, deleting GCS's zero-byte directory markers,
   kubeflow/pipelines#13476) are not needed.
4. Exit with os._exit(0) once the output metadata is written: kfp-operator's force-exit (install_shim.py
   l. 32-55, patch 8: "pure virtual method called" in C++ destructors at interpreter shutdown, seen with
   TFX 1.17.3). The work is done and the file written, so nothing is lost.

Only artifact URIs are localised. Paths in execution parameters (the Pusher's serving directory, the
LatestPushedModel step's) are used as given, so they must be something TensorFlow can write from the pod:
gs://, or a path on the serving volume the package mounts in those steps' pods (compile --serving-volume).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Sequence

import yaml

TFX_ENTRYPOINT_MODULE = "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"
EXECUTOR_LOGS = "executor-logs"
# launcher_v2.go LocalPathForURI.
LOCAL_MOUNTS = {"gs://": "/gcs/", "minio://": "/minio/", "s3://": "/s3/"}
INVOCATION_FLAG = "--json_serialized_invocation_args"
INPUTS_SPEC_FLAG = "--json_serialized_inputs_spec_args"


def local_path(uri: str, root: str = "") -> str | None:
    """Where KFP's launcher keeps the artifact `uri` in the pod whose file system is at `root` (None: not an
    object-store URI)."""
    for scheme, mount in LOCAL_MOUNTS.items():
        if uri.startswith(scheme):
            return root + mount + uri[len(scheme):]
    return None


def _title(artifact_type: dict) -> str:
    if artifact_type.get("schemaTitle"):
        return artifact_type["schemaTitle"]
    data = yaml.safe_load(artifact_type.get("instanceSchema") or "") or {}
    return data.get("title", "") if isinstance(data, dict) else ""


def _is_value_artifact(artifact_type: dict) -> bool:
    """Whether TFX stores the type as one file at its URI (ValueArtifact) rather than a directory."""
    from tfx.orchestration.kubeflow.v2 import compiler_utils
    from tfx.types import value_artifact
    from tfx.utils import import_utils

    title = _title(artifact_type)
    try:
        cls = import_utils.import_class_by_path(compiler_utils.TITLE_TO_CLASS_PATH.get(title, title))
    except (ImportError, AttributeError, ValueError):
        return False
    return isinstance(cls, type) and issubclass(cls, value_artifact.ValueArtifact)


def prepare(executor_input: dict, inputs_spec: dict, root: str = "") -> dict[str, str]:
    """Fixes 1-3 on the ExecutorInput (changed in place), for a pod whose file system is at `root` (a pod's
    is at /); returns local path -> remote URI."""
    remote_of: dict[str, str] = {}

    def localize(artifact: dict) -> str | None:
        local = artifact.get("customPath") or local_path(artifact.get("uri", ""), root)
        if local is None:
            return None
        if artifact.get("customPath"):
            local = root + local
        remote_of[local] = artifact["uri"]
        artifact["uri"] = local
        return local

    outputs = executor_input.setdefault("outputs", {}).setdefault("artifacts", {})
    outputs.pop(EXECUTOR_LOGS, None)
    declared = inputs_spec.get("artifacts", {})
    for key, artifacts in executor_input.get("inputs", {}).get("artifacts", {}).items():
        for artifact in artifacts.get("artifacts", []):
            kind = artifact.get("type") or {}
            if not kind.get("schemaTitle") and not kind.get("instanceSchema"):
                if key not in declared:
                    raise ValueError(f"input artifact {key!r} has no type and the inputs spec does not declare it")
                artifact["type"] = declared[key]["artifactType"]
            localize(artifact)
    for artifacts in outputs.values():
        for artifact in artifacts.get("artifacts", []):
            local = localize(artifact)
            if local is not None:
                os.makedirs(os.path.dirname(local) if _is_value_artifact(artifact.get("type") or {}) else local,
                            exist_ok=True)
    return remote_of


def restore_remote_uris(output_file: str, remote_of: dict[str, str]) -> None:
    """Puts the remote URIs back into the output metadata TFX wrote (the launcher adopts its `uri`s)."""
    if not output_file or not os.path.exists(output_file):
        return
    with open(output_file) as f:
        executor_output = json.load(f)
    for artifacts in executor_output.get("artifacts", {}).values():
        for artifact in artifacts.get("artifacts", []):
            if artifact.get("uri") in remote_of:
                artifact["uri"] = remote_of[artifact["uri"]]
    with open(output_file, "w") as f:
        json.dump(executor_output, f)


def main(argv: Sequence[str]) -> None:
    """Runs TFX's Kubeflow V2 entry point on `argv` (its arguments) with fixes 1-4."""
    argv = list(argv)
    at = argv.index(INVOCATION_FLAG) + 1
    executor_input = json.loads(argv[at])
    inputs_spec = json.loads(argv[argv.index(INPUTS_SPEC_FLAG) + 1]) if INPUTS_SPEC_FLAG in argv else {}
    remote_of = prepare(executor_input, inputs_spec)
    argv[at] = json.dumps(executor_input)
    output_file = executor_input["outputs"].get("outputFile", "")

    from absl import app
    from tfx.orchestration.kubeflow.v2.container import kubeflow_v2_run_executor

    def run(parsed) -> None:
        kubeflow_v2_run_executor.main(parsed)
        restore_remote_uris(output_file, remote_of)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    app.run(run, argv=[sys.argv[0], *argv], flags_parser=kubeflow_v2_run_executor._parse_flags)


if __name__ == "__main__":
    main(sys.argv[1:])

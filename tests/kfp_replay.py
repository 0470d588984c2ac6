"""Replays a compiled KFP v2 pipeline package locally, the way KFP 2.16's backend would run it.

No cluster runs here, and a package that kfp's client uploads can still fail on every run
(the backend compiles the PipelineSpec into an Argo workflow only when a run is created).
`replay()` takes the compiled `.yaml` itself and plays the parts of the KFP backend that decide
whether a run works, following the Go code of kubeflow/pipelines at tag 2.16.1 (the backend
release of the kfp 2.16 SDK; see docs/kubeflow.md for the citations):

- run creation (apiserver/template/v2_template.go, v2/compiler/visitor.go,
  v2/compiler/argocompiler/dag.go, container.go): the pipeline spec and the Kubernetes platform
  spec picked out of the package's documents and parsed strictly, schema 2.1.0 only, a run name,
  run parameters type-checked against the root's inputDefinitions, any executor that is neither a
  `container` nor an `importer` refused with KFP's own error text, each executor's Kubernetes
  config parsed as a KubernetesExecutorConfig;
- the driver (v2/driver/resolve.go, container.go, driver.go, cache.go, k8s.go;
  v2/expression/expression.go): inputs resolved from the run's parameters, constants (the run's
  display name for `{{$.pipeline_job_name}}`, its workflow's name, id, ...) and upstream outputs
  (input artifacts as they come back from ML Metadata: `name` = the MLMD id,
  `type.instanceSchema` = "", metadata with `display_name` and `store_session_info` added),
  parameter types checked and converted, `triggerPolicy.condition` compiled and evaluated as CEL
  on that ExecutorInput (Google's CEL, type-checked against the ExecutorInput proto, with KFP's
  `parseJson`), output URIs provisioned under `<root>/<pipeline>/<run id>/<task>/<uuid>/<output>`,
  the claims of the executor's `pvcMount` resolved for the pod (and part of the cache key);
- Argo's `depends: X.Succeeded`: a task after a skipped (or omitted) task is omitted;
- the launcher (v2/component/launcher_v2.go): the executor-logs URI suffixed with the attempt's
  index, input artifacts downloaded to their local paths (`/gcs/`, `/minio/`, `/s3/` + bucket/key),
  `{{$}}` and the other placeholders substituted, `command` + `args` run (the image's `python`
  replaced by this interpreter), the ExecutorOutput file read strictly and merged into the output
  artifacts (uri, metadata), the outputs uploaded from their local paths and recorded as MLMD
  would store them;
- importer tasks (v2/component/importer_launcher.go): URI constant or from a run parameter,
  scheme checked, metadata recorded, reused when `reimport` is false.

The object store is emulated by a local directory (`storage_dir`: `minio://bucket/key` lives
at `<storage_dir>/minio/bucket/key`), so two replays over one storage dir and pipeline root see
each other's outputs. Each task runs in a pod of its own (pod_command: a private mount namespace
over a throw-away overlay of this machine's file system, which stands for the image): the pod has
its own `/gcs`, `/minio`, `/s3` and `/tmp` (kept by the harness in a per-task directory, so that
the launcher's work can be done on them before and after), the claims its executor mounts (the
`volumes` given to `replay()` stand for the namespace's PersistentVolumeClaims), and nothing else
of the harness: whatever else it writes on an absolute path is its own and gone when it ends. KFP's
caching is emulated on request (`cache=True`: fingerprints as driver/cache.go computes them,
outputs reused from the earlier execution); by default every task executes, as with caching off.

The replay runs the package as compiled: the processes are the containers' own `command` + `args`
(only the image's `python` is this interpreter), so the project's packages run their steps with
the project's entry point (kubeflow/entrypoint.py), at the same paths as in a pod. What the replay
cannot show: the image itself (a warning flags parameters that are paths on this machine), the rest
of Kubernetes (scheduling, resources, retries, the volume's access modes and storage class), and
the object store's own behaviour.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import decimal
import functools
import hashlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

KFP_BACKEND_VERSION = "2.16.1"
SCHEMA_VERSION = "2.1.0"
EXECUTOR_LOGS = "executor-logs"
# component/constants.go EnvRetryIndex: the launcher suffixes the executor-logs URI with the attempt's index.
RETRY_INDEX = "0"

# objectstore/config.go: bucketPattern and the schemes ParseBucketPathToConfig accepts.
_BUCKET_PATTERN = re.compile(r"(^[a-z][a-z0-9]+:///?)([^/?]+)(/[^?]*)?(\?.+)?$")
_BUCKET_SCHEMES = ("gs://", "s3://", "minio://", "mem://")
# config/env.go GetStoreSessionInfo: the providers a pipeline root may use.
_ROOT_PROVIDERS = ("minio", "s3", "gs")
# component/launcher_v2.go LocalPathForURI.
_LOCAL_MOUNTS = {"gs://": "/gcs/", "minio://": "/minio/", "s3://": "/s3/"}

_PARAMETER_TYPES = ("NUMBER_DOUBLE", "NUMBER_INTEGER", "STRING", "BOOLEAN", "LIST", "STRUCT")


# --------------------------------------------------------------------------------------------
# Errors and results
# --------------------------------------------------------------------------------------------

class ReplayError(RuntimeError):
    """A run that would not succeed on KFP, or that the replay cannot play faithfully."""

    def __init__(self, message: str, *, task: str | None = None, stage: str = "",
                 result: ReplayResult | None = None):
        super().__init__(message)
        self.task = task
        self.stage = stage
        self.result = result


class KfpRejected(ReplayError):
    """What KFP itself would reject; the message carries KFP's error text."""


class TaskFailed(KfpRejected):
    """A task's user process failed (the launcher's "failed to execute component")."""


class ReplayUnsupported(ReplayError):
    """A spec feature the replay does not emulate (it fails loudly rather than guess)."""


@dataclasses.dataclass
class Artifact:
    """An artifact as KFP recorded it in ML Metadata."""

    name: str  # the MLMD artifact id: what downstream tasks get as RuntimeArtifact.name
    uri: str
    metadata: dict[str, Any]  # as stored (numbers as doubles, bools as 1.0/0.0, ...)
    instance_schema: str
    output_key: str = ""

    @property
    def schema_title(self) -> str:
        return _schema_title(self.instance_schema)

    def as_input(self) -> dict[str, Any]:
        """The RuntimeArtifact a downstream task's ExecutorInput holds (metadata.ToRuntimeArtifact):
        the schema is not read back from MLMD, so `type.instanceSchema` is empty."""
        return {"name": self.name, "type": {"instanceSchema": ""}, "uri": self.uri,
                "metadata": copy.deepcopy(self.metadata)}


@dataclasses.dataclass
class TaskResult:
    name: str
    kind: str  # "container" or "importer"
    status: str = "pending"  # "executed", "cached" (outputs reused from an earlier execution) or "skipped"
    reason: str = ""
    condition: str = ""
    executor_input: dict | None = None  # the JSON substituted for {{$}}
    executor_output: dict | None = None  # the output metadata file, as parsed
    output_artifacts: dict[str, Artifact] = dataclasses.field(default_factory=dict)
    output_parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    argv: list[str] = dataclasses.field(default_factory=list)
    pod_root: str = ""  # where the harness keeps the pod's own mounts (/gcs, /minio, /s3, /tmp) on this machine
    volumes: list[dict] = dataclasses.field(default_factory=list)  # the claims mounted in the pod (driver's patch)
    log_path: str = ""
    seconds: float = 0.0

    @property
    def executed(self) -> bool:
        return self.status == "executed"

    def log(self) -> str:
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, errors="replace") as f:
            return f.read()


@dataclasses.dataclass
class ReplayResult:
    pipeline_name: str
    run_id: str
    run_name: str  # the run's display name: {{$.pipeline_job_name}}
    resource_name: str  # the Argo workflow's name: {{$.pipeline_job_resource_name}}
    pipeline_root: str
    run_root: str  # <pipeline_root>/<pipeline name>/<run id>, as the root driver records it
    storage_dir: str
    work_dir: str
    parameters: dict[str, Any]
    tasks: dict[str, TaskResult] = dataclasses.field(default_factory=dict)  # in execution order
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def executed(self) -> list[str]:
        return [n for n, t in self.tasks.items() if t.status == "executed"]

    @property
    def cached(self) -> list[str]:
        return [n for n, t in self.tasks.items() if t.status == "cached"]

    @property
    def skipped(self) -> list[str]:
        return [n for n, t in self.tasks.items() if t.status == "skipped"]

    def artifact(self, task: str, key: str) -> Artifact:
        return self.tasks[task].output_artifacts[key]

    def local_path(self, uri: str) -> str:
        """Where the emulated object store keeps `uri`."""
        return store_path(self.storage_dir, uri)


# --------------------------------------------------------------------------------------------
# Small helpers mirroring the Go code
# --------------------------------------------------------------------------------------------

def _q(s: str) -> str:
    """Go's %q for the plain names used here."""
    return json.dumps(s)


def _schema_title(instance_schema: str) -> str:
    try:
        data = yaml.safe_load(instance_schema) if instance_schema else None
    except yaml.YAMLError:
        return ""
    return data.get("title", "") if isinstance(data, dict) else ""


def parse_bucket_config(path: str, what: str = "pipeline root") -> dict[str, str]:
    """objectstore.ParseBucketPathToConfig."""
    m = _BUCKET_PATTERN.match(path)
    if not m:
        raise KfpRejected(f"parse bucket config failed: unrecognized {what} format: {_q(path)}")
    if m.group(1) not in _BUCKET_SCHEMES:
        raise KfpRejected(f"parse bucket config failed: unsupported Cloud bucket: {_q(path)}")
    prefix = (m.group(3) or "").lstrip("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return {"scheme": m.group(1), "bucket": m.group(2), "prefix": prefix, "query": m.group(4) or ""}


def prefixed_bucket(config: Mapping[str, str]) -> str:
    """Config.PrefixedBucket: scheme + path.Join(bucket, prefix) (path.Join drops the final '/')."""
    joined = "/".join(p for p in (config["bucket"], config["prefix"].rstrip("/")) if p)
    return config["scheme"] + joined


def key_from_uri(config: Mapping[str, str], uri: str) -> str:
    """Config.KeyFromURI."""
    prefixed = prefixed_bucket(config)
    if not uri.startswith(prefixed):
        raise KfpRejected(f"URI {_q(uri)} does not have expected bucket prefix {_q(prefixed)}")
    key = uri[len(prefixed):].lstrip("/")
    if not key:
        raise KfpRejected(f"URI {_q(uri)} has empty key given prefixed bucket {_q(prefixed)}")
    return key


def generate_output_uri(root: str, paths: Iterable[str], preserve_query: bool) -> str:
    """metadata.GenerateOutputURI."""
    parts = root.split("?")
    query = ""
    if len(parts) == 2:
        root = parts[0]
        if preserve_query:
            query = "?" + parts[1]
    joined = "/".join(p.strip("/") for p in paths if p)
    joined = re.sub(r"/+", "/", joined)
    return f"{root.rstrip('/')}/{joined}{query}"


def local_path_for_uri(uri: str) -> str:
    """component.LocalPathForURI (the oci:// case is not emulated)."""
    for scheme, mount in _LOCAL_MOUNTS.items():
        if uri.startswith(scheme):
            return mount + uri[len(scheme):]
    raise KfpRejected(f"failed to generate local path for URI {uri}: unsupported storage scheme")


def store_path(storage_dir: str, uri: str) -> str:
    """Where the emulated object store keeps the object (or prefix) `uri`."""
    config = parse_bucket_config(uri, "uri")
    key = uri[len(config["scheme"]) + len(config["bucket"]):].split("?")[0].lstrip("/")
    return os.path.join(storage_dir, config["scheme"].rstrip(":/"), config["bucket"], key)


def _to_value(value: Any) -> Any:
    """A Python value as google.protobuf.Value holds it (every number a double)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _to_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_value(v) for v in value]
    raise KfpRejected(f"unsupported parameter value {value!r} of type {type(value).__name__}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "struct"
    raise ReplayUnsupported(f"unexpected value {value!r}")


def _format_number(v: float) -> str:
    """strconv.FormatFloat(v, 'f', -1, 64)."""
    if v == int(v):
        return str(int(v))
    return format(decimal.Decimal(repr(v)), "f")


def pb_value_to_text(value: Any) -> str:
    """metadata.PbValueToText: what a non-string value becomes when a STRING parameter takes it."""
    kind = _kind(value)
    if kind == "null":
        return ""
    if kind == "string":
        return value
    if kind == "number":
        return _format_number(value)
    if kind == "bool":
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


def text_to_pb_value(text: str, parameter_type: str) -> Any:
    """metadata.TextToPbValue (output parameters read from their files)."""
    try:
        if parameter_type == "STRING":
            return text
        if parameter_type == "NUMBER_INTEGER":
            return float(int(text.strip(), 10))
        if parameter_type == "NUMBER_DOUBLE":
            return float(text.strip())
        if parameter_type == "BOOLEAN":  # strconv.ParseBool
            return {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
                    "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}[text.strip()]
        if parameter_type in ("LIST", "STRUCT"):
            value = json.loads(text)
            if _kind(_to_value(value)) != parameter_type.lower():
                raise ValueError(f"not a {parameter_type.lower()}")
            return _to_value(value)
    except (ValueError, KeyError) as e:
        raise KfpRejected(f"TextToPbValue(text={_q(text)}, type={_q(parameter_type)}) failed: {e}") from e
    raise KfpRejected(f"TextToPbValue(text={_q(text)}, type={_q(parameter_type)}) failed: unknown type")


def mlmd_metadata(metadata: Mapping[str, Any], output: str) -> dict[str, Any]:
    """A RuntimeArtifact's metadata after the round trip through ML Metadata
    (converter.go StructValueToMLMDValue, then toRuntimeArtifact)."""
    stored = {}
    for key, value in metadata.items():
        if key == "_kfp_workspace":
            continue
        kind = _kind(value)
        if kind == "null":
            raise KfpRejected(
                f"unable to produce MLMD artifact for output {_q(output)}: failed to convert RuntimeArtifact to "
                "MLMD artifact: unknown/unsupported value type *structpb.Value_NullValue")
        if kind == "bool":
            stored[key] = 1.0 if value else 0.0  # stored as an int, read back as a number
        elif kind == "list":
            stored[key] = {"list": value}
        elif kind == "struct":
            stored[key] = {"struct": value}
        else:
            stored[key] = value
    return stored


def _protojson(value: Any) -> str:
    """JSON as protojson.Marshal writes it: compact, integral doubles without a fraction."""

    def norm(v):
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, float):
            if math.isnan(v) or math.isinf(v):
                return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
            return int(v) if v == int(v) and abs(v) < 1e21 else v
        if isinstance(v, int):
            return v
        if isinstance(v, Mapping):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [norm(x) for x in v]
        raise TypeError(f"cannot serialise {v!r}")

    return json.dumps(norm(value), separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------------------------
# triggerPolicy.condition: CEL on the ExecutorInput
# --------------------------------------------------------------------------------------------

class CelError(Exception):
    """A condition that fails to compile or to evaluate (KFP's driver then fails the task)."""


def _parse_json(text: str) -> Any:
    return json.loads(text)


@functools.cache
def _condition_env():
    """expression.go New(): the condition environment. cel.DeclareContextProto(ExecutorInput) makes each
    field of the ExecutorInput proto a variable of its message type (`inputs`, `outputs`), so expressions
    are type-checked against the proto (a misspelt field is a compile error), and `parseJson(string)` is
    declared. KFP runs cel-go v0.25; this is Google's C++ implementation of the same language and checker
    (cel-expr-python: cel-cpp), given the same proto descriptors."""
    from cel_expr_python import cel
    from kfp.pipeline_spec import pipeline_spec_pb2

    fields = pipeline_spec_pb2.ExecutorInput.DESCRIPTOR.fields
    parse_json = cel.FunctionDecl("parseJson", [cel.Overload(
        "parse_json", return_type=cel.Type.DYN, parameters=[cel.Type.STRING], impl=_parse_json)])
    return cel.NewEnv(variables={f.name: cel.Type(f.message_type.full_name) for f in fields}, functions=[parse_json])


class Cel:
    """A triggerPolicy.condition, compiled and evaluated as expression.go Condition() does."""

    def __init__(self, text: str):
        self.text = text
        try:
            self._expression = _condition_env().compile(text)
        except RuntimeError as e:  # the checker's issues: Condition returns issues.Err()
            raise CelError(str(e)) from e

    def evaluate(self, executor_input_inputs: Mapping[str, Any]) -> bool:
        """The condition on the task's ExecutorInput (only `inputs`: outputs are provisioned after the
        condition; msgToCELMap gives every field, unset ones as their defaults)."""
        from cel_expr_python import cel
        from google.protobuf import json_format
        from kfp.pipeline_spec import pipeline_spec_pb2

        executor_input = json_format.ParseDict({"inputs": executor_input_inputs}, pipeline_spec_pb2.ExecutorInput())
        try:
            result = self._expression.eval(data={"inputs": executor_input.inputs, "outputs": executor_input.outputs})
        except RuntimeError as e:
            raise CelError(f"evaluation error: {e}") from e
        if result.type() == cel.Type.ERROR:
            raise CelError(f"evaluation error: {result.value()}")
        if result.type() != cel.Type.BOOL:
            raise CelError(f"evaluation error: return type is not bool, got {result.plain_value()!r}")
        return result.value()


# --------------------------------------------------------------------------------------------
# Loading the package: what upload and run creation accept
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Package:
    """A package as the API server reads it: the PipelineSpec and the Kubernetes platform spec, if any."""

    spec: dict
    kubernetes: dict = dataclasses.field(default_factory=dict)  # PlatformSpec.platforms["kubernetes"]

    def executor_config(self, label: str) -> dict:
        """The executor's KubernetesExecutorConfig (the platform spec's deploymentSpec.executors[label])."""
        return self.kubernetes.get("deploymentSpec", {}).get("executors", {}).get(label, {})


def _parses_as(document: Any, message) -> bool:
    from google.protobuf import json_format

    try:
        json_format.ParseDict(json.loads(json.dumps(document)), message)
    except (json_format.ParseError, TypeError, ValueError):
        return False
    return True


def load_package(package_path: str) -> Package:
    """The package's documents as the API server picks them out (v2_template.go NewV2SpecTemplate):
    the one that parses strictly as a PipelineSpec with a name and a root (template.go isPipelineSpec),
    schema 2.1.0; and the one that parses strictly as a PlatformSpec with a `kubernetes` platform
    (IsPlatformSpecWithKubernetesConfig). Any other document is ignored."""
    from kfp.pipeline_spec import pipeline_spec_pb2

    with open(package_path) as f:
        documents = [d for d in yaml.safe_load_all(f) if d is not None]
    spec = platform = None
    for document in documents:
        parsed = pipeline_spec_pb2.PipelineSpec()
        if _parses_as(document, parsed) and parsed.pipeline_info.name and parsed.HasField("root"):
            if spec is not None:
                raise KfpRejected("multiple pipeline specs provided", stage="upload")
            if parsed.schema_version != SCHEMA_VERSION:
                raise KfpRejected(f"KFP only supports schema version 2.1.0, but the pipeline spec has version "
                                  f"{parsed.schema_version}", stage="upload")
            spec = document
            continue
        parsed = pipeline_spec_pb2.PlatformSpec()
        if _parses_as(document, parsed) and "kubernetes" in parsed.platforms:
            if platform is not None:
                raise KfpRejected("multiple platform specs provided", stage="upload")
            platform = document
    if spec is None:
        raise KfpRejected("no pipeline spec is provided", stage="upload")
    return Package(spec, (platform or {}).get("platforms", {}).get("kubernetes", {}))


def load_pipeline_spec(package_path: str) -> dict:
    """The package's PipelineSpec, as the API server accepts it (load_package)."""
    return load_package(package_path).spec


def validate_run_parameters(spec: Mapping, values: Mapping[str, Any]) -> None:
    """V2Spec.validatePipelineJobInputs: the run's parameters against the root inputDefinitions."""
    required = spec.get("root", {}).get("inputDefinitions", {}).get("parameters", {})
    for name, param in required.items():
        if name not in values:
            if not param.get("isOptional") and "defaultValue" not in param:
                raise KfpRejected(f"parameter {name} is not optional, yet has neither default value nor user "
                                  "provided value", stage="run creation")
            continue
        kind, ptype = _kind(values[name]), param.get("parameterType", "PARAMETER_TYPE_ENUM_UNSPECIFIED")
        expect = {"NUMBER_DOUBLE": ("number", "double or integer", "number value"),
                  "NUMBER_INTEGER": ("number", "double or integer", "number value"),
                  "STRING": ("string", "string", "string value"), "BOOLEAN": ("bool", "bool", "bool value"),
                  "LIST": ("list", "list", "list value"), "STRUCT": ("struct", "struct", "struct value")}
        if ptype == "PARAMETER_TYPE_ENUM_UNSPECIFIED":
            raise KfpRejected(f"input parameter {name} has unspecified type", stage="run creation")
        if ptype == "TASK_FINAL_STATUS":
            raise KfpRejected(f"input parameter {name} requires type TASK_FINAL_STATUS, which is invalid for root "
                              "component", stage="run creation")
        if ptype not in expect:
            raise KfpRejected(f"input parameter {name} requires type unknown", stage="run creation")
        want, label, what = expect[ptype]
        if kind != want:
            raise KfpRejected(f"input parameter {name} requires type {label}, but the parameter value is not of "
                              f"{what} type", stage="run creation")
        _check_literals(name, values[name], param.get("literals"), "run creation")
    extra = sorted(set(values) - set(required))
    if extra:
        raise KfpRejected(f"parameter(s) provided are not required by pipeline: {', '.join(extra)}",
                          stage="run creation")


def _check_literals(name, value, literals, stage):
    if literals and not any(_to_value(lit) == value and _kind(_to_value(lit)) == _kind(value) for lit in literals):
        raise KfpRejected(f"input parameter {_q(name)} value {value!r} does not match any of the allowed literal "
                          f"values: {literals!r}", stage=stage)


def check_executors(spec: Mapping, kubernetes: Mapping | None = None) -> None:
    """compiler.Accept's depth-first visit (visitor.go) and the Argo compiler's task checks
    (argocompiler/dag.go, container.go): the refusals a run creation meets before anything runs. An
    executor's Kubernetes config (from the platform spec) must parse strictly as a KubernetesExecutorConfig."""
    from google.protobuf import json_format
    from kfp.kubernetes import kubernetes_executor_config_pb2

    configs = (kubernetes or {}).get("deploymentSpec", {}).get("executors", {})
    for label, config in sorted(configs.items()):
        try:
            json_format.ParseDict(json.loads(json.dumps(config)),
                                  kubernetes_executor_config_pb2.KubernetesExecutorConfig())
        except json_format.ParseError as e:
            raise KfpRejected(f"failed to unmarshal kubernetes config: {e}", stage="run creation") from e
        unsupported = sorted(set(config) - {"pvcMount"})
        if unsupported and label in spec.get("deploymentSpec", {}).get("executors", {}):
            raise ReplayUnsupported(f"executor {label}: Kubernetes config {', '.join(unsupported)} is not emulated "
                                    "(only pvcMount is)")
    components = spec.get("components", {})
    executors = spec.get("deploymentSpec", {}).get("executors", {})
    visited: set[str] = set()

    def dfs(name: str, component: Mapping):
        if name in visited:
            return
        visited.add(name)
        label = component.get("executorLabel", "")
        if label:
            executor = executors.get(label)
            if executor is None:
                raise KfpRejected(f"error processing component name={_q(name)}: executor(label={_q(label)}) not "
                                  "found in deployment config", stage="run creation")
            if "container" in executor or "importer" in executor:
                return
            raise KfpRejected(f"error processing component name={_q(name)}: executor(label={_q(label)}): "
                              "non-container and non-importer executor not implemented", stage="run creation")
        dag = component.get("dag")
        if dag is None:
            raise KfpRejected(f"error processing component name={_q(name)}: unknown component implementation",
                              stage="run creation")
        for key in sorted(dag.get("tasks", {})):
            ref = dag["tasks"][key].get("componentRef", {}).get("name", "")
            if not ref:
                raise KfpRejected(f"error processing component name={_q(name)}: component ref name is empty for "
                                  f"task name={_q(key)}", stage="run creation")
            if ref not in components:
                raise KfpRejected(f"error processing component name={_q(name)}: cannot find component ref "
                                  f"name={_q(ref)}", stage="run creation")
            dfs(ref, components[ref])

    dfs("root", spec["root"])
    tasks = spec["root"].get("dag", {}).get("tasks", {})
    for name in sorted(tasks):
        task = tasks[name]
        if "artifactIterator" in task:
            raise KfpRejected("compiling DAG \"root\": artifact iterator not implemented yet", stage="run creation")
        if "parameterIterator" in task:
            raise ReplayUnsupported(f"task {name}: parameterIterator (ParallelFor) is not emulated")
        if task.get("triggerPolicy", {}).get("strategy", "") == "ALL_UPSTREAM_TASKS_COMPLETED":
            raise ReplayUnsupported(f"task {name}: exit handlers (ALL_UPSTREAM_TASKS_COMPLETED) are not emulated")
        component = components[task["componentRef"]["name"]]
        if "dag" in component:
            raise ReplayUnsupported(f"task {name}: nested DAG components are not emulated")
        executor = executors[component["executorLabel"]]
        if "importer" in executor and task.get("triggerPolicy", {}).get("condition"):
            raise KfpRejected(f"compiling DAG \"root\": compiling task {_q(name)}: triggerPolicy.condition on "
                              "importer task is not supported", stage="run creation")


def task_dependencies(spec: Mapping) -> dict[str, list[str]]:
    """dependentTasks plus the producers of input artifacts and parameters
    (argocompiler/dag.go addImplicitDependencies)."""
    tasks = spec["root"]["dag"].get("tasks", {})
    deps = {}
    for name, task in tasks.items():
        ds = list(task.get("dependentTasks", []))
        producers = [p["taskOutputParameter"]["producerTask"] for p in task.get("inputs", {}).get("parameters", {})
                     .values() if "taskOutputParameter" in p]
        producers += [a["taskOutputArtifact"]["producerTask"] for a in task.get("inputs", {}).get("artifacts", {})
                      .values() if "taskOutputArtifact" in a]
        for producer in producers:
            if producer not in tasks:
                raise KfpRejected(f"compiling DAG \"root\": failed to add implicit deps: unknown producer task "
                                  f"{_q(producer)} in DAG", stage="run creation")
            if producer not in ds:
                ds.append(producer)
        for d in ds:
            if d not in tasks:
                raise KfpRejected(f"task {name} depends on unknown task {d!r} (Argo rejects the workflow)",
                                  stage="run creation")
        deps[name] = ds
    return deps


def execution_order(spec: Mapping, deps: Mapping[str, list[str]]) -> list[str]:
    """A topological order (ready tasks by name); importers run first: the Argo compiler gives
    importer tasks no `depends` (argocompiler/importer.go importerTask)."""
    executors = spec.get("deploymentSpec", {}).get("executors", {})
    components = spec.get("components", {})
    tasks = spec["root"]["dag"].get("tasks", {})

    def is_importer(name):
        return "importer" in executors[components[tasks[name]["componentRef"]["name"]]["executorLabel"]]

    order = sorted(n for n in tasks if is_importer(n))
    done = set(order)
    remaining = {n: set(deps[n]) for n in tasks if n not in done}
    while remaining:
        ready = sorted(n for n, ds in remaining.items() if ds <= done)
        if not ready:
            raise KfpRejected(f"the DAG has a cycle among {sorted(remaining)}", stage="run creation")
        for n in ready:
            order.append(n)
            done.add(n)
            del remaining[n]
    return order


# --------------------------------------------------------------------------------------------
# The emulated ML Metadata ids and object store
# --------------------------------------------------------------------------------------------

class _Mlmd:
    """Artifact ids (and the importer's reuse of matching artifacts) persisted in the storage dir,
    so that replays over one storage dir see one ML Metadata."""

    def __init__(self, storage_dir: str):
        self.path = os.path.join(storage_dir, ".kfp_replay_mlmd.json")
        self.state = {"next_id": 1, "imported": {}, "cache": {}}
        if os.path.exists(self.path):
            with open(self.path) as f:
                self.state = json.load(f)

    def new_id(self) -> str:
        artifact_id = self.state["next_id"]
        self.state["next_id"] += 1
        self._save()
        return str(artifact_id)

    def imported(self, key: str) -> str | None:
        return self.state["imported"].get(key)

    def remember_import(self, key: str, artifact_id: str) -> None:
        self.state["imported"][key] = artifact_id
        self._save()

    def cached_execution(self, pipeline: str, fingerprint: str) -> dict | None:
        """cacheutils GetExecutionCache: the outputs of an earlier execution with this fingerprint."""
        return self.state["cache"].get(f"pipeline/{pipeline}/{fingerprint}")

    def create_cache(self, pipeline: str, fingerprint: str, result: TaskResult) -> None:
        """The launcher's CreateExecutionCache after a successful execution."""
        self.state["cache"][f"pipeline/{pipeline}/{fingerprint}"] = {
            "artifacts": {k: dataclasses.asdict(a) for k, a in result.output_artifacts.items()},
            "parameters": result.output_parameters}
        self._save()

    def _save(self):
        with open(self.path, "w") as f:
            json.dump(self.state, f)


def _list_objects(storage_dir: str, uri: str) -> list[tuple[str, str]]:
    """(relative path, file) of every object whose key starts with the key of `uri` (objectstore
    DownloadBlob lists by plain prefix, without a trailing '/')."""
    base = store_path(storage_dir, uri)
    parent, stem = os.path.dirname(base), os.path.basename(base)
    found = []
    if not os.path.isdir(parent):
        return found
    for entry in sorted(os.listdir(parent)):
        if not entry.startswith(stem):
            continue
        full = os.path.join(parent, entry)
        if os.path.isfile(full):
            found.append((os.path.relpath(full, base), full))
        else:
            for dirpath, _, files in os.walk(full):
                for file in sorted(files):
                    path = os.path.join(dirpath, file)
                    found.append((os.path.relpath(path, base), path))
    return found


def _download(storage_dir: str, uri: str, local: str) -> None:
    for rel, path in _list_objects(storage_dir, uri):
        target = os.path.normpath(os.path.join(local, rel))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(path, target)


def _upload(storage_dir: str, local: str, uri: str) -> bool:
    """objectstore.UploadBlob (files only: object stores keep no empty directories).
    False when the local path does not exist (the launcher warns and goes on)."""
    if not os.path.exists(local):
        return False
    target = store_path(storage_dir, uri)
    if os.path.isfile(local):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(local, target)
        return True
    for dirpath, _, files in os.walk(local):
        for file in files:
            src = os.path.join(dirpath, file)
            dst = os.path.join(target, os.path.relpath(src, local))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
    return True


# --------------------------------------------------------------------------------------------
# Pods
# --------------------------------------------------------------------------------------------

# A pod's own mounts: the launcher's local paths of the object store and /tmp (the launcher's output
# parameter files under /tmp/kfp/outputs, and the step's scratch space).
POD_MOUNTS = ("/gcs", "/minio", "/s3", "/tmp")

# Runs `argv` in a pod of its own: a private mount namespace (unshare) whose root is this machine's file
# system (standing for the image) under a throw-away overlay, so that whatever the process writes outside
# its mounts is its own and gone when it ends; the harness's own directories (the emulated bucket, the
# other pods, the volumes' backing directories) hidden; a private /dev/shm; the pod's own /gcs, /minio, /s3
# and /tmp from `pod_root`; the image's code where those mounts would hide it, read-only at its own paths
# (`image_dirs`); the claims the driver mounts at their mount paths; working directory /.
_POD_SCRIPT = r"""
set -eu
pod=$1; shift
root=$pod/.root
mkdir -p "$root" "$pod/.layer"
mount -t tmpfs -o mode=0755 pod-layer "$pod/.layer"
mkdir "$pod/.layer/upper" "$pod/.layer/work"
mount -t overlay pod-image -o "lowerdir=/,upperdir=$pod/.layer/upper,workdir=$pod/.layer/work" "$root"
for d in /proc /dev /sys; do mount --rbind "$d" "$root$d"; done
mount -t tmpfs -o mode=1777 pod-shm "$root/dev/shm"
while [ "$1" != -- ]; do
  case $1 in
    hide) mkdir -p "$root$2"; mount -t tmpfs -o mode=0755 pod-hidden "$root$2"; shift 2 ;;
    bind) mkdir -p "$2" "$root$3"; mount --bind "$2" "$root$3"; shift 3 ;;
    image) mkdir -p "$root$2"; mount --bind "$2" "$root$2"; mount -o remount,bind,ro "$root$2"; shift 2 ;;
  esac
done
shift
exec chroot "$root" /bin/sh -c 'cd / && exec "$@"' pod "$@"
"""


def image_dirs(python: str, env: Mapping[str, str]) -> list[str]:
    """The image's code that the pod's own mounts (POD_MOUNTS) would hide: the interpreter's installation and
    the entries of PYTHONPATH that lie under one of them (a checkout under /tmp). In a real image they are
    part of the image itself."""
    candidates = [os.path.dirname(os.path.dirname(os.path.abspath(python))),
                  *(os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p)]
    under = tuple(m + "/" for m in POD_MOUNTS)
    return list(dict.fromkeys(p for p in candidates if p.startswith(under)))


def pod_command(pod_root: str, argv: list[str], volumes: list[tuple[str, str]], hidden: list[str],
                image: Sequence[str] = ()) -> list[str]:
    """The command that runs `argv` in its own pod (_POD_SCRIPT): `volumes` are (directory on this machine,
    mount path) pairs, `hidden` directories of this machine the pod must not see, `image` directories of
    this machine the pod's own mounts would hide that it sees read-only at their paths (image_dirs)."""
    unshare = shutil.which("unshare")
    # Root: an overlay of / cannot be mounted from a user namespace (its locked submounts cannot be cloned).
    if unshare is None or os.geteuid() != 0:
        raise ReplayUnsupported("the replay runs each task in a pod of its own: it needs util-linux's unshare and "
                                "root, to give each pod a mount namespace and an overlay of the file system")
    mounts = [word for path in hidden for word in ("hide", os.path.abspath(path))]
    mounts += [word for mount in POD_MOUNTS for word in ("bind", pod_root + mount, mount)]
    mounts += [word for path in image for word in ("image", path)]
    mounts += [word for source, target in volumes for word in ("bind", source, target)]
    return [unshare, "--mount", "--propagation", "private", "sh", "-c", _POD_SCRIPT, "pod", pod_root, *mounts, "--",
            *argv]


def _host_path(pod_root: str, path: str) -> str:
    """Where the harness finds `path` of the pod's own mounts (POD_MOUNTS) on this machine."""
    if not path.startswith(tuple(m + "/" for m in POD_MOUNTS)):
        raise ReplayUnsupported(f"{path} is outside the pod's own mounts {', '.join(POD_MOUNTS)}: the harness cannot "
                                "reach it after the pod ends")
    return pod_root + path


# --------------------------------------------------------------------------------------------
# The replay
# --------------------------------------------------------------------------------------------

_RUNTIME_PLACEHOLDERS = ("{{$.pipeline_job_name}}", "{{$.pipeline_job_resource_name}}", "{{$.pipeline_job_uuid}}",
                         "{{$.pipeline_task_name}}", "{{$.pipeline_task_uuid}}", "{{$.pipeline_job_create_time_utc}}",
                         "{{$.pipeline_job_schedule_time_utc}}")


class _Run:
    def __init__(self, package: Package, pipeline_root, parameters, env, storage_dir, work_dir, publish_logs,
                 timeout, python, log, cache=False, run_name="", volumes=None):
        spec = package.spec
        self.package = package
        self.spec = spec
        self.components = spec.get("components", {})
        self.executors = spec.get("deploymentSpec", {}).get("executors", {})
        self.tasks = spec["root"]["dag"].get("tasks", {})
        self.parameters = parameters
        self.env = dict(env or {})
        self.storage_dir = storage_dir
        self.publish_logs = publish_logs
        self.cache = cache
        self.timeout = timeout
        self.python = python
        self.log = log
        self.volumes = {claim: os.path.abspath(path) for claim, path in (volumes or {}).items()}
        self.mlmd = _Mlmd(storage_dir)
        self.created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.bucket = parse_bucket_config(pipeline_root)
        provider = self.bucket["scheme"][:-3]
        if provider not in _ROOT_PROVIDERS:
            raise KfpRejected(f"Encountered unsupported provider in provider config {provider}", stage="root driver")
        self.session_info = json.dumps({"Provider": provider, "Params": {"fromEnv": "true"}}, separators=(",", ":"))
        name = spec["pipelineInfo"]["name"]
        run_id = str(uuid.uuid4())
        self.dag_execution_id = int(self.mlmd.new_id())  # the root DAG execution, as tasks see it
        # argocompiler/argo.go: the workflow's generateName is the pipeline's name and "-"; Kubernetes adds
        # five characters (apimachinery's rand.String alphabet).
        resource_name = name.split("/")[-1] + "-" + "".join(random.choice("bcdfghjklmnpqrstvwxz2456789")
                                                             for _ in range(5))
        self.result = ReplayResult(
            pipeline_name=name, run_id=run_id, run_name=run_name, resource_name=resource_name,
            pipeline_root=pipeline_root,
            run_root=generate_output_uri(pipeline_root, [name, run_id], preserve_query=True),
            storage_dir=storage_dir, work_dir=work_dir, parameters=dict(parameters))

    def fail(self, cls, message, task=None, stage=""):
        raise cls(message, task=task, stage=stage, result=self.result)

    def component_of(self, name):
        return self.components[self.tasks[name]["componentRef"]["name"]]

    def driver_info(self, name):
        return (f"driver.Container(pipelineName={self.result.pipeline_name}, runID={self.result.run_id}, "
                f"taskDisplayName={_q(self.tasks[name].get('taskInfo', {}).get('name', name))}, taskName={_q(name)}, "
                f"component={_q(self.tasks[name]['componentRef']['name'])}, dagExecutionID={self.dag_execution_id}, "
                "componentSpec)")

    # -- driver: inputs --
    def resolve_parameter(self, task_name, name, spec):
        if "componentInputParameter" in spec:
            source = spec["componentInputParameter"]
            if source not in self.parameters:
                raise KfpRejected(f"resolving input parameter with spec {spec}: parent DAG does not have input "
                                  f"parameter {source}")
            value = self.parameters[source]
            return ("null", None) if value is None else ("value", value)
        if "taskOutputParameter" in spec:
            producer = spec["taskOutputParameter"]["producerTask"]
            key = spec["taskOutputParameter"]["outputParameterKey"]
            outputs = self.result.tasks[producer].output_parameters
            if key not in outputs:
                raise KfpRejected(f"resolving input parameter with spec {spec}: cannot find output parameter key "
                                  f"{_q(key)} in producer task {_q(producer)}")
            return "value", outputs[key]
        if "runtimeValue" in spec:
            if "constant" not in spec["runtimeValue"]:
                raise KfpRejected(f"resolving input parameter with spec {spec}: param runtime value spec of type "
                                  f"{list(spec['runtimeValue'])} not implemented")
            value = _to_value(spec["runtimeValue"]["constant"])
            if isinstance(value, str):
                if "{{$.workspace_path}}" in value:
                    raise ReplayUnsupported(f"task {task_name}: workspaces are not emulated")
                # resolve.go: the run's display name and its workflow's name (--run_display_name, --run_name).
                runtime = {"{{$.pipeline_job_name}}": self.result.run_name,
                           "{{$.pipeline_job_resource_name}}": self.result.resource_name,
                           "{{$.pipeline_job_uuid}}": self.result.run_id,
                           "{{$.pipeline_task_name}}": task_name,
                           "{{$.pipeline_task_uuid}}": str(self.dag_execution_id),
                           "{{$.pipeline_job_create_time_utc}}": self.created,
                           "{{$.pipeline_job_schedule_time_utc}}": self.created}
                value = runtime.get(value, value)
                if value.startswith("/") and os.path.exists(value):
                    self.result.warnings.append(
                        f"{task_name}: parameter {name} is a path on this machine ({value}); the image must have it")
            return "value", value
        if "taskFinalStatus" in spec:
            raise ReplayUnsupported(f"task {task_name}: taskFinalStatus parameters are not emulated")
        raise KfpRejected(f"resolving input parameter with spec {spec}: parameter spec of type {list(spec)} not "
                          "implemented yet")

    def resolve_inputs(self, name) -> dict:
        """driver/resolve.go resolveInputs for a task of the root DAG."""
        task, component = self.tasks[name], self.component_of(name)
        inputs_spec = component.get("inputDefinitions", {})
        parameter_values: dict[str, Any] = {}
        for pname, pspec in task.get("inputs", {}).get("parameters", {}).items():
            declared = inputs_spec.get("parameters", {}).get(pname)
            if declared is not None and declared.get("parameterType") == "TASK_CONFIG":
                continue
            if "parameterExpressionSelector" in pspec:
                raise ReplayUnsupported(f"task {name}: parameterExpressionSelector is not emulated")
            kind, value = self.resolve_parameter(name, pname, pspec)
            if kind == "null":
                if declared is not None and declared.get("isOptional"):
                    continue
                raise KfpRejected(f"the resolved input parameter is null: {pspec['componentInputParameter']}")
            if declared is not None:
                _check_literals(pname, value, declared.get("literals"), "driver")
            parameter_values[pname] = value
        # handleParamTypeValidationAndConversion
        for pname, declared in inputs_spec.get("parameters", {}).items():
            ptype = declared.get("parameterType", "")
            if pname not in parameter_values:
                if declared.get("isOptional"):
                    continue  # the launcher adds the default (addDefaultParams)
                if "defaultValue" not in declared:
                    raise KfpRejected(f"neither value nor default value provided for non-optional parameter "
                                      f"{_q(pname)}")
                # A non-optional parameter with a default but no input falls through with a nil
                # value (resolve.go l. 176-245): a STRING becomes "" (PbValueToText(nil)), so the
                # launcher's default never applies; any other type is an error.
                if ptype == "STRING":
                    parameter_values[pname] = ""
                    continue
                raise KfpRejected(f"parameter {pname} has unknown protobuf.Value type: <nil>")
            value = parameter_values[pname]
            kind = _kind(value)
            if ptype == "STRING":
                if kind != "string":
                    parameter_values[pname] = pb_value_to_text(value)
                continue
            if ptype not in _PARAMETER_TYPES and ptype not in ("TASK_FINAL_STATUS", "TASK_CONFIG"):
                raise KfpRejected(f"input parameter {_q(pname)} has unknown type {ptype}")
            allowed = {"null": (), "string": ("STRING",), "number": ("NUMBER_DOUBLE", "NUMBER_INTEGER"),
                       "bool": ("BOOLEAN",), "list": ("LIST",),
                       "struct": ("STRUCT", "TASK_FINAL_STATUS", "TASK_CONFIG")}[kind]
            if kind == "null":
                raise KfpRejected(f"got null for input parameter {_q(pname)}")
            if ptype not in allowed:
                raise KfpRejected(f"input parameter {_q(pname)} type mismatch: expect {ptype}, got {kind}")
        artifacts: dict[str, Any] = {}
        for aname, aspec in task.get("inputs", {}).get("artifacts", {}).items():
            if "taskOutputArtifact" not in aspec:
                raise ReplayUnsupported(f"task {name}: input artifact {aname} of kind {list(aspec)} is not emulated")
            producer = aspec["taskOutputArtifact"]["producerTask"]
            key = aspec["taskOutputArtifact"]["outputArtifactKey"]
            outputs = self.result.tasks[producer].output_artifacts
            if key not in outputs:
                # resolve.go drops this error (no return) and carries on with a nil artifact; the
                # launcher could not use it. The replay stops here.
                raise KfpRejected(f"failed to resolve input artifact {aname}: cannot find output artifact key "
                                  f"{_q(key)} in producer task {_q(producer)}")
            artifacts[aname] = {"artifacts": [outputs[key].as_input()]}
        inputs = {}
        if parameter_values:
            inputs["parameterValues"] = parameter_values
        if artifacts:
            inputs["artifacts"] = artifacts
        return inputs

    # -- driver: outputs --
    def provision_outputs(self, name) -> tuple[dict, str]:
        """driver.go provisionOutputs; returns the outputs and the task root URI."""
        component = self.component_of(name)
        artifacts_spec = dict(component.get("outputDefinitions", {}).get("artifacts", {}))
        if self.publish_logs:
            artifacts_spec[EXECUTOR_LOGS] = {"artifactType": {"schemaTitle": "system.Artifact"}}
        task_root = generate_output_uri(self.result.run_root, [name, str(uuid.uuid4())], preserve_query=False)
        outputs: dict[str, Any] = {}
        artifacts = {}
        for key, aspec in artifacts_spec.items():
            artifact = {"name": key, "type": dict(aspec.get("artifactType", {})),
                        "uri": generate_output_uri(task_root, [key], preserve_query=False)}
            if aspec.get("metadata"):
                artifact["metadata"] = copy.deepcopy(aspec["metadata"])
            artifacts[key] = {"artifacts": [artifact]}
        if artifacts:
            outputs["artifacts"] = artifacts
        parameters = {p: {"outputFile": f"/tmp/kfp/outputs/{p}"}
                      for p in component.get("outputDefinitions", {}).get("parameters", {})}
        if parameters:
            outputs["parameters"] = parameters
        outputs["outputFile"] = local_path_for_uri(task_root) + "/output_metadata.json"
        return outputs, task_root

    # -- driver: the pod's volumes --
    def volume_mounts(self, name) -> list[dict]:
        """k8s.go makeVolumeMountPatch: the claims the executor's Kubernetes config mounts (pvcMount), the
        claim's name resolved from `pvcNameParameter` (else the deprecated constant / componentInputParameter)."""
        label = self.component_of(name)["executorLabel"]
        mounts = []
        for mount in self.package.executor_config(label).get("pvcMount", []):
            spec = mount.get("pvcNameParameter")
            if spec is None:
                if mount.get("constant"):
                    spec = {"runtimeValue": {"constant": mount["constant"]}}
                elif mount.get("componentInputParameter"):
                    spec = {"componentInputParameter": mount["componentInputParameter"]}
                elif mount.get("taskOutputParameter"):
                    spec = {"taskOutputParameter": mount["taskOutputParameter"]}
                else:
                    self.fail(KfpRejected, "failed to make podSpecPatch: volume mount: volume name not provided",
                              name, "driver")
            try:
                _, claim = self.resolve_parameter(name, "pvc name", spec)
            except KfpRejected as e:
                self.fail(KfpRejected, f"failed to resolve pvc name: {e}", name, "driver")
            if not claim or not isinstance(claim, str) or not mount.get("mountPath"):
                self.fail(KfpRejected, "failed to mount volume, missing mountpath or pvc name", name, "driver")
            mounts.append({"claim": claim, "mount_path": mount["mountPath"], "sub_path": mount.get("subPath", "")})
        return mounts

    # -- launcher --
    def placeholders(self, executor_input) -> dict[str, str]:
        """launcher_v2.go getPlaceholders."""
        ph = {}
        for name, lst in executor_input.get("inputs", {}).get("artifacts", {}).items():
            if not lst["artifacts"]:
                continue
            a = lst["artifacts"][0]
            ph[f"{{{{$.inputs.artifacts['{name}'].uri}}}}"] = a["uri"]
            with contextlib.suppress(KfpRejected):  # no recognised storage URI: no path placeholder
                ph[f"{{{{$.inputs.artifacts['{name}'].path}}}}"] = self.artifact_path(a)
        for name, lst in executor_input.get("outputs", {}).get("artifacts", {}).items():
            if not lst["artifacts"]:
                continue
            a = lst["artifacts"][0]
            ph[f"{{{{$.outputs.artifacts['{name}'].uri}}}}"] = a["uri"]
            try:
                ph[f"{{{{$.outputs.artifacts['{name}'].path}}}}"] = self.artifact_path(a)
            except KfpRejected as e:
                raise KfpRejected(
                    f"failed to get placeholders: resolve output artifact {_q(name)}'s local path: {e}") from e
        for name, value in executor_input.get("inputs", {}).get("parameterValues", {}).items():
            kind = _kind(value)
            if kind == "null":
                raise KfpRejected("failed to get placeholders: unknown PipelineSpec Value type "
                                  "*structpb.Value_NullValue")
            ph[f"{{{{$.inputs.parameters['{name}']}}}}"] = (
                value if kind == "string" else pb_value_to_text(value))
        for name, p in executor_input.get("outputs", {}).get("parameters", {}).items():
            ph[f"{{{{$.outputs.parameters['{name}'].output_file}}}}"] = p["outputFile"]
        return ph

    @staticmethod
    def artifact_path(artifact) -> str:
        """retrieveArtifactPath: customPath, else LocalPathForURI(uri)."""
        if artifact.get("customPath"):
            return artifact["customPath"]
        return local_path_for_uri(artifact["uri"])

    def run_container(self, name, result: TaskResult) -> None:
        task, component = self.tasks[name], self.component_of(name)
        container = self.executors[component["executorLabel"]]["container"]
        try:
            inputs = self.resolve_inputs(name)
        except KfpRejected as e:
            self.fail(KfpRejected, f"{self.driver_info(name)} failed: failed to resolve inputs: {e}", name, "driver")
        condition = task.get("triggerPolicy", {}).get("condition", "")
        result.condition = condition
        if condition:
            try:
                triggered = Cel(condition).evaluate(inputs)
            except CelError as e:
                self.fail(KfpRejected, f"{self.driver_info(name)} failed: {e}", name, "driver")
            if not triggered:
                result.status, result.reason = "skipped", f"triggerPolicy.condition is false: {condition}"
                return
        mounts = self.volume_mounts(name) if self.package.executor_config(component["executorLabel"]) else []
        fingerprint = None
        if self.cache and task.get("cachingOptions", {}).get("enableCache"):
            fingerprint = self.fingerprint(name, inputs, container, sorted({m["claim"] for m in mounts}))
            if self.reuse_cached_outputs(name, fingerprint, result):
                return
        missing = sorted({m["claim"] for m in mounts} - set(self.volumes))
        if missing:  # the pod stays Pending (FailedScheduling): the run never ends
            self.fail(KfpRejected, f"pod of task {name} cannot be scheduled: persistentvolumeclaim {_q(missing[0])} "
                                   "not found", name, "pod")
        result.volumes = mounts
        pod_root = os.path.join(self.result.work_dir, "pods", f"{name}-{uuid.uuid4().hex[:8]}")
        os.makedirs(pod_root)
        result.pod_root = pod_root
        outputs, _ = self.provision_outputs(name)
        executor_input = {"inputs": inputs, "outputs": outputs}
        # launcher: qualifyExecutorLogsForRetry (the executor-logs URI gets the attempt's index, before
        # anything is substituted), addDefaultParams, then placeholders
        for a in outputs.get("artifacts", {}).get(EXECUTOR_LOGS, {}).get("artifacts", []):
            a["uri"] += "-" + RETRY_INDEX
            if a.get("customPath"):
                a["customPath"] += "-" + RETRY_INDEX
        with_defaults = copy.deepcopy(executor_input)
        for pname, declared in component.get("inputDefinitions", {}).get("parameters", {}).items():
            if "defaultValue" in declared and pname not in with_defaults["inputs"].get("parameterValues", {}):
                with_defaults["inputs"].setdefault("parameterValues", {})[pname] = _to_value(declared["defaultValue"])
        result.executor_input = with_defaults
        cmd_args = list(container.get("command", [])) + list(container.get("args", []))
        if not cmd_args:
            self.fail(KfpRejected, "failed to create component launcher v2: command and arguments are empty",
                      name, "launcher")
        try:
            ph = self.placeholders(with_defaults)
        except KfpRejected as e:
            self.fail(KfpRejected, f"failed to execute component: {e}", name, "launcher")
        input_json = _protojson(with_defaults)
        argv = [cmd_args[0].replace("{{$}}", input_json)]  # compileCmdAndArgs: only {{$}} in the command
        for arg in cmd_args[1:]:
            arg = arg.replace("{{$}}", input_json)
            for key, value in ph.items():
                arg = arg.replace(key, value)
            if "{{$" in arg:
                self.result.warnings.append(f"{name}: unresolved placeholder left in an argument: {arg[:120]}")
            argv.append(arg)
        if argv[0] in ("python", "python3"):
            argv[0] = self.python
        result.argv = argv
        # launcher execute: downloadArtifacts, prepareOutputFolders
        for aname, lst in inputs.get("artifacts", {}).items():
            for a in lst["artifacts"]:
                try:
                    local = self.artifact_path(a)
                except KfpRejected:
                    self.result.warnings.append(f"{name}: input artifact {aname} has no recognized storage URI "
                                                f"{a['uri']}; not downloaded")
                    continue
                parse_bucket_config(a["uri"], "uri")
                _download(self.storage_dir, a["uri"], _host_path(pod_root, local))
        try:
            for lst in outputs.get("artifacts", {}).values():
                for a in lst["artifacts"]:
                    os.makedirs(os.path.dirname(_host_path(pod_root, self.artifact_path(a))), exist_ok=True)
        except KfpRejected as e:
            self.fail(KfpRejected, f"failed to execute component: failed to generate local storage path for output "
                                   f"artifact: {e}", name, "launcher")
        for p in outputs.get("parameters", {}).values():
            os.makedirs(os.path.dirname(_host_path(pod_root, p["outputFile"])), exist_ok=True)
        # the user process, in its pod
        env = dict(os.environ)
        env.update({"KFP_POD_NAME": f"{self.result.resource_name}-system-container-impl-{uuid.uuid4().hex[:10]}",
                    "KFP_POD_UID": str(uuid.uuid4())})
        env.update({e["name"]: e.get("value", "") for e in container.get("env", [])})
        env.update(self.env)
        logs = outputs.get("artifacts", {}).get(EXECUTOR_LOGS)
        log_path = (_host_path(pod_root, self.artifact_path(logs["artifacts"][0])) if logs
                    else os.path.join(pod_root, "log.txt"))
        result.log_path = log_path
        volumes = [(os.path.join(self.volumes[m["claim"]], m["sub_path"]), m["mount_path"]) for m in mounts]
        for source, _ in volumes:
            os.makedirs(source, exist_ok=True)  # the kubelet creates a missing subPath
        hidden = [self.storage_dir, self.result.work_dir, *self.volumes.values()]
        self.log(f"[kfp-replay] {name}: running {' '.join(a[:60] for a in argv[:4])} ...")
        command = pod_command(pod_root, argv, volumes, hidden, image_dirs(self.python, env))
        with open(log_path, "w") as log:
            try:
                proc = subprocess.run(command, env=env, stdin=subprocess.DEVNULL,
                                      stdout=log, stderr=subprocess.STDOUT, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self.fail(TaskFailed, f"failed to execute component: timed out after {self.timeout} s\n"
                                      f"{_tail(log_path)}", name, "executor")
            except OSError as e:
                self.fail(TaskFailed, f"failed to execute component: {e}", name, "executor")
        if proc.returncode != 0:
            self.fail(TaskFailed, f"failed to execute component: exit status {proc.returncode}\n{_tail(log_path)}",
                      name, "executor")
        try:
            executor_output = self.read_executor_output(name, _host_path(pod_root, outputs["outputFile"]))
        except TaskFailed as e:
            e.result = self.result
            raise
        result.executor_output = executor_output
        # collectOutputParameters
        out_params = dict(executor_output.get("parameterValues", {}))
        for pname, p in outputs.get("parameters", {}).items():
            if pname in out_params:
                continue
            ptype = component["outputDefinitions"]["parameters"][pname].get("parameterType", "")
            try:
                with open(_host_path(pod_root, p["outputFile"])) as f:
                    out_params[pname] = text_to_pb_value(f.read(), ptype)
            except (OSError, KfpRejected) as e:
                self.fail(KfpRejected, f"failed to read output parameter name={_q(pname)} type={_q(ptype)} "
                                       f"path={_q(p['outputFile'])}: {e}", name, "launcher")
        result.output_parameters = {k: _to_value(v) for k, v in out_params.items()}
        # uploadOutputArtifacts: merge (not into executor-logs, which the launcher manages), upload, record
        for key, lst in outputs.get("artifacts", {}).items():
            for a in lst["artifacts"]:
                if key != EXECUTOR_LOGS:
                    produced = executor_output.get("artifacts", {}).get(key, {}).get("artifacts", [])
                    if produced:
                        _merge_runtime_artifact(produced[0], a)
                try:
                    local = self.artifact_path(a)
                except KfpRejected:
                    self.result.warnings.append(f"{name}: output artifact {key} does not have a recognized storage "
                                                f"URI {a['uri']}; not uploaded")
                    if key == EXECUTOR_LOGS:
                        continue
                else:
                    try:
                        key_from_uri(self.bucket, a["uri"])
                    except KfpRejected as e:
                        self.fail(KfpRejected, f"failed to execute component: failed to upload output artifact "
                                               f"{_q(key)}: {e}", name, "launcher")
                    if not _upload(self.storage_dir, _host_path(pod_root, local), a["uri"]):
                        self.result.warnings.append(f"{name}: local filepath {local} of output {key} does not exist")
                        if key == EXECUTOR_LOGS:
                            continue
                instance_schema = a.get("type", {}).get("instanceSchema")
                if instance_schema is None:
                    title = a.get("type", {}).get("schemaTitle")
                    if title is None:
                        self.fail(KfpRejected, f"failed to determine schema for output {_q(key)}: SchemaUri is "
                                               "unsupported", name, "launcher")
                    instance_schema = f"title: {title}"
                try:
                    stored = mlmd_metadata(a.get("metadata", {}), key)
                except KfpRejected as e:
                    self.fail(KfpRejected, f"failed to execute component: {e}", name, "launcher")
                stored.setdefault("display_name", key)
                stored.setdefault("store_session_info", self.session_info)
                result.output_artifacts[key] = Artifact(name=self.mlmd.new_id(), uri=a["uri"], metadata=stored,
                                                        instance_schema=instance_schema, output_key=key)
        result.status = "executed"
        if fingerprint is not None:
            self.mlmd.create_cache(self.result.pipeline_name, fingerprint, result)

    # -- driver: caching --
    def output_artifact_specs(self, name) -> dict:
        specs = dict(self.component_of(name).get("outputDefinitions", {}).get("artifacts", {}))
        if self.publish_logs:
            specs[EXECUTOR_LOGS] = {"artifactType": {"schemaTitle": "system.Artifact"}}
        return specs

    def fingerprint(self, name, inputs, container, claims: list[str]) -> str:
        """driver/cache.go getFingerPrint -> cacheutils GenerateCacheKey: input artifact names (MLMD ids),
        input parameter values, the outputs without their URIs, output parameter types, command + args
        (as compiled, placeholders unsubstituted), the image and the names of the claims the pod mounts
        (sorted, once each: "PVCs have side effects"); hashed."""
        component = self.component_of(name)
        key = {
            "inputArtifactNames": {k: [a["name"] for a in v["artifacts"]]
                                   for k, v in inputs.get("artifacts", {}).items()},
            "inputParameterValues": inputs.get("parameterValues", {}),
            "outputArtifactsSpec": {k: {"name": k, "type": spec.get("artifactType", {}),
                                        "metadata": spec.get("metadata")}
                                    for k, spec in self.output_artifact_specs(name).items()},
            "outputParametersSpec": {k: p.get("parameterType", "") for k, p in
                                     component.get("outputDefinitions", {}).get("parameters", {}).items()},
            "containerSpec": {"image": container.get("image", ""),
                              "cmdArgs": list(container.get("command", [])) + list(container.get("args", [])),
                              "pvcNames": claims},
        }
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()

    def reuse_cached_outputs(self, name, fingerprint, result: TaskResult) -> bool:
        """driver/container.go + cache.go reuseCachedOutputs: with a cache entry for the fingerprint the
        executor does not run (Argo skips it, yet counts it as Succeeded) and the task's outputs are the
        earlier execution's artifacts, the same ML Metadata artifacts."""
        hit = self.mlmd.cached_execution(self.result.pipeline_name, fingerprint)
        if hit is None:
            return False
        for key in self.output_artifact_specs(name):
            if key not in hit["artifacts"]:
                self.fail(KfpRejected, f"failed collect output artifact metadata from cache: unable to find "
                                       f"artifact with name {key} in mlmd output artifacts", name, "driver")
        result.output_artifacts = {k: Artifact(**v) for k, v in hit["artifacts"].items()}
        result.output_parameters = dict(hit["parameters"])
        result.status, result.reason = "cached", "outputs reused from cache"
        return True

    @staticmethod
    def read_executor_output(name, path) -> dict:
        """launcher_v2.go getExecutorOutputFile: a missing file is an empty ExecutorOutput; the file is
        parsed strictly (protojson.Unmarshal rejects unknown fields)."""
        from google.protobuf import json_format
        from kfp.pipeline_spec import pipeline_spec_pb2

        if not os.path.exists(path):
            return {}
        with open(path, "rb") as f:
            text = f.read()
        try:
            json_format.Parse(text, pipeline_spec_pb2.ExecutorOutput())
            return json.loads(text)
        except (json_format.ParseError, ValueError) as e:
            raise TaskFailed(f"failed to execute component: failed to unmarshall ExecutorOutput in file {_q(path)}: "
                             f"{e}", task=name, stage="launcher") from e

    def run_importer(self, name, result: TaskResult) -> None:
        """component/importer_launcher.go (ImportSpecToMLMDArtifact, findOrNewArtifactToImport)."""
        task, component = self.tasks[name], self.component_of(name)
        importer = self.executors[component["executorLabel"]]["importer"]
        prefix = "failed to execute importer component: failed to create MLMD artifact from ImporterSpec: "
        schema_spec = importer.get("typeSchema", {})
        if "instanceSchema" in schema_spec:
            instance_schema = schema_spec["instanceSchema"]
        elif "schemaTitle" in schema_spec:
            instance_schema = f"title: {schema_spec['schemaTitle']}"
        else:
            self.fail(KfpRejected, prefix + "failed to get schema from importer spec: SchemaUri is unsupported",
                      name, "importer")
        source = importer.get("artifactUri", {})
        if "constant" in source:
            uri = source["constant"] if isinstance(source["constant"], str) else ""
            if not uri:
                self.fail(KfpRejected, prefix + "empty Artifact URI constant value", name, "importer")
        elif source.get("runtimeParameter"):
            pname = source["runtimeParameter"]
            pspec = task.get("inputs", {}).get("parameters", {}).get(pname)
            if pspec is None:
                self.fail(KfpRejected, prefix + f"cannot find parameter {pname} in task input to fetch artifact uri",
                          name, "importer")
            component_input = pspec.get("componentInputParameter", "")
            if component_input not in self.parameters:
                self.fail(KfpRejected, prefix + "error resolving artifact URI: parent DAG does not have input "
                                                f"parameter {component_input}", name, "importer")
            uri = self.parameters[component_input] if isinstance(self.parameters[component_input], str) else ""
            if not uri:
                self.fail(KfpRejected, prefix + f"empty artifact URI runtime value for parameter {pname}", name,
                          "importer")
        else:
            self.fail(KfpRejected, prefix + "artifact uri not provided", name, "importer")
        if uri.startswith("oci://"):
            raise ReplayUnsupported(f"task {name}: oci:// artifacts are not emulated", task=name, result=self.result)
        try:
            provider = parse_bucket_config(uri, "uri")["scheme"][:-3]
        except KfpRejected:
            self.fail(KfpRejected, prefix + f"no provider scheme found in artifact URI: {uri}", name, "importer")
        if importer.get("downloadToWorkspace"):
            raise ReplayUnsupported(f"task {name}: importer downloadToWorkspace is not emulated", task=name,
                                    result=self.result)
        outputs = list(component.get("outputDefinitions", {}).get("artifacts", {}))
        if len(outputs) != 1:
            self.fail(KfpRejected, "failed to execute importer component: failed to extract output artifact name "
                                   "from componentOutputSpec", name, "importer")
        try:
            metadata = mlmd_metadata(_to_value(importer.get("metadata", {})), outputs[0])
        except KfpRejected as e:
            self.fail(KfpRejected, prefix + f"failed to convert structValue : {e}", name, "importer")
        metadata["store_session_info"] = json.dumps({"Provider": provider, "Params": {"fromEnv": "true"}},
                                                    separators=(",", ":"))
        identity = json.dumps([_schema_title(instance_schema), uri, metadata], sort_keys=True)
        artifact_id = None if importer.get("reimport") else self.mlmd.imported(identity)
        if artifact_id is None:
            artifact_id = self.mlmd.new_id()
            self.mlmd.remember_import(identity, artifact_id)
        result.output_artifacts[outputs[0]] = Artifact(name=artifact_id, uri=uri, metadata=metadata,
                                                       instance_schema=instance_schema, output_key=outputs[0])
        result.status = "executed"

    def run(self, order, deps) -> ReplayResult:
        for name in order:
            component = self.component_of(name)
            kind = "importer" if "importer" in self.executors[component["executorLabel"]] else "container"
            result = TaskResult(name=name, kind=kind)
            self.result.tasks[name] = result
            if kind == "container":
                # Argo's enhanced depends: every upstream task must have Succeeded; a skipped or
                # omitted upstream task leaves this one Omitted.
                # (A task served from cache counts as Succeeded.)
                blocked = [d for d in deps[name] if self.result.tasks[d].status not in ("executed", "cached")]
                if blocked:
                    result.status = "skipped"
                    result.reason = f"omitted: upstream {', '.join(blocked)} did not succeed"
                    self.log(f"[kfp-replay] {name}: {result.reason}")
                    continue
            started = time.monotonic()
            if kind == "importer":
                self.run_importer(name, result)
            else:
                self.run_container(name, result)
            result.seconds = time.monotonic() - started
            self.log(f"[kfp-replay] {name}: {result.status} {result.reason} ({result.seconds:.1f} s)")
        return self.result


def _merge_runtime_artifact(src: Mapping, dst: dict) -> None:
    """launcher_v2.go mergeRuntimeArtifacts."""
    if src.get("uri"):
        dst["uri"] = src["uri"]
    if src.get("metadata") is not None:
        merged = dict(dst.get("metadata") or {})
        merged.update(_to_value(src["metadata"]))
        dst["metadata"] = merged
    if src.get("customPath"):
        dst["customPath"] = src["customPath"]


def _tail(path: str, lines: int = 40) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def replay(package_path: str, pipeline_root: str, parameter_overrides: dict | None = None,
           env: dict | None = None, *, storage_dir: str | None = None, work_dir: str | None = None,
           run_name: str = "replayed run", volumes: Mapping[str, str] | None = None,
           publish_logs: bool = True, cache: bool = False, timeout: float | None = 1800,
           python: str = sys.executable, verbose: bool = False) -> ReplayResult:
    """Runs the compiled package `package_path` as KFP 2.16's backend would, with the run's
    `pipeline_root` (a gs://, s3:// or minio:// URI, like a run's pipeline_root; the package's
    defaultPipelineRoot is not used: KFP 2.16 ignores it), `parameter_overrides` as the run's
    parameters and `run_name` as its display name. Each task runs in a pod of its own (pod_command).
    Raises KfpRejected (with KFP's error text) where KFP would refuse or fail the run,
    ReplayUnsupported for spec features it does not emulate.

    volumes: the PersistentVolumeClaims of the run's namespace, name -> the directory standing for the
      volume; a pod mounts the ones its executor's Kubernetes config names (a claim that does not
      exist leaves the pod unschedulable: KfpRejected).

    storage_dir: the emulated object store (default: $KFP_REPLAY_STORAGE_DIR); replays sharing it
      see each other's outputs. work_dir: per-task pod directories and logs (default: a new
      directory under storage_dir). publish_logs: the API server's PUBLISH_LOGS (true in the
      standard manifests), which adds an `executor-logs` output artifact to every container task.
    cache: KFP's caching (on unless the API server disables it; TFX sets enableCache on every task):
      a task whose fingerprint matches an earlier successful execution over the same storage dir is
      not executed and its outputs are that execution's artifacts. Off by default: every task runs.
    env: added to each process's environment (e.g. PYTHONPATH for module code).
    """
    storage_dir = storage_dir or os.environ.get("KFP_REPLAY_STORAGE_DIR")
    if not storage_dir:
        raise ReplayError("replay needs storage_dir (or $KFP_REPLAY_STORAGE_DIR): the emulated object store")
    os.makedirs(storage_dir, exist_ok=True)
    if not run_name:
        raise KfpRejected("Failed to create a run due to invalid name: The run name is empty. Please specify a "
                          "valid name", stage="run creation")
    package = load_package(package_path)
    spec = package.spec
    overrides = {k: _to_value(v) for k, v in (parameter_overrides or {}).items()}
    validate_run_parameters(spec, overrides)
    parameters = {}
    for name, declared in spec["root"].get("inputDefinitions", {}).get("parameters", {}).items():
        if name in overrides:
            parameters[name] = overrides[name]
        elif "defaultValue" in declared:
            parameters[name] = _to_value(declared["defaultValue"])
        elif declared.get("isOptional"):
            parameters[name] = None
    check_executors(spec, package.kubernetes)
    deps = task_dependencies(spec)
    order = execution_order(spec, deps)
    if work_dir is None:
        os.makedirs(os.path.join(storage_dir, ".replay"), exist_ok=True)
        work_dir = tempfile.mkdtemp(prefix="run-", dir=os.path.join(storage_dir, ".replay"))
    os.makedirs(work_dir, exist_ok=True)
    log = (lambda msg: print(msg, file=sys.stderr, flush=True)) if verbose else (lambda msg: None)
    run = _Run(package, pipeline_root, parameters, env, storage_dir, work_dir, publish_logs, timeout, python, log,
               cache=cache, run_name=run_name, volumes=volumes)
    return run.run(order, deps)

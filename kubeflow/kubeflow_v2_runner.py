"""Compiles the datenmt pipeline for Kubeflow Pipelines (KFP v2) with TFX's KubeflowV2DagRunner.

The package is a `.yaml` PipelineSpec that `kfp.Client` uploads. The settings a scheduler sets per run
(`configs.KFP_PARAMETERS`) are scalar pipeline parameters whose defaults are the main job's; everything
else is fixed at compile time. Every step runs `python -m kubeflow.entrypoint` (TFX's container entry
point with the fixes open-source KFP needs, kubeflow/entrypoint.py), and the package holds only container
and importer executors, the only kinds open-source KFP runs (docs/kubeflow.md).

With a serving volume (a PersistentVolumeClaim), the package ends with a second YAML document, KFP's
Kubernetes PlatformSpec, which mounts that claim at SERVING_VOLUME_MOUNT in the pod of every step that
reads or writes the serving directory: what `kfp.kubernetes.mount_pvc` writes for a task, placed under
each such executor by kfp's own compiler functions. KFP's driver adds the claim to those pods.
"""

from __future__ import annotations

import dataclasses
import os

import yaml
from apache_beam.options.pipeline_options import PipelineOptions
from google.protobuf import json_format
from kfp import dsl, kubernetes
from kfp.compiler import pipeline_spec_builder
from kfp.pipeline_spec import pipeline_spec_pb2
from tfx import v1 as tfx
from tfx.orchestration import data_types
from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner

from kubeflow import entrypoint
from pipeline import configs
from pipeline import pipeline as pipeline_lib

DEFAULT_IMAGE = "ghcr.io/datenmt/datenmt-pipeline:latest"
PACKAGE_FILE = "datenmt_pipeline.yaml"
# Where kubeflow/Dockerfile puts the project (WORKDIR /pipeline; COPY schemas/ schemas/).
IMAGE_WORKDIR = "/pipeline"
IMAGE_SCHEMA_PATH = f"{IMAGE_WORKDIR}/schemas/schema.pbtxt"
ENTRYPOINT_COMMAND = ["python", "-m", entrypoint.__name__]  # python -m kubeflow.entrypoint
# KFP's driver replaces this parameter value by the run's id (backend/src/v2/driver/resolve.go).
KFP_RUN_ID = "{{$.pipeline_job_uuid}}"
# Object stores KFP keeps artifacts in but TensorFlow 2.21 cannot write to (no such file system).
NOT_WRITABLE_BY_TENSORFLOW = ("s3://", "minio://")
# Where the serving volume (compile --serving-volume) is mounted in the steps that use the serving directory.
SERVING_VOLUME_MOUNT = "/mnt/serving"
_DEFAULTS = configs.Settings(tracking_uri=configs.KUBEFLOW_TRACKING_URI)
# Beam options that say how remote Beam workers get the pipeline's code; TFX packages itself for them in every
# Beam step unless one is set (tfx/utils/dependency_utils.py: make_beam_dependency_flags).
BEAM_DEPENDENCY_OPTIONS = ("extra_packages", "setup_file", "requirements_file", "worker_harness_container_image",
                           "sdk_container_image")


@dataclasses.dataclass(frozen=True)
class CompileOptions:
    """What is fixed when the package is compiled."""

    pipeline_root: str  # e.g. gs://bucket/datenmt or minio://mlpipeline/datenmt (reachable from the cluster)
    image: str = DEFAULT_IMAGE
    pipeline_name: str = _DEFAULTS.pipeline_name
    # Where the Pusher writes numbered versions and the baseline step looks for the serving one. The
    # steps' TensorFlow reads and writes it directly (it is not an artifact the launcher moves): gs://,
    # or a path on the serving volume. Default: <SERVING_VOLUME_MOUNT>/serving_model with a serving volume,
    # <pipeline_root>/serving_model for a gs:// root; other roots need one of the two.
    serving_model_dir: str | None = None
    # A PersistentVolumeClaim (its name) mounted at SERVING_VOLUME_MOUNT in the steps that use the serving
    # directory, which is then a path under that mount.
    serving_volume: str | None = None
    schema_path: str = IMAGE_SCHEMA_PATH  # the curated schema, as a path inside the image
    enable_tuning: bool = _DEFAULTS.tuning
    # A previous run's best_hyperparameters (its URI in the object store), imported instead of searching.
    hyperparameters_uri: str | None = None
    beam_pipeline_args: tuple[str, ...] = _DEFAULTS.beam_args


def serving_model_dir(options: CompileOptions) -> str:
    """The serving directory the package writes to; ValueError for one the steps could not share: one
    TensorFlow cannot write, or a local path that is not on the serving volume (each pod has its own
    file system, so without the volume every step would see an empty directory of its own)."""
    path = options.serving_model_dir
    if options.serving_volume:
        path = path or f"{SERVING_VOLUME_MOUNT}/serving_model"
        if not path.startswith(SERVING_VOLUME_MOUNT + "/"):
            raise ValueError(f"serving model directory {path} is not on the serving volume {options.serving_volume}, "
                             f"which is mounted at {SERVING_VOLUME_MOUNT}: give a path under {SERVING_VOLUME_MOUNT}/")
        return path
    if not path:
        if not options.pipeline_root.startswith("gs://"):
            raise ValueError(
                f"give a serving volume (--serving-volume PVC_NAME) or a gs:// serving model directory "
                f"(--serving-model-dir) for pipeline root {options.pipeline_root}: the Pusher writes it with "
                "TensorFlow, which cannot write s3:// or minio://")
        return options.pipeline_root.rstrip("/") + "/serving_model"
    if path.startswith(NOT_WRITABLE_BY_TENSORFLOW):
        raise ValueError(f"serving model directory {path}: TensorFlow has no {path.split('://')[0]}:// file "
                         "system; use gs:// or a serving volume (--serving-volume PVC_NAME)")
    if "://" not in path:
        raise ValueError(f"serving model directory {path} is a local path: each step's pod has its own file "
                         "system, so give the volume it is on (--serving-volume PVC_NAME, mounted at "
                         f"{SERVING_VOLUME_MOUNT}) or a gs:// directory")
    return path


def step_beam_args(options: CompileOptions) -> list[str]:
    """The steps' Beam options, naming the pipeline's image as the Beam workers' container unless they name
    their dependencies otherwise. The image holds TFX and this project's code: the workers of a remote Beam
    runner need both, and TFX's own package, which it would otherwise build and leave in every Beam step's
    temporary directory (52 MB, 2 to 3 s), holds only TFX. The local runner ignores the option."""
    args = list(options.beam_pipeline_args)
    named = PipelineOptions(args).get_all_options()
    if any(named.get(name) for name in BEAM_DEPENDENCY_OPTIONS):
        return args
    return [*args, f"--sdk_container_image={options.image}"]


def parameter_defaults() -> dict[str, object]:
    """Pipeline parameter -> default: the main job's defaults, MLflow reached on the cluster."""
    return {name: getattr(_DEFAULTS, name) for name in configs.KFP_PARAMETERS}


def runtime_parameters() -> dict[str, data_types.RuntimeParameter]:
    return {name: data_types.RuntimeParameter(name=name, ptype=type(default), default=default)
            for name, default in parameter_defaults().items()}


def create_kubeflow_pipeline(options: CompileOptions) -> tfx.dsl.Pipeline:
    """The same create_pipeline() as locally, with pipeline parameters where a scheduler sets values."""
    params = runtime_parameters()
    return pipeline_lib.create_pipeline(
        pipeline_name=options.pipeline_name,
        pipeline_root=options.pipeline_root,
        num_examples=params["num_examples"],
        seed=params["seed"],
        splits=configs.SPLITS,
        training_config=configs.component_config(configs.TRAINING_CONFIG_FIELDS, params),
        tuning_config=configs.component_config(configs.TUNING_CONFIG_FIELDS, params)
        if options.enable_tuning and not options.hyperparameters_uri else None,
        hyperparameters_uri=options.hyperparameters_uri,
        accuracy_threshold=params["accuracy_threshold"],
        max_accuracy_drop=params["max_accuracy_drop"],
        serving_model_dir=serving_model_dir(options),
        mlflow_reporter={"tracking_uri": params["tracking_uri"], "experiment": params["mlflow_experiment"],
                         "registered_model": params["registered_model"], "pipeline_run_id": KFP_RUN_ID},
        schema_path=options.schema_path,
        beam_pipeline_args=step_beam_args(options),
        metadata_connection_config=None,  # KFP brings its own ML Metadata
    )


def compile_package(options: CompileOptions, output_path: str) -> str:
    """Writes the KFP pipeline package (.yaml) and returns its path."""
    if not output_path.endswith((".yaml", ".yml")):
        raise ValueError(f"kfp.Client uploads .yaml packages; got {output_path}")
    runner = kubeflow_v2_dag_runner.KubeflowV2DagRunner(
        config=kubeflow_v2_dag_runner.KubeflowV2DagRunnerConfig(
            default_image=options.image, use_pipeline_spec_2_1=True))  # the schema kfp 2.x parses
    job = runner.run(create_kubeflow_pipeline(options), parameter_values=parameter_defaults(), write_out=False)
    spec = package_spec(job)
    documents = [spec]
    if options.serving_volume:
        documents.append(platform_spec(spec, options.serving_volume, serving_model_dir(options)))
    os.makedirs(os.path.dirname(os.path.abspath(output_path)), exist_ok=True)
    with open(output_path, "w") as f:
        f.write(f"# datenmt pipeline for KFP v2, compiled by TFX {tfx.__version__} for image {options.image}\n")
        yaml.safe_dump_all(documents, f, sort_keys=True)  # as kfp's compiler writes a package with a platform spec
    return output_path


@dsl.container_component
def _volume_holder():
    """Stands for one step of the package when kfp.kubernetes sets a task's platform config."""
    return dsl.ContainerSpec(image="unused")


def serving_volume_config(claim: str) -> dict:
    """A task's platform config mounting `claim` at SERVING_VOLUME_MOUNT: what `kfp.kubernetes.mount_pvc`
    writes on a KFP task (here a stand-in: the package's steps are TFX nodes, not KFP tasks)."""
    task = dsl.PipelineTask(component_spec=_volume_holder.component_spec, args={})
    kubernetes.mount_pvc(task, pvc_name=claim, mount_path=SERVING_VOLUME_MOUNT)
    return task.platform_config


def serving_directory_executors(spec: dict, serving_dir: str) -> list[str]:
    """The container executors whose tasks are given the serving directory (in any parameter), sorted."""
    executors = spec["deploymentSpec"]["executors"]
    labels = set()
    for task in spec["root"]["dag"]["tasks"].values():
        label = spec["components"][task["componentRef"]["name"]]["executorLabel"]
        constants = [p.get("runtimeValue", {}).get("constant") for p in task.get("inputs", {}).get("parameters", {})
                     .values()]
        if "container" in executors[label] and any(isinstance(c, str) and serving_dir in c for c in constants):
            labels.add(label)
    return sorted(labels)


def platform_spec(spec: dict, claim: str, serving_dir: str) -> dict:
    """KFP's Kubernetes PlatformSpec (the package's second document) mounting the serving volume `claim`
    in every step given the serving directory, built as kfp's compiler builds it from tasks' platform configs
    (pipeline_spec_builder.platform_config_to_platform_spec, merge_platform_specs). KFP's driver turns each
    executor's `pvcMount` into a volume and a volume mount of the step's pod (docs/kubeflow.md)."""
    labels = serving_directory_executors(spec, serving_dir)
    if not labels:
        raise ValueError(f"no step of the package uses the serving directory {serving_dir}")
    config = serving_volume_config(claim)
    merged = pipeline_spec_pb2.PlatformSpec()
    for label in labels:
        pipeline_spec_builder.merge_platform_specs(
            merged, pipeline_spec_builder.platform_config_to_platform_spec(config, label))
    return json_format.MessageToDict(merged)


def package_spec(job: dict) -> dict:
    """The PipelineSpec of a compiled PipelineJob, with what TFX leaves in the job's runtime config
    (parameter defaults, pipeline root) moved into the spec, where `kfp.Client` uploads look for them,
    and every container running the project's entry point (kubeflow/entrypoint.py) instead of TFX's.

    Raises ValueError for an executor open-source KFP would refuse at run creation (neither a container
    nor an importer, e.g. a TFX Resolver's `resolver`) or a container not running TFX's entry point.
    """
    spec = job["pipelineSpec"]
    runtime = job.get("runtimeConfig", {})
    declared = spec["root"].get("inputDefinitions", {}).get("parameters", {})
    for name, value in runtime.get("parameterValues", {}).items():
        if name in declared:  # a parameter no step uses (the Tuner's, without a search) is not declared
            declared[name]["defaultValue"] = value
    if runtime.get("gcsOutputDirectory"):
        spec["defaultPipelineRoot"] = runtime["gcsOutputDirectory"]
    for label, executor in sorted(spec["deploymentSpec"]["executors"].items()):
        if "importer" in executor:
            continue
        if "container" not in executor:
            raise ValueError(f"executor {label} is a {next(iter(executor), 'nothing')}: open-source Kubeflow Pipelines "
                             "runs only container and importer executors")
        container = executor["container"]
        if list(container.get("command", [])) != list(kubeflow_v2_dag_runner.KUBEFLOW_TFX_CMD):
            raise ValueError(f"executor {label} runs {container.get('command')}, not TFX's entry point")
        container["command"] = list(ENTRYPOINT_COMMAND)
    return spec


def compiled_pipeline_root(package_path: str) -> str | None:
    """The pipeline root a package was compiled with (its defaultPipelineRoot), or None."""
    with open(package_path) as f:
        for document in yaml.safe_load_all(f):
            if isinstance(document, dict) and "pipelineInfo" in document:
                return document.get("defaultPipelineRoot")
    return None

"""Compiles the datenmt pipeline for Kubeflow Pipelines (KFP v2) with TFX's KubeflowV2DagRunner.

The package is a `.yaml` PipelineSpec that `kfp.Client` uploads. The settings a scheduler sets per run
(`configs.KFP_PARAMETERS`) are scalar pipeline parameters whose defaults are the main job's; everything
else is fixed at compile time. Every step runs `python -m kubeflow.entrypoint` (TFX's container entry
point with the fixes open-source KFP needs, kubeflow/entrypoint.py), and the package holds only container
and importer executors, the only kinds open-source KFP runs (kubeflow/KFP_BACKEND.md).
"""

from __future__ import annotations

import dataclasses
import os

import yaml
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
_DEFAULTS = configs.Settings(tracking_uri=configs.KUBEFLOW_TRACKING_URI)


@dataclasses.dataclass(frozen=True)
class CompileOptions:
    """What is fixed when the package is compiled."""

    pipeline_root: str  # e.g. gs://bucket/datenmt or minio://mlpipeline/datenmt (reachable from the cluster)
    image: str = DEFAULT_IMAGE
    pipeline_name: str = _DEFAULTS.pipeline_name
    # Where the Pusher writes numbered versions and the baseline step looks for the serving one. The
    # steps' TensorFlow reads and writes it directly (it is not an artifact the launcher moves): gs://,
    # or a path on a volume mounted at that path in every step's pod. Default: <pipeline_root>/serving_model
    # for a gs:// root; other roots need it set.
    serving_model_dir: str | None = None
    schema_path: str = IMAGE_SCHEMA_PATH  # the curated schema, as a path inside the image
    enable_tuning: bool = _DEFAULTS.tuning
    beam_pipeline_args: tuple[str, ...] = _DEFAULTS.beam_args


def serving_model_dir(options: CompileOptions) -> str:
    """The serving directory the package writes to; ValueError for one TensorFlow cannot write."""
    path = options.serving_model_dir
    if not path:
        if not options.pipeline_root.startswith("gs://"):
            raise ValueError(
                f"give a serving model directory (--serving-model-dir) for pipeline root {options.pipeline_root}: "
                "the Pusher writes it with TensorFlow, which can write gs:// or a mounted volume, not s3:// or "
                "minio://")
        return options.pipeline_root.rstrip("/") + "/serving_model"
    if path.startswith(NOT_WRITABLE_BY_TENSORFLOW):
        raise ValueError(f"serving model directory {path}: TensorFlow has no {path.split('://')[0]}:// file "
                         "system; use gs:// or a path on a volume mounted in every step's pod")
    return path


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
        tuning_config=configs.component_config(configs.TUNING_CONFIG_FIELDS, params) if options.enable_tuning
        else None,
        accuracy_threshold=params["accuracy_threshold"],
        max_accuracy_drop=params["max_accuracy_drop"],
        serving_model_dir=serving_model_dir(options),
        mlflow_reporter={"tracking_uri": params["tracking_uri"], "experiment": params["mlflow_experiment"],
                         "registered_model": params["registered_model"], "pipeline_run_id": KFP_RUN_ID},
        schema_path=options.schema_path,
        beam_pipeline_args=list(options.beam_pipeline_args),
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
    os.makedirs(os.path.dirname(os.path.abspath(output_path)), exist_ok=True)
    with open(output_path, "w") as f:
        f.write(f"# datenmt pipeline for KFP v2, compiled by TFX {tfx.__version__} for image {options.image}\n")
        yaml.safe_dump(spec, f, sort_keys=True)
    return output_path


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

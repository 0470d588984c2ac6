"""Compiles the datenmt pipeline for Kubeflow Pipelines (KFP v2) with TFX's KubeflowV2DagRunner.

The package is a `.yaml` PipelineSpec that `kfp.Client` uploads. The settings a scheduler sets per run
(`configs.KFP_PARAMETERS`) are scalar pipeline parameters whose defaults are the main job's; everything
else is fixed at compile time.
"""

from __future__ import annotations

import dataclasses
import os

import yaml
from tfx import v1 as tfx
from tfx.orchestration import data_types
from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner

from pipeline import configs
from pipeline import pipeline as pipeline_lib

DEFAULT_IMAGE = "ghcr.io/datenmt/datenmt-pipeline:latest"
PACKAGE_FILE = "datenmt_pipeline.yaml"
_DEFAULTS = configs.Settings(tracking_uri=configs.KUBEFLOW_TRACKING_URI)


@dataclasses.dataclass(frozen=True)
class CompileOptions:
    """What is fixed when the package is compiled."""

    pipeline_root: str  # e.g. gs://bucket/datenmt or s3://... (reachable from the cluster)
    image: str = DEFAULT_IMAGE
    pipeline_name: str = _DEFAULTS.pipeline_name
    serving_model_dir: str | None = None  # default: <pipeline_root>/serving_model
    enable_tuning: bool = _DEFAULTS.tuning
    beam_pipeline_args: tuple[str, ...] = _DEFAULTS.beam_args


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
        serving_model_dir=options.serving_model_dir or os.path.join(options.pipeline_root, "serving_model"),
        mlflow_reporter={"tracking_uri": params["tracking_uri"], "experiment": params["mlflow_experiment"],
                         "registered_model": params["registered_model"]},
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
    (parameter defaults, pipeline root) moved into the spec, where `kfp.Client` uploads look for them."""
    spec = job["pipelineSpec"]
    runtime = job.get("runtimeConfig", {})
    declared = spec["root"]["inputDefinitions"]["parameters"]
    for name, value in runtime.get("parameterValues", {}).items():
        declared[name]["defaultValue"] = value
    if runtime.get("gcsOutputDirectory"):
        spec["defaultPipelineRoot"] = runtime["gcsOutputDirectory"]
    return spec

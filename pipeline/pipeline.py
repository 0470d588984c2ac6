"""The datenmt TFX pipeline definition: one create_pipeline() taking everything as arguments."""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence, Union

import tensorflow_model_analysis as tfma
from google.protobuf import json_format
from tfx import v1 as tfx
from tfx.dsl.components.base import base_node
from tfx.orchestration import data_types

from components.anomalies_gate import AnomaliesGate
from components.mlflow_reporter import MlflowReporter
from components.date_example_gen import SyntheticDateExampleGen
from components.timed_tuner import TimedTuner
from pipeline.evaluation import DEFAULT_ACCURACY_THRESHOLD, DEFAULT_MAX_ACCURACY_DROP, create_eval_config
import schemas

# Module code, referred to by module path as in the TFX templates (baked into
# the image on Kubeflow, so nothing is uploaded at compile time).
PREPROCESSING_FN = "models.preprocessing.preprocessing_fn"
TUNER_FN = "models.tuning.tuner_fn"
RUN_FN = "models.training.run_fn"

def create_data_validation(
    examples: tfx.types.BaseChannel, schema_path: str
) -> list[base_node.BaseNode]:
    """StatisticsGen, ImportSchemaGen, ExampleValidator and the gate that stops on anomalies."""
    schema_gen = tfx.components.ImportSchemaGen(schema_file=schema_path)
    statistics_gen = tfx.components.StatisticsGen(
        examples=examples, schema=schema_gen.outputs["schema"], stats_options=schemas.STATS_OPTIONS)
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"])
    gate = AnomaliesGate(anomalies=example_validator.outputs["anomalies"])
    return [schema_gen, statistics_gen, example_validator, gate]


def _custom_config(value: Union[Mapping[str, Any], data_types.RuntimeParameter, None]):
    """A component's custom_config: a dict, or a RuntimeParameter holding JSON (on Kubeflow)."""
    return value if isinstance(value, data_types.RuntimeParameter) else dict(value or {})


def _config_json(value) -> Union[str, data_types.RuntimeParameter]:
    """A config as an exec property string: RuntimeParameters as they are, protos and dicts as JSON."""
    if isinstance(value, data_types.RuntimeParameter):
        return value
    if isinstance(value, tfma.EvalConfig):
        return json_format.MessageToJson(value)
    return json.dumps(dict(value or {}))


def create_evaluation_and_push(
    examples: tfx.types.BaseChannel, schema: tfx.types.BaseChannel, model: tfx.types.BaseChannel,
    eval_split: str, eval_config: Union[tfma.EvalConfig, data_types.RuntimeParameter],
    serving_model_dir: Optional[str],
) -> list[base_node.BaseNode]:
    """The latest-blessed-model Resolver, the Evaluator and, for blessed models only, the Pusher."""
    resolver = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
        model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
        model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing),
    ).with_id("latest_blessed_model_resolver")
    evaluator = tfx.components.Evaluator(
        examples=examples, model=model, baseline_model=resolver.outputs["model"], schema=schema,
        eval_config=eval_config, example_splits=[eval_split])
    nodes = [resolver, evaluator]
    if serving_model_dir:
        with tfx.dsl.Cond(evaluator.outputs["blessing"].future()[0].custom_property("blessed") == 1):
            nodes.append(tfx.components.Pusher(
                model=model,
                push_destination=tfx.proto.PushDestination(
                    filesystem=tfx.proto.PushDestination.Filesystem(base_directory=serving_model_dir))))
    return nodes


def create_pipeline(
    pipeline_name: str,
    pipeline_root: str,
    num_examples: Union[int, data_types.RuntimeParameter],
    seed: Union[int, data_types.RuntimeParameter],
    splits: Mapping[str, int],
    training_config: Union[Mapping[str, Any], data_types.RuntimeParameter, None] = None,
    enable_tuning: bool = False,
    tuning_config: Union[Mapping[str, Any], data_types.RuntimeParameter, None] = None,
    accuracy_threshold: float = DEFAULT_ACCURACY_THRESHOLD,
    max_accuracy_drop: float = DEFAULT_MAX_ACCURACY_DROP,
    eval_config: Optional[data_types.RuntimeParameter] = None,
    serving_model_dir: Optional[str] = None,
    mlflow_reporter: Optional[Mapping[str, Any]] = None,
    schema_path: str = schemas.SCHEMA_PATH,
    metadata_connection_config: Optional[tfx.proto.orchestration.metadata_pb2.ConnectionConfig] = None,
    beam_pipeline_args: Optional[Sequence[str]] = None,
    enable_cache: bool = True,
) -> tfx.dsl.Pipeline:
    """Builds the datenmt pipeline.

    Args:
      pipeline_name: name of the pipeline (its ML Metadata context).
      pipeline_root: where component outputs are written.
      num_examples: examples generated over all splits.
      seed: generator seed.
      splits: split name -> hash buckets; needs 'train' and 'eval'. The Evaluator scores
        'test' when there is one (the Trainer's early stopping has seen 'eval'), else 'eval'.
      training_config: Trainer custom_config (models.training.TrainingConfig fields), or a
        RuntimeParameter holding it as JSON; None trains with the defaults.
      enable_tuning: run the Tuner and train with its best hyperparameters.
      tuning_config: Tuner custom_config: max_trials and TrainingConfig fields for each trial.
      accuracy_threshold: whole-string exact match a model needs to be blessed.
      max_accuracy_drop: how much lower than the latest blessed model's exact match is tolerated.
      eval_config: a RuntimeParameter holding the EvalConfig as JSON, which then replaces the
        two thresholds (Kubeflow exposes it as a pipeline parameter).
      serving_model_dir: Pusher's base directory (one numbered version per push);
        None leaves the Evaluator as the last step.
      mlflow_reporter: tracking_uri, experiment and registered_model for an MlflowReporter step
        after the Evaluator (for orchestrators where no process outlives the pipeline, such as
        Kubeflow); local runs are reported by the main job instead.
      schema_path: the curated raw-data schema.
      metadata_connection_config: ML Metadata store; None lets the runner choose.
      beam_pipeline_args: passed to every Beam-based component.
      enable_cache: reuse outputs of executions with identical inputs.
    """
    missing = {"train", "eval"} - set(splits)
    if missing:
        raise ValueError(f"splits must include {sorted(missing)}, got {sorted(splits)}")
    example_gen = SyntheticDateExampleGen(num_examples=num_examples, seed=seed, splits=splits)
    examples = example_gen.outputs["examples"]
    validation = create_data_validation(examples, schema_path)
    schema_gen, gate = validation[0], validation[-1]

    transform = tfx.components.Transform(
        examples=examples, schema=schema_gen.outputs["schema"], preprocessing_fn=PREPROCESSING_FN,
        splits_config=tfx.proto.SplitsConfig(analyze=["train"], transform=sorted(splits)))
    transform.add_upstream_node(gate)  # no transform, hence no training, on data with anomalies

    train_split_args = dict(
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema_gen.outputs["schema"],
        train_args=tfx.proto.TrainArgs(splits=["train"]),
        eval_args=tfx.proto.EvalArgs(splits=["eval"]),
    )
    components = [example_gen, *validation, transform]
    hyperparameters = None
    if enable_tuning:
        tuner = TimedTuner(tuner_fn=TUNER_FN, custom_config=_custom_config(tuning_config),
                           **train_split_args).with_id("Tuner")
        hyperparameters = tuner.outputs["best_hyperparameters"]
        components.append(tuner)
    trainer = tfx.components.Trainer(run_fn=RUN_FN, hyperparameters=hyperparameters,
                                     custom_config=_custom_config(training_config), **train_split_args)
    components.append(trainer)
    eval_config = eval_config or create_eval_config(accuracy_threshold, max_accuracy_drop)
    evaluation = create_evaluation_and_push(
        examples, schema_gen.outputs["schema"], trainer.outputs["model"],
        eval_split="test" if "test" in splits else "eval", eval_config=eval_config,
        serving_model_dir=serving_model_dir)
    components += evaluation
    if mlflow_reporter:
        evaluator = evaluation[1]
        components.append(MlflowReporter(
            **mlflow_reporter, pipeline_name=pipeline_name, num_examples=num_examples, seed=seed,
            training_config=_config_json(training_config), tuning_config=_config_json(tuning_config),
            eval_config=_config_json(eval_config),
            model=trainer.outputs["model"], model_run=trainer.outputs["model_run"],
            transform_graph=transform.outputs["transform_graph"], evaluation=evaluator.outputs["evaluation"],
            blessing=evaluator.outputs["blessing"],
            tuner_results=tuner.outputs["tuner_results"] if enable_tuning else None))

    return tfx.dsl.Pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=components,
        enable_cache=enable_cache,
        metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=list(beam_pipeline_args or []),
    )

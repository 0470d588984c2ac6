"""The datenmt TFX pipeline definition: one create_pipeline() taking everything as arguments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from tfx import v1 as tfx
from tfx.dsl.components.base import base_node
from tfx.orchestration import data_types

import schemas
from components.anomalies_gate import AnomaliesGate
from components.date_example_gen import SyntheticDateExampleGen
from components.gated_evaluator import GatedEvaluator
from components.latest_pushed_model import LatestPushedModel
from components.timed_tuner import TimedTuner
from components.trainer import Trainer
from pipeline.evaluation import create_eval_config
from reporting.mlflow_registrar import MlflowRegistrar
from reporting.mlflow_reporter import MlflowReporter

# Module code, referred to by module path as in the TFX templates (baked into
# the image on Kubeflow, so nothing is uploaded at compile time).
PREPROCESSING_FN = "models.preprocessing.preprocessing_fn"
TUNER_FN = "models.tuning.tuner_fn"
RUN_FN = "models.training.run_fn"
BASELINE_NODE_ID = "serving_model_baseline"  # LatestPushedModel: the Evaluator's baseline
HYPERPARAMETERS_IMPORTER_ID = "hyperparameters_importer"  # a previous run's best_hyperparameters

IntParameter = int | data_types.RuntimeParameter
FloatParameter = float | data_types.RuntimeParameter
StrParameter = str | data_types.RuntimeParameter


class DataValidation(NamedTuple):
    """The schema, statistics, validation and the gate that stops on anomalies."""

    schema_gen: base_node.BaseNode
    statistics_gen: base_node.BaseNode
    example_validator: base_node.BaseNode
    gate: base_node.BaseNode


class EvaluationAndPush(NamedTuple):
    """The baseline lookup, the Evaluator and the Pusher (the first and last when there is a serving directory)."""

    baseline: base_node.BaseNode | None
    evaluator: GatedEvaluator
    pusher: base_node.BaseNode | None


def create_data_validation(examples: tfx.types.BaseChannel, schema_path: str) -> DataValidation:
    """ImportSchemaGen, StatisticsGen, ExampleValidator and the gate that stops on anomalies."""
    schema_gen = tfx.components.ImportSchemaGen(schema_file=schema_path)
    statistics_gen = tfx.components.StatisticsGen(
        examples=examples, schema=schema_gen.outputs["schema"], stats_options=schemas.STATS_OPTIONS)
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"])
    gate = AnomaliesGate(anomalies=example_validator.outputs["anomalies"], examples=examples)
    return DataValidation(schema_gen, statistics_gen, example_validator, gate)


def create_evaluation_and_push(
    examples: tfx.types.BaseChannel, schema: tfx.types.BaseChannel, model: tfx.types.BaseChannel,
    eval_split: str, accuracy_threshold: FloatParameter, max_accuracy_drop: FloatParameter,
    serving_model_dir: str | None,
) -> EvaluationAndPush:
    """The model serving as baseline, the Evaluator and, for blessed models only, the Pusher.

    The baseline is the newest version pushed under `serving_model_dir` (LatestPushedModel, a plain
    step on every runner; none on the first run, when the change threshold is ignored). Without a
    serving directory nothing serves, so there is neither baseline nor Pusher.
    """
    baseline = None
    if serving_model_dir:
        baseline = LatestPushedModel(model=model, serving_model_dir=serving_model_dir).with_id(BASELINE_NODE_ID)
    # The config's thresholds are replaced by the two parameters when the Evaluator runs.
    evaluator = GatedEvaluator(
        examples=examples, model=model, baseline_model=baseline.outputs["baseline_model"] if baseline else None,
        schema=schema, eval_config=create_eval_config(0.0, 0.0), example_splits=[eval_split],
        accuracy_threshold=accuracy_threshold, max_accuracy_drop=max_accuracy_drop).with_id("Evaluator")
    pusher = None
    if serving_model_dir:
        with tfx.dsl.Cond(evaluator.outputs["blessing"].future()[0].custom_property("blessed") == 1):
            pusher = tfx.components.Pusher(
                model=model,
                push_destination=tfx.proto.PushDestination(
                    filesystem=tfx.proto.PushDestination.Filesystem(base_directory=serving_model_dir)))
    return EvaluationAndPush(baseline, evaluator, pusher)


def create_pipeline(
    pipeline_name: str,
    pipeline_root: str,
    num_examples: IntParameter,
    seed: IntParameter,
    splits: Mapping[str, int],
    training_config: Mapping[str, IntParameter],
    tuning_config: Mapping[str, IntParameter] | None,
    accuracy_threshold: FloatParameter,
    max_accuracy_drop: FloatParameter,
    serving_model_dir: str | None = None,
    hyperparameters_uri: str | None = None,
    mlflow_reporter: Mapping[str, Any] | None = None,
    schema_path: str = schemas.SCHEMA_PATH,
    metadata_connection_config: tfx.proto.orchestration.metadata_pb2.ConnectionConfig | None = None,
    beam_pipeline_args: Sequence[str] | None = None,
    enable_cache: bool = True,
) -> tfx.dsl.Pipeline:
    """Builds the datenmt pipeline.

    Args:
      pipeline_name: name of the pipeline (its ML Metadata context).
      pipeline_root: where component outputs are written.
      num_examples: examples generated over all splits.
      seed: seed of the generator, of the Tuner's trials and of the Trainer.
      splits: split name -> hash buckets; needs 'train' and 'eval'. The Evaluator scores
        'test' when there is one (the Trainer's early stopping has seen 'eval'), else 'eval'.
      training_config: the Trainer's epochs, batch_size, patience and seed.
      tuning_config: the Tuner's max_trials, most epochs per trial (Hyperband's max_epochs), trial_examples,
        batch_size and seed; None: no search.
      accuracy_threshold: whole-string exact match a model needs to be blessed.
      max_accuracy_drop: how much lower than the baseline model's exact match is tolerated.
      serving_model_dir: Pusher's base directory (one numbered version per push), where the
        Evaluator's baseline, the newest version, is looked up; None: no baseline, no Pusher.
      hyperparameters_uri: a previous run's best_hyperparameters, imported by an Importer node for the
        Trainer (routine retraining without a search); needs tuning_config None.
      mlflow_reporter: tracking_uri, experiment, registered_model and pipeline_run_id (values or
        RuntimeParameters) for an MlflowReporter step after the Evaluator and, with a Pusher, an
        MlflowRegistrar step after the Pusher that registers the pushed model (for orchestrators
        where no process outlives the pipeline, such as Kubeflow); local runs are reported by the
        main job instead.
      schema_path: the curated raw-data schema.
      metadata_connection_config: ML Metadata store; None lets the runner choose.
      beam_pipeline_args: passed to every Beam-based component.
      enable_cache: reuse outputs of executions with identical inputs.

    Every numeric setting may be a RuntimeParameter (a pipeline parameter on Kubeflow).
    """
    if hyperparameters_uri and tuning_config is not None:
        raise ValueError("import best hyperparameters or search for them, not both: give tuning_config=None")
    missing = {"train", "eval"} - set(splits)
    if missing:
        raise ValueError(f"splits must include {sorted(missing)}, got {sorted(splits)}")
    example_gen = SyntheticDateExampleGen(num_examples=num_examples, seed=seed, splits=splits)
    examples = example_gen.outputs["examples"]
    validation = create_data_validation(examples, schema_path)
    schema = validation.schema_gen.outputs["schema"]

    transform = tfx.components.Transform(
        examples=examples, schema=schema, preprocessing_fn=PREPROCESSING_FN,
        splits_config=tfx.proto.SplitsConfig(analyze=["train"], transform=sorted(splits)))
    transform.add_upstream_node(validation.gate)  # no transform, hence no training, on data with anomalies

    train_inputs = dict(
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema,
        train_args=tfx.proto.TrainArgs(splits=["train"]),
        eval_args=tfx.proto.EvalArgs(splits=["eval"]),
    )
    components = [example_gen, *validation, transform]
    tuner = hyperparameters = None
    if tuning_config is not None:
        tuner = TimedTuner(tuner_fn=TUNER_FN, **tuning_config, **train_inputs).with_id("Tuner")
        components.append(tuner)
        hyperparameters = tuner.outputs["best_hyperparameters"]
    elif hyperparameters_uri:
        importer = tfx.dsl.Importer(source_uri=hyperparameters_uri,
                                    artifact_type=tfx.types.standard_artifacts.HyperParameters
                                    ).with_id(HYPERPARAMETERS_IMPORTER_ID)
        components.append(importer)
        hyperparameters = importer.outputs["result"]
    trainer = Trainer(run_fn=RUN_FN, hyperparameters=hyperparameters, **training_config, **train_inputs)
    components.append(trainer)
    evaluation = create_evaluation_and_push(
        examples, schema, trainer.outputs["model"], eval_split="test" if "test" in splits else "eval",
        accuracy_threshold=accuracy_threshold, max_accuracy_drop=max_accuracy_drop,
        serving_model_dir=serving_model_dir)
    components += [node for node in evaluation if node is not None]
    if mlflow_reporter:
        reporter = MlflowReporter(
            **mlflow_reporter, pipeline_name=pipeline_name, num_examples=num_examples, seed=seed,
            epochs=training_config["epochs"], max_trials=tuning_config["max_trials"] if tuning_config else 0,
            trial_epochs=tuning_config["epochs"] if tuning_config else 0,
            accuracy_threshold=accuracy_threshold, max_accuracy_drop=max_accuracy_drop,
            model=trainer.outputs["model"], model_run=trainer.outputs["model_run"],
            transform_graph=transform.outputs["transform_graph"],
            evaluation=evaluation.evaluator.outputs["evaluation"],
            blessing=evaluation.evaluator.outputs["blessing"],
            tuner_results=tuner.outputs["tuner_results"] if tuner else None)
        components.append(reporter)
        if evaluation.pusher is not None:
            # Outside the Pusher's Cond on purpose: it consumes the Pusher's output, so on Kubeflow
            # Argo omits it exactly when the Pusher is skipped (a step after a skipped one never runs),
            # and it has no condition of its own to evaluate. After the reporter, whose parent run
            # it adds the registered version to.
            registrar = MlflowRegistrar(pushed_model=evaluation.pusher.outputs["pushed_model"], **mlflow_reporter)
            registrar.add_upstream_node(reporter)
            components.append(registrar)

    return tfx.dsl.Pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=components,
        enable_cache=enable_cache,
        metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=list(beam_pipeline_args or []),
    )

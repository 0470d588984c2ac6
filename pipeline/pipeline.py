"""The datenmt TFX pipeline definition: one create_pipeline() taking everything as arguments."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from tfx import v1 as tfx
from tfx.dsl.components.base import base_node

from components.anomalies_gate import AnomaliesGate
from components.date_example_gen import SyntheticDateExampleGen
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


def create_pipeline(
    pipeline_name: str,
    pipeline_root: str,
    num_examples: int,
    seed: int,
    splits: Mapping[str, int],
    training_config: Optional[Mapping[str, Any]] = None,
    enable_tuning: bool = False,
    tuning_config: Optional[Mapping[str, Any]] = None,
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
      splits: split name -> hash buckets; needs 'train' and 'eval' (and 'test' for the benchmark).
      training_config: Trainer custom_config (models.training.TrainingConfig fields);
        None trains with the defaults.
      enable_tuning: run the Tuner and train with its best hyperparameters.
      tuning_config: Tuner custom_config: max_trials and TrainingConfig fields for each trial.
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
        tuner = tfx.components.Tuner(tuner_fn=TUNER_FN, custom_config=dict(tuning_config or {}),
                                     **train_split_args)
        hyperparameters = tuner.outputs["best_hyperparameters"]
        components.append(tuner)
    trainer = tfx.components.Trainer(run_fn=RUN_FN, hyperparameters=hyperparameters,
                                     custom_config=dict(training_config or {}), **train_split_args)
    components.append(trainer)

    return tfx.dsl.Pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=components,
        enable_cache=enable_cache,
        metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=list(beam_pipeline_args or []),
    )

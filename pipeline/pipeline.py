"""The datenmt TFX pipeline definition: one create_pipeline() taking everything as arguments."""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

from tfx import v1 as tfx
from tfx.dsl.components.base import base_node

from components.anomalies_gate import AnomaliesGate
from components.date_example_gen import SyntheticDateExampleGen
import schemas


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
      splits: split name -> hash buckets, e.g. {'train': 8, 'eval': 1, 'test': 1}.
      schema_path: the curated raw-data schema.
      metadata_connection_config: ML Metadata store; None lets the runner choose.
      beam_pipeline_args: passed to every Beam-based component.
      enable_cache: reuse outputs of executions with identical inputs.
    """
    example_gen = SyntheticDateExampleGen(num_examples=num_examples, seed=seed, splits=splits)
    components = [example_gen, *create_data_validation(example_gen.outputs["examples"], schema_path)]
    return tfx.dsl.Pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=components,
        enable_cache=enable_cache,
        metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=list(beam_pipeline_args or []),
    )

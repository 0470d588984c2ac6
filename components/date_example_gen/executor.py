"""Executor of SyntheticDateExampleGen: generates tf.Examples inside Beam.

Built on TFX's BaseExampleGenExecutor, so splitting (hash buckets, here keyed on
the `iso` feature), the TFRecord writer and the artifact's payload and file
format properties are exactly those of any ExampleGen.
"""

from __future__ import annotations

from typing import Any

import apache_beam as beam
import tensorflow as tf
from tfx.components.example_gen import base_example_gen_executor

from data_gen import generator

NUM_EXAMPLES_KEY = "num_examples"
SEED_KEY = "seed"


def to_tf_example(example: generator.DateExample) -> tf.train.Example:
    """Encodes one labelled date as a tf.Example with bytes features human, iso, format."""
    feature = {
        name: tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode("utf-8")]))
        for name, value in example._asdict().items()
    }
    return tf.train.Example(features=tf.train.Features(feature=feature))


class _GenerateShard(beam.DoFn):
    """Generates one (shard, size) shard and counts what it made."""

    def __init__(self, seed: int):
        self._seed = seed
        self._generated = beam.metrics.Metrics.counter("datenmt", "examples_generated")

    def process(self, shard_and_size: tuple[int, int]):
        shard, size = shard_and_size
        examples = generator.generate_shard(self._seed, shard, size)
        self._generated.inc(len(examples))
        yield from examples


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(tf.train.Example)
def GenerateDateExamples(  # pylint: disable=invalid-name
    pipeline: beam.Pipeline, exec_properties: dict[str, Any], split_pattern: str
) -> beam.pvalue.PCollection:
    """Generates `num_examples` labelled dates from `seed`, sharded across Beam workers."""
    del split_pattern  # One generated source; splits come from the output config.
    num_examples = int(exec_properties[NUM_EXAMPLES_KEY])
    if num_examples <= 0:
        raise ValueError(f"{NUM_EXAMPLES_KEY} must be a positive number, got {num_examples}")
    seed = int(exec_properties[SEED_KEY])
    shards = list(enumerate(generator.shard_sizes(num_examples)))
    return (
        pipeline
        | "Shards" >> beam.Create(shards)
        | "SpreadShards" >> beam.Reshuffle()
        | "Generate" >> beam.ParDo(_GenerateShard(seed))
        | "ToTFExample" >> beam.Map(to_tf_example)
    )


class Executor(base_example_gen_executor.BaseExampleGenExecutor):
    """Generates synthetic labelled dates as an ExampleGen output."""

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:
        return GenerateDateExamples

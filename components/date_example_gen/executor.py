"""Executor of SyntheticDateExampleGen: generates tf.Examples inside Beam and splits them.

Built on TFX's BaseExampleGenExecutor (its TFRecord writer, payload and file format properties), with
its own split: the output config's hash buckets keyed on the `iso` label (on the text for a refusal,
whose label is empty), so a date seen in training is never in eval or test, except that every example
of a held-out family goes to the test split, so the Evaluator measures combinations never trained on.
"""

from __future__ import annotations

import bisect
import hashlib
from typing import Any

import apache_beam as beam
import tensorflow as tf
from tfx.components.example_gen import base_example_gen_executor
from tfx.proto import example_gen_pb2
from tfx.types import standard_component_specs
from tfx.utils import proto_utils

from data_gen import grammar
from models import features

NUM_EXAMPLES_KEY = "num_examples"
SEED_KEY = "seed"
HELD_OUT_SPLIT = "test"


def to_tf_example(example: grammar.DateExample) -> tf.train.Example:
    """Encodes one labelled date as a tf.Example: bytes human, iso, format (the family), language (its ISO 639-1
    code), written (29 February of a common year as written, else ""); int day_first."""
    def text(value: str) -> tf.train.Feature:
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode("utf-8")]))

    return tf.train.Example(features=tf.train.Features(feature={
        features.HUMAN_KEY: text(example.human),
        features.ISO_KEY: text(example.iso),
        features.FORMAT_KEY: text(example.family),
        features.LANGUAGE_KEY: text(example.language),
        features.WRITTEN_KEY: text(example.written),
        features.DAY_FIRST_KEY: tf.train.Feature(int64_list=tf.train.Int64List(value=[int(example.day_first)])),
    }))


def split_index(example: grammar.DateExample, bucket_ends: list[int], held_out_index: int) -> int:
    """The split an example goes to: its held-out family's split, else a hash bucket of its label (as
    TFX's own partitioning hashes: sha256 modulo the total number of buckets)."""
    if grammar.is_held_out(example.family):
        return held_out_index
    key = (example.iso or example.human).encode("utf-8")
    return bisect.bisect(bucket_ends, int(hashlib.sha256(key).hexdigest(), 16) % bucket_ends[-1])


class _GenerateShard(beam.DoFn):
    """Generates one (shard, size) shard and counts what it made."""

    def __init__(self, seed: int):
        self._seed = seed
        self._generated = beam.metrics.Metrics.counter("datenmt", "examples_generated")

    def process(self, shard_and_size: tuple[int, int]):
        shard, size = shard_and_size
        examples = grammar.generate_shard(self._seed, shard, size)
        self._generated.inc(len(examples))
        yield from examples


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
def GenerateDateExamples(pipeline: beam.Pipeline, num_examples: int, seed: int) -> beam.pvalue.PCollection:  # noqa: N802
    """Generates `num_examples` labelled dates from `seed`, sharded across Beam workers."""
    if num_examples <= 0:
        raise ValueError(f"{NUM_EXAMPLES_KEY} must be a positive number, got {num_examples}")
    shards = list(enumerate(grammar.shard_sizes(num_examples)))
    return (
        pipeline
        | "Shards" >> beam.Create(shards)
        | "SpreadShards" >> beam.Reshuffle()
        | "Generate" >> beam.ParDo(_GenerateShard(seed))
    )


class Executor(base_example_gen_executor.BaseExampleGenExecutor):
    """Generates synthetic labelled dates as an ExampleGen output, split as the module docstring says."""

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:
        raise NotImplementedError("SyntheticDateExampleGen generates and splits in GenerateExamplesByBeam")

    def GenerateExamplesByBeam(self, pipeline: beam.Pipeline,
                               exec_properties: dict[str, Any]) -> dict[str, beam.pvalue.PCollection]:
        output_config = example_gen_pb2.Output()
        proto_utils.json_to_proto(exec_properties[standard_component_specs.OUTPUT_CONFIG_KEY], output_config)
        splits = list(output_config.split_config.splits)
        names = [s.name for s in splits]
        if HELD_OUT_SPLIT not in names:
            raise ValueError(f"the output config needs a '{HELD_OUT_SPLIT}' split for the held-out families")
        bucket_ends = [sum(s.hash_buckets for s in splits[:i + 1]) for i in range(len(splits))]
        parts = (
            pipeline
            | "Generate" >> GenerateDateExamples(int(exec_properties[NUM_EXAMPLES_KEY]),
                                                 int(exec_properties[SEED_KEY]))
            | "Split" >> beam.Partition(lambda e, n: split_index(e, bucket_ends, names.index(HELD_OUT_SPLIT)),
                                        len(splits))
        )
        return {name: part | f"ToTFExample[{name}]" >> beam.Map(to_tf_example)
                for name, part in zip(names, parts, strict=True)}

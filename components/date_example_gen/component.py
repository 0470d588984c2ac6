"""SyntheticDateExampleGen: labelled (human, iso, format) dates as an Examples artifact."""

from __future__ import annotations

from collections.abc import Mapping

from tfx import types
from tfx.components.example_gen import driver
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.orchestration import data_types
from tfx.proto import example_gen_pb2
from tfx.types import component_spec, standard_artifacts, standard_component_specs

from components.date_example_gen import executor
from data_gen import formats, grammar

DEFAULT_SPLITS: Mapping[str, int] = {"train": 8, "eval": 1, "test": 1}
# Splits are keyed on the label, so a date seen in training never appears in
# eval or test (in any format): those splits measure generalisation to new dates.
# Held-out families go to the test split only (executor.split_index).
PARTITION_FEATURE = "iso"
# Part of the execution's identity, so a change of the generator invalidates the cache.
DATA_VERSION = f"catalogue {formats.CATALOGUE_VERSION}, grammar {grammar.GRAMMAR_VERSION}"


class SyntheticDateExampleGenSpec(types.ComponentSpec):
    """Parameters and outputs of SyntheticDateExampleGen."""

    PARAMETERS = {
        executor.NUM_EXAMPLES_KEY: component_spec.ExecutionParameter(type=int),
        executor.SEED_KEY: component_spec.ExecutionParameter(type=int),
        # Part of the execution's identity, so a catalogue change invalidates the cache.
        "catalogue_version": component_spec.ExecutionParameter(type=str),
        standard_component_specs.INPUT_CONFIG_KEY: component_spec.ExecutionParameter(
            type=example_gen_pb2.Input),
        standard_component_specs.OUTPUT_CONFIG_KEY: component_spec.ExecutionParameter(
            type=example_gen_pb2.Output),
        standard_component_specs.OUTPUT_DATA_FORMAT_KEY: component_spec.ExecutionParameter(
            type=int),
        standard_component_specs.OUTPUT_FILE_FORMAT_KEY: component_spec.ExecutionParameter(
            type=int),
    }
    INPUTS = {}
    OUTPUTS = {
        standard_component_specs.EXAMPLES_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.Examples),
    }


def make_output_config(splits: Mapping[str, int]) -> example_gen_pb2.Output:
    """Hash-bucket split config keyed on the iso label, e.g. {'train': 8, 'eval': 1, 'test': 1}."""
    if not splits or any(int(b) <= 0 for b in splits.values()):
        raise ValueError(f"splits must map split names to positive bucket counts, got {dict(splits)}")
    return example_gen_pb2.Output(
        split_config=example_gen_pb2.SplitConfig(
            splits=[example_gen_pb2.SplitConfig.Split(name=n, hash_buckets=int(b))
                    for n, b in splits.items()],
            partition_feature_name=PARTITION_FEATURE,
        ))


class SyntheticDateExampleGen(base_beam_component.BaseBeamComponent):
    """Generates labelled dates with the features `human`, `day_first`, `iso` (empty: not a date) and `format`
    (the generator's family).

    The output is an ordinary `Examples` artifact (gzipped TFRecords of
    tf.Examples, one folder per split) recorded in ML Metadata, so StatisticsGen,
    ExampleValidator and Transform consume it like any ExampleGen's output.
    Generation runs inside Beam, so it scales out on a distributed Beam runner.
    """

    SPEC_CLASS = SyntheticDateExampleGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)
    DRIVER_CLASS = driver.QueryBasedDriver

    def __init__(
        self,
        num_examples: int | data_types.RuntimeParameter,
        seed: int | data_types.RuntimeParameter = 0,
        splits: Mapping[str, int] = DEFAULT_SPLITS,
        output_file_format: int = example_gen_pb2.FORMAT_TFRECORDS_GZIP,
    ):
        """Constructs the component.

        Args:
          num_examples: how many examples to generate over all splits.
          seed: the generator's seed; the same seed gives the same examples.
          splits: split name -> hash buckets; the ratio of split sizes.
          output_file_format: one of example_gen_pb2.FileFormat.
        """
        if isinstance(num_examples, int) and num_examples <= 0:
            raise ValueError(f"num_examples must be a positive number, got {num_examples}")
        spec = SyntheticDateExampleGenSpec(
            num_examples=num_examples,
            seed=seed,
            catalogue_version=DATA_VERSION,
            input_config=example_gen_pb2.Input(
                splits=[example_gen_pb2.Input.Split(name="synthetic", pattern="synthetic-dates")]),
            output_config=make_output_config(splits),
            output_data_format=example_gen_pb2.FORMAT_TF_EXAMPLE,
            output_file_format=output_file_format,
            examples=types.Channel(type=standard_artifacts.Examples),
        )
        super().__init__(spec=spec)

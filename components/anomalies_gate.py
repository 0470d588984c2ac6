"""AnomaliesGate: stops the pipeline when the examples break the schema or carry impossible labels.

ExampleValidator only records anomalies (and a per-split `blessed` property); it does not
stop anything. This gate runs after it and before Transform and fails with every problem
spelled out, so no model is trained on bad data. It checks two things:

- the schema anomalies ExampleValidator found (missing or multi-valued features, a `format`
  outside the catalogue, ...);
- every `iso` label of every split, exactly, against `data_gen.labels.is_valid_label` (a real
  YYYY-MM-DD date in 1900-2099, or "" for "not a date"). TFDV's schema language has no pattern
  constraint, so this check is a Beam job here rather than a domain in the schema: one pass
  over the examples per split, one Combine, run on the pipeline's Beam runner like
  StatisticsGen. Its result is written as the `label_anomalies` output (an ExampleAnomalies
  artifact: one Anomalies proto per split, empty when every label is valid), so a cached
  execution of the gate stands for a passed check of the same examples.
"""

import os
from typing import NamedTuple

import apache_beam as beam
import pyarrow as pa
import pyarrow.compute as pc
from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx import v1 as tfx
from tfx.components.util import tfxio_utils
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import io_utils

from data_gen import formats
from data_gen.labels import is_valid_label

# The file ExampleValidator writes in each split folder of its anomalies artifact
# (the gate writes its label check in the same form).
ANOMALIES_FILE = "SchemaDiff.pb"
# The label feature checked, and how many distinct invalid labels a message quotes.
LABEL_KEY = "iso"
MAX_QUOTED_LABELS = 10
_TELEMETRY_DESCRIPTORS = ["AnomaliesGate"]


class DataAnomaliesError(RuntimeError):
    """The generated examples do not match the schema or carry impossible labels."""


def load_split_anomalies(anomalies: standard_artifacts.ExampleAnomalies) -> dict[str, anomalies_pb2.Anomalies]:
    """The Anomalies proto written for each split of `anomalies`."""
    result = {}
    for split in artifact_utils.decode_split_names(anomalies.split_names):
        path = os.path.join(artifact_utils.get_split_uri([anomalies], split),
                            ANOMALIES_FILE)
        result[split] = _read_anomalies(path)
    return result


def _read_anomalies(path: str) -> anomalies_pb2.Anomalies:
    proto = anomalies_pb2.Anomalies()
    proto.ParseFromString(io_utils.read_bytes_file(path))
    return proto


def describe_anomalies(by_split: dict[str, anomalies_pb2.Anomalies]) -> list[str]:
    """One readable line per anomaly: `split/feature: description`."""
    lines = []
    for split, anomalies in sorted(by_split.items()):
        for feature, info in sorted(anomalies.anomaly_info.items()):
            lines.append(f"{split}/{feature}: {info.description or info.short_description}")
        if anomalies.HasField("dataset_anomaly_info"):
            lines.append(f"{split}/(dataset): {anomalies.dataset_anomaly_info.description}")
    return lines


# --- The label check -------------------------------------------------------------------------


class InvalidLabels(NamedTuple):
    """What the label check found in one split."""

    count: int  # labels (values, not distinct values) failing is_valid_label
    examples: tuple[str, ...]  # the first MAX_QUOTED_LABELS distinct ones, sorted (deterministic)


def _label_text(value) -> str:
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else str(value)


class InvalidLabelsFn(beam.CombineFn):
    """Arrow RecordBatches -> InvalidLabels of their `column`.

    The accumulator is a count and a bounded set of quoted labels; each batch's labels are
    counted by distinct value in Arrow and only the distinct values are checked in Python.
    """

    def __init__(self, column: str = LABEL_KEY, max_quoted: int = MAX_QUOTED_LABELS):
        super().__init__()
        self._column = column
        self._max_quoted = max_quoted

    def create_accumulator(self) -> InvalidLabels:
        return InvalidLabels(0, ())

    def add_input(self, accumulator: InvalidLabels, batch: pa.RecordBatch) -> InvalidLabels:
        index = batch.schema.get_field_index(self._column)
        if index < 0:  # no example of the batch has the feature: ExampleValidator's business
            return accumulator
        column = batch.column(index)
        values = pc.list_flatten(column) if pa.types.is_list(column.type) or pa.types.is_large_list(
            column.type) else column
        distinct = pc.value_counts(values)
        count, quoted = 0, []
        for value, n in zip(distinct.field("values").to_pylist(), distinct.field("counts").to_pylist(), strict=True):
            if value is None:
                continue
            label = _label_text(value)
            if not is_valid_label(label):
                count += n
                quoted.append(label)
        if not count:
            return accumulator
        return self._merge(accumulator, InvalidLabels(count, tuple(quoted)))

    def _merge(self, a: InvalidLabels, b: InvalidLabels) -> InvalidLabels:
        return InvalidLabels(a.count + b.count, tuple(sorted(set(a.examples) | set(b.examples))[:self._max_quoted]))

    def merge_accumulators(self, accumulators) -> InvalidLabels:
        result = self.create_accumulator()
        for accumulator in accumulators:
            result = self._merge(result, accumulator)
        return result

    def extract_output(self, accumulator: InvalidLabels) -> InvalidLabels:
        return accumulator


def label_anomalies_proto(found: InvalidLabels, column: str = LABEL_KEY) -> anomalies_pb2.Anomalies:
    """The check's result as an Anomalies proto: empty, or one anomaly on `column`."""
    proto = anomalies_pb2.Anomalies(anomaly_name_format=anomalies_pb2.Anomalies.SERIALIZED_PATH)
    if found.count:
        years = f"{formats.FIRST_DATE.year}-{formats.LAST_DATE.year}"
        quoted = ", ".join(repr(label) for label in found.examples)
        short = f"Labels that are not real dates in {years}"
        if found.count == 1:
            description = f"1 label is not a real date in {years}: {quoted}"
        else:
            description = f"{found.count} labels are not real dates in {years}, e.g. {quoted}"
        info = proto.anomaly_info[column]
        info.path.step.append(column)
        info.severity = anomalies_pb2.AnomalyInfo.ERROR
        info.short_description, info.description = short, description
        info.reason.add(type=anomalies_pb2.AnomalyInfo.UNKNOWN_TYPE, short_description=short,
                        description=description)
    return proto


def _write_proto(proto: anomalies_pb2.Anomalies, path: str) -> None:
    io_utils.write_bytes_file(path, proto.SerializeToString())


@beam.ptransform_fn
def CheckLabels(batches, output_path: str, column: str = LABEL_KEY):  # pylint: disable=invalid-name
    """RecordBatches of one split -> `output_path`, an Anomalies proto of the labels that are invalid."""
    return (batches
            | "Combine" >> beam.CombineGlobally(InvalidLabelsFn(column))
            | "ToAnomalies" >> beam.Map(label_anomalies_proto, column)
            | "Write" >> beam.Map(_write_proto, output_path))


def check_labels(pipeline: beam.Pipeline, examples: standard_artifacts.Examples,
                 label_anomalies: standard_artifacts.ExampleAnomalies) -> None:
    """Adds the label check of every split of `examples`, written to `label_anomalies`, to `pipeline`."""
    splits = artifact_utils.decode_split_names(examples.split_names)
    label_anomalies.split_names = artifact_utils.encode_split_names(splits)
    for split in splits:
        tfxio = tfxio_utils.get_split_tfxio(examples=[examples], split=split,
                                            telemetry_descriptors=_TELEMETRY_DESCRIPTORS)
        output_path = os.path.join(artifact_utils.get_split_uri([label_anomalies], split), ANOMALIES_FILE)
        _ = (pipeline
             | f"Read[{split}]" >> tfxio.BeamSource()
             | f"CheckLabels[{split}]" >> CheckLabels(output_path))  # pylint: disable=no-value-for-parameter


def raise_on_anomalies(anomalies: standard_artifacts.ExampleAnomalies,
                       label_anomalies: standard_artifacts.ExampleAnomalies) -> None:
    """Raises DataAnomaliesError listing the schema anomalies, then the invalid labels, if any."""
    problems = (describe_anomalies(load_split_anomalies(anomalies))
                + describe_anomalies(load_split_anomalies(label_anomalies)))
    if problems:
        raise DataAnomaliesError(
            "The generated examples have anomalies; the pipeline stops before Transform. Fix the "
            "data or, if the change is intended, the schema (schemas/schema.pbtxt) or the label rule "
            "(data_gen/labels.py):\n  " + "\n  ".join(problems))


# --- The component ---------------------------------------------------------------------------


@tfx.dsl.components.component(use_beam=True)
def AnomaliesGate(  # pylint: disable=invalid-name
    anomalies: tfx.dsl.components.InputArtifact[standard_artifacts.ExampleAnomalies],
    examples: tfx.dsl.components.InputArtifact[standard_artifacts.Examples],
    label_anomalies: tfx.dsl.components.OutputArtifact[standard_artifacts.ExampleAnomalies],
    beam_pipeline: tfx.dsl.components.BeamComponentParameter[beam.Pipeline] = None,
) -> None:
    """Checks every label of `examples`, then raises DataAnomaliesError listing every problem, if any.

    `anomalies` is ExampleValidator's output; `label_anomalies` receives the label check, one
    Anomalies proto per split; `beam_pipeline` is made by TFX from the pipeline's Beam arguments.
    """
    with beam_pipeline as pipeline:
        check_labels(pipeline, examples, label_anomalies)
    raise_on_anomalies(anomalies, label_anomalies)

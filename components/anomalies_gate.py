"""AnomaliesGate: stops the pipeline when ExampleValidator found anomalies.

ExampleValidator only records anomalies (and a per-split `blessed` property);
it does not stop anything. This gate runs after it and before Transform, and
fails with every anomaly spelled out, so no model is trained on bad data.
"""

import os

from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx import v1 as tfx
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import io_utils

# The file ExampleValidator writes in each split folder of its anomalies artifact.
ANOMALIES_FILE = "SchemaDiff.pb"


class DataAnomaliesError(RuntimeError):
    """The generated examples do not match the schema."""


def load_split_anomalies(anomalies: standard_artifacts.ExampleAnomalies) -> dict[str, anomalies_pb2.Anomalies]:
    """The Anomalies proto ExampleValidator wrote for each split of `anomalies`."""
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


@tfx.dsl.components.component
def AnomaliesGate(  # pylint: disable=invalid-name
    anomalies: tfx.dsl.components.InputArtifact[standard_artifacts.ExampleAnomalies],
) -> None:
    """Raises DataAnomaliesError, listing every anomaly, if any split has one."""
    problems = describe_anomalies(load_split_anomalies(anomalies))
    if problems:
        raise DataAnomaliesError(
            "ExampleValidator found anomalies in the generated examples; the pipeline stops "
            "before Transform. Fix the data or, if the change is intended, the schema "
            "(schemas/schema.pbtxt):\n  " + "\n  ".join(problems))

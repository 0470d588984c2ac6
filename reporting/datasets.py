"""The generated examples as an MLflow dataset: their source (the Examples artifact's URI), a digest of their
content, their splits (rows per split, in the profile) and their features (the schema).

MLflow's MetaDataset records a dataset by its metadata only, for data that is not loaded into a DataFrame;
this adds the profile MLflow's own DataFrame datasets record. The digest is the examples' content, not the
files': the same seed writes the same examples to each split in an order that varies between runs, so the
digest hashes each split's records in sorted order and is the same for the same data on any runner.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from typing import Any

import tensorflow as tf
from ml_metadata.proto import metadata_store_pb2
from mlflow.data.dataset_source_registry import resolve_dataset_source
from mlflow.data.meta_dataset import MetaDataset
from mlflow.entities import DatasetInput, InputTag
from mlflow.types import ColSpec, DataType, Schema
from mlflow.utils.mlflow_tags import MLFLOW_DATASET_CONTEXT

from reporting import records

EXAMPLE_GEN = "SyntheticDateExampleGen"  # the node whose Examples are the generated data
DIGEST_LENGTH = 8  # hex characters, as MLflow's own datasets
READ_BATCH = 4096  # records read at once: one by one, tf.data's per-element cost dominates
_FEATURE_TYPES = {"bytes_list": DataType.string, "int64_list": DataType.long, "float_list": DataType.float}


class ExamplesDataset(MetaDataset):
    """A MetaDataset with a profile: {"num_rows": n, "splits": {split: rows}}."""

    def __init__(self, source, name: str, digest: str, schema: Schema, profile: dict[str, Any]):
        self._profile = profile
        super().__init__(source, name=name, digest=digest, schema=schema)

    @property
    def profile(self) -> dict[str, Any]:
        return self._profile

    def to_dict(self) -> dict[str, str]:
        return {**super().to_dict(), "profile": json.dumps(self._profile)}


def split_names(examples: metadata_store_pb2.Artifact) -> list[str]:
    """The splits an Examples artifact holds (its `split_names` property, a JSON list)."""
    value = examples.properties.get("split_names") or examples.custom_properties.get("split_names")
    if value is None or not value.string_value:
        raise ValueError(f"the Examples artifact at {examples.uri} names no splits")
    return json.loads(value.string_value)


def _split_records(uri: str, split: str) -> tf.data.Dataset:
    files = tf.io.gfile.glob(os.path.join(uri, f"Split-{split}", "*"))
    if not files:
        raise FileNotFoundError(f"no files in split {split!r} of the examples at {uri}")
    return tf.data.TFRecordDataset(sorted(files), compression_type="GZIP")


def _schema(serialized: bytes) -> Schema:
    """The features of one tf.Example, as MLflow columns (bytes as strings: the features are text)."""
    example = tf.train.Example.FromString(serialized)
    return Schema([ColSpec(_FEATURE_TYPES[feature.WhichOneof("kind")], name)
                   for name, feature in sorted(example.features.feature.items())])


def examples_dataset(run: records.RunRecords | records.InputArtifacts) -> ExamplesDataset | None:
    """The run's generated examples as a dataset, or None when the run has no ExampleGen output."""
    examples = run.artifact("Examples", EXAMPLE_GEN)
    if examples is None:
        return None
    digest, rows, schema = hashlib.sha256(), {}, None
    for split in split_names(examples):
        hashes = []
        for batch in _split_records(examples.uri, split).batch(READ_BATCH).as_numpy_iterator():
            hashes += [hashlib.sha256(record).digest() for record in batch]
            if schema is None:
                schema = _schema(batch[0])
        hashes.sort()
        digest.update(split.encode() + b"\0" + b"".join(hashes))
        rows[split] = len(hashes)
    with warnings.catch_warnings():  # a local path matches both the "" and the "file" scheme's source
        warnings.simplefilter("ignore", UserWarning)
        source = resolve_dataset_source(examples.uri)
    return ExamplesDataset(source, name=f"{run.pipeline_name}-examples", digest=digest.hexdigest()[:DIGEST_LENGTH],
                           schema=schema, profile={"num_rows": sum(rows.values()), "splits": rows})


def dataset_input(dataset: ExamplesDataset, context: str) -> DatasetInput:
    """The dataset as a run's input, tagged with what the run used it for (`mlflow.data.context`)."""
    return DatasetInput(dataset._to_mlflow_entity(), tags=[InputTag(MLFLOW_DATASET_CONTEXT, context)])
